"""The `memorystore` backend: a Google Cloud Memorystore for Redis instance (the Standard tier, TLS, AUTH, private
service access), verified over the data plane with the instance's own CA; it has no control-plane checks (nothing
here validates requests against the real GCP API) and backs itself up with RDB snapshots."""

from infra.backends.memorystore.outputs import INSTANCE_TYPE
from infra.backends.spec import BackendSpec

SPEC = BackendSpec(
    name="memorystore",
    summary="a Google Cloud Memorystore for Redis instance",
    settings_model="infra.backends.memorystore.settings:MemorystoreSettings",
    component="infra.backends.memorystore.component:build",
    rules="infra.backends.memorystore.rules:problems",
    endpoint_types={INSTANCE_TYPE: "infra.backends.memorystore.endpoint:instance"},
    hooked_resource_reports=frozenset({"host", "port", "password"}),  # the AUTH string is the instance's output
    # The instance has only a private address in the VPC: the deployer's machine usually cannot reach it.
    data_plane_from_deployer=False,
    mocks="infra.backends.memorystore.mocks:OUTPUTS",
    backup="infra.backends.memorystore.backup",
    stand_in="infra.backends.memorystore.service:stand_in",
)
