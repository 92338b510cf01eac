"""The `digitalocean` backend: a DigitalOcean Managed Valkey cluster (DigitalOcean's Redis-compatible successor to
its Managed Redis, whose creates stopped on 2025-04-30), in the backend's VPC, behind its firewall, TLS only.

This file must stay cheap to import (the registry imports it on every start-up): no pydantic, no provider.
"""

from infra.backends.spec import BackendSpec

CLUSTER_TYPE = "digitalocean:index/databaseCluster:DatabaseCluster"
VALKEY_CONFIG_TYPE = "digitalocean:index/databaseValkeyConfig:DatabaseValkeyConfig"

SPEC = BackendSpec(
    name="digitalocean",
    summary="a DigitalOcean Managed Valkey cluster",
    settings_model="infra.backends.digitalocean.settings:DigitalOceanSettings",
    component="infra.backends.digitalocean.component:build",
    rules="infra.backends.digitalocean.rules:problems",
    # The hook sits on the Valkey config, the last step: verifying after the cluster alone would check DigitalOcean's
    # defaults on a first `pulumi up`. The config reports only its cluster's id; host and port come from the cluster,
    # registered before it (the component's `host`/`port`).
    endpoint_types={VALKEY_CONFIG_TYPE: "infra.backends.digitalocean.endpoint:valkey_config"},
    hooked_resource_reports=frozenset(),  # host, port and password all come from the cluster
    # REDIS_HOST is the private host and the firewall admits only the backend: a deployer outside the VPC cannot
    # reach it, so by default `pulumi up` does not check the data plane (run `verify` from inside the VPC).
    data_plane_from_deployer=False,
    control_plane=None,  # nothing here can stand in for DigitalOcean's API (docs/digitalocean.md)
    mocks="infra.backends.digitalocean.mocks:OUTPUTS",
    # DigitalOcean has no Valkey backups and SYNC is not shown to be allowed: backup/restore refuse, saying what to do
    backup="infra.backends.digitalocean.backup",
    needs_local_docker=False,
    stand_in="infra.backends.digitalocean.settings:stand_in",
)
