"""The guide's key-metric thresholds, written once, and the one evaluation of Redis's persistence status fields.

Three tools judge the same INFO figures: `verify` (pass/fail after a deploy, `infra.verify.metrics`), `health` (the
operator's pass/warn/fail table, `infra.ops.health`) and `loadtest` (which refuses to fill memory past the alert line,
`infra.loadtest.keys`). They differ on purpose — verify fails where the guide raises an alert, health adds a warning
band before it and a failure band past it — but every band is derived from the constants here, so changing a
threshold changes all three. The prod stack's CloudWatch alarms (`infra.backends.elasticache.alarms`) state the same
alert lines in their own terms (a test keeps them equal).
"""

from __future__ import annotations

from typing import Any, Mapping

from infra.results import FAIL, PASS, WARN

# The guide's alert lines (also the CloudWatch alarms': memory > 80 %, connections > 10,000, hit rate < 80 %).
MEMORY_LIMIT = 0.80  # share of maxmemory: verify fails at it, health warns from it, loadtest never crosses it
CLIENTS_LIMIT = 10_000  # connected clients: verify and health fail at it
HIT_RATIO_ALERT = 0.80  # hits / lookups: verify warns below it
# The guide's healthy value for the hit ratio: health passes above it.
HIT_RATIO_TARGET = 0.85

# Ours, health only: the bands around the guide's lines.
MEMORY_CRITICAL = 0.95  # health fails from here: evictions are under way or about to be
CLIENTS_WARN = CLIENTS_LIMIT * 8 // 10  # health warns from 80 % of the limit (8,000)
HIT_RATIO_FAIL = 0.70  # health fails at or below this: most reads go to the database

# INFO persistence status fields (each `ok` or `err`). A failed RDB save or AOF write makes Redis refuse writes
# (MISCONF, stop-writes-on-bgsave-error) or lose them: a failure, and a server that does not report them cannot be
# vouched for. A failed AOF rewrite loses nothing — the server keeps appending to its current AOF and retries — so it
# is a warning. The AOF fields mean nothing with AOF off.
FAILING_FIELDS = (("rdb_last_bgsave_status", False), ("aof_last_write_status", True))
REWRITE_FIELD = "aof_last_bgrewrite_status"


def evaluate_persistence(info: Mapping[str, Any]) -> tuple[str, str]:
    """(status, detail) from INFO persistence: fail on a failed or unreported save/write, warn on a failed rewrite."""
    aof = bool(info.get("aof_enabled"))
    seen, failed = [], []
    for field, needs_aof in FAILING_FIELDS:
        if needs_aof and not aof:
            continue
        value = info.get(field, "missing")
        seen.append(f"{field}={value}")
        if value != "ok":
            failed.append(f"{field} is {value}")
    rewrite = info.get(REWRITE_FIELD, "ok") if aof else "ok"
    if failed:
        return FAIL, "; ".join(failed) + ": the last write to disk failed (disk full or not writable?)"
    if rewrite != "ok":
        return WARN, f"{REWRITE_FIELD} is {rewrite}: the last AOF rewrite failed (the AOF keeps growing until one " \
                     "succeeds; check the server's log and disk space)"
    return PASS, ", ".join(seen)
