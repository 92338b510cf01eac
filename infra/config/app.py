"""`profwise-redis:app` — what the Profwise backend's `.env` gets (infra.contract.app_env renders it)."""

from __future__ import annotations

from pydantic import Field

from infra.config.models import Section


class AppSettings(Section):
    """`profwise-redis:app` — what the Profwise backend reads from its `.env`."""

    enable_cache: bool = Field(True, description="ENABLE_REDIS_CACHE; false is the guide's rollback switch: the app "
                               "stops using Redis, Redis keeps running and keeps its data.")
    default_ttl: int = Field(3600, gt=0, le=31_536_000, description="REDIS_DEFAULT_TTL in seconds.")
