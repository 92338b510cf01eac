"""`backup` / `restore` for the memorystore backend (`infra.backends.spec.ServiceBackup`): the service backs itself
up, and this tool says how to take a copy rather than doing it.

Memorystore keeps RDB snapshots on its own schedule (the stack sets `persistenceConfig`, `snapshotPeriod`); an
on-demand copy is an export of an RDB file to Cloud Storage (`instances.export`), a restore an import
(`instances.import`, which replaces the instance's data). Neither is driven from here: nothing on this project's
machines validates requests against the real Memorystore API, so such code could not be tested (docs/memorystore.md).
An RDB stream over the Redis protocol (the docker backend's `SYNC`) is not attempted either: the service owns
replication and documents no such access. Both commands therefore fail with the gcloud commands that do it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from infra.backends.memorystore.outputs import INSTANCE_ID, REGION

INTERRUPTED = "nothing was requested from Memorystore (this tool does not call its API)"


class NotDrivenHere(RuntimeError):
    """Backup and restore of a Memorystore instance are gcloud's (or the console's) job."""


ERRORS: tuple[type[Exception], ...] = (NotDrivenHere,)


def error_text(error: Exception) -> str:
    return str(error)


def _where(outputs: dict[str, Any]) -> tuple[str, str]:
    return str(outputs.get(INSTANCE_ID) or "<instance>"), str(outputs.get(REGION) or "<region>")


def export_command(outputs: dict[str, Any], bucket: str = "<bucket>") -> str:
    instance, region = _where(outputs)
    return f"gcloud redis instances export gs://{bucket}/{instance}.rdb {instance} --region={region}"


def import_command(outputs: dict[str, Any], uri: str = "gs://<bucket>/<file>.rdb") -> str:
    instance, region = _where(outputs)
    return f"gcloud redis instances import {uri} {instance} --region={region}"


def backup(args: argparse.Namespace, outputs: dict[str, Any], progress: Callable[[str], None]) -> dict[str, Any]:
    bucket = getattr(args, "export_bucket", None) or "<bucket>"
    raise NotDrivenHere("Memorystore backs itself up with RDB snapshots (persistenceConfig); for a copy you keep, "
                        f"export one to Cloud Storage: {export_command(outputs, bucket)} (the instance's service "
                        "account, persistenceIamIdentity, needs write access to the bucket)")


def rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(key, str(value)) for key, value in report.items()]


def restore(args: argparse.Namespace, outputs: dict[str, Any]) -> int:
    raise NotDrivenHere("restoring a Memorystore instance is an import from Cloud Storage, which replaces all of "
                        f"its data: {import_command(outputs)}")
