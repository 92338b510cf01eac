"""Call the `pulumi up` verification hook the way the engine does, over gRPC, after the mock engine recorded it.

The real program runs under the mock engine (which never runs hooks), while `recorder` records what it registered:
the hook (its name and gRPC callback address) and, per resource type, the registration request and response.
`invoke_after_create` then sends the `ResourceHookRequest` the engine sends after creating the resource — with the
mock's echo of the inputs as the resource's outputs, or with `outputs` a real provider reported (the engine tests pass
the real container's).
"""

from __future__ import annotations

import asyncio
from typing import Any, Mapping

import grpc
import pytest
from google.protobuf import struct_pb2
from pulumi.runtime import mocks
from pulumi.runtime.proto import callback_pb2, callback_pb2_grpc, resource_pb2

from infra.verify import hook as verify_hook


class Recorder:
    def __init__(self) -> None:
        self.hooks: dict[str, Any] = {}  # name -> callback (token, target)
        self.registrations: dict[str, tuple[Any, Any]] = {}  # resource type -> (request, response)


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    seen = Recorder()
    register_hook, register_resource = mocks.MockMonitor.RegisterResourceHook, mocks.MockMonitor.RegisterResource

    def record_hook(self, request):
        seen.hooks[request.name] = request.callback
        return register_hook(self, request)

    def record_resource(self, request):
        response = register_resource(self, request)
        seen.registrations[request.type] = (request, response)
        return response

    monkeypatch.setattr(mocks.MockMonitor, "RegisterResourceHook", record_hook)
    monkeypatch.setattr(mocks.MockMonitor, "RegisterResource", record_resource)
    return seen


def invoke_after_create(seen: Recorder, type_: str, outputs: Mapping[str, Any] | None = None) -> str:
    """Send the engine's after-create call for the recorded resource; returns the hook's error ('' when it passed)."""
    request, response = seen.registrations[type_]
    new_outputs = response.object
    if outputs is not None:
        new_outputs = struct_pb2.Struct()
        new_outputs.update(dict(outputs))
    hook_request = resource_pb2.ResourceHookRequest(urn=response.urn, id=response.id, name=request.name, type=type_,
                                                    new_inputs=request.object, new_outputs=new_outputs)
    callback = seen.hooks[verify_hook.HOOK_NAME]

    async def call() -> str:
        async with grpc.aio.insecure_channel(callback.target) as channel:
            reply = await callback_pb2_grpc.CallbacksStub(channel).Invoke(
                callback_pb2.CallbackInvokeRequest(token=callback.token, request=hook_request.SerializeToString()))
        return resource_pb2.ResourceHookResponse.FromString(reply.response).error

    return asyncio.get_event_loop().run_until_complete(call())
