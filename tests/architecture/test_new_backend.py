"""The proof of the layout: a backend is a folder. A toy backend written into a temporary folder (the files
docs/architecture.md lists, nothing else) and put on `infra.backends.__path__` is found by the registry, validated
by the settings loader, built by the program under the mock engine (with the deploy hook on its resource), read by
the hook's endpoint lookup, and has its placeholders stood in — without one line of generic code changing.

It runs in a fresh interpreter, so the registry of this test process never sees the toy.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from support.stack_harness import REPO_ROOT

from infra import backends

pytestmark = pytest.mark.integration  # a fresh interpreter (subprocess)

FILES = {
    "__init__.py": '''
        from infra.backends.spec import BackendSpec

        PET_TYPE = "random:index/randomPet:RandomPet"
        SPEC = BackendSpec(name="toy", summary="a toy, for the layout's test",
                           settings_model="infra.backends.toy.settings:ToySettings",
                           component="infra.backends.toy.component:build", rules="infra.backends.toy.settings:rules",
                           endpoint_types={PET_TYPE: "infra.backends.toy.endpoint:pet"},
                           mocks="infra.backends.toy.mocks:OUTPUTS", stand_in="infra.backends.toy.settings:stand_in")
    ''',
    "settings.py": '''
        from pydantic import Field

        from infra.config.errors import Problem
        from infra.config.models import Section


        class ToySettings(Section):
            size: int = Field(1, ge=1, le=9, description="How long the pet's name is.")
            owner: str = Field("nobody", description="Who keeps it.")


        def rules(toy, redis, password):
            return [Problem("toy.size", "is 4, which this toy refuses", "pick another")] if toy.size == 4 else []


        def stand_in(placeholder, index):
            return f"owner-{index}"
    ''',
    "component.py": '''
        import pulumi
        import pulumi_random as random

        from infra import contract
        from infra.backends.credentials import password_output


        class Toy(pulumi.ComponentResource):
            backend = "toy"
            tls = False

            def __init__(self, name, toy, redis, password, hooks):
                super().__init__("profwise:redis:Toy", name, None, None)
                self.password = password_output(name, password, self)
                pet = random.RandomPet(f"{name}-pet", length=toy.size,
                                       opts=pulumi.ResourceOptions(parent=self, hooks=hooks))
                self.host = pet.id.apply(lambda pet_id: f"{pet_id}.toy.internal")
                self.port = pulumi.Output.from_input(contract.DEFAULT_PORT)
                self.settings = contract.settings_output(redis.effective(), managed={"maxmemory": "the toy decides"})
                self.register_outputs({})

            def extra_outputs(self):
                return {}


        def build(name, settings, hooks=None):
            return Toy(name, settings.toy, settings.redis, settings.password, hooks)
    ''',
    "endpoint.py": '''
        def pet(id_, outputs):
            return {"host": f"{id_}.toy.internal", "port": 6379}
    ''',
    "mocks.py": '''
        OUTPUTS = {}
    ''',
}

PROBE = '''
import json, sys
import infra.backends
infra.backends.__path__.append(sys.argv[1])
from infra import backends
from infra.config.errors import ConfigError
from infra.stack_settings import parse_settings
from infra.tooling import config_reference, stand_ins
from infra.tooling.mock_engine import run_stack
from infra.verify import hook

report = {"names": backends.names()}
settings = parse_settings({"profwise-redis:backend": "toy", "profwise-redis:toy": '{"size": 2}'})
report["size"] = settings.toy.size
try:
    parse_settings({"profwise-redis:backend": "toy", "profwise-redis:toy": '{"size": 4}'})
except ConfigError as error:
    report["refused"] = str(error)
try:
    parse_settings({"profwise-redis:backend": "toys"})
except ConfigError as error:
    report["unknown"] = str(error)
run = run_stack("toy", root=__import__("pathlib").Path(sys.argv[2]))
report["types"] = sorted({r.type for r in run.resources})
report["outputs"] = {k: v for k, v in run.outputs.items() if k in ("backend", "host", "port", "settings")}
report["endpoint"] = hook.resource_outputs("random:index/randomPet:RandomPet", "rex", {})
report["plane"] = hook.plane_for(settings)
report["standins"] = stand_ins.placeholder_standins("toy", root=__import__("pathlib").Path(sys.argv[2])).ids
report["table"] = [row[0] for row in config_reference.rows()]
print(json.dumps(report))
'''


def test_a_backend_is_a_folder(tmp_path: Path):
    package = tmp_path / "backends" / "toy"
    package.mkdir(parents=True)
    for name, text in FILES.items():
        (package / name).write_text(textwrap.dedent(text).lstrip())
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    (stacks / "Pulumi.yaml").write_text((REPO_ROOT / "Pulumi.yaml").read_text())
    (stacks / "Pulumi.toy.yaml").write_text("config:\n  profwise-redis:backend: toy\n"
                                            "  profwise-redis:toy:\n    size: 3\n    owner: REPLACE-ME\n")
    done = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "backends"), str(stacks)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["names"] == sorted([*backends.names(), "toy"])
    assert report["size"] == 2
    assert "profwise-redis:toy.size: is 4, which this toy refuses" in report["refused"]
    assert "'toy'" in report["unknown"] and "did you mean 'toy'" in report["unknown"]
    assert report["types"] == ["profwise:redis:Toy", "random:index/randomPassword:RandomPassword",
                               "random:index/randomPet:RandomPet"]
    outputs = report["outputs"]
    assert outputs["backend"] == "toy" and outputs["port"] == 6379 and outputs["host"].endswith(".toy.internal")
    assert outputs["settings"]["managed"] == {"maxmemory": "the toy decides"}
    assert report["endpoint"] == {"host": "rex.toy.internal", "port": 6379}
    assert report["plane"] == "data"  # the spec's default: the deployer reaches it, and it has no control plane
    assert report["standins"] == [{"key": "toy.owner", "placeholder": "REPLACE-ME", "stand_in": "owner-0"}]
    assert {"`toy.size`", "`toy.owner`"} <= set(report["table"])
