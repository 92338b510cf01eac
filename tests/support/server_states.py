"""Real servers in the states a writer must refuse: a replica, and a primary still loading its data (`loading:1`).

Both start from the dev container's config (the `dev_servers` fixture's `start`), so they are stopped with the rest.
The loading server uses `key-load-delay`, the config Redis's own test suite slows loading with (microseconds per key):
it is filled, stopped (its AOF is on disk), then started again without waiting for "Ready to accept connections",
which Redis logs only once loading is done — while it loads it accepts connections, AUTH and INFO.
"""

from __future__ import annotations

import subprocess
import time
from typing import Callable

import redis

from support.redis_server import RedisServer


def replica_pair(start: Callable[..., RedisServer], password: str) -> tuple[RedisServer, RedisServer]:
    """(primary, replica): the replica read-only, as a replica is by default, and synced. The primary sends its
    first snapshot at once (the default waits 5 s for more replicas to share it)."""
    primary = start("primary", extra_conf="repl-diskless-sync-delay 0")
    # The replica syncs as the admin user: SYNC/PSYNC/REPLCONF are @admin, denied to the app's default user.
    from support.ops_support import ADMIN_PASSWORD, ADMIN_USER

    replica = start("replica", extra_conf=f"replicaof 127.0.0.1 {primary.port}\nmasteruser {ADMIN_USER}\n"
                                          f"masterauth {ADMIN_PASSWORD}")
    deadline = time.monotonic() + 15
    while replica.client(password).info("replication").get("master_link_status") != "up":
        if time.monotonic() > deadline:
            raise RuntimeError(f"the replica did not sync:\n{replica.log_tail()}")
        time.sleep(0.05)
    return primary, replica


def loading_server(start: Callable[..., RedisServer], password: str, keys: int = 60_000,
                   delay_us: int = 200) -> RedisServer:
    """A server that stays `loading:1` for about keys x delay_us (default ~12 s: longer than any test needs). Loading
    an AOF, Redis 7.0 answers clients once every 1,024 commands, so each round trip takes ~1024 x delay_us."""
    server = start("loading")
    client = server.client(password)
    pipe = client.pipeline(transaction=False)
    for i in range(keys):
        pipe.set(f"app:{i}", i)
    pipe.execute()
    client.close()
    server.stop()
    server.conf_path.write_text(server.conf_path.read_text() + f"\nkey-load-delay {delay_us}\n")
    with open(server.log_path, "ab") as log:
        server.process = subprocess.Popen(server.command, cwd=server.workdir, stdout=log, stderr=subprocess.STDOUT)
    server.stop = server.kill  # type: ignore[method-assign]  # Redis acts on SIGTERM only once loaded
    deadline = time.monotonic() + 15
    while True:
        try:
            if server.client(password).info("persistence").get("loading") == 1:
                return server
        except redis.ConnectionError:
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server never reported loading:1:\n{server.log_tail()}")
        time.sleep(0.02)
