"""The output contract's pure parts: the URL and the app's .env map, including the rollback switch."""

from __future__ import annotations

from infra import contract
from infra.config.app import AppSettings


def test_url_scheme_follows_tls_and_escapes_the_password():
    assert contract.redis_url("127.0.0.1", 6379, "p@ss/word", False) == "redis://:p%40ss%2Fword@127.0.0.1:6379/0"
    assert contract.redis_url("example.cache.amazonaws.com", 6379, "x", True).startswith("rediss://")
    assert contract.redis_url("::1", 6380, "x", False) == "redis://:x@[::1]:6380/0"


def test_app_env_has_exactly_the_backend_keys():
    env = contract.app_env("127.0.0.1", 6379, "pw", False, AppSettings())
    assert tuple(env) == contract.APP_ENV_KEYS
    assert env == {"ENABLE_REDIS_CACHE": "true", "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379",
                   "REDIS_PASSWORD": "pw", "REDIS_DEFAULT_TTL": "3600", "REDIS_TLS": "false"}


def test_rollback_switch_only_turns_the_cache_off():
    on = contract.app_env("h", 1, "pw", True, AppSettings())
    off = contract.app_env("h", 1, "pw", True, AppSettings(enable_cache=False))
    assert off["ENABLE_REDIS_CACHE"] == "false"
    assert {k: v for k, v in off.items() if k != "ENABLE_REDIS_CACHE"} == \
        {k: v for k, v in on.items() if k != "ENABLE_REDIS_CACHE"}
