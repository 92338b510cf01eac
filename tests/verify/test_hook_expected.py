"""What the deploy hook expects besides the hooked resource's own outputs, for every backend the same way.

A backend's spec says which of host, port and password its hooked resource reports (`hooked_resource_reports`); the
hook expects the others from the component, whose values then come from an earlier resource (none are reported when
the hook sits on a later step: a configuration applied to a cluster, a database inside a server), and what the hooked
resource does report still wins. Every shipped stack is run under the mock engine and its hook invoked the way the
engine does: the endpoint reaching the checks is the stack's, and nothing the hook waits for depends on the hooked
resource (the bounded-wait argument of infra/verify/hook.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
from types import SimpleNamespace
from typing import Any

import pulumi
import pytest

from support.hook_support import invoke_after_create
from support.stack_harness import SHIPPED_STACKS, run_stack
from infra import backends
from infra.backends.docker import CONTAINER_TYPE
from infra.stack_settings import parse_settings
from infra.tooling.stand_ins import placeholder_standins
from infra.verify import hook as verify_hook

OTHER_TYPE = "random:index/randomPet:RandomPet"  # a hooked resource no backend reads an endpoint from


def run_on_own_loop(coroutine: Any) -> Any:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def never() -> pulumi.Output[Any]:
    """An Output that never resolves: a value derived from the hooked resource, which resolves only after the hook."""
    loop = asyncio.get_running_loop()
    known, secret = loop.create_future(), loop.create_future()
    known.set_result(True)
    secret.set_result(False)
    return pulumi.Output(set(), loop.create_future(), known, secret)


def hooked_step(monkeypatch: pytest.MonkeyPatch, reports: set[str], host: Any, port: Any, type_: str,
                new_outputs: dict[str, Any]) -> dict[str, Any]:
    """The outputs the checks get when the hook fires on `type_` for a component with `host`/`port` (callables
    making the Outputs on the hook's loop), with the stack's backend spec saying the resource `reports` those."""
    spec = dataclasses.replace(backends.get("docker"), hooked_resource_reports=frozenset(reports))
    monkeypatch.setattr(verify_hook.backends, "get", lambda name: spec)
    monkeypatch.setattr(verify_hook, "EXPECTED_WAIT", 0.3)
    verifier = verify_hook.DeployVerifier(parse_settings({}), "data")
    seen: dict[str, Any] = {}
    monkeypatch.setattr(verifier, "run", lambda outputs: seen.update(outputs) or [])

    async def deploy() -> None:
        component = SimpleNamespace(backend="docker", host=host(), port=port(), tls=True,
                                    password=pulumi.Output.secret("pw"), settings={}, extra_outputs=lambda: {})
        verifier.expect_from(component)
        await verifier.after_deploy(pulumi.ResourceHookArgs(urn="urn", id="r1", name="redis-step", type=type_,
                                                            new_outputs=new_outputs))

    run_on_own_loop(deploy())
    return seen


def test_a_hook_on_a_later_step_gets_the_endpoint_from_the_component(monkeypatch):
    seen = hooked_step(monkeypatch, set(), lambda: pulumi.Output.from_input("private.db.example"),
                       lambda: pulumi.Output.from_input(25061), OTHER_TYPE, {"clusterId": "c1"})
    assert (seen["host"], seen["port"], seen["password"]) == ("private.db.example", 25061, "pw")


def test_what_the_hooked_resource_reports_wins_over_the_component(monkeypatch):
    ports = {"ports": [{"internal": 6379.0, "external": 6380.0, "ip": "127.0.0.1"}]}
    seen = hooked_step(monkeypatch, set(), lambda: pulumi.Output.from_input("elsewhere.example"),
                       lambda: pulumi.Output.from_input(1), CONTAINER_TYPE, ports)
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 6380)


def test_a_resource_that_reports_its_endpoint_never_waits_for_the_components(monkeypatch):
    """The default (host and port reported): the component's may come from the hooked resource itself, so they are
    not awaited (they resolve only after the hook: awaiting them would fail every deployment after the bounded
    wait); the password, not reported, is."""
    ports = {"ports": [{"internal": 6379.0, "external": 6379.0, "ip": "127.0.0.1"}]}
    seen = hooked_step(monkeypatch, {"host", "port"}, never, never, CONTAINER_TYPE, ports)
    assert (seen["host"], seen["port"], seen["password"]) == ("127.0.0.1", 6379, "pw")


def test_a_component_endpoint_that_never_resolves_fails_after_the_bounded_wait(monkeypatch):
    with pytest.raises(verify_hook.VerificationFailed, match="must not depend on the verified resource"):
        hooked_step(monkeypatch, set(), never, lambda: pulumi.Output.from_input(1), OTHER_TYPE, {})


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_every_shipped_stack_verifies_its_own_endpoint_from_values_that_do_not_wait_on_the_hook(
        stack, recorder, monkeypatch):
    expected: dict[str, Any] = {}
    seen: dict[str, Any] = {}
    original = verify_hook.DeployVerifier.expect
    monkeypatch.setattr(verify_hook.DeployVerifier, "expect",
                        lambda self, **values: (expected.update(values), original(self, **values))[1])
    monkeypatch.setattr(verify_hook.DeployVerifier, "run", lambda self, outputs: seen.update(outputs) or [])
    run = run_stack(stack, overrides=placeholder_standins(stack, {"verify": {"fromDeployer": True}}).overrides)
    (hooked,) = [type_ for type_, (request, _) in recorder.registrations.items()
                 if verify_hook.HOOK_NAME in request.hooks.after_create]
    assert invoke_after_create(recorder, hooked) == ""
    assert (seen["host"], seen["port"]) == (run.outputs["host"], run.outputs["port"])
    assert seen["backend"] == run.outputs["backend"] and seen["password"] == run.outputs["password"]

    loop = asyncio.get_event_loop()
    hooked_urn = recorder.registrations[hooked][1].urn
    for key, value in expected.items():
        depends_on = loop.run_until_complete(pulumi.Output.from_input(value).resources())
        urns = {loop.run_until_complete(resource.urn.future()) for resource in depends_on}
        assert hooked_urn not in urns, f"the hook's expected {key!r} waits on the hooked resource"
