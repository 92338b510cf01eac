"""Where a tool connects: `Target`, the connection descriptor read from the stack outputs, and `scrub`.

A bottom module: verify, health, backup, restore and loadtest all connect through a `Target` without importing each
other. redis-py is imported only when a client is made, so the CLI can read outputs (and fail on bad ones) before
paying for it. `scrub` keeps the passwords out of every report and error message.

Two principals (infra.config.acl): `client(password)` connects as the app (the `default` user, the `password`
output); `operator_client()` connects as the admin user when the outputs carry one (`admin_user`/`admin_password`)
and otherwise falls back to the app's password. `principal` says which, for every tool's output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping
from urllib.parse import quote

from infra import contract

if TYPE_CHECKING:
    import ssl

    import redis


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    password: str
    tls: bool
    settings: Mapping[str, Any]
    timeout: float = 5.0
    ca_cert: str | None = None  # PEM bundle of a private CA; None trusts the system's CAs
    wait: float = 0.0  # seconds to keep retrying an endpoint that is still starting
    cluster: bool = False  # cluster mode expected (the settings output's cluster_mode)
    ca_data: str | None = None  # PEM text of the CA the service signs with (the ca_certificate output), if private
    admin_user: str | None = None  # the operations' ACL user (None: the service has one AUTH password only)
    admin_password: str | None = None

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, Any], timeout: float = 5.0, ca_cert: str | None = None,
                     wait: float = 0.0) -> Target:
        missing = [k for k in (contract.HOST, contract.PORT, contract.PASSWORD) if k not in outputs]
        if missing:
            raise ValueError(f"stack outputs lack {', '.join(missing)}: is this a profwise-redis stack, and were the "
                             "outputs read with --show-secrets?")
        password, admin_password = outputs[contract.PASSWORD], outputs.get(contract.ADMIN_PASSWORD)
        for key, secret in ((contract.PASSWORD, password), (contract.ADMIN_PASSWORD, admin_password)):
            if (secret is not None or key == contract.PASSWORD) and (not isinstance(secret, str)
                                                                     or secret == "[secret]"):
                raise ValueError(f"the {key} output is masked: read the outputs with `pulumi stack output --json "
                                 "--show-secrets`")
        admin_user = outputs.get(contract.ADMIN_USER) if admin_password else None
        tls = outputs.get(contract.TLS, False)
        if not isinstance(tls, bool):
            raise ValueError(f"the tls output must be true or false, not {tls!r}")
        settings = outputs.get(contract.SETTINGS) or {}
        # Either says so: the settings output, or (outputs written before it carried cluster_mode) the control plane's
        # description.
        described = (outputs.get(contract.CONTROL_PLANE) or {}).get("cluster_mode")
        cluster = settings.get(contract.CLUSTER_MODE) is True or str(described).lower() in ("true", "enabled")
        return cls(host=str(outputs[contract.HOST]), port=int(outputs[contract.PORT]), password=password,
                   tls=tls, settings=settings, timeout=timeout, ca_cert=ca_cert, wait=wait,
                   cluster=cluster, ca_data=outputs.get(contract.CA_CERTIFICATE),
                   admin_user=str(admin_user) if admin_user else None,
                   admin_password=admin_password if admin_user else None)

    @property
    def principal(self) -> str:
        """Who the operations connect as, for their output (never a password)."""
        if self.admin_user:
            return f"admin user {self.admin_user}"
        return "the app's password (user default: the outputs carry no admin credential)"

    def operator_credentials(self) -> tuple[str | None, str]:
        return (self.admin_user, self.admin_password) if self.admin_user and self.admin_password else \
            (None, self.password)

    def operator_client(self, **kwargs: Any) -> redis.Redis:
        """The operations' connection: the admin user when there is one, else the app's password."""
        username, password = self.operator_credentials()
        return self.client(password, username=username, **kwargs)

    def operator_cluster_client(self, **kwargs: Any) -> redis.RedisCluster:
        username, password = self.operator_credentials()
        return self.cluster_client(password, username=username, **kwargs)

    def client(self, password: str | None = None, **kwargs: Any) -> redis.Redis:
        import redis

        return redis.Redis(**self._connection(password, kwargs))

    def cluster_client(self, password: str | None = None, **kwargs: Any) -> redis.RedisCluster:
        """For cluster mode: the configuration endpoint redirects keys of other shards, and this client follows MOVED.
        It connects (and discovers the nodes) as it is built."""
        import redis

        return redis.RedisCluster(**self._connection(password, kwargs))

    def _connection(self, password: str | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        # No silent retries inside a check: a refused AUTH or a timeout must be reported, not retried (both clients
        # otherwise retry a failed command 3 times with exponential backoff and jitter).
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        kwargs.setdefault("retry", Retry(NoBackoff(), 0))
        if self.tls:  # redis-py verifies the certificate and the host name by default (ssl_cert_reqs="required")
            kwargs.setdefault("ssl_ca_certs", self.ca_cert)
            if self.ca_data and not self.ca_cert:  # --ca-cert, when given, overrides what the outputs say
                kwargs.setdefault("ssl_ca_data", self.ca_data)
        return {"host": self.host, "port": self.port, "password": password, "ssl": self.tls,
                "socket_timeout": self.timeout, "socket_connect_timeout": self.timeout, **kwargs}

    def ssl_context(self) -> ssl.SSLContext:
        """What the TLS check handshakes with: the system's CAs, or the private CA of --ca-cert or the outputs."""
        import ssl

        return ssl.create_default_context(cafile=self.ca_cert, cadata=None if self.ca_cert else self.ca_data)

    def scrub(self, text: str) -> str:
        return scrub(text, self.password, self.admin_password or "")


def scrub(text: str, password: str, *others: str) -> str:
    """No password reaches a report or an error message, in plain or URL-quoted form."""
    for secret in sorted({form for value in (password, *others) for form in (value, quote(value, safe=""))} - {""},
                         key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
