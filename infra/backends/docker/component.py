"""`DockerRedis`: the dev stack's Redis 7 container — the guide's docker-compose service, declared.

Creates the pinned image, a private bridge network (the container answers as `redis` on it), a named volume at
/data and the container: the rendered `redis.conf` uploaded (its two ACL users carry SHA-256 hashes of the app's and
the admin's passwords, never the plaintext; kept secret all the same), the port published on the loopback bind
address only, restart unless-stopped, a healthcheck that reads the app's password from `REDISCLI_AUTH` rather than a
command line, and `wait` until healthy. The admin user's password is generated and kept in state like the app's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

import pulumi
import pulumi_docker as docker
from pydantic import SecretStr

from infra import contract
from infra.config import acl, redis_conf
from infra.backends.credentials import password_output
from infra.config.redis import RedisSettings
from infra.backends.docker.settings import DockerSettings

if TYPE_CHECKING:  # the settings are assembled above the backends (infra.stack_settings)
    from infra.stack_settings import StackSettings

NETWORK_ALIAS = "redis"
CONTAINER_COMMAND = ["redis-server", redis_conf.CONTAINER_CONF_PATH]  # valkey images: valkey-server (image_ref)
# redis-cli reads REDISCLI_AUTH, so neither the healthcheck nor `docker exec ... redis-cli` puts the password in argv.
HEALTHCHECK = ["CMD-SHELL", "redis-cli ping | grep -q PONG"]
# How long Redis gets to exit after SIGTERM before it is killed: on SIGTERM it fsyncs the AOF and writes a final RDB of
# the whole dataset (a 512mb maxmemory dataset takes seconds on an SSD, longer on a slow disk); the container stops as
# soon as Redis exits, so a generous bound costs nothing. pulumi-docker stops the container with
# `destroy_grace_seconds` on every delete and replacement (0 when unset: SIGKILL, no final save); Docker itself uses
# the container's `stop_timeout` for `docker stop`/`docker restart` without -t and when the daemon shuts down
# (10 s when unset).
STOP_GRACE_SECONDS = 60
STOP_SIGNAL = "SIGTERM"  # Redis's graceful shutdown (shutdown-on-sigterm default: save if save points are set)


@dataclass(frozen=True)
class DockerRedisArgs:
    docker: DockerSettings
    redis: RedisSettings
    password: SecretStr | None = None
    hooks: pulumi.ResourceHookBinding | None = None  # attached to the container (post-deploy verification)

    @classmethod
    def from_settings(cls, settings: StackSettings, hooks: pulumi.ResourceHookBinding | None = None) -> DockerRedisArgs:
        return cls(docker=settings.docker, redis=settings.redis, password=settings.password, hooks=hooks)


class DockerRedis(pulumi.ComponentResource):
    backend = "docker"
    tls = False

    def __init__(self, name: str, args: DockerRedisArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("profwise:redis:DockerRedis", name, None, opts)
        cfg = args.docker
        child = pulumi.ResourceOptions(parent=self)
        stack = pulumi.get_stack()

        self.password = password_output(name, args.password, self)
        # The operations' own principal: generated, never configured, never in app_env (infra.config.acl).
        self.admin_user = acl.ADMIN_USER
        self.admin_password = password_output(f"{name}-admin", None, self)
        self.image = docker.RemoteImage(f"{name}-image", name=cfg.image, keep_locally=True, opts=child)
        self.network = docker.Network(
            f"{name}-network", name=cfg.network_name, driver="bridge",
            labels=[docker.NetworkLabelArgs(label=k, value=v) for k, v in labels(stack).items()], opts=child)
        # A separate resource, so replacing or deleting the container never touches the data; kept on destroy by
        # default (re-running `pulumi up` re-attaches the same named volume).
        self.volume = docker.Volume(
            f"{name}-data", name=cfg.volume_name,
            labels=[docker.VolumeLabelArgs(label=k, value=v) for k, v in labels(stack).items()],
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=cfg.keep_volume_on_destroy))
        conf: pulumi.Output[str] = pulumi.Output.secret(pulumi.Output.all(self.password, self.admin_password).apply(
            lambda pw: redis_conf.render(args.redis, pw[0], pw[1])))
        envs: pulumi.Output[list[str]] = pulumi.Output.secret(self.password.apply(lambda pw: [f"REDISCLI_AUTH={pw}"]))
        self.container = docker.Container(
            f"{name}-container",
            name=cfg.container_name,
            image=self.image.image_id,
            command=[cfg.image_ref.server_binary, *CONTAINER_COMMAND[1:]],
            envs=envs,
            uploads=[docker.ContainerUploadArgs(
                file=redis_conf.CONTAINER_CONF_PATH, content=conf, permissions="0600",
                owner=redis_conf.CONTAINER_REDIS_UID, group=redis_conf.CONTAINER_REDIS_GID)],
            ports=[docker.ContainerPortArgs(internal=redis_conf.CONTAINER_PORT, external=cfg.host_port,
                                            ip=cfg.bind_address, protocol="tcp")],
            volumes=[docker.ContainerVolumeArgs(volume_name=self.volume.name,
                                                container_path=redis_conf.CONTAINER_DATA_DIR)],
            networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=self.network.name, aliases=[NETWORK_ALIAS])],
            restart="unless-stopped",
            must_run=True,
            remove_volumes=False,
            healthcheck=docker.ContainerHealthcheckArgs(tests=HEALTHCHECK, interval="10s", timeout="3s", retries=5,
                                                        start_period="10s"),
            wait=True,
            wait_timeout=cfg.wait_timeout,
            log_driver="json-file",
            log_opts={"max-size": "10m", "max-file": "3"},
            security_opts=["no-new-privileges:true"],
            stop_signal=STOP_SIGNAL,
            stop_timeout=STOP_GRACE_SECONDS,
            destroy_grace_seconds=STOP_GRACE_SECONDS,
            labels=[docker.ContainerLabelArgs(label=k, value=v) for k, v in labels(stack).items()],
            # A fixed name and host port cannot exist twice: delete the old container before creating its
            # replacement (the volume, and so the data, stays).
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True, hooks=args.hooks),
        )
        self.host = pulumi.Output.from_input(cfg.client_host)
        self.port = pulumi.Output.from_input(cfg.host_port)
        # The container runs exactly the settings model: nothing managed or restricted by a service, one node.
        self.settings = contract.settings_output(args.redis.effective())
        self._extra = {
            "container_name": self.container.name,
            "volume_name": self.volume.name,
            "network_name": self.network.name,
            "network_alias": NETWORK_ALIAS,
            "image": cfg.image,
        }
        self.register_outputs({"host": self.host, "port": self.port, "password": self.password,
                               "admin_password": self.admin_password, **self._extra})

    def extra_outputs(self) -> Mapping[str, pulumi.Input[Any]]:
        return self._extra


def labels(stack: str) -> dict[str, str]:
    return {"com.profwise.project": "profwise-redis", "com.profwise.stack": stack, "com.profwise.managed-by": "pulumi"}


def build(name: str, settings: StackSettings, hooks: pulumi.ResourceHookBinding | None = None) -> DockerRedis:
    """The backend's `component` (infra.backends.spec): `hooks` go on the container."""
    return DockerRedis(name, DockerRedisArgs.from_settings(settings, hooks=hooks))
