"""The `docker` backend: Redis 7 in a local Docker container (the dev stack), backed up as RDB over the wire."""

from infra.backends.spec import BackendSpec

CONTAINER_TYPE = "docker:index/container:Container"

SPEC = BackendSpec(
    name="docker",
    summary="a local Docker container (dev)",
    settings_model="infra.backends.docker.settings:DockerSettings",
    component="infra.backends.docker.component:build",
    rules="infra.backends.docker.settings:rules",
    endpoint_types={CONTAINER_TYPE: "infra.backends.docker.endpoint:container"},
    data_plane_from_deployer=True,
    mocks="infra.backends.docker.mocks:OUTPUTS",
    needs_local_docker=True,
)
