"""Ctrl-C anywhere in the CLI: one line saying what state is left, exit 130, never a traceback — against a server
frozen with SIGSTOP, so the command is certainly waiting on it when the SIGINT arrives. (backup's own states:
test_backup_retention; restore and loadtest handle theirs themselves.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from support.ops_support import outputs_for, write_outputs
from support.stack_harness import REPO_ROOT


def has_socket(pid: int) -> bool:
    """The CLI has opened its connection to the server (it opens no other socket)."""
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:") for fd in os.listdir(f"/proc/{pid}/fd"))
    except FileNotFoundError:  # an fd closed while we looked
        return False


def interrupted(args: list[str]) -> subprocess.CompletedProcess[str]:
    process = subprocess.Popen([sys.executable, "-m", "infra.cli", *args], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not has_socket(process.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # now blocked on the frozen server (its --timeout is far longer)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.integration
@pytest.mark.parametrize("command, said", [
    (["verify"], "verify interrupted (Ctrl-C): verify only reads; its round-trip test key, if one was written, "
                 "expires on its own"),
    (["health"], "health interrupted (Ctrl-C) before its first report: no verdict"),
    (["health", "--watch", "1"], "health interrupted (Ctrl-C) before its first report: no verdict"),
])
def test_ctrl_c_is_one_line_and_exit_130(dev_server, dev_run, tmp_path, command, said):
    server, password = dev_server
    outputs = write_outputs(tmp_path / "outputs.json", outputs_for(server, password, dev_run))
    server.signal(signal.SIGSTOP)
    try:
        done = interrupted([*command, "--outputs", outputs, "--timeout", "60"])
    finally:
        server.signal(signal.SIGCONT)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.strip().splitlines() == [said]
    assert done.stdout == ""
