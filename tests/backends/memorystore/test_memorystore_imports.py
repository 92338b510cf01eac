"""The import budget: the registry imports this backend's package cheaply (no provider, no pydantic, no Pulumi), and
a dev stack's program evaluation never loads pulumi_gcp; only the component module does, and only its `redis` module
(not `compute`)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from support.stack_harness import REPO_ROOT

pytestmark = pytest.mark.integration  # subprocesses


def modules_after(code: str) -> set[str]:
    script = f"{code}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_the_backend_package_imports_nothing_heavy():
    loaded = modules_after("import infra.backends.memorystore")
    assert not {m for m in loaded if m.split(".")[0] in ("pulumi_gcp", "pydantic", "pulumi", "redis")}


def test_the_dev_stack_does_not_import_pulumi_gcp():
    loaded = modules_after("from infra.tooling.mock_engine import run_stack\nrun_stack('dev')")
    assert "infra.backends.memorystore" in loaded  # the registry looked (the settings model, the mock outputs)
    assert not {m for m in loaded if m.startswith("pulumi_gcp")}
    assert "infra.backends.memorystore.component" not in loaded


def test_the_component_loads_the_providers_redis_module_only():
    loaded = modules_after("from infra.backends.memorystore import component\ncomponent.gcp_redis.Instance")
    # pulumi_gcp registers every service as a lazy module; what is loaded is a service's resource modules.
    assert "pulumi_gcp.redis.instance" in loaded
    assert not {m for m in loaded if m.startswith("pulumi_gcp.compute.")}
