"""The azure stack through the real program and CLI: the shipped placeholders, a bad key and a chosen password
refused by the settings loader before any resource is registered (the mock engine records none), and `backup` /
`restore` refusing with the reason (the service blocks SYNC) and the service's own export/import command."""

from __future__ import annotations

import json

import pytest

from infra.backends.azure import backup, mocks
from infra.tooling.mock_engine import StackRun, run_stack
from support.azure import AZURE_IDS, STACK, azure_config, run_azure


@pytest.fixture(scope="module")
def run() -> StackRun:
    return run_azure()


def test_the_shipped_placeholders_are_refused_before_any_resource():
    into = StackRun()
    with pytest.raises(Exception) as raised:
        run_stack(STACK, into=into)
    text = str(raised.value)
    assert "profwise-redis:azure.resourceGroupName" in text and "profwise-redis:azure.subnetId" in text
    assert "placeholder" in text and into.resources == []


@pytest.mark.parametrize(("config", "key"), [
    (azure_config(highAvailability=False), "azure.highAvailability"),
    (azure_config(sku="Enterprise_E10"), "azure.sku"),
    (azure_config(subnetId="subnet-1"), "azure.subnetId"),
    (azure_config(redis={"maxmemory": "1gb"}), "redis.maxmemory"),
    (azure_config(redis={"disabledCommands": None}), "redis.disabledCommands"),
])
def test_a_bad_key_is_refused_naming_it_before_any_resource(config, key):
    into = StackRun()
    with pytest.raises(Exception) as raised:
        run_stack(STACK, overrides=config, into=into)
    assert f"profwise-redis:{key}" in str(raised.value) and into.resources == []


def test_a_chosen_password_is_refused_before_any_resource():
    into = StackRun()
    with pytest.raises(Exception) as raised:
        run_stack(STACK, overrides={**azure_config(), "password": {"secure": "AAABA"}}, into=into)
    assert "generates the access keys" in str(raised.value) and into.resources == []


@pytest.mark.parametrize(("command", "says"), [
    ("backup", "az redisenterprise database export --cluster-name profwise-redis-azure"),
    ("restore", "az redisenterprise database import --cluster-name profwise-redis-azure"),
])
def test_backup_and_restore_refuse_naming_the_services_export_and_import(run, tmp_path, capsys, command, says):
    """The generic backup's SYNC is blocked by the service, and its export API is not driven from here (nothing
    validates calls against it): both commands exit 1 with the az command, never printing the access key."""
    from infra.cli.main import main

    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(run.outputs))
    assert main([command, "--outputs", str(path)]) == 1
    err = capsys.readouterr().err
    assert says in err and f"--resource-group {AZURE_IDS['resourceGroupName']}" in err
    assert ("blocks SYNC" in err) == (command == "backup")
    assert mocks.MOCK_PRIMARY_KEY not in err


def test_the_commands_carry_a_placeholder_for_the_sas_never_a_credential():
    assert backup.export_command({}).endswith(f"--sas-uri {backup.SAS_PLACEHOLDER}")
    assert "<cluster>" in backup.import_command({}) and "--sas-uris" in backup.import_command({})
