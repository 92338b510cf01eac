"""`profwise-redis:memorystore` — a Google Cloud Memorystore for Redis instance, validated against the service's own
documented limits (`service` cites each).

Field validators check each value on its own; `rules` checks what spans fields or needs the rest of the stack. What
the guide's production option requires is not a setting at all: AUTH is always on, TLS is always
SERVER_AUTHENTICATION, the connection is always private service access in an existing VPC, deletion protection is
always on. What is a setting defaults to the secure choice (the Standard tier with read replicas, hourly RDB
snapshots) and `rules` refuses the weaker one where the mandatory policy pack would.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from infra.backends.memorystore import service
from infra.config.models import Section

_ZONE_RE = re.compile(service.REGION_RE.pattern + "-[a-z]")
_TIMESTAMP_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z")
Day = Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]


def _fullmatch(pattern: re.Pattern[str], value: str, what: str, example: str) -> str:
    if service.PLACEHOLDER in value:
        raise ValueError(f"{value!r} is the placeholder from Pulumi.memorystore.yaml: set your real value "
                         f"(e.g. {example})")
    if not pattern.fullmatch(value):
        raise ValueError(f"{value!r} is not {what}; e.g. {example}")
    return value


class MaintenanceWindow(Section):
    """`memorystore.maintenanceWindow` — the weekly hour (UTC) in which Google may apply updates."""

    day: Day = Field("SUNDAY", description="Day of the week (MONDAY ... SUNDAY).")
    hour: int = Field(5, ge=0, le=23, description="Start hour, UTC, 0-23; the window lasts one hour (fixed by the "
                      "service).")
    minute: int = Field(0, ge=0, le=59, description="Start minute, 0-59.")


class MemorystoreSettings(Section):
    """`profwise-redis:memorystore` — the Memorystore for Redis instance (GCP)."""

    project: str | None = Field(None, examples=["my-project-123"], description="Project id of the instance "
                                "(required for the memorystore backend).")
    region: str | None = Field(None, examples=["europe-west1"], description="Region of the instance (required for "
                               "the memorystore backend).")
    location_id: str | None = Field(None, examples=["europe-west1-b"], description="Zone of the primary; unset: the "
                                    "service chooses one in the region.")
    alternative_location_id: str | None = Field(None, examples=["europe-west1-c"], description="Zone of the first "
                                                "replica, another zone of the region; unset: the service chooses.")
    instance_id: str | None = Field(None, examples=["profwise-redis-prod"], description="Instance id (2-41 "
                                    "lowercase letters, digits, hyphens; starts with a letter); default "
                                    "profwise-redis-<stack>.")
    tier: Literal["STANDARD_HA", "BASIC"] = Field(
        "STANDARD_HA", description="STANDARD_HA (a replica in another zone, automatic failover) is required: "
        "mandatory policy memorystore-standard-tier. BASIC is refused.")
    redis_version: Literal["REDIS_7_2", "REDIS_7_0"] = Field("REDIS_7_2", description="Redis version: REDIS_7_2 "
                                                              "or REDIS_7_0 (upgrades only go up).")
    memory_size_gb: int = Field(5, ge=service.MIN_MEMORY_GB, le=service.MAX_MEMORY_GB, description="Instance size "
                                "in GB, 1-300; it sets maxmemory. Read replicas need at least 5.")
    read_replicas: bool = Field(True, description="Read replicas and the read endpoint (cannot be turned off once "
                                "on); false keeps the one failover replica only.")
    replica_count: int = Field(1, ge=service.MIN_REPLICAS, le=service.MAX_REPLICAS, description="Replicas, 1-5 with "
                               "read replicas, exactly 1 without.")
    authorized_network: str | None = Field(None, examples=["projects/my-project-123/global/networks/backend-vpc"],
                                           description="The existing VPC (projects/<p>/global/networks/<name>) "
                                           "with a private services access connection (required).")
    reserved_ip_range: str | None = Field(None, examples=["memorystore-range"], description="Name of the PSA "
                                          "allocated range for the instance; unset: the service picks one in the "
                                          "connection's ranges.")
    secondary_ip_range: str | None = Field(None, examples=["memorystore-replicas", "auto"], description="Name of "
                                           "an allocated range (or `auto`) for the read replicas' nodes.")
    snapshot_period: Literal["ONE_HOUR", "SIX_HOURS", "TWELVE_HOURS", "TWENTY_FOUR_HOURS"] = Field(
        "ONE_HOUR", description="How often the service takes an RDB snapshot (persistence is always RDB: "
        "mandatory policy memorystore-rdb-persistence).")
    snapshot_start_time: str | None = Field(None, examples=["2026-01-01T03:00:00Z"], description="RFC 3339 UTC "
                                            "time the snapshots align to; unset: when the instance is created.")
    maintenance_window: MaintenanceWindow = Field(default_factory=MaintenanceWindow, description="Weekly "
                                                  "maintenance window.")
    customer_managed_key: str | None = Field(
        None, examples=["projects/my-project-123/locations/europe-west1/keyRings/redis/cryptoKeys/profwise"],
        description="Cloud KMS key (in the instance's region) for encryption at rest; unset: Google-managed "
        "encryption. Chosen at creation only.")
    labels: dict[str, str] = Field(default_factory=dict, examples=[{"service": "profwise-backend"}],
                                   description=f"Extra labels: at most {service.MAX_LABELS - 3} (the stack adds "
                                   f"{', '.join(service.RESERVED_LABELS)}); lowercase letters, digits, _ and -.")

    @field_validator("project")
    @classmethod
    def _project(cls, value: str | None) -> str | None:
        return None if value is None else _fullmatch(service.PROJECT_RE, value, "a project id (6-30 lowercase "
                                                      "letters, digits, hyphens)", "my-project-123")

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return None if value is None else _fullmatch(service.REGION_RE, value, "a region", "europe-west1")

    @field_validator("location_id", "alternative_location_id")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return _fullmatch(_ZONE_RE, value, "a zone", "europe-west1-b")

    @field_validator("instance_id")
    @classmethod
    def _instance_id(cls, value: str | None) -> str | None:
        return None if value is None else _fullmatch(service.INSTANCE_ID_RE, value, "an instance id (2-41 lowercase "
                                                      "letters, digits, hyphens; starts with a letter, does not "
                                                      "end with a hyphen)", "profwise-redis-prod")

    @field_validator("authorized_network")
    @classmethod
    def _network(cls, value: str | None) -> str | None:
        return None if value is None else _fullmatch(
            service.NETWORK_RE, value, "a VPC network's full name", "projects/my-project-123/global/networks/vpc")

    @field_validator("reserved_ip_range", "secondary_ip_range")
    @classmethod
    def _range(cls, value: str | None) -> str | None:
        if value is None or value == "auto":
            return value
        return _fullmatch(service.RANGE_NAME_RE, value, "the name of an allocated range (private services access "
                          "uses range names, not CIDRs)", "memorystore-range")

    @field_validator("snapshot_start_time")
    @classmethod
    def _start_time(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _fullmatch(_TIMESTAMP_RE, value, "an RFC 3339 UTC timestamp", "2026-01-01T03:00:00Z")
        try:
            datetime.fromisoformat(value[:19])  # a real date and time, not 2026-02-30T25:00:00Z
        except ValueError as error:
            raise ValueError(f"{value!r} is not a real date and time ({error}); e.g. 2026-01-01T03:00:00Z") from None
        return value

    @field_validator("customer_managed_key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        return None if value is None else _fullmatch(
            service.KMS_KEY_RE, value, "a Cloud KMS key name",
            "projects/my-project-123/locations/europe-west1/keyRings/redis/cryptoKeys/profwise")

    @field_validator("labels")
    @classmethod
    def _labels(cls, labels: dict[str, str]) -> dict[str, str]:
        room = service.MAX_LABELS - len(service.RESERVED_LABELS)
        if len(labels) > room:
            raise ValueError(f"has {len(labels)} labels; at most {room} (GCP allows {service.MAX_LABELS}, the stack "
                             "adds 3)")
        for key, value in labels.items():
            if key in service.RESERVED_LABELS:
                raise ValueError(f"label {key!r} is set by the stack itself; choose another key")
            _fullmatch(service.LABEL_KEY_RE, key, "a label key (1-63 lowercase letters, digits, _ or -, starting "
                       "with a letter)", "service")
            _fullmatch(service.LABEL_VALUE_RE, value, f"a value for label {key!r} (0-63 lowercase letters, digits, "
                       "_ or -)", "profwise-backend")
        return labels
