"""What DigitalOcean computes for this backend's resources, for the mock engine (`OUTPUTS`: type token -> outputs).

Shaped as the provider returns them (camelCase): a Valkey cluster's connection details use port 25061 and the user
`default`, host names <name>-do-user-<account>-0.k.db.ondigitalocean.com and private-<same> (as DigitalOcean shows
them; the `k.` label is Valkey's), and a `rediss://` URI. The password is a stand-in; the program must mark it
secret itself (the mock engine does not apply the provider's additional_secret_outputs).
"""

from __future__ import annotations

from typing import Any

from infra.backends.digitalocean.endpoint import CLUSTER_TYPE

PORT = 25061
USER = "default"
PASSWORD = "Mock0Valkey0Password0From0DigitalOcean"
ACCOUNT = "12345678"
CLUSTER_UUID = "245bcfd0-7f31-4ce6-a2bc-475a116cca97"


def _cluster(args: Any) -> dict[str, Any]:
    name = args.inputs["name"]
    host = f"{name}-do-user-{ACCOUNT}-0.k.db.ondigitalocean.com"
    private = f"private-{host}"
    return {
        "host": host, "privateHost": private, "port": PORT, "user": USER, "password": PASSWORD, "database": "",
        "uri": f"rediss://{USER}:{PASSWORD}@{host}:{PORT}", "privateUri": f"rediss://{USER}:{PASSWORD}@{private}:{PORT}",
        "clusterUrn": f"do:dbaas:{CLUSTER_UUID}", "urn": f"do:dbaas:{CLUSTER_UUID}",
    }


OUTPUTS: dict[str, Any] = {CLUSTER_TYPE: _cluster}
