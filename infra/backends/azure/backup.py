"""`backup` / `restore` for the azure backend (`infra.backends.spec.ServiceBackup`): they refuse, with the reason and
the service's own export/import command.

The generic backup streams an RDB snapshot over the Redis protocol (`REPLCONF rdb-only` + `SYNC`), and Azure Managed
Redis blocks both commands ("Redis commands not supported in Azure Managed Redis",
learn.microsoft.com/azure/redis/configure); the generic restore sends RESTORE per key, which would work, but not
from a backup this tool can take. The service's copy is an export of the database's RDB file to a blob container
(ARM `databases/export`, `az redisenterprise database export`), its restore an import that replaces all the data
(`databases/import`). Neither is driven from here: nothing on this project's machines validates requests against the
real Azure API, so code calling it could not be tested (docs/azure.md, "What is not proven"). The SAS URI is a
credential: the commands below carry a placeholder, never a real one, and the user passes theirs to `az` only.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from infra.backends.azure.endpoint import CLUSTER_NAME, RESOURCE_GROUP

INTERRUPTED = "nothing was requested from Azure (this tool does not call its API)"
SAS_PLACEHOLDER = "'<blob container URL with a write SAS>'"


class NotDrivenHere(RuntimeError):
    """Backup and restore of an Azure Managed Redis database are the Azure CLI's (or the portal's) job."""


ERRORS: tuple[type[Exception], ...] = (NotDrivenHere,)


def error_text(error: Exception) -> str:
    return str(error)


def _where(outputs: dict[str, Any]) -> str:
    cluster = outputs.get(CLUSTER_NAME) or "<cluster>"
    group = outputs.get(RESOURCE_GROUP) or "<resource group>"
    return f"--cluster-name {cluster} --resource-group {group}"


def export_command(outputs: dict[str, Any]) -> str:
    return f"az redisenterprise database export {_where(outputs)} --sas-uri {SAS_PLACEHOLDER}"


def import_command(outputs: dict[str, Any]) -> str:
    return (f"az redisenterprise database import {_where(outputs)} "
            "--sas-uris '<blob URL of the .rdb file with a read SAS>'")


def backup(args: argparse.Namespace, outputs: dict[str, Any], progress: Callable[[str], None]) -> dict[str, Any]:
    raise NotDrivenHere("Azure Managed Redis blocks SYNC and REPLCONF, which this tool's backup streams the RDB "
                        "snapshot with; the service persists the database itself (AOF or RDB, azure.rdbFrequency), "
                        f"and a copy you keep is an export to a blob container: {export_command(outputs)}")


def rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(key, str(value)) for key, value in report.items()]


def restore(args: argparse.Namespace, outputs: dict[str, Any]) -> int:
    raise NotDrivenHere("restoring an Azure Managed Redis database is an import of an exported RDB file, which "
                        f"replaces all of its data: {import_command(outputs)}")
