"""The digitalocean backend's extra output keys (besides the contract's), in a module with no imports of weight: the
component, the CLI's `backup` and the tests read them without loading the provider."""

from infra.contract import REGION  # noqa: F401 — a shared key, re-exported

CLUSTER_ID = "cluster_id"
CLUSTER_URN = "cluster_urn"
CLUSTER_NAME = "cluster_name"
