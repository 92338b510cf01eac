"""The `selfhosted` backend: Redis 7 in a Docker container on a server the app runs on (the guide's single-server
production, Docker Compose or Coolify), deployed over SSH, TLS only, joined to the app's network as `redis`.

A backend of its own rather than a mode of `docker`: its settings (a remote engine, an existing network, TLS, no
published port), its rules (the ambient Docker variables), its endpoint (reached through an SSH tunnel) and its
stack file differ; the container itself is built from the docker backend's pieces, imported (image rules, labels,
healthcheck, stop grace).
"""

from infra.backends.spec import BackendSpec

CONTAINER_TYPE = "docker:index/container:Container"

SPEC = BackendSpec(
    name="selfhosted",
    summary="a Docker container on your own server, over SSH, TLS only (self-hosted production)",
    settings_model="infra.backends.selfhosted.settings:ServerSettings",
    component="infra.backends.selfhosted.component:build",
    rules="infra.backends.selfhosted.settings:rules",
    endpoint_types={CONTAINER_TYPE: "infra.backends.selfhosted.endpoint:container"},
    data_plane_from_deployer=True,  # through the SSH tunnel the outputs describe
    mocks="infra.backends.selfhosted.mocks:OUTPUTS",
    needs_local_docker=False,
    stand_in="infra.backends.selfhosted.settings:stand_in",
)
