"""The Memorystore for Redis rules of the compliance pack: pure functions of a `gcp:redis/instance:Instance`'s
properties (camelCase inputs, as Pulumi hands them to a policy); `rules.RULES` collects its `RULES`.

checkov has two controls for `google_redis_instance` (CKV_GCP_95 AUTH, CKV_GCP_97 in-transit encryption); the CIS
Google Cloud Platform Foundations Benchmark has no Memorystore section, so the other rules cite the Memorystore
documentation they follow. As in `rules`, an unknown value (a preview) is never a violation, and the module is
standard library only: the pack runs in its own virtualenv.
"""

from __future__ import annotations

from typing import Any

if __package__:  # offline: `policy.memorystore_rules`; inside the pack, a top-level module (policy/common.py)
    from policy.common import Rule, is_unknown
else:
    from common import Rule, is_unknown  # type: ignore[no-redef,import-not-found]

INSTANCE = "gcp:redis/instance:Instance"
Props = Any


def _equals(props: Props, key: str, wanted: str, why: str) -> list[str]:
    value = props.get(key)
    return [] if value == wanted or is_unknown(value) else [f"{key} is {value!r}: {why}"]


def _auth(_: str, props: Props) -> list[str]:
    value = props.get("authEnabled")  # the provider's default is false
    return [] if value is True or is_unknown(value) else [
        f"authEnabled is {value!r}: any client that reaches the instance can read and write"]


def _transit(_: str, props: Props) -> list[str]:
    # The provider's default is DISABLED (unset = plaintext).
    return _equals(props, "transitEncryptionMode", "SERVER_AUTHENTICATION",
                   "clients would talk to Redis in plaintext, AUTH string included")


def _standard_tier(_: str, props: Props) -> list[str]:
    return _equals(props, "tier", "STANDARD_HA", "the Basic tier has one node and no failover; a restart or a zone "
                   "outage empties or stops the cache (unset means BASIC)")


def _private(_: str, props: Props) -> list[str]:
    found = _equals(props, "connectMode", "PRIVATE_SERVICE_ACCESS", "direct peering is the legacy mode; private "
                    "services access keeps the instance's range under the VPC's own allocation (unset means "
                    "DIRECT_PEERING)")
    network = props.get("authorizedNetwork")
    if not is_unknown(network) and (not isinstance(network, str) or not network
                                            or network.rsplit("/", 1)[-1] == "default"):
        found.append(f"authorizedNetwork is {network!r}: unset or `default`, the instance joins the project's "
                     "default network instead of the backend's VPC")
    return found


def _persistence(_: str, props: Props) -> list[str]:
    config = props.get("persistenceConfig")
    if is_unknown(config):
        return []
    mode = (config or {}).get("persistenceMode")
    return [] if mode == "RDB" or is_unknown(mode) else [
        f"persistenceConfig.persistenceMode is {mode!r}: without RDB snapshots a full restart loses every key"]


def _maintenance(_: str, props: Props) -> list[str]:
    policy = props.get("maintenancePolicy")
    if is_unknown(policy):
        return []
    windows = (policy or {}).get("weeklyMaintenanceWindows")
    if is_unknown(windows) or windows:
        return []
    return ["no weekly maintenance window: Google would apply updates (a failover, dropped connections) at any time"]


def _deletion_protection(_: str, props: Props) -> list[str]:
    # Unset means protected (the provider's deletion_protection: "When the field is set to true or unset ...").
    value = props.get("deletionProtection")
    return [] if value is not False else ["deletionProtection is False: a destroy or a replacing change deletes the "
                                          "instance and its data"]


T = (INSTANCE,)
# (name, description, controls, resource types, check): `Rule`'s fields.
SPECS = (
    ("memorystore-auth", "Memorystore for Redis requires AUTH.", "checkov CKV_GCP_95", T, _auth),
    ("memorystore-transit-encryption", "Memorystore for Redis requires TLS (SERVER_AUTHENTICATION).",
     "checkov CKV_GCP_97", T, _transit),
    ("memorystore-standard-tier", "Memorystore for Redis runs the Standard tier (replica, automatic failover).",
     "no checkov or CIS GCP control; Memorystore docs, Redis tier capabilities", T, _standard_tier),
    ("memorystore-private-service-access", "Memorystore for Redis joins the backend's VPC by private services "
     "access.", "no checkov or CIS GCP control; Memorystore docs, Networking (private services access)", T,
         _private),
    ("memorystore-rdb-persistence", "Memorystore for Redis takes RDB snapshots.",
     "no checkov or CIS GCP control; Memorystore docs, About Redis persistence", T, _persistence),
    ("memorystore-maintenance-window", "Memorystore for Redis has a weekly maintenance window.",
     "no checkov or CIS GCP control; Memorystore docs, About maintenance", T, _maintenance),
    ("memorystore-deletion-protection", "Memorystore for Redis keeps deletion protection on.",
     "no checkov or CIS GCP control; pulumi-gcp redis.Instance deletion_protection", T, _deletion_protection),
)
RULES = tuple(Rule(*spec) for spec in SPECS)  # what policy/rules.py collects from every *_rules.py
