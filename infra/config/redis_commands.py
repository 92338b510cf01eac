"""Redis command names: every top-level command of the Redis version the image pins, and the ones our tools send.

`redis.disabledCommands` denies commands to the app's `default` user (a `-name` ACL rule, infra.config.acl; the admin
user keeps them). Redis refuses to start on a rule naming a command it does not have, so only the names below are
accepted — whole commands, as before (they were renamed away once, and `rename-command` of a subcommand crashes
redis 7.0) — and none of `REQUIRED_COMMANDS`, which verification, backup, restore, health, loadtest and the
container's healthcheck send (the app-side checks of verify, and any tool run without an admin credential, need
them).

`COMMANDS_7_2` is written out (not read from a server at run time: the program runs where no Redis is) from the
command table of the Redis 7.2 branch, `src/commands/*.json` (github.com/redis/redis, branch 7.2, 7.2.6): every entry
without a `container` (a subcommand has one), minus SENTINEL, which exists only in sentinel mode (a plain server
answers "No such command" to renaming it). A test compares it with `COMMAND LIST` of the redis-server installed
here (Debian's 7.0), whose only difference is `ADDED_IN_7_2`.
"""

from __future__ import annotations

import difflib
import re
from typing import Annotated

from pydantic import AfterValidator

COMMANDS_7_2 = frozenset("""
ACL APPEND ASKING AUTH BGREWRITEAOF BGSAVE BITCOUNT BITFIELD BITFIELD_RO BITOP BITPOS BLMOVE BLMPOP BLPOP BRPOP
BRPOPLPUSH BZMPOP BZPOPMAX BZPOPMIN CLIENT CLUSTER COMMAND CONFIG COPY DBSIZE DEBUG DECR DECRBY DEL DISCARD DUMP ECHO
EVAL EVALSHA EVALSHA_RO EVAL_RO EXEC EXISTS EXPIRE EXPIREAT EXPIRETIME FAILOVER FCALL FCALL_RO FLUSHALL FLUSHDB
FUNCTION GEOADD GEODIST GEOHASH GEOPOS GEORADIUS GEORADIUSBYMEMBER GEORADIUSBYMEMBER_RO GEORADIUS_RO GEOSEARCH
GEOSEARCHSTORE GET GETBIT GETDEL GETEX GETRANGE GETSET HDEL HELLO HEXISTS HGET HGETALL HINCRBY HINCRBYFLOAT HKEYS HLEN
HMGET HMSET HRANDFIELD HSCAN HSET HSETNX HSTRLEN HVALS INCR INCRBY INCRBYFLOAT INFO KEYS LASTSAVE LATENCY LCS LINDEX
LINSERT LLEN LMOVE LMPOP LOLWUT LPOP LPOS LPUSH LPUSHX LRANGE LREM LSET LTRIM MEMORY MGET MIGRATE MODULE MONITOR MOVE
MSET MSETNX MULTI OBJECT PERSIST PEXPIRE PEXPIREAT PEXPIRETIME PFADD PFCOUNT PFDEBUG PFMERGE PFSELFTEST PING PSETEX
PSUBSCRIBE PSYNC PTTL PUBLISH PUBSUB PUNSUBSCRIBE QUIT RANDOMKEY READONLY READWRITE RENAME RENAMENX REPLCONF REPLICAOF
RESET RESTORE RESTORE-ASKING ROLE RPOP RPOPLPUSH RPUSH RPUSHX SADD SAVE SCAN SCARD SCRIPT SDIFF SDIFFSTORE SELECT SET
SETBIT SETEX SETNX SETRANGE SHUTDOWN SINTER SINTERCARD SINTERSTORE SISMEMBER SLAVEOF SLOWLOG SMEMBERS SMISMEMBER SMOVE
SORT SORT_RO SPOP SPUBLISH SRANDMEMBER SREM SSCAN SSUBSCRIBE STRLEN SUBSCRIBE SUBSTR SUNION SUNIONSTORE SUNSUBSCRIBE
SWAPDB SYNC TIME TOUCH TTL TYPE UNLINK UNSUBSCRIBE UNWATCH WAIT WAITAOF WATCH XACK XADD XAUTOCLAIM XCLAIM XDEL XGROUP
XINFO XLEN XPENDING XRANGE XREAD XREADGROUP XREVRANGE XSETID XTRIM ZADD ZCARD ZCOUNT ZDIFF ZDIFFSTORE ZINCRBY ZINTER
ZINTERCARD ZINTERSTORE ZLEXCOUNT ZMPOP ZMSCORE ZPOPMAX ZPOPMIN ZRANDMEMBER ZRANGE ZRANGEBYLEX ZRANGEBYSCORE
ZRANGESTORE ZRANK ZREM ZREMRANGEBYLEX ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREVRANGE ZREVRANGEBYLEX ZREVRANGEBYSCORE
ZREVRANK ZSCAN ZSCORE ZUNION ZUNIONSTORE
""".split())
# `since: 7.2.0` in the command table: absent from a 7.0 server, so not disableable on a 7.0 image.
ADDED_IN_7_2 = frozenset({"WAITAOF"})

# The commands our own tools send, each with who sends it (a test runs every tool against a server where all other
# commands are renamed away, and reads the server's command statistics to keep this list exact).
REQUIRED_COMMANDS: dict[str, str] = {
    "AUTH": "every tool and the container healthcheck authenticate (the app's password, or the admin user's)",
    "ACL": "verify asks ACL WHOAMI who is connected and, as the admin, ACL DRYRUN what each user may run",
    "PING": "verify (reachability, latency), health, the container healthcheck",
    "INFO": "verify (settings, persistence, memory), health, loadtest (headroom), restore (key count, persistence)",
    "COMMAND": "verify probes each disabled command with COMMAND INFO; cluster clients read the command table",
    "SET": "verify's round trip, loadtest's test keys",
    "GET": "verify's round trip, loadtest",
    "TTL": "verify's round trip checks the expiry it set",
    "DEL": "verify's round trip and restore's probe key clean up after themselves",
    "UNLINK": "loadtest removes its test keys",
    "SCAN": "loadtest finds its test keys to remove",
    "SLOWLOG": "health reports the slow log",
    "REPLCONF": "backup asks for the RDB only (REPLCONF rdb-only)",
    "SYNC": "backup streams the RDB snapshot",
    "RESTORE": "restore writes each key",
    "FUNCTION": "restore loads the backup's function libraries (FUNCTION LOAD)",
    "SELECT": "restore writes keys of databases other than 0",
    "TIME": "restore reads the server clock before its BGSAVE",
    "BGSAVE": "restore persists the restored keys when AOF is off",
    "BGREWRITEAOF": "restore persists the restored keys when AOF is on",
    "CLUSTER": "verify and health read CLUSTER INFO, and the cluster client CLUSTER SLOTS, in cluster mode",
}

# Commands a tool uses when the server has them and does without when they are disabled (so disabling them is
# allowed): restore's fast path falls back to RESTORE, saying so.
OPTIONAL_COMMANDS: dict[str, str] = {
    "REPLICAOF": "restore loads an empty target by replication (falls back to RESTORE when refused)",
    "CLIENT": "restore's replication path reads CLIENT INFO: the address the target sees the tool at",
}


# Commands flagged `no_auth` in the command table (COMMAND INFO flags, 7.0 and 8.x alike): Redis lets every client run
# them whatever its ACL says (ACL DRYRUN answers OK even after `-hello`), so an ACL rule cannot disable them. AUTH is
# required anyway; HELLO, QUIT and RESET are connection handshakes no data depends on.
ACL_EXEMPT = frozenset({"AUTH", "HELLO", "QUIT", "RESET"})

_COMMAND_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*", re.ASCII)


def _command_name(name: str) -> str:
    """One `redis.disabledCommands` entry: a real top-level Redis 7.2 command that none of our tools need."""
    if "|" in name:
        raise ValueError(f"{name!r} is a subcommand: Redis renames whole commands only (renaming a subcommand "
                         "crashes redis 7.0 at start-up); disable the whole command, or leave it enabled")
    if not _COMMAND_RE.fullmatch(name):
        raise ValueError(f"{name!r} is not a Redis command name (letters, digits, '-' or '_', e.g. FLUSHALL)")
    upper = name.upper()
    if upper not in COMMANDS_7_2:
        close = difflib.get_close_matches(upper, sorted(COMMANDS_7_2), n=1, cutoff=0.75)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ValueError(f"{name!r} is not a Redis 7.2 command{hint}: Redis refuses to start when told to rename "
                         "a command it does not have; remove it or fix its spelling")
    if upper in REQUIRED_COMMANDS:
        raise ValueError(f"{upper} cannot be disabled: {REQUIRED_COMMANDS[upper]}; remove it from the list")
    if upper in ACL_EXEMPT:
        raise ValueError(f"{upper} cannot be disabled: Redis lets every client run it whatever the ACL says (a "
                         "connection command flagged no_auth); remove it from the list")
    return upper


CommandName = Annotated[str, AfterValidator(_command_name)]


def known_commands(redis_minor: tuple[int, int] | None) -> frozenset[str]:
    """The command names a server of that version has; None (an image whose version is unknown) means 7.2."""
    if redis_minor is not None and redis_minor < (7, 2):
        return COMMANDS_7_2 - ADDED_IN_7_2
    return COMMANDS_7_2
