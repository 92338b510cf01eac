"""The deploy hook's view of the replication group: its endpoint and id, from the group's own outputs.

The id completes the expected `control_plane` description (a group created under a generated name is known by it
only once it exists).
"""

from __future__ import annotations

from typing import Any, Mapping

from infra import contract

PORT = contract.DEFAULT_PORT  # the group's port: the component sets it and the security group admits it


def replication_group(id_: str, outputs: Mapping[str, Any]) -> dict[str, Any]:
    host = outputs.get("configurationEndpointAddress") or outputs.get("primaryEndpointAddress")
    group_id = outputs.get("replicationGroupId") or id_
    found = {contract.HOST: host, contract.PORT: int(outputs.get("port") or PORT),
             contract.REPLICATION_GROUP_ID: group_id}
    found = {key: value for key, value in found.items() if value}
    if group_id:
        found[contract.CONTROL_PLANE] = {"replication_group_id": group_id}
    return found
