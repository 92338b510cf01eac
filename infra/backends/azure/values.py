"""What Azure accepts for the values the `azure` backend passes it: SKUs, names, resource ids, key URLs, tags.

Pure data and small checks, each citing where Microsoft documents it, so a config the mock engine accepts is one
Azure Resource Manager accepts too as far as its documented rules go (nothing here talks to Azure). Every pattern is
applied with `fullmatch` and ASCII classes. `settings` applies these to the config; the component builds its tags
with `resource_tags()` from the same constants.
"""

from __future__ import annotations

import re

PLACEHOLDER = "REPLACE-ME"

# Azure Managed Redis SKUs: the `SkuName` enum of Microsoft.Cache/redisEnterprise API 2025-07-01 (pulumi-azure-native
# 3.x `redisenterprise.SkuName`), tiers as "What is Azure Managed Redis?" names them (learn.microsoft.com/azure/redis/
# overview, "Choosing the right tier": Memory Optimized, Balanced, Compute Optimized, Flash Optimized (preview)).
SKU_SIZES: dict[str, tuple[int, ...]] = {
    "Balanced_B": (0, 1, 3, 5, 10, 20, 50, 100, 150, 250, 350, 500, 700, 1000),
    "MemoryOptimized_M": (10, 20, 50, 100, 150, 250, 350, 500, 700, 1000, 1500, 2000),
    "ComputeOptimized_X": (3, 5, 10, 20, 50, 100, 150, 250, 350, 500, 700),
    "FlashOptimized_A": (250, 500, 700, 1000, 1500, 2000, 4500),
}
SKUS = frozenset(f"{tier}{size}" for tier, sizes in SKU_SIZES.items() for size in sizes)
# The same enum still lists the retiring service's tiers (Azure Cache for Redis Enterprise / Enterprise Flash,
# retired 2027-03-31: docs/azure.md): the same resource type, but not Azure Managed Redis.
RETIRING_SKU_PREFIXES = ("Enterprise_", "EnterpriseFlash_")

# Naming rules (learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules):
# resource groups 1-90 letters, digits, underscores, hyphens, periods, parentheses, not ending in a period (the
# rules allow Unicode letters; ASCII here, as every Azure example uses);
_RESOURCE_GROUP_RE = re.compile(r"[A-Za-z0-9_().-]{0,89}[A-Za-z0-9_()-]", re.ASCII)
# Microsoft.Cache/redisEnterprise: "Name must be 1-60 characters long. Allowed characters(A-Z, a-z, 0-9) and
# hyphen(-). There can be no leading nor trailing nor consecutive hyphens" (the API's clusterName parameter). The host
# name is <name>.<region>.redis.azure.net, and DNS labels are case-insensitive: lower case is the one spelling.
_CLUSTER_RE = re.compile(r"[a-z0-9](?:[a-z0-9]|-(?!-)){0,58}[a-z0-9]|[a-z0-9]", re.ASCII)
# Region names as ARM spells them (`az account list-locations --query [].name`): lower-case letters and digits.
# Which regions offer Azure Managed Redis changes over time; ARM refuses an unsupported one at create.
_LOCATION_RE = re.compile(r"[a-z]+[a-z0-9]*", re.ASCII)
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_RG = r"[A-Za-z0-9_().-]{1,90}"
_NAME = r"[A-Za-z0-9_.-]{1,80}"
# ARM resource ids: /subscriptions/<id>/resourceGroups/<rg>/providers/<namespace>/<type>/<name>[/<type>/<name>]
# (learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules; names are case-insensitive).
RESOURCE_IDS = {
    "subnet": re.compile(rf"/subscriptions/{_UUID}/resourceGroups/{_RG}/providers/Microsoft\.Network/"
                         rf"virtualNetworks/{_NAME}/subnets/{_NAME}", re.ASCII | re.IGNORECASE),
    # The private DNS zone a private endpoint to redisEnterprise registers in: privatelink.redis.azure.net ("Azure
    # Managed Redis with Azure Private Link", FAQ "How do I connect to my cache with private endpoint?").
    "private_dns_zone": re.compile(rf"/subscriptions/{_UUID}/resourceGroups/{_RG}/providers/Microsoft\.Network/"
                                   r"privateDnsZones/privatelink\.redis\.azure\.net", re.ASCII | re.IGNORECASE),
    "user_assigned_identity": re.compile(rf"/subscriptions/{_UUID}/resourceGroups/{_RG}/providers/"
                                         rf"Microsoft\.ManagedIdentity/userAssignedIdentities/{_NAME}",
                                         re.ASCII | re.IGNORECASE),
}
EXAMPLES = {
    "subnet": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/network-rg/providers/"
              "Microsoft.Network/virtualNetworks/app-vnet/subnets/redis",
    "private_dns_zone": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/network-rg/providers/"
                        "Microsoft.Network/privateDnsZones/privatelink.redis.azure.net",
    "user_assigned_identity": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/security-rg/"
                              "providers/Microsoft.ManagedIdentity/userAssignedIdentities/redis-cmk",
    "key_url": "https://contoso-vault.vault.azure.net/keys/redis-cmk/0123456789abcdef0123456789abcdef",
}
# A Key Vault key identifier: https://<vault>.vault.azure.net/keys/<name>[/<version>] (vault names 3-24 letters,
# digits, hyphens; key names 1-127 letters, digits, hyphens: "About keys, secrets, and certificates", Key Vault).
_KEY_URL_RE = re.compile(r"https://[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]\.vault\.azure\.net/keys/[A-Za-z0-9-]{1,127}"
                         r"(?:/[0-9a-fA-F]{32})?", re.ASCII)

# Tags ("Use tags to organize your Azure resources", Limitations): at most 50 name-value pairs per resource; names up
# to 512 characters, values up to 256; names cannot contain < > % & \ ? /.
MAX_TAGS = 50
_TAG_NAME_FORBIDDEN = set("<>%&\\?/")
STACK_TAG_KEYS = ("project", "stack", "managed-by")


def placeholder_problem(value: str, what: str, example: str) -> str | None:
    if PLACEHOLDER in value:
        return f"{value!r} is the placeholder from Pulumi.azure.yaml: set your real {what} (e.g. {example})"
    return None


def sku_problem(value: str) -> str | None:
    if value in SKUS:
        return None
    if value.startswith(RETIRING_SKU_PREFIXES):
        return (f"{value} is a tier of Azure Cache for Redis Enterprise, which Microsoft retires on 2027-03-31 "
                "(docs/azure.md): choose an Azure Managed Redis SKU such as Balanced_B5")
    tiers = ", ".join(f"{tier}{{{','.join(map(str, sizes))}}}" for tier, sizes in SKU_SIZES.items())
    return f"{value!r} is not an Azure Managed Redis SKU; use one of {tiers} (e.g. Balanced_B5)"


def resource_group_problem(value: str) -> str | None:
    if _RESOURCE_GROUP_RE.fullmatch(value):
        return None
    return (f"{value!r} is not a resource group name: 1-90 letters, digits, underscores, hyphens, periods or "
            "parentheses, not ending in a period")


def cluster_name_problem(value: str) -> str | None:
    if _CLUSTER_RE.fullmatch(value):
        return None
    return (f"{value!r} is not an Azure Managed Redis name: 1-60 lower-case letters, digits and hyphens, no leading, "
            "trailing or consecutive hyphens")


def location_problem(value: str) -> str | None:
    if _LOCATION_RE.fullmatch(value):
        return None
    return f"{value!r} is not an Azure region name as ARM spells it: lower-case, no spaces (e.g. westeurope, eastus2)"


def resource_id_problem(kind: str, value: str) -> str | None:
    if RESOURCE_IDS[kind].fullmatch(value):
        return None
    return f"{value!r} is not a {kind.replace('_', ' ')} resource id; e.g. {EXAMPLES[kind]}"


def key_url_problem(value: str) -> str | None:
    if _KEY_URL_RE.fullmatch(value):
        return None
    return (f"{value!r} is not a Key Vault key identifier: https://<vault>.vault.azure.net/keys/<name>[/<version>] "
            f"(e.g. {EXAMPLES['key_url']})")


def tags_problem(tags: dict[str, str]) -> str | None:
    for key, value in tags.items():
        if not 1 <= len(key) <= 512 or _TAG_NAME_FORBIDDEN & set(key):
            return f"tag name {key!r}: 1-512 characters, none of < > % & \\ ? /"
        if len(value) > 256:
            return f"tag {key!r}: the value is {len(value)} characters; Azure allows at most 256"
        if key.lower() in STACK_TAG_KEYS:
            return f"tag {key!r} is set by the stack itself (tags {', '.join(STACK_TAG_KEYS)}); use another name"
    if len(tags) > max_user_tags():
        return (f"{len(tags)} tags: Azure allows {MAX_TAGS} per resource and the stack adds "
                f"{', '.join(STACK_TAG_KEYS)}; use at most {max_user_tags()}")
    return None


def max_user_tags() -> int:
    return MAX_TAGS - len(STACK_TAG_KEYS)


def resource_tags(project: str, stack: str, user: dict[str, str]) -> dict[str, str]:
    return {**user, **dict(zip(STACK_TAG_KEYS, (project, stack, "pulumi"), strict=True))}


def default_cluster_name(stack: str) -> str:
    """`profwise-redis-<stack>` made a valid cluster name whatever the stack is called."""
    text = re.sub(r"[^a-z0-9]+", "-", f"profwise-redis-{stack}".lower())
    return re.sub(r"-+", "-", text)[:60].strip("-")


def host_name(cluster: str, location: str) -> str:
    """The endpoint clients use: <name>.<region>.redis.azure.net, resolved to the private endpoint's address by the
    privatelink.redis.azure.net zone ("Azure Managed Redis with Azure Private Link", FAQ)."""
    return f"{cluster}.{location}.redis.azure.net"


def stand_in(placeholder: str, index: int) -> str:
    """A valid value for a `REPLACE-ME` placeholder of the shipped stack file (the offline `check` and the tests run
    the program with these; a real `pulumi up` refuses the placeholders), recognised by its shape."""
    for marker, kind in (("/subnets/", "subnet"), ("/privateDnsZones/", "private_dns_zone"),
                         ("/userAssignedIdentities/", "user_assigned_identity"), ("https://", "key_url")):
        if marker in placeholder:
            return EXAMPLES[kind]
    return f"profwise-standin-{index}-rg"  # the only other placeholder: a resource group name
