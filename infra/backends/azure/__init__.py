"""The `azure` backend: Azure Managed Redis (Microsoft.Cache/redisEnterprise), the successor of the retiring Azure
Cache for Redis — a highly available cluster reached only through a private endpoint, TLS on port 10000, the primary
access key as the app's password (docs/azure.md). Only the spec lives here: importing it loads no provider."""

from infra.backends.spec import BackendSpec

# The hooked resources (infra/backends/azure/endpoint.py): the private endpoint, or its DNS zone group when there
# is one.
HOOKED_TYPES = ("azure-native:network:PrivateEndpoint", "azure-native:network:PrivateDnsZoneGroup")

SPEC = BackendSpec(
    name="azure",
    summary="Azure Managed Redis, behind a private endpoint",
    settings_model="infra.backends.azure.settings:AzureSettings",
    component="infra.backends.azure.component:build",
    rules="infra.backends.azure.rules:problems",
    endpoint_types={type_: "infra.backends.azure.endpoint:private_link" for type_ in HOOKED_TYPES},
    # The hooked resource is a later step: host, port and key come from the cluster, the database and listKeys.
    hooked_resource_reports=frozenset(),
    # Public network access is disabled: only a deployer inside the VNet reaches the data plane.
    data_plane_from_deployer=False,
    # No control-plane checks: nothing here validates requests against the Azure API (docs/azure.md).
    control_plane=None,
    mocks="infra.backends.azure.mocks:OUTPUTS",
    # The generic backup streams the RDB with SYNC, which the service blocks: this one refuses, naming the export.
    backup="infra.backends.azure.backup",
    stand_in="infra.backends.azure.values:stand_in",
)
