"""Is this machine's clock fit to date backups by? Retention deletes by age, so a wrong clock would delete history.

A backup's age is counted from the time this machine gave it; the server keeps its own clock and says what it is —
the RDB's `ctime` aux field (when the server wrote the snapshot), the `Date` of an AWS API response. When the two
disagree by more than CLOCK_TOLERANCE one of them is wrong, and retention is skipped with `clock_problem`'s message
rather than guess which (a backup run with the clock in 2099 would otherwise find every older backup "old").
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

CLOCK_TOLERANCE = timedelta(hours=1)  # retention counts days: an hour of clock disagreement changes nothing real


def clock_problem(local: datetime, server: datetime | None) -> str | None:
    """None when the clocks agree (or there is nothing to compare with); else why retention must not run."""
    if server is None or abs(local - server) <= CLOCK_TOLERANCE:
        return None
    return (f"this machine's clock says {local:%Y-%m-%d %H:%M} UTC but the server's said {server:%Y-%m-%d %H:%M} "
            "UTC: retention skipped, nothing pruned, until the clocks agree")


def rdb_clock(ctime: str | None) -> datetime | None:
    """The server's clock when it wrote the snapshot: the RDB's `ctime` aux field (Unix seconds)."""
    return datetime.fromtimestamp(int(ctime), timezone.utc) if ctime and ctime.isdigit() else None
