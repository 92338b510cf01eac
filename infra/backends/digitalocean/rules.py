"""Rules for the `digitalocean` backend that span fields or need the rest of the stack, as `Problem`s with exact keys.

The settings loader runs `problems()` only for this backend, after every field validated. Each problem names the
key (`digitalocean.vpcUuid`, `redis.maxmemoryPolicy`, `password`) and the command that fixes it. What the mandatory
policy pack (`policy/digitalocean_rules.py`) would block during `pulumi up` is refused here from config alone,
naming the policy, so such a stack is refused before `pulumi up` starts. Pure: tests call it.
"""

from __future__ import annotations

from pydantic import SecretStr

from infra.backends import service_rules
from infra.backends.digitalocean import limits, valkey_config
from infra.backends.digitalocean.settings import DigitalOceanSettings
from infra.config.errors import Problem, remove_command, set_command
from infra.config.redis import RedisSettings
from policy.digitalocean_rules import RULES

D = "digitalocean"
_CONTROLS = {rule.name: rule.controls for rule in RULES}
# RedisSettings field -> the directive NOT_APPLICABLE explains (the same reasons the settings output gives).
_NOT_ON_DIGITALOCEAN = {"maxmemory": "maxmemory", "appendonly": "appendonly", "appendfsync": "appendfsync",
                        "save_points": "save", "protected_mode": "protected-mode", "tcp_keepalive": "tcp-keepalive",
                        "slowlog_threshold_ms": "slowlog-log-slower-than", "slowlog_max_len": "slowlog-max-len",
                        "disabled_commands": "disabled-commands"}


def _mandatory(policy: str) -> str:
    return f"the policy pack would refuse it during `pulumi up` [mandatory policy {policy}: {_CONTROLS[policy]}]"


def _required(do: DigitalOceanSettings) -> list[Problem]:
    found = []
    if do.region is None:
        found.append(Problem(f"{D}.region", "is required for the digitalocean backend: the region of the backend's "
                             "VPC", set_command(f"{D}.region", "fra1")))
    if do.vpc_uuid is None:
        found.append(Problem(f"{D}.vpcUuid", "is required: the UUID of the backend's VPC (`doctl vpcs list`); "
                             f"without it the cluster joins the region's default VPC "
                             f"({_mandatory('digitalocean-valkey-private-network')})",
                             set_command(f"{D}.vpcUuid", "<vpc-uuid>")))
    if not do.trusted_sources:
        found.append(Problem(f"{D}.trustedSources", "is empty: name the backend (a Droplet id, Kubernetes cluster id, "
                             "app id or tag) so the firewall admits it and no one else",
                             f"pulumi config set --path '{D}.trustedSources[0].type' droplet && pulumi config set "
                             f"--path '{D}.trustedSources[0].value' <droplet-id>"))
    return found


def _topology(do: DigitalOceanSettings) -> list[Problem]:
    if do.node_count < limits.HA_NODES:
        return [Problem(f"{D}.nodeCount", f"is {do.node_count}: without a standby node a failed primary takes the "
                        f"cache down, and {_mandatory('digitalocean-valkey-standby')}",
                        set_command(f"{D}.nodeCount", str(limits.HA_NODES)))]
    if do.size not in limits.STANDBY_SIZES:
        return [Problem(f"{D}.size", f"{do.size} cannot have a standby node: DigitalOcean supports standby nodes only "
                        "on plans with 2 GB of RAM or more", set_command(f"{D}.size", limits.STANDBY_SIZES[0]))]
    return []


def _redis(redis: RedisSettings) -> list[Problem]:
    found = service_rules.not_applicable(redis, "DigitalOcean", {
        name: valkey_config.NOT_APPLICABLE[directive] for name, directive in _NOT_ON_DIGITALOCEAN.items()})
    if not redis.lazyfree:
        found.append(Problem("redis.lazyfree", f"cannot be false on DigitalOcean: "
                             f"{valkey_config.NOT_APPLICABLE['lazyfree']}", remove_command("redis.lazyfree")))
    if redis.maxmemory_policy not in limits.EVICTION_POLICIES:
        found.append(Problem("redis.maxmemoryPolicy", f"{redis.maxmemory_policy} is not offered by DigitalOcean "
                             f"Valkey (no LFU policy); use one of {', '.join(limits.EVICTION_POLICIES)}",
                             set_command("redis.maxmemoryPolicy", "allkeys-lru")))
    if redis.timeout > limits.MAX_TIMEOUT:  # the model's bound is lower today; kept so the two cannot drift
        found.append(Problem("redis.timeout", f"{redis.timeout} is above DigitalOcean's {limits.MAX_TIMEOUT}",
                             set_command("redis.timeout", "0")))
    return found


def problems(do: DigitalOceanSettings, redis: RedisSettings, password: SecretStr | None) -> list[Problem]:
    return [*_required(do), *_topology(do), *_redis(redis),
            *service_rules.password_generated(password, "DigitalOcean", "the service generates the Valkey password "
                                              "(the stack reads it back as a secret) and its API has no way to set "
                                              "one")]
