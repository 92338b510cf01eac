"""Which engine the engine tests use (tests/support/docker_engine.py), how a private one is cleaned up
(private_dockerd.py), and the pure parts of the provider translation (tests/support/docker_provider.py)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from support import docker_engine
from support import private_dockerd
from support.docker_provider import ApplyError, duration_ns, upload_tar


@pytest.mark.parametrize(("explicit", "ambient", "can_start", "url", "origin"), [
    ("unix:///tmp/x.sock", "unix:///var/run/docker.sock", True, "unix:///tmp/x.sock", "PROFWISE_TEST_DOCKER_HOST"),
    (None, "unix:///var/run/docker.sock", True, "unix:///var/run/docker.sock", "the engine `docker info` reaches"),
    (None, "tcp://127.0.0.1:2375", False, "tcp://127.0.0.1:2375", "the engine `docker info` reaches"),
    (None, None, True, None, "a private dockerd started for this test session"),
    # a remote engine publishes ports on its own loopback, which the tests cannot reach: a private one instead
    (None, "ssh://builder@ci.example", True, None, "a private dockerd started for this test session (the engine "
                                                   "`docker info` reaches, ssh://builder@ci.example, is not on this "
                                                   "machine)"),
])
def test_which_engine_a_session_uses(explicit, ambient, can_start, url, origin):
    assert docker_engine.choose(explicit, ambient, can_start) == docker_engine.Choice(url, origin)


@pytest.mark.parametrize("ambient", [None, "tcp://10.0.0.5:2376"])
def test_no_engine_fails_with_the_fix_instead_of_skipping(ambient):
    with pytest.raises(RuntimeError, match="start Docker .* or run `make test` as root"):
        docker_engine.choose(None, ambient, can_start=False)


@pytest.mark.parametrize(("url", "local"), [
    ("unix:///var/run/docker.sock", True), ("npipe:////./pipe/docker_engine", True), ("tcp://localhost:2375", True),
    ("tcp://[::1]:2375", True), ("tcp://192.0.2.10:2376", False), ("ssh://me@host", False),
])
def test_only_an_engine_on_this_machine_counts_as_local(url, local):
    assert docker_engine.is_local(url) is local


def test_the_private_pool_avoids_every_route_here():
    pool = private_dockerd.unused_pool()
    assert pool.startswith("10.") and pool.endswith(".0.0/16")


@pytest.mark.parametrize(("text", "nanos"), [("10s", 10 * 10**9), ("3s", 3 * 10**9), ("1m30s", 90 * 10**9),
                                             ("250ms", 250 * 10**6)])
def test_healthcheck_durations_parse_as_go_does(text, nanos):
    assert duration_ns(text) == nanos


@pytest.mark.parametrize("text", ["10", "ten seconds", "10s extra", ""])
def test_a_malformed_duration_is_refused(text):
    with pytest.raises(ApplyError):
        duration_ns(text)


@pytest.mark.parametrize(("upload", "mode", "owner"), [
    ({"permissions": "0600", "owner": "999", "group": "1000"}, 0o600, (999, 1000)),
    ({}, 0o644, (0, 0)),  # the provider's defaults: 0644, root
    ({"executable": True}, 0o744, (0, 0)),
])
def test_an_upload_is_one_tar_entry_with_the_declared_mode_and_owner(upload, mode, owner):
    data = upload_tar({"file": "/usr/local/etc/redis/redis.conf", "content": "port 6379\n", **upload})
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        (entry,) = tar.getmembers()
        assert (entry.name, entry.mode, (entry.uid, entry.gid)) == ("/usr/local/etc/redis/redis.conf", mode, owner)
        assert tar.extractfile(entry).read() == b"port 6379\n"


# A test process that starts the watchdog over a stand-in "dockerd", waits until it runs, then dies without any
# teardown (as under SIGKILL).
DYING_PARENT = """import os, subprocess, sys, time
subprocess.Popen([sys.executable, {engine!r}, "watch", str(os.getpid()), {root!r}, *{daemon!r}], start_new_session=True)
while not os.path.exists({pidfile!r}):
    time.sleep(0.05)
os._exit(0)
"""


@pytest.mark.integration
def test_the_watchdog_stops_the_daemon_and_cleans_up_when_the_test_process_dies(tmp_path):
    root, pidfile = tmp_path / "daemon-root", tmp_path / "daemon.pid"
    root.mkdir()
    daemon = [sys.executable, "-c", f"import os, time; open({str(pidfile)!r}, 'w').write(str(os.getpid())); "
                                    "time.sleep(300)"]
    parent = DYING_PARENT.format(engine=private_dockerd.__file__, root=str(root), daemon=daemon, pidfile=str(pidfile))
    subprocess.run([sys.executable, "-c", parent], check=True, timeout=30)
    daemon_pid = int(pidfile.read_text())
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (root.exists() or _alive(daemon_pid)):
        time.sleep(0.2)
    assert not _alive(daemon_pid), "the daemon outlived the test process"
    assert not root.exists(), "the daemon's directory was left behind"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"  # a zombie has exited
