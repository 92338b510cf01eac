"""The deploy hook's view of the instance: its endpoint and CA bundle, from the instance's own outputs.

A resource hook receives only the hooked resource's outputs (numbers arrive as floats, protobuf's only number), so
host, port, the AUTH string (generated on this resource: the program's `password` resolves only after the hook, so
the spec lists it in `hooked_resource_reports`) and the CA the verifier must trust are read here; the stack's other
expected values come from the program.
"""

from __future__ import annotations

from typing import Any, Mapping

from infra import contract
from infra.backends.memorystore import outputs as keys
from infra.backends.memorystore.outputs import ca_bundle
from infra.backends.memorystore.service import TLS_PORT


def instance(id_: str, outputs: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {contract.HOST: outputs.get("host"), contract.PORT: int(outputs.get("port") or TLS_PORT),
                             contract.PASSWORD: outputs.get("authString"),
                             keys.INSTANCE_ID: outputs.get("name") or id_.rsplit("/", 1)[-1],
                             keys.CA_CERTIFICATE: ca_bundle(outputs.get("serverCaCerts"))}
    return {key: value for key, value in found.items() if value}
