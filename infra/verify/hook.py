"""The `pulumi up` hook: verify the Redis endpoint right after it is created or updated; a failed check fails the
deployment.

A resource hook (https://www.pulumi.com/docs/iac/concepts/resources/options/hooks/) receives only the hooked
resource's own inputs and outputs — not the stack outputs, usually not the password. So `DeployVerifier` is a holder:
`expect(**values)` records, as one `Output.all`, the contract values the program knows without the hooked resource
(tls, settings, the expected control plane, and of host, port and password those the backend's spec says the hooked
resource does not report: all three for a hook on a step applied after the one that creates the endpoint); the hook
awaits them, adds what only the resource can tell (the container's published port, the replication group's endpoint
and id) and runs the same checks as the CLI in a worker thread. Values passed to `expect` must not depend on the
hooked resource's outputs: the engine answers that resource's registration (`stepComplete`) only after the step's
post-processing, where after-hooks run and their failure is recorded (pulumi/pulumi
pkg/resource/deploy/step_executor.go) — so the wait is bounded, never a deadlock.
Since Pulumi CLI 3.238 a failing after-hook fails `pulumi up` (pulumi/pulumi#22935); hooks never run in preview
(`on_dry_run` is false) nor under the mock engine, so tests call the registered callback directly.
"""

from __future__ import annotations

import asyncio
from typing import Any, Mapping

import pulumi

from infra import backends, contract
from infra.results import FAIL, CheckResult, Plane, passed
from infra.stack_settings import StackSettings

HOOK_NAME = "profwise-redis-verify"
EXPECTED_WAIT = 30.0  # seconds for the holder's values: from config or from resources created before, so already known


class VerificationFailed(Exception):
    """Raised by the hook; the engine shows its message and fails the deployment."""


def plane_for(stack: StackSettings) -> Plane | None:
    """What the deployer checks: the control plane whenever the backend has one, the data plane when it can reach it
    (the backend's default, or `verify.fromDeployer`)."""
    spec = backends.get(stack.backend)
    data = stack.verify.data_plane_from_deployer(spec.data_plane_from_deployer)
    control = spec.control_plane is not None
    return "all" if data and control else "data" if data else "control" if control else None


def resource_outputs(type_: str, id_: str, outputs: Mapping[str, Any], backend: str | None = None) -> dict[str, Any]:
    """The contract values the hooked resource itself reports, read by the backend whose endpoint it is — the stack's
    own `backend` first, as two backends may both deploy a resource of one type (a Docker container)."""
    own = [backends.get(backend)] if backend else []
    for spec in [*own, *backends.specs()]:
        found = spec.endpoint(type_, id_, outputs)
        if found is not None:
            return found
    return {}


def merge(known: Mapping[str, Any], from_resource: Mapping[str, Any]) -> dict[str, Any]:
    """The resource's values over the expected ones; a `control_plane` it reports (an id only the created resource
    knows) is merged into the expected description rather than replacing it."""
    outputs = {**known, **from_resource}
    reported = from_resource.get(contract.CONTROL_PLANE)
    if isinstance(reported, Mapping):
        expected = known.get(contract.CONTROL_PLANE)
        if isinstance(expected, Mapping):
            outputs[contract.CONTROL_PLANE] = {**expected, **reported}
        else:
            outputs.pop(contract.CONTROL_PLANE)  # no description to complete: nothing for the control plane to check
    return outputs


async def _plain(value: Any) -> Any:
    """Secret values in hook arguments arrive wrapped in Outputs."""
    return await value.future() if isinstance(value, pulumi.Output) else value


class DeployVerifier:
    def __init__(self, stack: StackSettings, plane: Plane):
        self.stack, self.plane = stack, plane
        self._expected: pulumi.Output[dict[str, Any]] | None = None
        self._hook: pulumi.ResourceHook | None = None

    @classmethod
    def for_stack(cls, stack: StackSettings) -> DeployVerifier | None:
        plane = plane_for(stack)
        return cls(stack, plane) if stack.verify.enabled and plane else None

    def binding(self) -> pulumi.ResourceHookBinding:
        if self._hook is None:  # registering needs the engine, so only when the program asks for the binding
            self._hook = pulumi.ResourceHook(HOOK_NAME, self.after_deploy)
        return pulumi.ResourceHookBinding(after_create=[self._hook], after_update=[self._hook])

    def expect(self, **values: pulumi.Input[Any]) -> None:
        self._expected = pulumi.Output.all(**values)

    def expect_from(self, backend: contract.RedisBackend) -> None:
        """What the hook cannot read from the hooked resource: host, port and password unless the backend's spec
        says the resource reports them (`hooked_resource_reports`: the container's published port, the group's
        endpoint; a later step reports none), then tls, settings and the extra outputs of
        `contract.KNOWN_BEFORE_DEPLOY` (`control_plane`, `ssh_tunnel`), which a backend builds from its settings
        only, and the admin credential when the backend has one (a RandomPassword, never the verified resource)."""
        extra = backend.extra_outputs()
        reported = backends.get(self.stack.backend).hooked_resource_reports
        endpoint = {contract.HOST: backend.host, contract.PORT: backend.port, contract.PASSWORD: backend.password}
        values: dict[str, pulumi.Input[Any]] = {
            contract.BACKEND: backend.backend, contract.TLS: backend.tls, contract.SETTINGS: backend.settings,
            **{key: value for key, value in endpoint.items() if key not in reported}}
        for key in contract.KNOWN_BEFORE_DEPLOY:
            if key in extra:
                values[key] = extra[key]
        admin_password = getattr(backend, "admin_password", None)  # the operations' user, when the service has users
        if admin_password is not None:
            values[contract.ADMIN_USER] = backend.admin_user  # type: ignore[attr-defined]
            values[contract.ADMIN_PASSWORD] = admin_password
        self.expect(**values)

    def run(self, outputs: Mapping[str, Any]) -> list[CheckResult]:
        # The checks (and redis-py) load only when a hook runs, not on every program evaluation.
        from infra.verify import run as verify

        cfg = self.stack.verify
        try:
            return verify.run_all(outputs, plane=self.plane, timeout=cfg.timeout, ca_cert=cfg.ca_cert,
                                  wait=cfg.wait_seconds)
        except ValueError as error:
            raise VerificationFailed(f"post-deploy verification could not start: {error}") from None

    async def after_deploy(self, args: pulumi.ResourceHookArgs) -> None:
        from infra.verify import report as verify_report

        try:
            known = await asyncio.wait_for(self._expected.future(), EXPECTED_WAIT) if self._expected else {}
        except asyncio.TimeoutError:
            raise VerificationFailed(f"post-deploy verification waited {EXPECTED_WAIT:g}s for the stack's expected "
                                     "values; they must not depend on the verified resource") from None
        new_outputs = {key: await _plain(value) for key, value in (args.new_outputs or {}).items()}
        outputs = merge(known or {}, resource_outputs(args.type, args.id, new_outputs, self.stack.backend))
        results = await asyncio.to_thread(self.run, outputs)
        pulumi.log.info(f"post-deploy verification ({self.plane} plane):\n{verify_report.table(results)}")
        if not passed(results):
            failed = "; ".join(f"{r.name}: {r.detail}" for r in results if r.status == FAIL)
            raise VerificationFailed(f"{verify_report.summary(results)} — {failed}")
