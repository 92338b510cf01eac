"""What Google Cloud computes for the memorystore stack's instance under the Pulumi mock engine.

Endpoints, the generated AUTH string, the per-instance CA certificates and the read endpoint: values no input
states, shaped as the provider returns them (camelCase), so the program's outputs and the deploy hook's view can be
tested without GCP. The port is the TLS port 6378, as the service serves it with in-transit encryption. Stdlib only.
"""

from __future__ import annotations

from typing import Any

from infra.backends.memorystore.outputs import INSTANCE_TYPE

MOCK_AUTH_STRING = "mock0generated0auth0string0of0memorystore"
# Not a real certificate (the mock engine never connects): two entries, as during a CA rotation.
MOCK_CA_CERTS = [
    {"cert": "-----BEGIN CERTIFICATE-----\nMOCK-SERVER-CA-1\n-----END CERTIFICATE-----\n",
     "serialNumber": "1", "createTime": "2026-01-01T00:00:00Z", "expireTime": "2036-01-01T00:00:00Z",
     "sha1Fingerprint": "00" * 20},
    {"cert": "-----BEGIN CERTIFICATE-----\nMOCK-SERVER-CA-2\n-----END CERTIFICATE-----\n",
     "serialNumber": "2", "createTime": "2031-01-01T00:00:00Z", "expireTime": "2041-01-01T00:00:00Z",
     "sha1Fingerprint": "11" * 20},
]


def _instance(args: Any) -> dict[str, Any]:
    replicas = args.inputs.get("readReplicasMode") == "READ_REPLICAS_ENABLED"
    return {"host": "10.20.0.3", "port": 6378, "authString": MOCK_AUTH_STRING, "serverCaCerts": MOCK_CA_CERTS,
            "readEndpoint": "10.20.0.4" if replicas else "", "readEndpointPort": 6378 if replicas else 0,
            "currentLocationId": args.inputs.get("locationId") or f"{args.inputs.get('region')}-b",
            "persistenceIamIdentity": "serviceAccount:service-123@cloud-redis.iam.gserviceaccount.com"}


OUTPUTS: dict[str, Any] = {INSTANCE_TYPE: _instance}
