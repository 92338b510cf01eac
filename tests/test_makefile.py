"""The Makefile's install steps: pip is asked on every run, so an existing venv whose packages no longer satisfy the
requirements (e.g. pulumi-docker 5.0 after the floor moved to 5.2) is upgraded, whatever the files' timestamps say.

`make` runs against a stand-in venv whose `python` only records how it was called.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from support.stack_harness import REPO_ROOT

pytestmark = pytest.mark.integration

RECORDER = """#!/bin/sh
echo "$*" >> "{log}"
"""


@pytest.mark.parametrize(("target", "requirements"), [("deps", "requirements.txt"),
                                                      ("test-deps", "requirements-dev.txt")])
def test_every_make_run_asks_pip_to_satisfy_the_requirements(tmp_path: Path, target, requirements):
    venv, log = tmp_path / "venv", tmp_path / "calls.log"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text(RECORDER.format(log=log))
    (venv / "bin" / "python").chmod(0o755)
    for _ in range(2):  # the second run finds the venv "up to date" by any timestamp: pip is asked anyway
        done = subprocess.run(["make", "-s", target, f"VENV={venv}"], cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
    assert log.read_text().splitlines() == [f"-m pip install -q -r {requirements}"] * 2
