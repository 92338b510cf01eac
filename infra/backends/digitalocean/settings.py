"""`profwise-redis:digitalocean` — a DigitalOcean Managed Valkey cluster, validated against DigitalOcean's limits.

Field validators check each value on its own (region, size slug, UUIDs, trusted sources, the maintenance window,
tags) with the limits and sources in `limits`; the rules that span fields or need the rest of the stack are in
`rules`. Secure by default: a standby node (the highly available layout), private networking only (a VPC and a
firewall admitting only the backend), RDB persistence, a maintenance window; TLS and AUTH cannot be turned off
(the Valkey config always sets `ssl`, DigitalOcean always generates a password). The placeholders the shipped stack
file carries are refused here, naming the key, before any resource is registered.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from infra.backends.digitalocean import limits
from infra.config.models import Section, as_list, refuse_duplicates

PLACEHOLDER = "REPLACE-ME"


def _not_placeholder(value: str, what: str, example: str) -> None:
    if PLACEHOLDER in value:
        raise ValueError(f"{value!r} is the placeholder from Pulumi.digitalocean.yaml: set your {what} (e.g. "
                         f"{example})")


class TrustedSource(Section):
    """One DatabaseFirewall rule: which DigitalOcean resource (or private address) may connect."""

    type: Literal["droplet", "k8s", "app", "tag", "ip_addr"] = Field(
        description="What `value` names: a Droplet id, a Kubernetes cluster id, an App Platform app id, a tag on "
        "the backend's Droplets, or a private IP address/range (ip_addr; public ones are refused).")
    value: str = Field(examples=[limits.EXAMPLES["droplet"], limits.EXAMPLES["tag"]],
                       description="The id, tag name or private address.")

    @field_validator("value")
    @classmethod
    def _value(cls, value: str) -> str:
        _not_placeholder(value, "backend's Droplet id, Kubernetes cluster id, app id or tag", "163973392")
        return value


class MaintenanceWindow(Section):
    """`digitalocean.maintenanceWindow` — when DigitalOcean applies updates (weekly, UTC)."""

    day: str = Field("sunday", description="Day of the week, monday-sunday.")
    hour: str = Field("05:00", description="Start hour in UTC, hh:mm (24-hour), e.g. 05:00.")

    @field_validator("day")
    @classmethod
    def _day(cls, value: str) -> str:
        if value.lower() not in limits.DAYS:
            raise ValueError(f"{value!r} is not a day of the week: use one of {', '.join(limits.DAYS)}")
        return value.lower()

    @field_validator("hour")
    @classmethod
    def _hour(cls, value: str) -> str:
        if not limits.HOUR_RE.fullmatch(value):
            raise ValueError(f"{value!r} is not an hour: use hh:mm in 24-hour UTC, e.g. 05:00")
        return value


class DigitalOceanSettings(Section):
    """`profwise-redis:digitalocean` — the Managed Valkey cluster (DigitalOcean)."""

    name: str | None = Field(None, examples=["profwise-redis-prod"], description="Cluster name (lower-case letters, "
                             "digits, hyphens, at most 63; it starts the host name); default profwise-redis-<stack>.")
    region: str | None = Field(None, examples=["fra1", "nyc3"], description="Region slug offering Valkey (required): "
                               f"{', '.join(limits.REGIONS)}.")
    size: str = Field("db-s-1vcpu-2gb", examples=["db-s-2vcpu-4gb", "m-2vcpu-16gb"], description="Node size slug; it "
                      "decides maxmemory. A standby needs 2 GB or more (db-s-1vcpu-1gb takes one node only).")
    node_count: int = Field(limits.HA_NODES, ge=limits.MIN_NODES, le=limits.MAX_NODES, description="Nodes: the "
                            "primary plus one standby (2, the highly available layout the mandatory policy requires).")
    version: Literal["8"] = Field("8", description="Valkey major version (DigitalOcean offers 8).")
    vpc_uuid: str | None = Field(None, examples=["d455e75d-4858-4eec-8c95-da2f0a5f93a7"],
                                 description="UUID of the VPC the cluster joins (required): the backend reaches it "
                                 "on its private host name.")
    project_id: str | None = Field(None, examples=["9cc10173-e9ea-4176-9dbc-a4cee4c4ff30"],
                                   description="DigitalOcean project UUID; unset: your default project.")
    trusted_sources: as_list(tuple[TrustedSource, ...]) = Field(  # type: ignore[valid-type]
        (), examples=[[{"type": "droplet", "value": "163973392"}, {"type": "tag", "value": "profwise-backend"}]],
        description="Who may connect (the cluster's firewall), each listed once; at least one. Never all addresses.")
    maintenance_window: MaintenanceWindow = Field(default_factory=MaintenanceWindow,
                                                  description="Weekly maintenance window (UTC).")
    tags: as_list(tuple[str, ...]) = Field(  # type: ignore[valid-type]
        (), examples=[["profwise-backend"]], description="Extra tags on the cluster, each listed once (letters, "
        "digits, colons, dashes, underscores; at most 255 characters each).")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not limits.NAME_RE.fullmatch(value):
            raise ValueError(f"{value!r} is not a cluster name: 1-63 lower-case letters, digits or hyphens, starting "
                             "with a letter, not ending with a hyphen (it becomes part of the host name)")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _not_placeholder(value, "region", "fra1")
        if value not in limits.REGIONS:
            raise ValueError(f"{value!r} is not a region offering Managed Valkey: use one of "
                             f"{', '.join(limits.REGIONS)} (`doctl databases options regions`)")
        return value

    @field_validator("size")
    @classmethod
    def _size(cls, value: str) -> str:
        if value not in limits.SIZES:
            raise ValueError(f"{value!r} is not a Valkey size slug: use one of {', '.join(limits.SIZES)} "
                             "(`doctl databases options slugs --engine valkey`)")
        return value

    @field_validator("vpc_uuid", "project_id")
    @classmethod
    def _uuid(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _not_placeholder(value, "VPC's UUID (`doctl vpcs list`)", "d455e75d-4858-4eec-8c95-da2f0a5f93a7")
        if not limits.UUID_RE.fullmatch(value):
            raise ValueError(f"{value!r} is not a UUID (8-4-4-4-12 lower-case hex digits, e.g. "
                             "d455e75d-4858-4eec-8c95-da2f0a5f93a7)")
        return value

    @field_validator("trusted_sources")
    @classmethod
    def _sources(cls, sources: tuple[TrustedSource, ...]) -> tuple[TrustedSource, ...]:
        for source in sources:
            problem = limits.source_problem(source.type, source.value)
            if problem:
                raise ValueError(problem)
        # Two equal rules are one rule to the API: a repeat is a typo.
        return refuse_duplicates(sources, "trusted source", lambda s: f"{s.type} {s.value}")

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: tuple[str, ...]) -> tuple[str, ...]:
        for tag in tags:
            if not limits.TAG_RE.fullmatch(tag):
                raise ValueError(f"{tag!r} is not a tag name: letters, digits, colons, dashes and underscores, at "
                                 "most 255 characters")
        return refuse_duplicates(tags, "tag")

    def cluster_name(self, stack: str) -> str:
        return self.name or default_name(stack)


def default_name(stack: str) -> str:
    """profwise-redis-<stack>, lower-cased and cut to a DNS label (stack names may hold `_` and `.`)."""
    cleaned = "".join(c if c.isascii() and c.isalnum() else "-" for c in f"profwise-redis-{stack}".lower())
    return cleaned[:63].rstrip("-")


def stand_in(placeholder: str, index: int) -> str:
    """A valid value for a placeholder of Pulumi.digitalocean.yaml (offline `check`, tests): a UUID for
    REPLACE-ME-...-uuid, a Droplet id for REPLACE-ME-...-id. Which VPC or Droplet changes no rule's outcome."""
    if placeholder.endswith("-uuid"):
        return f"00000000-0000-4000-8000-{index:012x}"
    if placeholder.endswith("-id"):
        return str(100_000_000 + index)
    raise ValueError(f"{placeholder!r}: no stand-in for this placeholder (expected REPLACE-ME-...-uuid or -id)")
