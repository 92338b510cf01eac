"""The `elasticache` backend: an encrypted AWS ElastiCache replication group (the prod stack), with control-plane
checks through the AWS API and service-managed snapshots for backup and restore."""

from infra.backends.spec import BackendSpec

REPLICATION_GROUP_TYPE = "aws:elasticache/replicationGroup:ReplicationGroup"

SPEC = BackendSpec(
    name="elasticache",
    summary="an AWS ElastiCache replication group (prod)",
    settings_model="infra.backends.elasticache.settings:ElastiCacheSettings",
    component="infra.backends.elasticache.component:build",
    rules="infra.backends.elasticache.rules:problems",
    endpoint_types={REPLICATION_GROUP_TYPE: "infra.backends.elasticache.endpoint:replication_group"},
    # The data plane is usually private (a VPC): by default the deployer checks the control plane only.
    data_plane_from_deployer=False,
    control_plane="infra.backends.elasticache.control_plane:run_checks",
    mocks="infra.backends.elasticache.mocks:OUTPUTS",
    backup="infra.backends.elasticache.backup",
    stand_in="infra.backends.elasticache.ids:stand_in",
    legacy_settings="infra.backends.elasticache.parameter_group:legacy_settings",
)
