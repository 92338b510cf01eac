"""The mandatory rules for the DigitalOcean Managed Valkey backend: pure functions over a resource's properties.

Same shape and conventions as `rules.py` (camelCase properties, unknown values never a violation, standard library
only). Neither checkov nor a CIS benchmark has a check for DigitalOcean database clusters (checkov's four
DigitalOcean checks cover Droplet SSH keys, the cloud firewall `digitalocean_firewall` (CKV_DIO_4) and Spaces
buckets), so each rule names the CIS Controls v8 safeguard it implements and the AWS control it mirrors on the
ElastiCache side. TLS and AUTH need no rule beyond `ssl`: DigitalOcean always generates the password, and a Valkey
cluster has no plaintext-only mode to choose.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

if __package__:  # offline (`infra.cli check`, tests): `policy.digitalocean_rules`; inside the pack, top-level
    from policy.common import Props, Rule, is_unknown
else:
    from common import Props, Rule, is_unknown  # type: ignore[no-redef,import-not-found]

CLUSTER = "digitalocean:index/databaseCluster:DatabaseCluster"
FIREWALL = "digitalocean:index/databaseFirewall:DatabaseFirewall"
VALKEY_CONFIG = "digitalocean:index/databaseValkeyConfig:DatabaseValkeyConfig"
MIN_NODES = 2  # a primary and a standby
# Where a VPC's addresses come from: RFC 1918 (DigitalOcean VPC ranges) and IPv6 unique local addresses (RFC 4193).
# Python's `is_private` would also take documentation ranges such as 203.0.113.0/24, which are no one's VPC.
PRIVATE_RANGES = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))


def private_range(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    return any(network.version == r.version and network.subnet_of(r) for r in PRIVATE_RANGES)  # type: ignore[arg-type]


def _valkey(props: Props) -> bool:
    return props.get("engine") == "valkey"


def _standby(_: str, props: Props) -> list[str]:
    count = props.get("nodeCount")
    if not _valkey(props) or is_unknown(count):
        return []
    if isinstance(count, (int, float)) and not isinstance(count, bool) and count >= MIN_NODES:
        return []
    return [f"nodeCount is {count!r}: without a standby node a failed primary takes the cache down (DigitalOcean "
            "promotes a standby automatically); use 2 nodes on a plan of 2 GB or more"]


def _private_network(_: str, props: Props) -> list[str]:
    vpc = props.get("privateNetworkUuid")
    if not _valkey(props) or is_unknown(vpc) or (isinstance(vpc, str) and vpc):
        return []
    return ["privateNetworkUuid is not set: the cluster would join the region's default VPC instead of the "
            "backend's"]


def _maintenance_window(_: str, props: Props) -> list[str]:
    windows = props.get("maintenanceWindows")
    # A Sequence, not a list: inside the pack pulumi_policy hands lists over as its own read-only proxy.
    if not _valkey(props) or is_unknown(windows) or (isinstance(windows, Sequence) and not isinstance(windows, str)
                                                     and len(windows) > 0):
        return []
    return ["maintenanceWindows is not set: DigitalOcean would pick when updates restart the nodes"]


def _public(value: Any) -> bool:
    try:
        network = ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        return False  # not an address: the API refuses it; this rule is about what it would accept
    return not private_range(network)


def _firewall(_: str, props: Props) -> list[str]:
    rules = props.get("rules")
    if is_unknown(rules):
        return []
    if not rules:
        return ["rules is empty: a firewall that admits no one is a mistake (set digitalocean.trustedSources)"]
    found = []
    for rule in rules:
        if is_unknown(rule) or is_unknown(rule.get("type")) or is_unknown(rule.get("value")):
            continue
        if rule.get("type") == "ip_addr" and _public(rule.get("value")):
            found.append(f"rule ip_addr {rule.get('value')} admits public addresses: admit the backend's Droplet, "
                         "Kubernetes cluster, app or tag, or a private address")
    return found


def _tls(_: str, props: Props) -> list[str]:
    ssl = props.get("ssl")
    # Unset would leave whatever the cluster has now; DigitalOcean's default (true) is not a promise the stack makes.
    return [] if ssl is True or is_unknown(ssl) else [f"ssl is {ssl!r}: clients could talk to Valkey in plaintext"]


def _persistence(_: str, props: Props) -> list[str]:
    mode = props.get("persistence")
    if mode == "rdb" or is_unknown(mode):
        return []
    return [f"persistence is {mode!r}: only 'rdb' keeps the data across a restart (with 'off' DigitalOcean takes no "
            "dumps and no backups)"]


RULES: tuple[Rule, ...] = (
    Rule("digitalocean-valkey-standby", f"The Valkey cluster has a standby node ({MIN_NODES} nodes).",
         "no checkov/CIS check for DigitalOcean databases; mirrors AWS Security Hub ElastiCache.3 (automatic "
         "failover)", (CLUSTER,), _standby),
    Rule("digitalocean-valkey-private-network", "The Valkey cluster joins the backend's VPC.",
         "CIS Controls v8 12.2 (secure network architecture); mirrors AWS Security Hub ElastiCache.7",
         (CLUSTER,), _private_network),
    Rule("digitalocean-valkey-maintenance-window", "The Valkey cluster has a maintenance window.",
         "CIS Controls v8 7.4 (automated application patch management)", (CLUSTER,), _maintenance_window),
    Rule("digitalocean-valkey-trusted-sources", "The cluster's firewall admits named resources or private addresses "
         "only.", "CIS Controls v8 4.4 (firewall on servers); the database analogue of checkov CKV_DIO_4 and AWS "
         "Security Hub EC2.18", (FIREWALL,), _firewall),
    Rule("digitalocean-valkey-tls", "The Valkey config requires TLS (ssl true).",
         "CIS Controls v8 3.10 (encrypt data in transit); mirrors AWS Security Hub ElastiCache.5", (VALKEY_CONFIG,),
         _tls),
    Rule("digitalocean-valkey-persistence", "The Valkey config keeps RDB persistence on (persistence 'rdb').",
         "CIS Controls v8 11.2 (automated backups); mirrors AWS Security Hub ElastiCache.1", (VALKEY_CONFIG,),
         _persistence),
)
