"""What Google Cloud Memorystore for Redis accepts and does, written down once with its source (no pydantic, no Pulumi).

The settings model, the rules, the `redisConfigs` renderer, the component and the tests all read these facts from here,
so a limit is stated in one place next to the page that states it. Sources (checked for this backend):
- tiers, sizes: "Redis tier capabilities" (cloud.google.com/memorystore/docs/redis/redis-tiers): Basic and Standard,
  at most 300 GB primary size; automatic failover, cross-zone replication and read replicas are Standard only.
- read replicas: "About read replicas" (…/redis/about-read-replicas): 1 to 5 on Standard, nodes >= 5 GB, Redis 5.0+,
  a /28 or larger range, and once enabled they cannot be disabled.
- versions: "Supported versions" (…/redis/supported-versions): 7.2 (7.2.0) and 7.0 (7.0.12) are the Redis 7 lines.
- redisConfigs: "Supported Redis configurations" (…/redis/supported-redis-configurations) and the keys gcloud accepts
  (googlecloudsdk/command_lib/redis/util.py VALID_REDIS_*_CONFIG_KEYS).
- blocked commands: "Product constraints" (…/redis/product-constraints), "Blocked Redis commands".
- TLS: "About in-transit encryption" (…/redis/in-transit-encryption): TLS 1.2+, only at creation, a per-instance CA
  valid 10 years with a new one published after 5 (so the instance can list two: clients must trust both).
- the API's field names and enums: the provider's resource definition (GoogleCloudPlatform/magic-modules
  mmv1/products/redis/Instance.yaml), as pulumi-gcp's `redis.Instance` generates them.
"""

from __future__ import annotations

import re

TIERS = ("STANDARD_HA", "BASIC")
# Redis 7 only: the project targets Redis 7 behaviour (the dev image is 7.2), as the ElastiCache backend does.
VERSIONS = {"REDIS_7_2": "7.2", "REDIS_7_0": "7.0"}
MIN_MEMORY_GB, MAX_MEMORY_GB = 1, 300
MIN_READ_REPLICA_MEMORY_GB = 5
MIN_REPLICAS, MAX_REPLICAS = 1, 5
# Instance.yaml persistenceConfig.rdbSnapshotPeriod; AOF does not exist for Memorystore for Redis instances
# (persistenceMode is DISABLED or RDB only).
SNAPSHOT_PERIODS = ("ONE_HOUR", "SIX_HOURS", "TWELVE_HOURS", "TWENTY_FOUR_HOURS")
SNAPSHOT_SECONDS = {"ONE_HOUR": 3600, "SIX_HOURS": 21600, "TWELVE_HOURS": 43200, "TWENTY_FOUR_HOURS": 86400}
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
MAINTENANCE_HOURS = 1  # weeklyMaintenanceWindow.duration: "The current window is fixed at 1 hour"
# With in-transit encryption the instance serves TLS only, on 6378 (6379 without it); the `port` output says which.
TLS_PORT = 6378

# The keys `redisConfigs` takes on a Redis 7 instance (every line up to 7.0). Our model renders the ones it has.
SUPPORTED_CONFIGS = frozenset({
    "maxmemory-policy", "notify-keyspace-events", "timeout",  # 3.2+
    "activedefrag", "lfu-decay-time", "lfu-log-factor", "maxmemory-gb",  # 4.0+
    "stream-node-max-bytes", "stream-node-max-entries",  # 5.0+
    "maxmemory-clients", "lazyfree-lazy-eviction", "lazyfree-lazy-expire", "lazyfree-lazy-user-del",  # 7.0+
    "lazyfree-lazy-user-flush",
})
# "Blocked Redis commands", the whole commands. COMMAND and CLIENT are among them: a probe with COMMAND INFO fails
# there, so these count as absent without one. ACL is left out: the page blocks twelve of its subcommands, not
# ACL DRYRUN (7.0+), so "ACL is disabled" would be a promise the service does not make.
BLOCKED_COMMANDS = frozenset({
    "BGREWRITEAOF", "BGSAVE", "CLIENT", "CLUSTER", "COMMAND", "CONFIG", "DEBUG", "LASTSAVE", "MIGRATE",
    "MONITOR", "OBJECT", "SHUTDOWN", "REPLICAOF", "SAVE"})

# Instance.yaml `name` validation, verbatim.
INSTANCE_ID_RE = re.compile(r"[a-z][a-z0-9-]{0,39}[a-z0-9]")
# Google Cloud project ids: 6-30 lowercase letters, digits, hyphens; start with a letter, not end with a hyphen
# ("Creating and managing projects", Project ID).
PROJECT_RE = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")
REGION_RE = re.compile(r"[a-z]+(?:-[a-z]+)+[0-9]+")
# authorizedNetwork: "The full name of the Google Compute Engine network" (projects/<project>/global/networks/<name>);
# network names are RFC 1035 labels (1-63 characters).
NAME_RE = r"[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?"
NETWORK_RE = re.compile(rf"projects/({PROJECT_RE.pattern})/global/networks/({NAME_RE})")
# For PRIVATE_SERVICE_ACCESS, reservedIpRange/secondaryIpRange name an allocated address range of the PSA
# connection ("auto" lets the service choose, for the secondary range only).
RANGE_NAME_RE = re.compile(NAME_RE)
# customerManagedKey: a Cloud KMS key in the instance's region ("Customer-managed encryption keys (CMEK)":
# the key ring must be in the same region as the instance).
KMS_KEY_RE = re.compile(rf"projects/({PROJECT_RE.pattern})/locations/([a-z0-9-]+)/keyRings/([A-Za-z0-9_-]{{1,63}})"
                        r"/cryptoKeys/([A-Za-z0-9_-]{1,63})")
# Labels ("Labels overview", Requirements): at most 64; keys 1-63 characters, start with a lowercase letter; keys and
# values use lowercase letters, digits, underscores and dashes (international letters are allowed too, but the
# stack sticks to ASCII so what it writes is what every tool shows); values 0-63 characters.
MAX_LABELS = 64
LABEL_KEY_RE = re.compile(r"[a-z][a-z0-9_-]{0,62}")
LABEL_VALUE_RE = re.compile(r"[a-z0-9_-]{0,63}")
RESERVED_LABELS = ("project", "stack", "managed-by")

PLACEHOLDER = "REPLACE-ME"


def label_value(text: str) -> str:
    """Any text (a stack name) as a valid label value: lower-case, other characters as '-', at most 63."""
    return re.sub(r"[^a-z0-9_-]", "-", text.lower())[:63]


def default_instance_id(stack: str) -> str:
    """profwise-redis-<stack>, made a valid instance id (at most 41 characters, no trailing hyphen)."""
    tail = re.sub(r"[^a-z0-9-]", "-", stack.lower())
    return f"profwise-redis-{tail}"[:41].rstrip("-")


# What a user sets in place of Pulumi.memorystore.yaml's placeholders (offline `check`, tests).
STAND_INS = {"project": "my-project-123", "network": "projects/my-project-123/global/networks/backend-vpc"}


def stand_in(placeholder: str, index: int = 0) -> str:
    """A valid value for one REPLACE-ME placeholder of the shipped stack file."""
    return STAND_INS["network"] if placeholder.startswith("projects/") else STAND_INS["project"]
