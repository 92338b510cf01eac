"""An OpenSSH server on 127.0.0.1 for one test module: the "server" the selfhosted stack deploys to.

Debian's `openssh-server` (`make test` installs it), run as a child (`sshd -D`) from a temp directory that holds
everything: host and client keys (ssh-keygen, ed25519), `sshd_config` (its own port, pidfile, authorized_keys; no
passwords, no PAM), a client `ssh_config` that trusts exactly this host key and uses exactly this key. The key's
`authorized_keys` entry forces the command the pulumi-docker provider's ssh:// connection runs, `docker system
dial-stdio`, against the test engine's socket — what a real server runs for a deploy key, and how a private dockerd
is reached without /var/run/docker.sock — and allows port forwarding, which the ops tunnel needs. Nothing outside
the temp directory changes (sshd needs /run/sshd to exist; it is created when missing). Stopped by its pid.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "the selfhosted engine tests need OpenSSH's sshd (Debian: openssh-server): run `make test`"


def sshd_binary() -> str:
    found = shutil.which("sshd") or next((p for p in ("/usr/sbin/sshd",) if Path(p).exists()), None)
    if not found:
        raise RuntimeError(INSTALL_HINT)
    return found


def docker_cli() -> str:
    """The docker CLI the forced command runs: Debian's (docker.io, with `system dial-stdio`), else the one on PATH."""
    found = next((p for p in ("/usr/bin/docker",) if Path(p).exists()), None) or shutil.which("docker")
    if not found:
        raise RuntimeError("the selfhosted engine tests need a docker CLI for `docker system dial-stdio` (Debian: "
                           "docker.io): run `make test`")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SshServer:
    root: Path
    port: int
    user: str
    process: subprocess.Popen[bytes]

    @property
    def ssh_config(self) -> Path:
        return self.root / "ssh_config"

    @property
    def engine(self) -> str:
        return f"ssh://{self.user}@127.0.0.1:{self.port}"

    @property
    def ssh_opts(self) -> list[str]:
        """What the stack's `selfhosted.sshOpts` says: this client config, nothing from ~/.ssh."""
        return ["-F", str(self.ssh_config)]

    def log(self) -> str:
        path = self.root / "sshd.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def start(engine_url: str) -> SshServer:
    root = Path(tempfile.mkdtemp(prefix="pw-sshd-"))
    user = os.environ.get("USER") or subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
    for name in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(root / name)], check=True)
    port = _free_port()
    forced = f"{docker_cli()} --host={engine_url} system dial-stdio"
    client_pub = (root / "client_key.pub").read_text().strip()
    (root / "authorized_keys").write_text(f'command="{forced}",restrict,port-forwarding {client_pub}\n')
    host_pub = (root / "host_key.pub").read_text().split()
    (root / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_pub[0]} {host_pub[1]}\n")
    (root / "sshd_config").write_text("\n".join([
        "ListenAddress 127.0.0.1", f"Port {port}", f"HostKey {root}/host_key", f"PidFile {root}/sshd.pid",
        f"AuthorizedKeysFile {root}/authorized_keys", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
        "UsePAM no", "StrictModes no",  # the keys live under /tmp, whose parents are world-writable
        "PermitRootLogin prohibit-password", f"AllowUsers {user}", "AllowTcpForwarding yes", "LogLevel VERBOSE", ""]))
    (root / "ssh_config").write_text("\n".join([
        "Host 127.0.0.1", "  HostName 127.0.0.1", f"  Port {port}", f"  User {user}",
        f"  IdentityFile {root}/client_key",
        "  IdentitiesOnly yes", f"  UserKnownHostsFile {root}/known_hosts", "  StrictHostKeyChecking yes",
        "  BatchMode yes", "  LogLevel ERROR", ""]))
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # "Missing privilege separation directory" otherwise
    binary = sshd_binary()
    subprocess.run([binary, "-t", "-f", str(root / "sshd_config")], check=True, capture_output=True)
    process = subprocess.Popen([binary, "-D", "-f", str(root / "sshd_config"), "-E", str(root / "sshd.log")],
                               stdin=subprocess.DEVNULL)
    server = SshServer(root, port, user, process)
    deadline = time.monotonic() + 15  # sshd listens within milliseconds; a loaded CI machine gets more
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    log = server.log()
    server.stop()
    raise RuntimeError(f"sshd did not start on 127.0.0.1:{port}: {log[-1000:]}")
