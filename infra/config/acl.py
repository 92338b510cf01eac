"""The two principals as ACL rules, rendered from the Redis settings model: a pure module, like `redis_conf`.

The app stays Redis's `default` user, so it keeps authenticating with `REDIS_PASSWORD` alone (one-argument AUTH is
AUTH as `default`), and may run every command except the denied ones. The admin user (`ADMIN_USER`) has its own
generated password and may run everything: the operations (verify's permission checks, backup, restore, health,
loadtest, the emergency flush) use it. Redis's own redis.conf calls `rename-command` deprecated ("use ACLs to remove
commands from the default user, and put them only in some admin user"), so nothing is renamed any more.

What the app is denied, and why it provably does not need it (it is a cache/session client):
- `-@admin`: CONFIG, DEBUG, MODULE, MONITOR (streams every client's commands), SYNC/PSYNC/REPLCONF (a full dataset
  dump), REPLICAOF/SLAVEOF/FAILOVER (point the server at another master), SHUTDOWN, SAVE/BGSAVE/BGREWRITEAOF,
  CLIENT KILL/PAUSE/LIST, SLOWLOG, LATENCY and ACL — except ACL WHOAMI, which stays allowed (not in @admin).
- `ALWAYS_DENIED`: FLUSHALL and FLUSHDB (not in @admin — they are @dangerous, hence explicit rules), SWAPDB (swaps
  whole databases) and MIGRATE (copies keys to any host).
- `redis.disabledCommands`, each as a `-cmd` rule.
A service that forbids categories or some command names in its access strings (ElastiCache's restricted commands
cannot appear there) passes `categories=False` / `restricted=`; those commands are then blocked for every client.
"""

from __future__ import annotations

import hashlib
from typing import Iterable

from infra.config.redis import RedisSettings

APP_USER = "default"
ADMIN_USER = "profwise-admin"
ALWAYS_DENIED = ("FLUSHALL", "FLUSHDB", "SWAPDB", "MIGRATE")
ADMIN_CATEGORY = "@admin"
# Every key and every pub/sub channel (Redis 7 defaults acl-pubsub-default to resetchannels: without `&*` a user
# could not PUBLISH/SUBSCRIBE), then every command.
_EVERYTHING = ("~*", "&*", "+@all")
ADMIN_RULES = ("on", *_EVERYTHING)


def denied_commands(settings: RedisSettings, restricted: Iterable[str] = ()) -> list[str]:
    """The commands the app user gets a `-cmd` rule for, in order, each once; `restricted` (the service's own
    blocked commands, which it refuses to see in an access string) left out."""
    skip = {name.upper() for name in restricted}
    names = dict.fromkeys([*ALWAYS_DENIED, *settings.disabled_commands])
    return [name for name in names if name not in skip]


def app_rules(settings: RedisSettings, categories: bool = True, restricted: Iterable[str] = ()) -> list[str]:
    """The `default` user's rules after its password: enabled, all keys and channels, all commands but the denied."""
    rules = ["on", *_EVERYTHING]
    if categories:
        rules.append(f"-{ADMIN_CATEGORY}")
    return rules + [f"-{name.lower()}" for name in denied_commands(settings, restricted)]


def access_string(rules: Iterable[str]) -> str:
    return " ".join(rules)


def password_hash(password: str) -> str:
    """What `#<hash>` takes: the SHA-256 of the password, 64 lower-case hex digits (ACL SETUSER, `#<hash>`)."""
    return hashlib.sha256(password.encode()).hexdigest()


def _user_line(name: str, rules: list[str], password: str | None) -> str:
    # `reset` first: the line alone decides the user (no inherited nopass, keys or commands). Without a password
    # (the checked-in file) the user is `off` with no password at all, so that file admits nobody.
    if password is None:
        return f"user {name} reset resetpass {access_string(['off' if r == 'on' else r for r in rules])}"
    return f"user {name} reset #{password_hash(password)} {access_string(rules)}"


def conf_lines(settings: RedisSettings, app_password: str | None = None,
               admin_password: str | None = None) -> list[str]:
    """redis.conf `user` directives for both principals. Passwords go in as SHA-256 hashes, so the uploaded file
    carries no plaintext password; `requirepass` is not used (it would only set the default user's password, and
    Redis ignores it beside `user default`)."""
    return [_user_line(APP_USER, app_rules(settings), app_password),
            _user_line(ADMIN_USER, list(ADMIN_RULES), admin_password)]
