"""`DigitalOceanValkey`: a DigitalOcean Managed Valkey cluster with the same output contract as the other backends.

Creates the cluster (engine `valkey`, a primary and a standby, in the backend's VPC, a maintenance window, tags,
`protect`), its firewall admitting only the trusted sources, and the Valkey config rendered from the Redis settings
model (eviction policy, idle timeout, RDB persistence, TLS required). `REDIS_HOST` is the private host name, the
port the cluster reports (25061), the password the one DigitalOcean generated, read back as a secret. The service
presents a Let's Encrypt certificate ("How to Connect to Valkey Database Clusters": no CA download needed), so
clients verify it with the system's trust store and no `ca_certificate` output is exported: the provider's
`get_database_ca` serves the project CA of the other engines, which would not verify this chain.

pulumi_digitalocean's `__init__` imports every module of the SDK (~2 s, measured in docs/digitalocean.md), and a
submodule import runs it too; so the provider is imported here only, and only a digitalocean stack imports this.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import pulumi
import pulumi_digitalocean as do

from infra.backends.digitalocean import limits, valkey_config
from infra.backends.digitalocean.settings import DigitalOceanSettings
from infra.backends.digitalocean.outputs import CLUSTER_ID, CLUSTER_NAME, CLUSTER_URN, REGION
from infra.config.redis import RedisSettings
from infra.contract import PROJECT


@dataclass(frozen=True)
class DigitalOceanValkeyArgs:
    digitalocean: DigitalOceanSettings
    redis: RedisSettings
    # After create/update of the Valkey config, the last step: only then does the cluster behave as the stack says.
    hooks: pulumi.ResourceHookBinding | None = None

    @classmethod
    def from_settings(cls, settings: Any, hooks: pulumi.ResourceHookBinding | None = None) -> DigitalOceanValkeyArgs:
        return cls(digitalocean=settings.digitalocean, redis=settings.redis, hooks=hooks)


def cluster_tags(stack: str, extra: tuple[str, ...]) -> list[str]:
    """The project's tags first (tag names hold no `.`, which a stack name may), then the user's, each once."""
    stack_tag = "".join(c if limits.TAG_RE.fullmatch(c) else "-" for c in stack)
    return list(dict.fromkeys([PROJECT, f"{PROJECT}:{stack_tag}"[:255], *extra]))


class DigitalOceanValkey(pulumi.ComponentResource):
    backend = "digitalocean"
    tls = True  # the Valkey config sets ssl (and the policy pack requires it)

    def __init__(self, name: str, args: DigitalOceanValkeyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("profwise:redis:DigitalOceanValkey", name, None, opts)
        cfg = args.digitalocean
        stack = pulumi.get_stack()
        cluster_name = cfg.cluster_name(stack)
        window = cfg.maintenance_window
        # protect: `pulumi destroy` or a replacing change (a new name, region or VPC) cannot delete the cache.
        self.cluster = do.DatabaseCluster(
            f"{name}-cluster",
            name=cluster_name,
            engine=limits.ENGINE,
            version=cfg.version,
            size=cfg.size,
            region=cfg.region,
            node_count=cfg.node_count,
            private_network_uuid=cfg.vpc_uuid,
            project_id=cfg.project_id,
            maintenance_windows=[do.DatabaseClusterMaintenanceWindowArgs(day=window.day, hour=window.hour)],
            tags=cluster_tags(stack, cfg.tags),
            opts=pulumi.ResourceOptions(parent=self, protect=True),
        )
        self.firewall = do.DatabaseFirewall(
            f"{name}-firewall", cluster_id=self.cluster.id,
            rules=[do.DatabaseFirewallRuleArgs(type=source.type, value=source.value) for source in cfg.trusted_sources],
            opts=pulumi.ResourceOptions(parent=self))
        # The eviction policy is set here only (not also the cluster's eviction_policy, which writes the same
        # setting through another endpoint in another spelling): one owner, no drift between two resources.
        self.config = do.DatabaseValkeyConfig(
            f"{name}-config", cluster_id=self.cluster.id, **valkey_config.render(args.redis),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.firewall], hooks=args.hooks))

        self.host = self.cluster.private_host.apply(lambda h: h or "")
        self.port = self.cluster.port.apply(lambda p: int(p))
        # The provider lists password and the URIs in additional_secret_outputs, which the mock engine does not
        # apply; marking it here keeps it secret everywhere, whatever runs the program.
        self.password: pulumi.Output[str] = pulumi.Output.secret(self.cluster.password)
        self.settings = valkey_config.settings_output(args.redis)
        self._extra: dict[str, pulumi.Input[Any]] = {
            CLUSTER_ID: self.cluster.id,
            CLUSTER_URN: self.cluster.cluster_urn,
            CLUSTER_NAME: self.cluster.name,
            REGION: self.cluster.region,
        }
        self.register_outputs({"host": self.host, "port": self.port, "password": self.password, **self._extra})

    def extra_outputs(self) -> Mapping[str, pulumi.Input[Any]]:
        return self._extra


def build(name: str, settings: Any, hooks: pulumi.ResourceHookBinding | None = None) -> DigitalOceanValkey:
    """The backend's `component` (infra.backends.spec): `hooks` go on the Valkey config, the last step."""
    return DigitalOceanValkey(name, DigitalOceanValkeyArgs.from_settings(settings, hooks=hooks))
