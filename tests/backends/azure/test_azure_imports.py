"""The import budget: the dev stack never loads this backend's provider, the backend's settings, rules, endpoint
reader and mock outputs load no provider either, and `pulumi_azure_native.network` (1.5-1.9 s here) loads only when
the private endpoint is created, not when the component module is imported."""

from __future__ import annotations

import subprocess
import sys

import pytest

from infra.config.stack_files import REPO_ROOT

pytestmark = pytest.mark.integration  # each case is a fresh interpreter


def _modules(code: str) -> list[str]:
    """The pulumi_azure_native modules really loaded after `code`: the package registers every service as a lazy
    module (pulumi._utils._LazyModule) that loads on first attribute access, so those do not count."""
    probe = (f"{code}\nimport sys\nprint(sorted(m for m, mod in sys.modules.items() if m.startswith("
             "'pulumi_azure_native.') and type(mod).__name__ != '_LazyModule'))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return eval(done.stdout.strip().splitlines()[-1])  # noqa: S307 — our own probe's repr of a list of names


def test_the_dev_stack_imports_no_azure_provider():
    code = ("from infra.tooling.mock_engine import run_stack; run_stack('dev'); import sys; "
            "assert 'pulumi_azure_native' not in sys.modules, 'the dev stack imported pulumi_azure_native'")
    assert _modules(code) == []


def test_the_backends_cheap_modules_import_no_provider():
    code = ("import sys, infra.backends.azure, infra.backends.azure.settings, infra.backends.azure.rules, "
            "infra.backends.azure.endpoint, infra.backends.azure.mocks, infra.backends.azure.database_config; "
            "assert 'pulumi_azure_native' not in sys.modules")
    assert _modules(code) == []


def test_network_loads_only_when_the_private_endpoint_is_created():
    assert not [m for m in _modules("import infra.backends.azure.component") if m.startswith(
        "pulumi_azure_native.network.")]
    code = ("import sys; sys.path[:0] = ['tests']\n"
            "from support.azure import run_azure\nrun_azure()")
    loaded = _modules(code)
    assert "pulumi_azure_native.network.private_endpoint" in loaded
    assert "pulumi_azure_native.redisenterprise.redis_enterprise" in loaded
