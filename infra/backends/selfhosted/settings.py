"""`profwise-redis:selfhosted` — Redis on a server's Docker engine, reached over SSH, joined to the app's network, TLS.

Validated before any resource exists: the engine address (`infra.backends.selfhosted.engine`), the existing network's
name, the image (the docker backend's rules, by import), the optional published port (nothing is published unless
`bindAddress` is set; a non-loopback address only with `dangerouslyAllowPublicBind`, a public one never), the
container user, and the certificate's lifetime. `rules()` adds what needs the environment and the Redis settings:
the ambient Docker variables that would redirect the provider, and the memory limit the server must have room for.
"""

from __future__ import annotations

import ipaddress
import os
import re
from typing import Any

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator

from infra.backends.docker import image_ref
from infra.backends.docker.settings import check_docker_name, check_pinned_image
from infra.backends.selfhosted import engine, hardening
from infra.config.errors import Problem
from infra.config.models import Section, as_list, refuse_duplicates
from infra.config.redis import RedisSettings
from infra.config.stack_files import PLACEHOLDER

_DNS_NAME_RE = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                          r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*", re.ASCII)
_SSH_OPT_RE = re.compile(r"[^\s\x00-\x1f\x7f]{1,512}")
_USER_RE = re.compile(r"\d{1,9}:\d{1,9}", re.ASCII)
MIN_VALIDITY_DAYS = 30


def _not_placeholder(value: str, key: str, example: str) -> str:
    if PLACEHOLDER in value:
        raise ValueError(f"{value!r} is the placeholder from Pulumi.server.yaml: set your own (pulumi config set "
                         f"--path 'selfhosted.{key}' {example})")
    return value


class TlsSettings(Section):
    """`profwise-redis:selfhosted.tls` — the private CA and the server certificate (pulumi-tls)."""

    dns_names: as_list(tuple[str, ...]) = Field((), description="Extra DNS names in the server certificate, "  # type: ignore[valid-type]
                                                "besides `redis` (the alias on the network) and `localhost` (the "
                                                "ops tunnel).")
    ip_addresses: as_list(tuple[str, ...]) = Field((), description="Extra IP addresses in the certificate, "  # type: ignore[valid-type]
                                                   "besides 127.0.0.1 (the ops tunnel).")
    validity_days: int = Field(90, ge=MIN_VALIDITY_DAYS, le=825, description="Lifetime of the server certificate.")
    renew_before_days: int = Field(30, ge=1, le=400, description="`pulumi up` replaces the certificate (and so the "
                                   "container; data kept) once fewer days than this remain.")
    ca_validity_days: int = Field(3650, ge=365, le=7300, description="Lifetime of the private CA the app trusts.")
    rotation: str = Field("", max_length=64, description="Change this (e.g. to the date) to renew the server "
                          "certificate at the next `pulumi up`, whatever its age.")

    @field_validator("dns_names")
    @classmethod
    def _dns_names(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        for name in names:
            if not _DNS_NAME_RE.fullmatch(name):
                raise ValueError(f"{name!r} is not a DNS name (e.g. redis.internal)")
        return refuse_duplicates(names, "name")

    @field_validator("ip_addresses")
    @classmethod
    def _ips(cls, addresses: tuple[str, ...]) -> tuple[str, ...]:
        try:
            return refuse_duplicates(tuple(str(ipaddress.ip_address(a)) for a in addresses), "address")
        except ValueError as error:
            raise ValueError(f"{error} (use addresses such as 10.0.0.5)") from None

    @model_validator(mode="after")
    def _renewal_window(self) -> TlsSettings:
        if self.validity_days < 2 * self.renew_before_days:
            raise ValueError(f"validityDays {self.validity_days} is too short for renewBeforeDays "
                             f"{self.renew_before_days}: the certificate would be due for renewal within "
                             f"{self.validity_days - self.renew_before_days} days of issue; use validityDays of at "
                             f"least {2 * self.renew_before_days}, or a smaller renewBeforeDays")
        return self


class ServerSettings(Section):
    """`profwise-redis:selfhosted` — the server's engine, the app's network, the container and its certificate."""

    host: str | None = Field(None, description="The server's Docker engine: ssh://user@server[:port]"
                             "[/path/to/docker.sock], or tcp://server:2376 with certPath.",
                             examples=["ssh://deploy@app-server.example.com"])
    ssh_opts: as_list(tuple[str, ...]) = Field(  # type: ignore[valid-type]
        (), description="Extra ssh arguments, one list element each (e.g. [\"-i\", \"~/.ssh/deploy\"]); also used "
        "by the ops tunnel.")
    cert_path: str | None = Field(None, description="tcp:// engines only: directory with ca.pem, cert.pem, key.pem.")
    network_name: str | None = Field(None, description="The app's existing Docker network (compose network, or "
                                     "Coolify's destination network); the container answers as `redis` on it.")
    allow_unofficial_image: bool = Field(False, description="As docker.allowUnofficialImage.")
    image: str = Field("redis:7.2.11-alpine", description="Official Redis/Valkey 7+ image, exact tag (as "
                       "docker.image).")
    user: str | None = Field(None, description="uid:gid the container runs as (all capabilities dropped); derived "
                             "for official redis images, required for any other.")
    container_name: str = Field("profwise-redis", description="Container name on the server.")
    volume_name: str = Field("profwise-redis-data", description="Named volume at /data on the server.")
    keep_volume_on_destroy: bool = Field(True, description="Keep the data volume when the stack is destroyed.")
    dangerously_allow_public_bind: bool = Field(False, description="Opt-in to publish on a private non-loopback "
                                                "bindAddress.")
    bind_address: str | None = Field(None, description="Unset (the default): no port is published, ops use the SSH "
                                     "tunnel. Else a loopback, or with dangerouslyAllowPublicBind a private, address.")
    host_port: int = Field(6379, ge=1, le=65535, description="Server port published on bindAddress, if set.")
    wait_timeout: int = Field(120, ge=10, le=900, description="Seconds `pulumi up` waits for the container to be "
                              "healthy.")
    tls: TlsSettings = Field(default_factory=TlsSettings, description="TLS (always on): see the selfhosted.tls.* keys.")

    @field_validator("host")
    @classmethod
    def _host(cls, host: str | None) -> str | None:
        if host is None:
            return None
        engine.parse_host(_not_placeholder(host, "host", "ssh://deploy@app-server.example.com"))
        return host

    @field_validator("network_name")
    @classmethod
    def _network(cls, name: str | None) -> str | None:
        if name is None:
            return None
        try:
            return check_docker_name(_not_placeholder(name, "networkName", "coolify"))
        except ValueError as error:
            raise ValueError(f"{error}; find the app's network with `docker network ls` on the server (Coolify: "
                             "coolify, or the destination's network)") from None

    @field_validator("container_name", "volume_name")
    @classmethod
    def _names(cls, name: str) -> str:
        return check_docker_name(name)

    @field_validator("image")
    @classmethod
    def _image(cls, image: str, info: ValidationInfo) -> str:
        return check_pinned_image(image, bool(info.data.get("allow_unofficial_image")))

    @field_validator("ssh_opts")
    @classmethod
    def _ssh_opts(cls, opts: tuple[str, ...]) -> tuple[str, ...]:
        for opt in opts:
            if not _SSH_OPT_RE.fullmatch(opt):
                raise ValueError(f"{opt!r}: each ssh argument is one list element without spaces (write "
                                 "[\"-o\", \"BatchMode=yes\"], not [\"-o BatchMode=yes\"])")
        return opts

    @field_validator("user")
    @classmethod
    def _user(cls, user: str | None) -> str | None:
        if user is not None and (not _USER_RE.fullmatch(user) or user.startswith("0:")):
            raise ValueError(f"{user!r} is not a non-root uid:gid (e.g. 999:1000)")
        return user

    @field_validator("bind_address")
    @classmethod
    def _bind(cls, address: str | None, info: ValidationInfo) -> str | None:
        if address is None:
            return None
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            raise ValueError(f"{address!r} is not an IP address: unset it to publish nothing") from None
        if ip.is_unspecified or ip.is_global:
            raise ValueError(f"{ip} would publish Redis on the internet: unset bindAddress (ops use the SSH tunnel), "
                             "or use a private address")
        if not ip.is_loopback and not info.data.get("dangerously_allow_public_bind"):
            raise ValueError(f"{ip} publishes Redis beyond the server: unset bindAddress, or set "
                             "selfhosted.dangerouslyAllowPublicBind to true if you really mean it")
        return str(ip)

    @model_validator(mode="after")
    def _engine_and_user(self) -> ServerSettings:
        if self.host is None:  # required, but only of a server stack: rules() says so
            return self
        address = engine.parse_host(self.host)
        if (address.scheme == engine.TCP) != (self.cert_path is not None):
            raise ValueError("a tcp:// host needs certPath (its ca.pem verifies the engine), and an ssh:// host "
                             "takes none: set selfhosted.certPath, or use ssh://user@server")
        if self.user is None and self.container_user is None:
            raise ValueError(f"the redis user's uid:gid of {self.image} is not known: set selfhosted.user "
                             "(e.g. 999:1000)")
        return self

    @property
    def engine(self) -> engine.EngineAddress:
        return engine.parse_host(self.host or "")

    @property
    def image_ref(self) -> image_ref.ImageRef:
        return image_ref.parse(self.image)

    @property
    def container_user(self) -> str | None:
        return self.user or hardening.image_user(self.image_ref)

    @property
    def publishes(self) -> bool:
        return self.bind_address is not None


def rules(server: ServerSettings, redis: RedisSettings, password: SecretStr | None = None,
          environ: Any = None) -> list[Problem]:
    """The environment the provider would read, before anything is registered."""
    env = os.environ if environ is None else environ
    required = {"host": "ssh://deploy@app-server.example.com", "networkName": "coolify"}
    missing = [Problem(f"selfhosted.{key}", "is not set: a server stack needs it",
                       f"pulumi config set --path 'selfhosted.{key}' {example}")
               for key, example in required.items()
               if getattr(server, "host" if key == "host" else "network_name") is None]
    fix = ("(the server stack's engine is profwise-redis:selfhosted.host and its ssh options selfhosted.sshOpts, "
           "nothing else)")
    return missing + [Problem("selfhosted.host", f"{variable} is set in the environment: {why}",
                              f"unset {variable} {fix}") for variable, why in engine.ambient_problems(env)]


def stand_in(placeholder: str, index: int) -> str:
    """The backend's `stand_in`: Pulumi.server.yaml's placeholders -> valid values of their kind."""
    if placeholder.startswith("ssh://"):
        return f"ssh://deploy@server-{index}.example.com"
    return f"app-network-{index}"
