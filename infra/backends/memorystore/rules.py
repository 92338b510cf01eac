"""Rules for the `memorystore` backend that span fields or need the rest of the stack, as `Problem`s with exact keys.

They run only when `backend` is `memorystore`, after every field validated. Each names the key (`memorystore.tier`,
`redis.appendonly`, `password`) and the command that fixes it. What the mandatory policy pack would block during
`pulumi up` (the Basic tier) is refused here too, before anything is created, naming the policy. Pure: tests call
`problems()` directly.
"""

from __future__ import annotations

from pydantic import SecretStr

from infra.backends import service_rules
from infra.backends.memorystore import redis_configs, service
from infra.backends.memorystore.settings import MemorystoreSettings
from infra.config.errors import Problem, remove_command, set_command
from infra.config.redis import RedisSettings

M = "memorystore"
# Settings-model field -> the directive it renders (for the reason in redis_configs.NOT_APPLICABLE).
REDIS_KEYS = {"maxmemory": "maxmemory", "appendonly": "appendonly", "appendfsync": "appendfsync",
              "save_points": "save", "protected_mode": "protected-mode", "tcp_keepalive": "tcp-keepalive",
              "slowlog_threshold_ms": "slowlog-log-slower-than", "slowlog_max_len": "slowlog-max-len"}


def _required(ms: MemorystoreSettings) -> list[Problem]:
    found = []
    if ms.project is None:
        found.append(Problem(f"{M}.project", "is required for the memorystore backend: the project the instance "
                             "lives in (named on the instance, so no gcp:project is needed)",
                             set_command(f"{M}.project", "my-project-123")))
    if ms.region is None:
        found.append(Problem(f"{M}.region", "is required for the memorystore backend: the region the instance "
                             "lives in (the backend's region)", set_command(f"{M}.region", "europe-west1")))
    if ms.authorized_network is None:
        found.append(Problem(f"{M}.authorizedNetwork", "is required: the existing VPC whose private services "
                             "access connection the instance joins (unset, Memorystore would use the `default` "
                             "network)", set_command(f"{M}.authorizedNetwork",
                                                     "projects/<project>/global/networks/<vpc>")))
    return found


def _topology(ms: MemorystoreSettings) -> list[Problem]:
    found = []
    if ms.tier != "STANDARD_HA":
        found.append(Problem(f"{M}.tier", "is BASIC: one node, no replica, no failover, and a restart empties the "
                             "cache; the policy pack would stop `pulumi up` [mandatory policy "
                             "memorystore-standard-tier]", set_command(f"{M}.tier", "STANDARD_HA")))
    if ms.read_replicas and ms.memory_size_gb < service.MIN_READ_REPLICA_MEMORY_GB:
        found.append(Problem(f"{M}.memorySizeGb", f"is {ms.memory_size_gb}, but read replicas need nodes of at "
                             f"least {service.MIN_READ_REPLICA_MEMORY_GB} GB; use 5 or more, or readReplicas: false",
                             set_command(f"{M}.memorySizeGb", str(service.MIN_READ_REPLICA_MEMORY_GB))))
    if not ms.read_replicas and ms.replica_count != 1:
        found.append(Problem(f"{M}.replicaCount", f"is {ms.replica_count}, but without read replicas a Standard "
                             "instance has exactly 1 replica; set 1, or readReplicas: true",
                             set_command(f"{M}.replicaCount", "1")))
    if not ms.read_replicas and ms.secondary_ip_range is not None:
        found.append(Problem(f"{M}.secondaryIpRange", "places read-replica nodes, but readReplicas is false",
                             remove_command(f"{M}.secondaryIpRange")))
    zones = (ms.location_id, ms.alternative_location_id)
    for key, zone in zip(("locationId", "alternativeLocationId"), zones, strict=True):
        if zone and ms.region and not zone.startswith(f"{ms.region}-"):
            found.append(Problem(f"{M}.{key}", f"{zone} is not a zone of {ms.region}", set_command(f"{M}.{key}",
                                                                                                f"{ms.region}-b")))
    if zones[0] and zones[0] == zones[1]:
        found.append(Problem(f"{M}.alternativeLocationId", f"is {zones[1]}, the primary's zone: the replica must be "
                             "in another zone to survive a zone outage", set_command(f"{M}.alternativeLocationId")))
    return found


def _key(ms: MemorystoreSettings) -> list[Problem]:
    if not ms.customer_managed_key or not ms.region:
        return []
    match = service.KMS_KEY_RE.fullmatch(ms.customer_managed_key)
    location = match.group(2) if match else ""
    if location == ms.region:
        return []
    return [Problem(f"{M}.customerManagedKey", f"is a key in {location}, but the instance is in {ms.region}: "
                    "Memorystore needs a key ring in the instance's region",
                    set_command(f"{M}.customerManagedKey", f"projects/<p>/locations/{ms.region}/keyRings/<ring>/"
                                "cryptoKeys/<key>"))]


def _redis(redis: RedisSettings) -> list[Problem]:
    found = service_rules.not_applicable(redis, "Memorystore", {
        name: redis_configs.NOT_APPLICABLE[directive] for name, directive in REDIS_KEYS.items()})
    # The default list (FLUSHDB, FLUSHALL, CONFIG) is a promise too: refused unless Memorystore keeps it itself.
    found += service_rules.only_blocked_commands(redis, "Memorystore", service.BLOCKED_COMMANDS,
                                                 ", ".join(sorted(service.BLOCKED_COMMANDS)),
                                                 redis_configs.COMMANDS_REASON, '["CONFIG"]')
    return found


def problems(ms: MemorystoreSettings, redis: RedisSettings, password: SecretStr | None) -> list[Problem]:
    return [*_required(ms), *_topology(ms), *_key(ms), *_redis(redis),
            *service_rules.password_generated(password, "Memorystore", "the service generates the AUTH string itself "
                                              "(the API has no field to set it); the stack exports the one it made "
                                              "as the password output")]
