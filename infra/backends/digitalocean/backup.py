"""`backup` / `restore` for the digitalocean backend (`infra.backends.spec.ServiceBackup`): both refuse, with the
reason and what to do instead.

DigitalOcean offers no backup of a Valkey cluster to drive: its API says "Backups are not supported for Caching or
Valkey clusters" (digitalocean/openapi, databases: list backups), so there is no on-demand snapshot, no retention
and no restore-from-backup fork. The nodes' own RDB dumps (`persistence: rdb`, taken by DigitalOcean) and the standby
keep the data across restarts and failovers; they are not copies a user can take. The generic RDB-over-the-wire
backup (the docker backend's `SYNC`/`REPLCONF`) is not attempted: DigitalOcean documents no replication access for
clients, nothing here can show that the service allows it, and the generic restore's preflight reads settings
(`CONFIG GET`, `INFO persistence`) a managed node may not answer as a local server does. What remains is a
key-by-key copy with SCAN + DUMP / RESTORE, which needs no replication access, run from a host inside the VPC.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from infra.backends.digitalocean.outputs import CLUSTER_NAME

INTERRUPTED = "nothing was requested from DigitalOcean or the cluster (this backend's backup refuses before any call)"
INSTEAD = ("copy the keys with SCAN + DUMP/RESTORE from a host inside the cluster's VPC (e.g. redis-shake's "
           "scan_reader, which needs no SYNC), and keep the cache refillable from the app's source of truth")


class NotSupportedHere(RuntimeError):
    """A Valkey cluster on DigitalOcean has no backups to take or restore through this tool."""


ERRORS: tuple[type[Exception], ...] = (NotSupportedHere,)


def error_text(error: Exception) -> str:
    return str(error)


def _cluster(outputs: dict[str, Any]) -> str:
    return str(outputs.get(CLUSTER_NAME) or "<cluster>")


def backup(args: argparse.Namespace, outputs: dict[str, Any], progress: Callable[[str], None]) -> dict[str, Any]:
    raise NotSupportedHere(
        f"DigitalOcean has no backups for Valkey cluster {_cluster(outputs)} (its API: \"Backups are not supported "
        "for Caching or Valkey clusters\"), and an RDB stream over the wire (SYNC) is not shown to be allowed on the "
        f"service, so nothing was taken; instead, {INSTEAD}")


def rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(key, str(value)) for key, value in report.items()]


def restore(args: argparse.Namespace, outputs: dict[str, Any]) -> int:
    raise NotSupportedHere(
        f"restoring into Valkey cluster {_cluster(outputs)} is not done by this tool: DigitalOcean has no backup to "
        "restore from, and the RDB replay's preflight is not proven against a managed node; instead, "
        f"{INSTEAD.replace('copy the keys', 'copy the keys back', 1)}")
