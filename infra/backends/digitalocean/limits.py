"""What DigitalOcean documents for a Managed Valkey cluster: engine, regions, sizes, nodes, windows, trusted sources.

Pure data and full-string patterns, each with its source, so the settings model refuses what the API would refuse
(or what would half-deploy a stack) before anything is created. Sources, as stored copies checked for this code:
- API spec (github.com/digitalocean/openapi, specification/resources/databases/...): `databases_create_cluster.yml`
  ("Caching cluster creates are no longer supported as of 2025-04-30T00:00:00Z"), `responses/options.yml` (the
  `/v2/databases/options` example: Valkey regions, versions and layouts; redis 7 end_of_availability 2025-04-30,
  end_of_life 2025-06-30), `models/firewall_rule.yml`, `models/database_maintenance_window.yml`,
  `models/advanced_config/valkey_advanced_config.yml`, `tags/models/tags.yml`.
- Product docs (docs.digitalocean.com/products/databases/valkey/): "How to Add Standby Nodes" ("Valkey clusters can
  have up to one standby node"; "standby nodes are only supported for plans with 2 GB of RAM or more"), "How to
  Create Valkey Clusters" ("We currently support Valkey version 8"), "How to Connect" (Let's Encrypt certificates).
- terraform-provider-digitalocean (what pulumi-digitalocean bridges): resource_database_cluster.go (maintenance day
  `IsDayOfTheWeek`), resource_database_firewall.go (rule types), resource_database_valkey_config.go (value checks).
The options list is an example response: the live one is `doctl databases options slugs --engine valkey`.
"""

from __future__ import annotations

import ipaddress
import re

from policy.digitalocean_rules import private_range

ENGINE = "valkey"
VERSIONS = ("8",)
# The Valkey regions of /v2/databases/options (API spec example response).
REGIONS = ("ams3", "atl1", "blr1", "fra1", "lon1", "nyc1", "nyc3", "ric1", "sfo2", "sfo3", "sgp1", "syd1", "tor1")
# Size slugs of the Valkey layouts: every size takes one node; a standby (num_nodes 2) needs 2 GB or more, which is
# why db-s-1vcpu-1gb is the one size missing from the 2- and 3-node layouts.
STANDBY_SIZES = ("db-s-1vcpu-2gb", "db-s-2vcpu-4gb", "db-s-4vcpu-8gb", "db-s-6vcpu-16gb", "db-s-8vcpu-32gb",
                 "db-s-16vcpu-64gb", "m-2vcpu-16gb", "m-4vcpu-32gb", "m-8vcpu-64gb", "m-16vcpu-128gb",
                 "m-24vcpu-192gb", "m-32vcpu-256gb")
SIZES = ("db-s-1vcpu-1gb", *STANDBY_SIZES)
# Nodes: a primary plus at most one standby. The options example also lists a 3-node Valkey layout, but the product
# docs say "up to one standby node": the stricter reading is enforced, so `pulumi up` never fails on the count.
MIN_NODES, MAX_NODES = 1, 2
HA_NODES = 2  # a primary and the standby DigitalOcean promotes automatically when the primary fails

# Maintenance window: a day (the provider's IsDayOfTheWeek, case-insensitive; stored lower-case) and an hour in UTC,
# "in 24 hour format" ("14:00"); the API answers with seconds ("14:00:00"), which the provider ignores in diffs.
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
HOUR_RE = re.compile(r"([01]\d|2[0-3]):[0-5]\d", re.ASCII)

# Trusted sources (DatabaseFirewall rules): the five types of the API's firewall_rule model. ip_addr is taken only
# for private addresses (never the internet, let alone every address); the others name DigitalOcean resources.
SOURCE_TYPES = ("droplet", "k8s", "app", "tag", "ip_addr")
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
UUID_RE = re.compile(_UUID, re.ASCII)  # VPC, Kubernetes cluster, App Platform app and project ids (API uuid format)
DROPLET_ID_RE = re.compile(r"[1-9]\d{0,18}", re.ASCII)  # Droplet ids are integers ("163973392" in the API example)
# Tag names: "letters, numbers, colons, dashes, and underscores", at most 255 characters (tags.yml pattern).
TAG_RE = re.compile(r"[A-Za-z0-9_:-]{1,255}", re.ASCII)
# The cluster name becomes the first label of its host names (<name>-do-user-<n>-0.<x>.db.ondigitalocean.com), so it
# is kept to what a DNS label holds (RFC 1035: letters, digits, hyphens, at most 63 characters, no hyphen at an end).
NAME_RE = re.compile(r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?", re.ASCII)
EXAMPLES = {"droplet": "163973392", "k8s": "ff2a6c52-5a44-4b63-b99c-0e98e7a63d61",
            "app": "4f6c71e2-1e90-4762-9fee-6cc4a0a9f2cf", "tag": "profwise-backend", "ip_addr": "10.110.0.5"}

# Valkey config limits (valkey_advanced_config.yml): valkey_timeout 0-31536000 seconds.
MAX_TIMEOUT = 31_536_000
# The eviction policies DigitalOcean takes (eviction_policy_model.yml; the provider's valkey_maxmemory_policy list):
# no LFU policy is offered.
EVICTION_POLICIES = ("noeviction", "allkeys-lru", "allkeys-random", "volatile-lru", "volatile-random", "volatile-ttl")


def source_problem(kind: str, value: str) -> str | None:
    """Why `value` is not a trusted source of `kind` (None when it is one)."""
    example = EXAMPLES[kind]
    if kind == "droplet" and not DROPLET_ID_RE.fullmatch(value):
        return f"{value!r} is not a Droplet id: a whole number (e.g. {example}; `doctl compute droplet list`)"
    if kind in ("k8s", "app") and not UUID_RE.fullmatch(value):
        what = "Kubernetes cluster" if kind == "k8s" else "App Platform app"
        return f"{value!r} is not a {what} id: a lower-case UUID (e.g. {example})"
    if kind == "tag" and not TAG_RE.fullmatch(value):
        return (f"{value!r} is not a tag name: letters, digits, colons, dashes and underscores, at most 255 "
                f"characters (e.g. {example})")
    if kind == "ip_addr":
        return _private_address_problem(value)
    return None


def _private_address_problem(value: str) -> str | None:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as error:
        return f"{value!r} is not an IP address or range ({error}); e.g. {EXAMPLES['ip_addr']}"
    if not private_range(network):
        return (f"{value} is not a private address: the cluster must never be reachable from the internet; admit "
                "the backend's Droplet, Kubernetes cluster, app or tag instead, or an address of its VPC (inside "
                "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or fc00::/7)")
    return None
