"""Apply the dev stack's recorded resource inputs to a real Docker engine the way pulumi-docker does.

Stands in for the pulumi-docker provider, which is terraform-provider-docker bridged (no Pulumi CLI runs here):
`apply(run)` takes what the real program registered under the mock engine (`infra.tooling.mock_engine.run_stack`) and
performs the provider's create steps, in its order (internal/provider/resource_docker_container_funcs.go): network,
volume, then the container — create (default `bridge` network mode, `init` false), disconnect from `bridge` and connect
to each `networks_advanced` network with its aliases, upload each file as a one-entry tar extracted at `/` with the
declared mode and numeric owner/group (pulumi-docker 5.2+), start, and poll inspect once a second until the healthcheck
says healthy, failing after `wait_timeout`. `delete` is the provider's delete: stop with `destroy_grace_seconds` (0 when
unset), remove (with volumes only if `remove_volumes`). `outputs` is what its read reports for `ports`.

Two things differ, and only these: the container's `image` (the RemoteImage's id under the mock) becomes the id of the
image the tests resolved (the pinned image when the engine has it, else the stand-in), and every object gets one
extra label, this test session's, so cleanup can find exactly what the session created. An input this translation
does not know fails loudly instead of being ignored: a new argument in the program must be translated here too.
"""

from __future__ import annotations

import io
import re
import tarfile
import time
from dataclasses import dataclass
from typing import Any

from infra.backends.docker import CONTAINER_TYPE
from infra.tooling.mock_engine import COMPUTED, StackRun, unwrap

NETWORK_TYPE, VOLUME_TYPE = "docker:index/network:Network", "docker:index/volume:Volume"
IMAGE_TYPE = "docker:index/remoteImage:RemoteImage"
MOCK_IMAGE_ID = COMPUTED[IMAGE_TYPE]["imageId"]
CONTAINER_KEYS = {"name", "image", "command", "envs", "uploads", "ports", "volumes", "networksAdvanced", "restart",
                  "mustRun", "removeVolumes", "healthcheck", "wait", "waitTimeout", "logDriver", "logOpts",
                  "securityOpts", "labels", "stopSignal", "stopTimeout", "destroyGraceSeconds",
                  # the selfhosted backend's hardening
                  "user", "memory", "memorySwap", "capabilities"}
MIB = 1024 * 1024  # pulumi-docker's memory unit (resource_docker_container_funcs.go: `* 1024 * 1024`)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)")
_NANOS = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}


class ApplyError(RuntimeError):
    """What `pulumi up` would report for the step."""


def duration_ns(text: str) -> int:
    """Go's time.ParseDuration for the forms the program uses ("10s", "1m30s")."""
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ApplyError(f"not a duration: {text!r}")
    return int(sum(float(n) * _NANOS[u] for n, u in parts))


def upload_tar(upload: dict[str, Any]) -> bytes:
    """One file, named by its absolute path, with the declared mode (0644 by default, 0744 if executable) and owner."""
    content = upload["content"].encode()
    info = tarfile.TarInfo(upload["file"])
    info.mode = int(upload["permissions"], 8) if upload.get("permissions") else 0o744 if upload.get("executable") \
        else 0o644
    info.uid, info.gid = int(upload.get("owner") or 0), int(upload.get("group") or 0)  # numeric ids used directly
    info.size, info.mtime = len(content), time.time()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def _labels(items: list[dict[str, str]] | None, session: tuple[str, str]) -> dict[str, str]:
    return {**{item["label"]: item["value"] for item in items or []}, session[0]: session[1]}


@dataclass
class Deployment:
    network_id: str
    volume_name: str
    container_id: str
    inputs: dict[str, Any]  # the container's plain inputs
    healthy_after: float  # seconds from start to healthy


class Provider:
    def __init__(self, client, image_id: str, session: tuple[str, str]):  # noqa: ANN001 — docker.DockerClient
        self.api, self.image_id, self.session = client.api, image_id, session

    def apply(self, run: StackRun) -> Deployment:
        network = unwrap(run.one(NETWORK_TYPE).inputs)
        network_id = self.api.create_network(network["name"], driver=network.get("driver"),
                                             labels=_labels(network.get("labels"), self.session))["Id"]
        volume = unwrap(run.one(VOLUME_TYPE).inputs)
        self.api.create_volume(volume["name"], labels=_labels(volume.get("labels"), self.session))
        container_id, healthy_after = self.create_container(unwrap(run.one(CONTAINER_TYPE).inputs))
        return Deployment(network_id, volume["name"], container_id, unwrap(run.one(CONTAINER_TYPE).inputs),
                          healthy_after)

    def apply_joined(self, run: StackRun) -> Deployment:
        """A stack that joins an existing network (the selfhosted backend): the volume, then the container."""
        volume = unwrap(run.one(VOLUME_TYPE).inputs)
        self.api.create_volume(volume["name"], labels=_labels(volume.get("labels"), self.session))
        inputs = unwrap(run.one(CONTAINER_TYPE).inputs)
        container_id, healthy_after = self.create_container(inputs)
        return Deployment("", volume["name"], container_id, inputs, healthy_after)

    def create_container(self, inputs: dict[str, Any]) -> tuple[str, float]:
        unknown = set(inputs) - CONTAINER_KEYS
        if unknown:
            raise ApplyError(f"the program declares container inputs this translation does not apply: {unknown}")
        if inputs["image"] != MOCK_IMAGE_ID:
            raise ApplyError("the container must run the RemoteImage's image_id")
        ports = [(int(p["internal"]), p.get("protocol", "tcp"), p.get("ip", "0.0.0.0"), int(p["external"]))
                 for p in inputs.get("ports", [])]
        binds = [f"{v['volumeName']}:{v['containerPath']}:rw" for v in inputs.get("volumes", [])]
        host_config = self.api.create_host_config(
            port_bindings={f"{i}/{proto}": (ip, ext) for i, proto, ip, ext in ports}, binds=binds,
            restart_policy={"Name": inputs.get("restart", "no"), "MaximumRetryCount": 0},
            log_config={"Type": inputs.get("logDriver", "json-file"), "Config": inputs.get("logOpts", {})},
            security_opt=inputs.get("securityOpts"), network_mode="bridge", init=False,
            mem_limit=int(inputs["memory"]) * MIB if "memory" in inputs else None,
            memswap_limit=int(inputs["memorySwap"]) * MIB if "memorySwap" in inputs else None,
            cap_drop=(inputs.get("capabilities") or {}).get("drops"),
            cap_add=(inputs.get("capabilities") or {}).get("adds"))
        health = inputs.get("healthcheck")
        created = self.api.create_container(
            self.image_id, command=inputs.get("command"), environment=inputs.get("envs"), name=inputs["name"],
            user=inputs.get("user"),
            ports=[(i, proto) for i, proto, _, _ in ports],
            volumes=[v["containerPath"] for v in inputs.get("volumes", [])],
            labels=_labels(inputs.get("labels"), self.session), host_config=host_config,
            stop_signal=inputs.get("stopSignal"),
            stop_timeout=int(inputs["stopTimeout"]) if "stopTimeout" in inputs else None,
            healthcheck=None if health is None else {
                "test": health["tests"], "interval": duration_ns(health.get("interval", "0s")),
                "timeout": duration_ns(health.get("timeout", "0s")), "retries": int(health.get("retries", 0)),
                "start_period": duration_ns(health.get("startPeriod", "0s"))})
        container_id = created["Id"]
        if inputs.get("networksAdvanced"):
            self.api.disconnect_container_from_network(container_id, "bridge")
            for net in inputs["networksAdvanced"]:
                self.api.connect_container_to_network(container_id, net["name"], aliases=net.get("aliases"))
        for upload in inputs.get("uploads", []):
            self.api.put_archive(container_id, "/", upload_tar(upload))
        started = time.monotonic()
        self.api.start(container_id)
        if inputs.get("wait"):
            self.wait_healthy(container_id, float(inputs.get("waitTimeout", 60)), started)
        return container_id, time.monotonic() - started

    def wait_healthy(self, container_id: str, timeout: float, started: float | None = None) -> float:
        started = time.monotonic() if started is None else started
        while True:
            state = self.api.inspect_container(container_id)["State"]
            if "Health" not in state:
                raise ApplyError("wait is set but the container has no healthcheck")
            if state["Health"]["Status"] == "healthy":
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                logs = self.api.logs(container_id, tail=20).decode(errors="replace")
                raise ApplyError(f"container failed to be in healthy state within {timeout:g}s "
                                 f"(status {state['Status']}, health {state['Health']['Status']}):\n{logs}")
            time.sleep(1)

    def delete_container(self, container_id: str, inputs: dict[str, Any]) -> str:
        """Stop (SIGTERM, then SIGKILL after destroy_grace_seconds), remove; returns the stopped container's log."""
        grace = int(inputs.get("destroyGraceSeconds") or 0)
        self.api.stop(container_id, timeout=grace)
        log = self.api.logs(container_id).decode(errors="replace")
        self.api.remove_container(container_id, v=bool(inputs.get("removeVolumes")), force=True)
        return log

    def replace(self, deployment: Deployment, run: StackRun) -> tuple[str, Deployment]:
        """`pulumi up` after a change that replaces the container, delete-before-replace (as the program asks): the
        old one deleted, the new one created from `run`'s inputs. Returns the old container's log and the new state."""
        log = self.delete_container(deployment.container_id, deployment.inputs)
        inputs = unwrap(run.one(CONTAINER_TYPE).inputs)
        container_id, healthy_after = self.create_container(inputs)
        return log, Deployment(deployment.network_id, deployment.volume_name, container_id, inputs, healthy_after)

    def outputs(self, container_id: str) -> dict[str, Any]:
        """The container's `name` and `ports` outputs, as the provider's read reports them (ports flattened from
        inspect's NetworkSettings.Ports)."""
        inspected = self.api.inspect_container(container_id)
        bound = inspected["NetworkSettings"]["Ports"] or {}
        ports = [{"internal": int(key.split("/")[0]), "external": int(b["HostPort"]), "ip": b["HostIp"],
                  "protocol": key.split("/")[1]} for key in sorted(bound) for b in bound[key] or []]
        return {"name": inspected["Name"].lstrip("/"), "ports": ports}
