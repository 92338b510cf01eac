"""Rules for the `azure` backend that span fields or need the rest of the stack, as `Problem`s with exact keys.

They run only when `backend` is `azure`, after every field validated. Each problem names the precise key
(`azure.subnetId`, `redis.maxmemory`, `password`) and the command that fixes it. What the mandatory policy pack would
refuse during `pulumi up` (high availability off, access keys off) is refused here too, so an update never stops
part-way. Pure: tests call `problems()` directly.
"""

from __future__ import annotations

from pydantic import SecretStr

from infra.backends import service_rules
from infra.backends.azure import database_config
from infra.backends.azure.settings import AzureSettings
from infra.config.errors import Problem, remove_command, set_command
from infra.config.redis import RedisSettings

A = "azure"


_REQUIRED = {
    "resource_group_name": ("the existing resource group the cache and its private endpoint go in", "<resource group>"),
    "location": ("the Azure region, the subnet's", "westeurope"),
    "subnet_id": ("the existing subnet of the private endpoint, the cache's only way in (public network access is "
                  "disabled)", "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/"
                  "virtualNetworks/<vnet>/subnets/<subnet>"),
}


def _required(az: AzureSettings) -> list[Problem]:
    found = []
    for field, (what, example) in _REQUIRED.items():
        if getattr(az, field) is None:
            key = f"{A}.{AzureSettings.model_fields[field].alias}"
            found.append(Problem(key, f"is required for the azure backend: {what}", set_command(key, example)))
    return found


def _service(az: AzureSettings) -> list[Problem]:
    found = []
    if not az.high_availability:
        found.append(Problem(f"{A}.highAvailability", "must be true: without the replica a node failure loses the "
                             "data and the SLA; the policy pack would stop `pulumi up` part-way [mandatory policy "
                             "azure-redis-high-availability]", set_command(f"{A}.highAvailability", "true")))
    if not az.access_keys_authentication:
        found.append(Problem(f"{A}.accessKeysAuthentication", "must be true: the app authenticates with "
                             "REDIS_PASSWORD (the access key); Microsoft Entra ID needs token-based clients instead "
                             "(docs/azure.md)", set_command(f"{A}.accessKeysAuthentication", "true")))
    return found


def _redis(redis: RedisSettings) -> list[Problem]:
    found = service_rules.not_applicable(redis, "Azure Managed Redis", database_config.NOT_APPLICABLE)
    found += _disabled_commands(redis)
    if redis.appendonly and redis.appendfsync != "everysec":
        why = ("the service deprecated 'always' for its performance impact" if redis.appendfsync == "always" else
               "the service offers no 'no' frequency")
        found.append(Problem("redis.appendfsync", f"is {redis.appendfsync!r}: Azure Managed Redis writes the AOF "
                             f"every second ({why})", remove_command("redis.appendfsync")))
    if not redis.appendonly and not redis.save_points:
        found.append(Problem("redis.appendonly", "is false with no save points, which leaves the cache without "
                             "persistence: keep AOF (true), or RDB snapshots at azure.rdbFrequency",
                             remove_command("redis.appendonly")))
    return found


def _disabled_commands(redis: RedisSettings) -> list[Problem]:
    """The model's default list (FLUSHDB, FLUSHALL, CONFIG) is a promise too: refused unless the service blocks the
    command itself — as on Memorystore, a service that cannot rename commands."""
    return service_rules.only_blocked_commands(redis, "Azure Managed Redis", database_config.RESTRICTED_COMMANDS,
                                               ", ".join(database_config.RESTRICTED_COMMANDS),
                                               database_config.COMMANDS_REASON, '["SHUTDOWN", "REPLICAOF"]')


def problems(az: AzureSettings, redis: RedisSettings, password: SecretStr | None) -> list[Problem]:
    return [*_required(az), *_service(az), *_redis(redis),
            *service_rules.password_generated(password, "Azure Managed Redis", "the service generates the access "
                                              "keys, and the stack reads the primary key back as a secret")]
