"""A stack file that is not valid YAML, or not the shape Pulumi reads, gets one clear message everywhere it is read.

The readers: the mock-engine runner (`infra.tooling.mock_engine.run_stack`), `python -m infra.cli check`, and `make
up`'s reader in scripts/up.sh. Each must say which file, where and what to do — one message, no traceback, nothing
deployed. The CLI and up.sh runs use a copy of the project in a temp directory, so no test writes a stack file into the
repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra.config.pulumi_yaml import StackFileError
from infra.config.stack_files import stack_values
from support.stack_harness import REPO_ROOT, run_stack

# (stack file text, a phrase of the message)
BROKEN = [
    ("config:\n  profwise-redis:backend: [docker\n", "is not valid YAML at line 3"),
    ("- profwise-redis:backend\n- docker\n", "holds a YAML list, not a mapping"),
    ("config:\n  - profwise-redis:backend: docker\n", "`config:` is a YAML list, not a mapping"),
    ("config: docker\n", "`config:` is a YAML string"),
    ("config:\n  profwise-redis:backend: docker\n  profwise-redis:backend: elasticache\n", "written twice"),
    ("config:\n  profwise-redis:redis: {maxmemory: !!binary aGVsbG8=}\n", "cannot carry"),
    ("config:\n  profwise-redis:redis:\n\tmaxmemory: 1gb\n", "is not valid YAML at line 3"),
]
IDS = ["unclosed", "top-level-list", "config-list", "config-string", "duplicate-key", "binary", "tab"]


def _project(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "project"
    for part in ("infra", "policy", "scripts"):
        shutil.copytree(REPO_ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__", "venv"))
    shutil.copy(REPO_ROOT / "Pulumi.yaml", root)
    (root / "Pulumi.broken.yaml").write_text(text)
    return root


@pytest.mark.parametrize(("text", "phrase"), BROKEN, ids=IDS)
def test_the_mock_engine_runner_says_what_is_wrong(tmp_path, text, phrase):
    root = _project(tmp_path, text)
    with pytest.raises(StackFileError) as caught:
        run_stack("broken", root=root)
    assert str(caught.value).startswith("Pulumi.broken.yaml") and phrase in str(caught.value)
    assert "\n" not in str(caught.value)
    with pytest.raises(StackFileError):
        stack_values("broken", root)


@pytest.mark.integration
@pytest.mark.parametrize(("text", "phrase"), BROKEN[:2], ids=IDS[:2])  # every kind is covered by the runner test
def test_check_prints_one_message_and_fails(tmp_path, text, phrase):
    root = _project(tmp_path, text)
    done = subprocess.run([sys.executable, "-m", "infra.cli", "check", "--stack", "broken"], cwd=root,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "Pulumi.broken.yaml" in done.stdout and phrase in done.stdout and "nothing would deploy" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_yaml_1_1_booleans_and_dates_stay_strings_as_pulumi_reads_them(tmp_path):
    root = _project(tmp_path, "config:\n  profwise-redis:app: {enableCache: yes}\n  a: 2024-01-01\n  b: true\n")
    assert stack_values("broken", root) == {"profwise-redis:app": {"enableCache": "yes"}, "a": "2024-01-01",
                                            "b": True}


@pytest.mark.integration
@pytest.mark.parametrize(("text", "phrase"), BROKEN[:2], ids=IDS[:2])
def test_make_up_stops_with_the_readers_message_before_anything_runs(tmp_path, text, phrase):
    root = _project(tmp_path, text)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for name in ("pulumi", "docker"):  # present, so up.sh gets as far as reading the stack file; never called
        (bin_dir / name).write_text(f'#!/bin/bash\necho "{name} $*" >> "{log}"\n')
        (bin_dir / name).chmod(0o755)
    venv = Path(os.environ.get("VIRTUAL_ENV", REPO_ROOT / ".venv"))
    done = subprocess.run(["bash", str(root / "scripts" / "up.sh")], capture_output=True, text=True, timeout=120,
                          cwd=root, env={"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path),
                                         "STACK": "broken", "VENV": str(venv)})
    assert done.returncode == 1
    assert done.stderr.startswith("error: Pulumi.broken.yaml") and phrase in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert not log.exists(), "nothing may run after a stack file that cannot be read"
