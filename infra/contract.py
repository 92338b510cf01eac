"""The stack-output contract every backend honours, so nothing downstream branches on the backend.

Output keys are constants shared by the program, the CLI and the tests. A backend component exposes `backend`,
`host`, `port`, `tls`, `password` (secret), `settings` and `extra_outputs()`; `stack_outputs()` derives the rest
(`url`, `app_env`) the same way for both. `redis_url` and `app_env` are pure so tests and the CLI use them directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Mapping, Protocol
from urllib.parse import quote

if TYPE_CHECKING:  # the CLI imports this module for its key constants; pulumi and pydantic cost ~0.15 s to import
    import pulumi

    from infra.config.app import AppSettings

PROJECT = "profwise-redis"  # the Pulumi project: the config namespace, a tag on every resource

BACKEND = "backend"
HOST = "host"
PORT = "port"
TLS = "tls"
PASSWORD = "password"
URL = "url"
APP_ENV = "app_env"
SETTINGS = "settings"
CONTRACT_KEYS = (BACKEND, HOST, PORT, TLS, PASSWORD, URL, APP_ENV, SETTINGS)
# The operations' own principal (infra.config.acl): its user name, and its password as a separate secret output that
# never reaches `app_env` or `url`. A backend whose service has a single AUTH password exports neither; the tools
# then use the app's password and say so.
ADMIN_USER = "admin_user"
ADMIN_PASSWORD = "admin_password"
SECRET_OUTPUTS = (PASSWORD, URL, APP_ENV, ADMIN_PASSWORD)  # the outputs that are Pulumi secrets

# Extra outputs of the elasticache backend (issue: the prod stack).
REPLICATION_GROUP_ID = "replication_group_id"
READER_HOST = "reader_host"
SECURITY_GROUP_ID = "security_group_id"
PARAMETER_GROUP_NAME = "parameter_group_name"
KMS_KEY_ARN = "kms_key_arn"
ALARM_TOPIC_ARN = "alarm_topic_arn"
REGION = "region"
# What the AWS control plane must show for the group (non-secret): the verifier compares DescribeReplicationGroups
# and DescribeCacheParameters against it. Keys: replication_group_id, region, engine, engine_version, cluster_mode,
# member_count, multi_az, automatic_failover, at_rest_encryption, transit_encryption_mode, auth_token_enabled,
# snapshot_retention_days, parameter_group_name, parameters (name -> value, as rendered).
CONTROL_PLANE = "control_plane"

# PEM text of a private CA that signs the service's TLS certificate (a backend whose service uses one exports it; the
# verifier then trusts it without --ca-cert). Non-secret.
CA_CERTIFICATE = "ca_certificate"

# How the ops tools reach a Redis that listens only on a server's private Docker network (`infra.tunnel`):
# {"engine": "ssh://user@server[:port]", "ssh_opts": [...], "container": name, "network": name, "port": 6379}.
# Known from the settings alone (no resource output), so the deploy hook can use it. Non-secret.
SSH_TUNNEL = "ssh_tunnel"
# Extra outputs the deploy hook takes from the program rather than from the hooked resource: each backend builds
# them from its settings alone, so waiting for them never waits for the resource being verified.
KNOWN_BEFORE_DEPLOY = (CONTROL_PLANE, SSH_TUNNEL)

# What the `settings` output carries besides the Redis settings a live server must show (RedisSettings.effective):
# the differences between services, as data, so verify and health never ask which backend they face.
MANAGED = "managed"  # setting name (maxmemory, appendonly) -> why the service decides it itself: checks skip it
RESTRICTED_COMMANDS = "restricted_commands"  # commands the service itself blocks: absent without a probe
CLUSTER_MODE = "cluster_mode"  # true: the keyspace is sharded, clients must follow MOVED

DEFAULT_PORT = 6379  # Redis's port: inside the container, the default published port, ElastiCache's

APP_ENV_KEYS = ("ENABLE_REDIS_CACHE", "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD", "REDIS_DEFAULT_TTL", "REDIS_TLS")
# Present only when the service's certificate is signed by a private CA (the `ca_certificate` output): the app trusts
# exactly that CA (redis-py `ssl_ca_data`, node-redis `socket.ca`). PEM text, several lines.
APP_ENV_CA_KEY = "REDIS_TLS_CA_CERT"
APP_ENV_OPTIONAL_KEYS = (APP_ENV_CA_KEY,)


class RedisBackend(Protocol):
    """What `DockerRedis` and `ElastiCacheRedis` both provide."""

    backend: str
    host: pulumi.Output[str]
    port: pulumi.Output[int]
    tls: bool
    password: pulumi.Output[str]
    settings: dict[str, Any]
    # Optional (getattr): the admin principal, when the service has users (ADMIN_USER / ADMIN_PASSWORD above).
    # admin_user: str; admin_password: pulumi.Output[str]

    def extra_outputs(self) -> Mapping[str, pulumi.Input[Any]]: ...


def redis_url(host: str, port: int, password: str, tls: bool) -> str:
    scheme = "rediss" if tls else "redis"
    netloc = f"[{host}]" if ":" in host else host
    return f"{scheme}://:{quote(password, safe='')}@{netloc}:{port}/0"


def app_env(host: str, port: int, password: str, tls: bool, app: AppSettings,
            ca_certificate: str | None = None) -> dict[str, str]:
    """Exactly what the Profwise backend's `.env` needs (all strings, as a dotenv file holds them), plus the private
    CA when there is one."""
    env = {
        "ENABLE_REDIS_CACHE": "true" if app.enable_cache else "false",
        "REDIS_HOST": host,
        "REDIS_PORT": str(port),
        "REDIS_PASSWORD": password,
        "REDIS_DEFAULT_TTL": str(app.default_ttl),
        "REDIS_TLS": "true" if tls else "false",
    }
    if ca_certificate:
        env[APP_ENV_CA_KEY] = ca_certificate
    return env


def settings_output(effective: Mapping[str, Any], managed: Mapping[str, str] | None = None,
                    restricted_commands: Iterable[str] = (), cluster_mode: bool = False) -> dict[str, Any]:
    """The `settings` output: the Redis settings a live server shows (`RedisSettings.effective()`, as the service
    applies them) plus what the service decides for itself, the same keys for every backend."""
    return {**effective, MANAGED: dict(managed or {}), RESTRICTED_COMMANDS: sorted(restricted_commands),
            CLUSTER_MODE: cluster_mode}


def stack_outputs(redis: RedisBackend, app: AppSettings) -> dict[str, pulumi.Input[Any]]:
    import pulumi

    extra = redis.extra_outputs()
    secret_inputs = pulumi.Output.all(redis.host, redis.port, redis.password, extra.get(CA_CERTIFICATE))
    outputs: dict[str, pulumi.Input[Any]] = {
        BACKEND: redis.backend,
        HOST: redis.host,
        PORT: redis.port,
        TLS: redis.tls,
        PASSWORD: pulumi.Output.secret(redis.password),
        URL: pulumi.Output.secret(secret_inputs.apply(lambda v: redis_url(v[0], v[1], v[2], redis.tls))),
        APP_ENV: pulumi.Output.secret(secret_inputs.apply(lambda v: app_env(v[0], v[1], v[2], redis.tls, app, v[3]))),
        SETTINGS: redis.settings,
    }
    admin_password = getattr(redis, "admin_password", None)
    if admin_password is not None:  # its own secret output: never in url or app_env
        outputs[ADMIN_USER] = redis.admin_user  # type: ignore[attr-defined]
        outputs[ADMIN_PASSWORD] = pulumi.Output.secret(admin_password)
    outputs.update(extra)
    return outputs
