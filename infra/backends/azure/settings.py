"""`profwise-redis:azure` — Azure Managed Redis (Microsoft.Cache/redisEnterprise), validated against Microsoft's rules.

Field validators check each value on its own (names, resource ids, the SKU, the key URL, tags). The rules that span
fields or need the rest of the stack (the Redis settings, the password) live in `rules` and run only for the `azure`
backend. The defaults are the secure ones: a highly available Balanced SKU, TLS only, private endpoint only, access
keys for the app's password contract, deferred major-version upgrades. Sources are cited beside each limit
(`values` holds the tables). Imports no provider: the registry and the settings loader import this for every stack.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from infra.backends.azure import values
from infra.config.models import Section

# Microsoft.Cache/redisEnterprise Persistence.rdbFrequency (API 2025-07-01): "1h", "6h", "12h"; the portal offers
# the same three ("Configure data persistence for an Azure Managed Redis instance").
RdbFrequency = Literal["1h", "6h", "12h"]


def _checked(problem: str | None, value: str) -> str:
    if problem:
        raise ValueError(problem)
    return value


class CustomerManagedKey(Section):
    """`azure.customerManagedKey` — encrypt the persistence and OS disks with your Key Vault key (optional)."""

    key_url: str = Field(examples=[values.EXAMPLES["key_url"]], description="Key Vault key identifier (an RSA key; "
                         "the vault in the cache's region, soft-delete and purge protection on).")
    identity_id: str = Field(examples=[values.EXAMPLES["user_assigned_identity"]], description="User-assigned "
                             "managed identity with Get, Wrap Key and Unwrap Key on the key (system-assigned "
                             "identities are not supported for this).")

    @field_validator("key_url")
    @classmethod
    def _key(cls, value: str) -> str:
        found = values.placeholder_problem(value, "Key Vault key URL", values.EXAMPLES["key_url"])
        return _checked(found or values.key_url_problem(value), value)

    @field_validator("identity_id")
    @classmethod
    def _identity(cls, value: str) -> str:
        found = values.placeholder_problem(value, "identity id", values.EXAMPLES["user_assigned_identity"])
        return _checked(found or values.resource_id_problem("user_assigned_identity", value), value)


class AzureSettings(Section):
    """`profwise-redis:azure` — the Azure Managed Redis cluster, its database and its private endpoint."""

    resource_group_name: str | None = Field(None, examples=["profwise-prod-rg"], description="Existing resource "
                                            "group for the cache and its private endpoint (required).")
    location: str | None = Field(None, examples=["westeurope", "eastus2"], description="Azure region, as ARM "
                                 "spells it (required); the subnet's region.")
    cluster_name: str | None = Field(None, examples=["profwise-redis-prod"], description="Cache name (1-60 "
                                     "letters, digits, hyphens); default profwise-redis-<stack>. It is the host "
                                     "name's first label.")
    sku: str = Field("Balanced_B5", examples=["Balanced_B1", "MemoryOptimized_M10", "ComputeOptimized_X5"],
                     description="Azure Managed Redis SKU: the tier and size, which sets maxmemory (the Enterprise "
                     "tiers of the retiring service are refused).")
    high_availability: bool = Field(True, description="Replicate to a second node with automatic failover (zone "
                                    "redundant where the region has zones); must stay true: mandatory policy.")
    clustering_policy: Literal["EnterpriseCluster", "OSSCluster"] = Field(
        "EnterpriseCluster", description="EnterpriseCluster: one endpoint that any client uses; OSSCluster: the Redis "
        "Cluster protocol, which needs cluster-aware clients. Fixed at creation (changing it replaces the database).")
    rdb_frequency: RdbFrequency = Field("1h", description="Snapshot frequency when persistence is RDB "
                                        "(redis.appendonly false): 1h, 6h or 12h.")
    subnet_id: str | None = Field(None, examples=[values.EXAMPLES["subnet"]], description="Existing subnet for the "
                                  "private endpoint (required: public network access is disabled).")
    private_dns_zone_id: str | None = Field(None, examples=[values.EXAMPLES["private_dns_zone"]],
                                            description="Existing privatelink.redis.azure.net zone to register the "
                                            "endpoint in; unset when your platform's policy registers it.")
    customer_managed_key: CustomerManagedKey | None = Field(None, description="Customer-managed disk encryption "
                                                            "key; unset: Microsoft-managed keys.")
    defer_upgrade: bool = Field(True, description="Defer the next major Redis version upgrade by up to 90 days "
                                "(minor and patch versions are applied monthly either way).")
    access_keys_authentication: bool = Field(True, description="Access-key authentication: the key is the app's "
                                             "REDIS_PASSWORD; must stay true (Entra ID is the documented "
                                             "alternative, docs/azure.md).")
    tags: dict[str, str] = Field(default_factory=dict, examples=[{"Service": "profwise-backend"}],
                                 description=f"Extra tags on every resource: at most {values.max_user_tags()} (Azure "
                                 f"allows {values.MAX_TAGS}; the stack adds {', '.join(values.STACK_TAG_KEYS)}).")

    @field_validator("resource_group_name")
    @classmethod
    def _resource_group(cls, value: str | None) -> str | None:
        if value is None:
            return None
        found = values.placeholder_problem(value, "resource group", "profwise-prod-rg")
        return _checked(found or values.resource_group_problem(value), value)

    @field_validator("location")
    @classmethod
    def _location(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return _checked(values.placeholder_problem(value, "region", "westeurope") or values.location_problem(value),
                        value)

    @field_validator("cluster_name")
    @classmethod
    def _cluster(cls, value: str | None) -> str | None:
        return None if value is None else _checked(values.cluster_name_problem(value), value)

    @field_validator("sku")
    @classmethod
    def _sku(cls, value: str) -> str:
        return _checked(values.sku_problem(value), value)

    @field_validator("subnet_id")
    @classmethod
    def _subnet(cls, value: str | None) -> str | None:
        if value is None:
            return None
        found = values.placeholder_problem(value, "subnet id", values.EXAMPLES["subnet"])
        return _checked(found or values.resource_id_problem("subnet", value), value)

    @field_validator("private_dns_zone_id")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        found = values.placeholder_problem(value, "private DNS zone id", values.EXAMPLES["private_dns_zone"])
        return _checked(found or values.resource_id_problem("private_dns_zone", value), value)

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: dict[str, str]) -> dict[str, str]:
        problem = values.tags_problem(tags)
        if problem:
            raise ValueError(problem)
        return tags
