"""The memorystore stack end to end under the Pulumi mock engine: the real program with Pulumi.memorystore.yaml (its
placeholders filled the way a user does), through the registry — the output contract every backend honours, the
AUTH string secret in every output that carries it, the CA bundle exported, the policy pack passing the stack and a
weakened copy failing; the shipped placeholders, and every bad key, refused before any resource is registered."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from infra import contract
from infra.backends.memorystore import mocks, service
from infra.backends.memorystore import outputs as keys
from policy.rules import evaluate
from support.stack_harness import REPO_ROOT, StackRun, assert_secret_everywhere, run_stack, unwrap

STACK = "memorystore"


def overrides(**section: Any) -> dict[str, Any]:
    """The stack file's own `memorystore` object with its placeholders filled, `section` merged (None removes)."""
    config = yaml.safe_load((REPO_ROOT / f"Pulumi.{STACK}.yaml").read_text())["config"]
    merged = {**config[f"profwise-redis:{STACK}"], "project": "my-project-123",
              "authorizedNetwork": service.STAND_INS["network"], **section}
    return {STACK: {k: v for k, v in merged.items() if v is not None}}


@pytest.fixture(scope="module")
def run() -> StackRun:
    return run_stack(STACK, overrides=overrides())


def test_the_stack_exports_the_contract(run):
    out = run.outputs
    assert set(contract.CONTRACT_KEYS) <= set(out)
    assert (out["backend"], out["host"], out["port"], out["tls"]) == (STACK, "10.20.0.3", 6378, True)
    assert out["password"] == mocks.MOCK_AUTH_STRING
    assert out["url"] == f"rediss://:{mocks.MOCK_AUTH_STRING}@10.20.0.3:6378/0"
    assert out["app_env"]["REDIS_TLS"] == "true" and out["app_env"]["REDIS_PORT"] == "6378"
    assert out[keys.CA_CERTIFICATE] == "".join(c["cert"] for c in mocks.MOCK_CA_CERTS)
    assert out["settings"]["restricted_commands"] and out["settings"]["managed"]["maxmemory"]
    assert set(contract.SECRET_OUTPUTS) - {contract.ADMIN_PASSWORD} <= run.secret_outputs  # one AUTH string, no admin
    assert keys.CA_CERTIFICATE not in run.secret_outputs and contract.ADMIN_USER not in run.outputs
    assert_secret_everywhere(run, mocks.MOCK_AUTH_STRING)


def test_the_policy_pack_passes_the_stack_and_fails_a_weakened_instance(run):
    instance = run.one(keys.INSTANCE_TYPE)
    props = unwrap(instance.inputs)
    assert [(rule.name, m) for resource in run.resources
            for rule, m in evaluate(resource.type, unwrap(resource.inputs))] == []
    weakened = {**props, "transitEncryptionMode": "DISABLED", "authEnabled": False, "tier": "BASIC"}
    assert {rule.name for rule, _ in evaluate(instance.type, weakened)} == {
        "memorystore-transit-encryption", "memorystore-auth", "memorystore-standard-tier"}


def test_the_shipped_placeholders_are_refused_before_any_resource():
    into = StackRun()
    with pytest.raises(Exception) as raised:
        run_stack(STACK, into=into)
    text = str(raised.value)
    assert "profwise-redis:memorystore.project" in text and "profwise-redis:memorystore.authorizedNetwork" in text
    assert "placeholder" in text and into.resources == []


@pytest.mark.parametrize(("changes", "key"), [
    ({"tier": "BASIC"}, "memorystore.tier"), ({"memorySizeGb": 400}, "memorystore.memorySizeGb"),
    ({"region": None}, "memorystore.region"), ({"replicaCount": 9}, "memorystore.replicaCount"),
    ({"labels": {"Bad": "x"}}, "memorystore.labels"), ({"transitEncryption": False}, "memorystore.transitEncryption"),
])
def test_a_bad_key_is_refused_naming_it_before_any_resource(changes, key):
    into = StackRun()
    with pytest.raises(Exception) as raised:
        run_stack(STACK, overrides=overrides(**changes), into=into)
    assert f"profwise-redis:{key}" in str(raised.value) and into.resources == []


def test_a_chosen_password_is_refused(run):
    into = StackRun()
    with pytest.raises(Exception) as raised:
        run_stack(STACK, overrides={**overrides(), "password": {"secure": "AAABA"}}, into=into)
    assert "generates the AUTH string" in str(raised.value) and into.resources == []
    assert mocks.MOCK_AUTH_STRING not in json.dumps(run.outputs.get("settings"))


@pytest.mark.parametrize(("command", "says"), [("backup", "gcloud redis instances export gs://"),
                                               ("restore", "gcloud redis instances import gs://")])
def test_backup_and_restore_name_the_gcloud_command_and_fail(run, tmp_path, capsys, command, says):
    """This tool does not drive the Memorystore API (nothing here validates calls against it): both commands fail
    with the command that does the job, naming the instance and region from the outputs, never the AUTH string."""
    from infra.cli.main import main

    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(run.outputs))
    assert main([command, "--outputs", str(path)]) == 1
    err = capsys.readouterr().err
    assert says in err and "profwise-redis-memorystore --region=europe-west1" in err
    assert mocks.MOCK_AUTH_STRING not in err
