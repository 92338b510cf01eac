"""The import budget: a dev stack never loads pulumi_digitalocean nor the component, and the registry's view of this
backend (its package `__init__`) loads nothing heavy; only the component module imports the provider."""

from __future__ import annotations

import subprocess
import sys

import pytest

from support.stack_harness import REPO_ROOT

pytestmark = pytest.mark.integration  # each test is a fresh interpreter (sys.modules is per process)


def _modules_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_evaluating_the_dev_stack_imports_no_digitalocean_provider_or_component():
    loaded = _modules_after("from infra.tooling.mock_engine import run_stack; run_stack('dev')")
    assert "pulumi" in loaded  # the probe really evaluated a program
    assert "infra.backends.digitalocean.settings" in loaded  # the registry looked (the settings model, the mocks)
    assert not {m for m in loaded if m.startswith("pulumi_digitalocean")}
    assert "infra.backends.digitalocean.component" not in loaded


def test_the_backend_package_itself_is_free_to_import():
    loaded = _modules_after("import infra.backends.digitalocean")
    assert not {m for m in loaded if m.split(".")[0] in ("pulumi", "pulumi_digitalocean", "pydantic", "redis")}


def test_only_the_component_imports_the_provider():
    loaded = _modules_after("import infra.backends.digitalocean.rules, infra.backends.digitalocean.endpoint, "
                            "infra.backends.digitalocean.mocks, infra.backends.digitalocean.valkey_config")
    assert "pulumi_digitalocean" not in loaded
    assert "pulumi_digitalocean" in _modules_after("import infra.backends.digitalocean.component")
