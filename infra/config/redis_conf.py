"""Render the Redis settings model as the container's `redis.conf`.

A pure function of `RedisSettings` (plus the app's and the admin's passwords, which only the deployed copy carries, as
SHA-256 hashes: `infra.config.acl`). The checked-in `redis.conf` at the repository root is `render(RedisSettings())`
without passwords (both users off); a golden test keeps them equal,
so `make redis.conf` is the only way to change it. Container-only facts (listen address, data directory, file names)
live here, not in the model, because ElastiCache manages them itself.
"""

from __future__ import annotations

import re

from infra import contract
from infra.config import acl
from infra.config.redis import RedisSettings

CONTAINER_CONF_PATH = "/usr/local/etc/redis/redis.conf"
CONTAINER_DATA_DIR = "/data"
CONTAINER_PORT = contract.DEFAULT_PORT
# The official image's entrypoint drops to `redis` (uid 999, gid 1000 in redis:*-alpine) before exec'ing the server.
CONTAINER_REDIS_UID = "999"
CONTAINER_REDIS_GID = "1000"
USERS_MARKER = ("# Passwords as `#<sha256>` of the stack's secrets, added at deploy time (the checked-in copy has "
                "none: both users off).")

# What a password typed into redis.conf, a URL or REDISCLI_AUTH cannot carry: redis.conf's parser splits on whitespace
# and interprets quotes and backslashes, and control characters (DEL included) have no place in a password anyone
# types. (The rendered file itself carries hashes only; the rule stays so the password also works as `>password` and
# as the ElastiCache token it may have been.)
_CONF_UNSAFE = re.compile(r"[\s\"'\\\x00-\x1f\x7f]")


def password_fits_conf(password: str) -> bool:
    """Whether redis.conf can carry `password` verbatim; the one rule both the settings model and `render` apply."""
    return bool(password) and not _CONF_UNSAFE.search(password)


def check_password_syntax(password: str) -> None:
    """The settings model refuses such a password earlier, naming the key; this guards direct callers."""
    if not password_fits_conf(password):
        raise ValueError("password must be non-empty, without whitespace, quotes, backslashes or control characters")


def render(settings: RedisSettings, password: str | None = None, admin_password: str | None = None) -> str:
    d = settings.directives()
    for secret in (password, admin_password):
        if secret is not None:
            check_password_syntax(secret)
    sections: list[tuple[str, list[str]]] = [
        ("Network", [
            "# Inside the container Redis listens on every interface so Docker's port forwarding reaches it;",
            "# the host side publishes the port on bindAddress (127.0.0.1) only. AUTH guards every connection.",
            "bind * -::*",
            f"port {CONTAINER_PORT}",
            f"protected-mode {d['protected-mode']}",
            f"tcp-keepalive {d['tcp-keepalive']}",
            f"timeout {d['timeout']}",
        ]),
        ("Security", [
            "# Two users (infra/config/acl.py): the app is `default` (AUTH with the stack's password alone) and may",
            "# run every command but @admin and the disabled ones; the admin user runs the operations. No",
            "# rename-command (deprecated by Redis in favour of ACLs): the admin can still run what the app cannot.",
            USERS_MARKER,
            *acl.conf_lines(settings, password, admin_password),
            "enable-debug-command no",
            "enable-module-command no",
            "enable-protected-configs no",
        ]),
        ("Memory and eviction", [
            "# A cache: when full, evict instead of refusing writes.",
            f"maxmemory {d['maxmemory']}",
            f"maxmemory-policy {d['maxmemory-policy']}",
            "# Free large values in a background thread so evictions and DELs never stall clients.",
            *(f"{name} {d[name]}" for name in d if name.startswith(("lazyfree-", "replica-lazy"))),
        ]),
        ("Persistence: RDB snapshots", [
            "# Point-in-time snapshots (also what `redis-cli --rdb` backups transfer).",
            f"dir {CONTAINER_DATA_DIR}",
            "dbfilename dump.rdb",
            f"save {d['save']}",
            "stop-writes-on-bgsave-error yes",
            "rdbcompression yes",
            "rdbchecksum yes",
        ]),
        ("Persistence: append-only file", [
            "# Redis 7 keeps the AOF as a directory (base + incremental files + manifest) under `dir`.",
            "# everysec: at most about one second of acknowledged writes is lost on a crash.",
            f"appendonly {d['appendonly']}",
            'appenddirname "appendonlydir"',
            'appendfilename "appendonly.aof"',
            f"appendfsync {d['appendfsync']}",
            "aof-use-rdb-preamble yes",
            "auto-aof-rewrite-percentage 100",
            "auto-aof-rewrite-min-size 64mb",
        ]),
        ("Slow log", [
            "# Commands slower than this many microseconds are recorded (`SLOWLOG GET`).",
            f"slowlog-log-slower-than {d['slowlog-log-slower-than']}",
            f"slowlog-max-len {d['slowlog-max-len']}",
        ]),
        ("Process", [
            "# Docker supervises the process and collects its log from stdout.",
            "daemonize no",
            "loglevel notice",
            'logfile ""',
        ]),
    ]
    lines = [
        "# redis.conf for profwise-redis, rendered by infra/config/redis_conf.py from infra/config/redis.py.",
        "# Do not edit: change the stack's `profwise-redis:redis` config (or the model) and run `make redis.conf`.",
    ]
    for title, body in sections:
        lines += ["", f"# ---- {title} " + "-" * max(4, 100 - len(title)), *body]
    return "\n".join(lines) + "\n"
