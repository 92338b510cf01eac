"""AWS identifiers, ranges and windows the elasticache backend takes from the config, each checked as AWS checks it.

EC2 ids (vpc-, subnet-, sg-), private IPv4 ranges, the replication group id, KMS key ARNs, email endpoints and the
snapshot/maintenance windows. Every pattern is applied with `fullmatch` and ASCII classes (a `$` anchor would also
accept a trailing newline, which then reached the resources). Pure; `settings` applies these, and
`stand_in` makes the valid ids the offline tools put in place of a stack file's placeholders.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from pydantic import AfterValidator

from infra.config.stack_files import PLACEHOLDER
# EC2 resource ids: a prefix and 8 (older) or 17 hex characters (EC2 User Guide, "Resource IDs").
# Every pattern is applied with fullmatch (a `$` would also accept a trailing newline) and ASCII classes.
_ID_RE = {kind: re.compile(rf"{kind}-(?:[0-9a-f]{{8}}|[0-9a-f]{{17}})", re.ASCII)
          for kind in ("vpc", "subnet", "sg")}
_PATTERNS = {
    # ReplicationGroupId: 1-40 letters, digits or hyphens, starting with a letter, no trailing or double hyphen.
    "group_id": re.compile(r"[a-z](?:[a-z0-9]|-(?!-)){0,39}", re.ASCII),
    # A KMS key ARN names the key by its id: a UUID, or mrk- and 32 hex digits for a multi-Region key (KMS
    # Developer Guide, "Key identifiers").
    "kms_arn": re.compile(r"arn:aws[a-z-]*:kms:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:key/"
                          r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})",
                          re.ASCII),
    "email": re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+", re.ASCII),
}


def fullmatches(kind: str, value: str) -> bool:
    return _PATTERNS[kind].fullmatch(value) is not None
# CloudWatch Logs PutRetentionPolicy, retentionInDays: the only values it accepts.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                      3288, 3653)
# VPC ranges a client can have: RFC 1918 and RFC 6598 (both allowed as VPC CIDRs, Amazon VPC User Guide).
PRIVATE_RANGES = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                            "100.64.0.0/10"))
DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_HHMM = r"([01]\d|2[0-3]):([0-5]\d)"
SNAPSHOT_WINDOW_RE = re.compile(rf"{_HHMM}-{_HHMM}", re.ASCII)
MAINTENANCE_WINDOW_RE = re.compile(rf"({'|'.join(DAYS)}):{_HHMM}-({'|'.join(DAYS)}):{_HHMM}", re.ASCII)


def window_minutes(window: str) -> tuple[int, int]:
    """(start, length) in minutes: of the day for hh24:mi-hh24:mi, of the week (from Sunday 00:00) with day names.
    A window may wrap past midnight (or Saturday night)."""
    def point(text: str) -> int:
        *day, hours, minutes = text.split(":")
        return (DAYS.index(day[0]) * 1440 if day else 0) + int(hours) * 60 + int(minutes)

    start, end = (point(part) for part in window.split("-"))
    period = 7 * 1440 if window[:3] in DAYS else 1440
    return start, (end - start) % period


def check_id(kind: str, value: str, example: str) -> str:
    if PLACEHOLDER in value:
        raise ValueError(f"{value!r} is the placeholder from Pulumi.prod.yaml: set your real {kind} id "
                         f"(e.g. {example})")
    if not _ID_RE[kind].fullmatch(value):
        raise ValueError(f"{value!r} is not a {kind} id: expected {kind}- and 8 or 17 hex characters (e.g. {example})")
    return value


def _private_cidr(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as error:
        raise ValueError(f"{value!r} is not a CIDR block ({error}); e.g. 10.0.0.0/16") from None
    if not isinstance(network, ipaddress.IPv4Network):
        raise ValueError(f"{value}: the group is IPv4-only; admit the clients' private IPv4 range")
    if not any(network.subnet_of(private) for private in PRIVATE_RANGES):
        raise ValueError(f"{value} is not a private range: Redis must never be reachable from the internet; use a "
                         "range inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10, or admit the "
                         "clients' security group instead")
    return str(network)  # one spelling per range (10.0.0.0/016 is 10.0.0.0/16), so duplicates are found


SubnetId = Annotated[str, AfterValidator(lambda v: check_id("subnet", v, "subnet-0a1b2c3d4e5f67890"))]
SecurityGroupId = Annotated[str, AfterValidator(lambda v: check_id("sg", v, "sg-0a1b2c3d4e5f67890"))]
PrivateCidr = Annotated[str, AfterValidator(_private_cidr)]


def default_group_id(stack: str) -> str:
    """`profwise-redis-<stack>` made a valid replication group id whatever the stack is called."""
    text = re.sub(r"[^a-z0-9]+", "-", f"profwise-redis-{stack}".lower())
    return re.sub(r"-+", "-", text)[:40].rstrip("-")


def stand_in(placeholder: str, index: int) -> str:
    """The backend's `stand_in` (infra.backends.spec): `subnet-REPLACE-ME-a` -> the `index`-th valid id of its kind
    (EC2 ids: the kind, '-', 17 hex digits)."""
    kind = placeholder.split("-", 1)[0]
    return f"{kind}-{index:017x}"
