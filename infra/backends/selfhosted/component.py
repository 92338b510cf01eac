"""`ServerRedis`: the production Redis container on a server's Docker engine, reached over SSH.

An explicit docker provider for the server's engine (never the ambient one; every docker resource and the network
lookup name it), the pinned image pulled there, a named volume at /data, the private CA and server certificate
(`ServerCertificates`), and the container: joined to the app's existing network as `redis` (looked up, never owned:
`pulumi destroy` must not delete Coolify's or compose's network), nothing published unless `bindAddress` says so,
TLS only, `redis.conf` and the key uploaded 0600 to the redis user, and the hardening of `hardening`. The pieces it
shares with the dev container (labels, command, stop grace, network alias) are the docker backend's, imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

import pulumi
import pulumi_docker as docker
from pydantic import SecretStr

from infra import contract
from infra.backends.credentials import password_output
from infra.backends.docker.component import (CONTAINER_COMMAND, NETWORK_ALIAS, STOP_GRACE_SECONDS, STOP_SIGNAL,
                                             labels)
from infra.backends.selfhosted import hardening
from infra.backends.selfhosted.certificates import ServerCertificates
from infra.backends.selfhosted.settings import ServerSettings
from infra.config import acl, redis_conf, redis_tls
from infra.config.redis import RedisSettings

if TYPE_CHECKING:
    from infra.stack_settings import StackSettings

# redis-cli does not check the certificate's name (only its chain), so 127.0.0.1 inside the container is fine.
HEALTHCHECK = ["CMD-SHELL", f"redis-cli --tls --cacert {redis_tls.CA_FILE} -h 127.0.0.1 ping | grep -q PONG"]
TLS_NOT_AFTER = "tls_not_after"  # output: when the served certificate expires (RFC 3339)


@dataclass(frozen=True)
class ServerRedisArgs:
    selfhosted: ServerSettings
    redis: RedisSettings
    password: SecretStr | None = None
    hooks: pulumi.ResourceHookBinding | None = None


def tunnel_output(cfg: ServerSettings) -> dict[str, Any] | None:
    """What `infra.tunnel` needs, from the settings alone (the deploy hook reads it before the container exists)."""
    if cfg.engine.scheme != "ssh":
        return None
    return {"engine": cfg.host, "ssh_opts": list(cfg.ssh_opts), "container": cfg.container_name,
            "network": cfg.network_name, "port": redis_conf.CONTAINER_PORT}


class ServerRedis(pulumi.ComponentResource):
    backend = "selfhosted"
    tls = True

    def __init__(self, name: str, args: ServerRedisArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("profwise:redis:ServerRedis", name, None, opts)
        cfg, stack = args.selfhosted, pulumi.get_stack()
        self.engine = docker.Provider(f"{name}-engine", host=cfg.host, ssh_opts=list(cfg.ssh_opts),
                                      cert_path=cfg.cert_path, opts=pulumi.ResourceOptions(parent=self))
        on_engine = pulumi.ResourceOptions(parent=self, provider=self.engine)
        tags = labels(stack)

        self.password = password_output(name, args.password, self)
        # The operations' own principal (infra.config.acl), generated like the dev stack's: the tools (through the SSH
        # tunnel) connect as it; never in app_env.
        self.admin_user = acl.ADMIN_USER
        self.admin_password = password_output(f"{name}-admin", None, self)
        self.certificates = ServerCertificates(f"{name}-tls", cfg.tls, stack, pulumi.ResourceOptions(parent=self))
        self.image = docker.RemoteImage(f"{name}-image", name=cfg.image, keep_locally=True, opts=on_engine)
        # Looked up, not created: the app's network belongs to compose or Coolify (a missing one fails the preview:
        # "Could not find docker network").
        self.network = docker.get_network_output(name=cfg.network_name,
                                                 opts=pulumi.InvokeOutputOptions(provider=self.engine))
        self.volume = docker.Volume(
            f"{name}-data", name=cfg.volume_name,
            labels=[docker.VolumeLabelArgs(label=k, value=v) for k, v in tags.items()],
            opts=pulumi.ResourceOptions.merge(on_engine, pulumi.ResourceOptions(
                retain_on_delete=cfg.keep_volume_on_destroy)))
        conf: pulumi.Output[str] = pulumi.Output.secret(pulumi.Output.all(self.password, self.admin_password).apply(
            lambda pw: redis_conf.render(args.redis, pw[0], pw[1]) + redis_tls.render_tls()))
        envs: pulumi.Output[list[str]] = pulumi.Output.secret(self.password.apply(lambda pw: [f"REDISCLI_AUTH={pw}"]))
        uid, gid = (cfg.container_user or "").split(":")
        certs = self.certificates

        def upload(path: str, content: pulumi.Input[str], mode: str) -> docker.ContainerUploadArgs:
            return docker.ContainerUploadArgs(file=path, content=content, permissions=mode, owner=uid, group=gid)

        memory = hardening.memory_limit_mb(args.redis.maxmemory)
        self.container = docker.Container(
            f"{name}-container",
            name=cfg.container_name,
            image=self.image.image_id,
            command=[cfg.image_ref.server_binary, *CONTAINER_COMMAND[1:]],
            user=cfg.container_user,
            envs=envs,
            uploads=[upload(redis_conf.CONTAINER_CONF_PATH, conf, "0600"),
                     upload(redis_tls.CERT_FILE, certs.cert_pem, "0644"),
                     upload(redis_tls.KEY_FILE, certs.key_pem, "0600"),
                     upload(redis_tls.CA_FILE, certs.ca_pem, "0644")],
            ports=[docker.ContainerPortArgs(internal=redis_conf.CONTAINER_PORT, external=cfg.host_port,
                                            ip=cfg.bind_address, protocol="tcp")] if cfg.publishes else None,
            volumes=[docker.ContainerVolumeArgs(volume_name=self.volume.name,
                                                container_path=redis_conf.CONTAINER_DATA_DIR)],
            networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=self.network.name, aliases=[NETWORK_ALIAS])],
            memory=memory,
            memory_swap=memory,
            restart=hardening.RESTART,
            must_run=True,
            remove_volumes=False,
            capabilities=docker.ContainerCapabilitiesArgs(drops=list(hardening.CAPABILITIES_DROPPED)),
            security_opts=list(hardening.SECURITY_OPTS),
            healthcheck=docker.ContainerHealthcheckArgs(tests=HEALTHCHECK, interval="10s", timeout="3s", retries=5,
                                                        start_period="10s"),
            wait=True,
            wait_timeout=cfg.wait_timeout,
            log_driver="json-file",
            log_opts=dict(hardening.LOG_OPTS),
            stop_signal=STOP_SIGNAL,
            stop_timeout=STOP_GRACE_SECONDS,
            destroy_grace_seconds=STOP_GRACE_SECONDS,
            labels=[docker.ContainerLabelArgs(label=k, value=v) for k, v in tags.items()],
            # A fixed name: delete the old container before its replacement (a renewed certificate, a new
            # setting); the volume, and so the data, stays.
            opts=pulumi.ResourceOptions.merge(on_engine, pulumi.ResourceOptions(
                delete_before_replace=True, hooks=args.hooks)),
        )
        # The app's view (REDIS_HOST=redis on the joined network); the ops tools go through the SSH tunnel.
        self.host = pulumi.Output.from_input(NETWORK_ALIAS)
        self.port = pulumi.Output.from_input(redis_conf.CONTAINER_PORT)
        self.settings = contract.settings_output(args.redis.effective())
        self._extra: dict[str, pulumi.Input[Any]] = {
            contract.CA_CERTIFICATE: certs.ca_pem,
            TLS_NOT_AFTER: certs.not_after,
            "container_name": self.container.name,
            "volume_name": self.volume.name,
            "network_name": self.network.name,
            "network_alias": NETWORK_ALIAS,
            "image": cfg.image,
        }
        tunnel = tunnel_output(cfg)
        if tunnel is not None:
            self._extra[contract.SSH_TUNNEL] = tunnel
        self.register_outputs({"host": self.host, "port": self.port, "password": self.password,
                               "admin_password": self.admin_password, **self._extra})

    def extra_outputs(self) -> Mapping[str, pulumi.Input[Any]]:
        return self._extra


def build(name: str, settings: StackSettings, hooks: pulumi.ResourceHookBinding | None = None) -> ServerRedis:
    return ServerRedis(name, ServerRedisArgs(selfhosted=settings.selfhosted, redis=settings.redis,
                                             password=settings.password, hooks=hooks))
