"""A private `dockerd` for one test session, changing nothing outside its own temp directory, under a watchdog.

Its own socket, pidfile, data and exec roots and config file (never /etc/docker/daemon.json; an old engine's identity
key goes there too); no default bridge (`--bridge=none`: the provider's default `bridge` network mode then attaches
nothing), no iptables rules, no ip_forward or masquerading change, so ports reach containers through docker-proxy
(the userland proxy) on 127.0.0.1 — what works in a container sandbox, and touches no host firewall; networks from an
address pool no route on this machine uses; the empty socket directories every dockerd and containerd make under /run
are removed again. A watchdog (this file run as a script) starts dockerd and stops it — SIGTERM, then SIGKILL after a
bound — removes its networks' bridges, its mounts and its directory: when told to (the session's end), and also when
the test process dies without a teardown (SIGKILL, a cancelled CI job).
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docker

START_TIMEOUT, STOP_TIMEOUT = 60.0, 30.0


def dockerd_binary() -> str | None:
    return shutil.which("dockerd") or next((p for p in ("/usr/sbin/dockerd", "/usr/bin/dockerd") if Path(p).exists()),
                                           None)


def unused_pool() -> str:
    """A 10.x.0.0/16 no route on this machine overlaps, for the private daemon's networks."""
    used = []
    for line in Path("/proc/net/route").read_text().splitlines()[1:]:
        fields = line.split()
        dest, mask = (ipaddress.IPv4Address(bytes.fromhex(h)[::-1]) for h in (fields[1], fields[7]))
        if int(dest):  # the default route covers everything: skip it
            used.append(ipaddress.IPv4Network(f"{dest}/{mask}", strict=False))
    candidates = [ipaddress.IPv4Network(f"10.{n}.0.0/16") for n in range(100, 250)]
    random.shuffle(candidates)
    for net in candidates:
        if not any(net.overlaps(u) for u in used):
            return str(net)
    raise RuntimeError("no free 10.x.0.0/16 address pool for a private dockerd")


def daemon_config(binary: str, root: Path) -> dict[str, str]:
    """The private daemon's config file (never /etc/docker/daemon.json). Engines before 23.0 write an identity key to
    /etc/docker/key.json unless `deprecated-key-path` (a config-file key only) moves it; 23.0 dropped both."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False).stdout
    major = re.search(r"version (\d+)\.", out)
    return {"deprecated-key-path": str(root / "key.json")} if major and int(major.group(1)) < 23 else {}


class PrivateDaemon:
    """dockerd under a watchdog (this file run as a script) that stops it and cleans up — when told to (SIGTERM, at
    the end of the session), and also when the test process dies without a teardown (SIGKILL, a CI job cancelled)."""

    def __init__(self, binary: str):
        self.root = Path(tempfile.mkdtemp(prefix="pw-dockerd-"))  # short: a unix socket path has ≤ 107 bytes
        self.url = f"unix://{self.root}/docker.sock"
        (self.root / "daemon.json").write_text(json.dumps(daemon_config(binary, self.root)))
        self.command = [binary, "--config-file", str(self.root / "daemon.json"), "--data-root",
                        str(self.root / "data"), "--exec-root", str(self.root / "exec"), "-H", self.url,
                        "--pidfile", str(self.root / "dockerd.pid"), "--bridge=none", "--iptables=false",
                        "--ip6tables=false", "--ip-forward=false", "--ip-masq=false", "--userland-proxy=true",
                        "--default-address-pool", f"base={unused_pool()},size=24"]
        self.watchdog: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateDaemon:
        # Its own session: a Ctrl-C in the terminal reaches pytest alone, whose teardown then stops the daemon.
        self.watchdog = subprocess.Popen([sys.executable, __file__, "watch", str(os.getpid()), str(self.root),
                                          *self.command], start_new_session=True, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.watchdog.poll() is None:
            try:
                docker.DockerClient(base_url=self.url, version="auto", timeout=5).ping()
                return self
            except Exception:  # noqa: BLE001 — not listening yet
                time.sleep(0.2)
        log = self.root / "dockerd.log"
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"
        self.stop()
        raise RuntimeError(f"the private dockerd did not start ({' '.join(self.command)}):\n{tail}")

    def stop(self) -> None:
        if self.watchdog and self.watchdog.poll() is None:
            self.watchdog.send_signal(signal.SIGTERM)
            self.watchdog.wait(timeout=STOP_TIMEOUT + 30)


def _shutdown(daemon: subprocess.Popen[bytes], root: Path) -> None:
    """SIGTERM (dockerd stops its containers and its containerd), SIGKILL after a bound; then remove the bridges of
    its networks (they outlive the daemon), unmount what is left under its root and delete the root."""
    try:
        client = docker.DockerClient(base_url=f"unix://{root}/docker.sock", version="auto", timeout=10)
        bridges = [f"br-{n.id[:12]}" for n in client.networks.list() if n.attrs.get("Driver") == "bridge"]
    except Exception:  # noqa: BLE001 — a daemon that died has no networks to ask about
        bridges = []
    if daemon.poll() is None:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait(timeout=10)
    for bridge in bridges:
        subprocess.run(["ip", "link", "delete", bridge], capture_output=True, check=False)
    mounts = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()
              if line.split()[1].startswith(str(root))]
    for mount in sorted(mounts, reverse=True):
        subprocess.run(["umount", "-l", mount], capture_output=True, check=False)
    shutil.rmtree(root, ignore_errors=True)


# Directories every dockerd (plugin sockets) and containerd (shim sockets) create, whatever their roots: removed
# again if this daemon created them and they are empty (another daemon's would not be).
SHARED_RUN_DIRS = ("/run/containerd/s", "/run/containerd", "/run/docker/plugins", "/run/docker")


def watch(parent: int, root: Path, command: list[str]) -> None:
    """Run dockerd until told to stop (SIGTERM) or until `parent` (the test process) is gone, then shut it down."""
    created = [d for d in SHARED_RUN_DIRS if not os.path.exists(d)]
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.append(signum))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    env = {**os.environ, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin:" + os.environ.get("PATH", "")}
    with open(root / "dockerd.log", "ab") as log:
        daemon = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    while not stopping and daemon.poll() is None and os.getppid() == parent:
        time.sleep(0.5)
    _shutdown(daemon, root)
    for directory in created:
        try:
            os.rmdir(directory)
        except OSError:  # not empty (another daemon uses it) or already gone
            pass


if __name__ == "__main__":  # the private daemon's watchdog: private_dockerd.py watch <parent pid> <root> <dockerd …>
    watch(int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4:])
