"""Compliance rules for Azure Managed Redis (Microsoft.Cache/redisEnterprise and its databases), as pure functions.

No checkov or CIS control covers Microsoft.Cache/redisEnterprise: checkov's Azure Redis checks (CKV_AZURE_89, _91,
_148, _230) target Azure Cache for Redis (Microsoft.Cache/redis, Terraform `azurerm_redis_cache`), the retiring
service. Each rule below carries the intent of one of them onto the successor's properties and says which it maps.
Persistence has no checkov control at all; it implements the project's own requirement, citing Microsoft's docs.

Like `rules.py` (which collects this module's `RULES` by its file name): properties are the resource's inputs
with camelCase keys and secrets unwrapped; an unknown value (a preview) is never a violation. Every value is required
explicitly, not left to the API's default, because the defaults differ between API versions (docs/azure.md).
Standard library only, and no import from `rules.py`: the pack loads both as top-level modules, the offline `check`
as `policy.*` (`common` is imported either way).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

if __package__:  # offline: `policy.azure_rules`; inside the pack, a top-level module (policy/common.py)
    from policy.common import Rule, is_unknown
else:
    from common import Rule, is_unknown  # type: ignore[no-redef,import-not-found]

CLUSTER = "azure-native:redisenterprise:RedisEnterprise"
DATABASE = "azure-native:redisenterprise:Database"

Props = Mapping[str, Any]
Check = Callable[[str, Props], list[str]]


def _equals(props: Props, key: str, expected: str, why: str, unknown: Callable[[Any], bool]) -> list[str]:
    value = props.get(key)
    if unknown(value) or value == expected:
        return []
    shown = "unset (the API version's default applies)" if value is None else repr(value)
    return [f"{key} is {shown}: set it to {expected!r} — {why}"]


def public_network(unknown: Callable[[Any], bool]) -> Check:
    return lambda _, p: _equals(p, "publicNetworkAccess", "Disabled", "the cache would accept connections from "
                                "the internet beside the private endpoint", unknown)


def tls_only(unknown: Callable[[Any], bool]) -> Check:
    return lambda _, p: _equals(p, "clientProtocol", "Encrypted", "'Plaintext' sends the access key and the data "
                                "unencrypted", unknown)


def minimum_tls(unknown: Callable[[Any], bool]) -> Check:
    return lambda _, p: _equals(p, "minimumTlsVersion", "1.2", "older TLS versions are broken (TLS 1.2 is the "
                                "newest value the API takes; 1.3 is negotiated above it)", unknown)


def high_availability(unknown: Callable[[Any], bool]) -> Check:
    return lambda _, p: _equals(p, "highAvailability", "Enabled", "without the replica a node failure loses the data "
                                "and voids the SLA (and zone redundancy)", unknown)


def persistence(unknown: Callable[[Any], bool]) -> Check:
    def check(_: str, props: Props) -> list[str]:
        value = props.get("persistence")
        if unknown(value):
            return []
        value = value or {}
        if any(unknown(value.get(k)) or value.get(k) is True for k in ("aofEnabled", "rdbEnabled")):
            return []
        return ["persistence has neither aofEnabled nor rdbEnabled: a failure of both nodes would lose every key"]
    return check


# (policy name, description, controls, resource types, check factory): `Rule`'s fields, the check built with the
# pack's unknown-value test.
SPECS: tuple[tuple[str, str, str, tuple[str, ...], Callable[[Callable[[Any], bool]], Check]], ...] = (
    ("azure-redis-public-network-disabled", "Azure Managed Redis accepts connections only through private endpoints.",
     "intent of checkov CKV_AZURE_89 (Microsoft.Cache/redis: public network access disabled); no check exists for "
     "Microsoft.Cache/redisEnterprise", (CLUSTER,), public_network),
    ("azure-redis-tls-only", "Azure Managed Redis databases accept TLS clients only (clientProtocol Encrypted).",
     "intent of checkov CKV_AZURE_91 (Microsoft.Cache/redis: only SSL enabled, no non-SSL port)", (DATABASE,),
     tls_only),
    ("azure-redis-minimum-tls-1-2", "Azure Managed Redis requires TLS 1.2 or newer.",
     "intent of checkov CKV_AZURE_148 (Microsoft.Cache/redis: latest TLS version)", (CLUSTER,), minimum_tls),
    ("azure-redis-high-availability", "Azure Managed Redis replicates to a second node (highAvailability Enabled).",
     "intent of checkov CKV_AZURE_230 (Microsoft.Cache/redis: standard replication enabled)", (CLUSTER,),
     high_availability),
    ("azure-redis-persistence", "Azure Managed Redis databases persist with AOF or RDB.",
     "no checkov/CIS control; Microsoft: \"Persistence should be a key part of your high availability and disaster "
     "recovery strategy\" (Configure data persistence for an Azure Managed Redis instance)", (DATABASE,),
     persistence),
)
RULES = tuple(Rule(name, description, controls, types, factory(is_unknown))
              for name, description, controls, types, factory in SPECS)  # what policy/rules.py collects
