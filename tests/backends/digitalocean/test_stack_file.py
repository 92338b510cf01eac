"""The example stack file, Pulumi.digitalocean.yaml: its placeholders are refused naming each key before anything is
created (by the program too, with no resource registered); with them filled it validates, passes the rules, and what
the program builds passes every mandatory policy; `backup` and `restore` refuse, saying why and what to do instead."""

from __future__ import annotations

import json

import pytest

from do_support import STACK, deploy, field_problems, overrides
from infra.backends.digitalocean import mocks, rules
from infra.backends.digitalocean.settings import PLACEHOLDER, DigitalOceanSettings, stand_in
from infra.config.errors import ConfigError
from infra.contract import PROJECT
from infra.config.redis import RedisSettings
from infra.config.stack_files import load_stack_config
from policy import digitalocean_rules
from support.stack_harness import StackRun, run_stack



def _section(name: str) -> dict:
    config, _ = load_stack_config(STACK)
    return json.loads(config[f"{PROJECT}:{name}"])


def _filled(value, counter=None):
    """`value` with each placeholder stood in, as the offline `check` does."""
    counter = iter(range(100)) if counter is None else counter
    if isinstance(value, dict):
        return {k: _filled(v, counter) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, counter) for v in value]
    return stand_in(value, next(counter)) if isinstance(value, str) and PLACEHOLDER in value else value


def test_the_placeholders_are_refused_naming_each_key():
    found = field_problems(_section(STACK))
    assert sorted(p.key for p in found) == ["digitalocean.trustedSources[0].value", "digitalocean.vpcUuid"]
    assert all("placeholder from Pulumi.digitalocean.yaml" in p.message for p in found)


def test_filled_in_it_validates_and_passes_the_rules():
    cfg = DigitalOceanSettings.model_validate(_filled(_section(STACK)))
    redis = RedisSettings.model_validate(_section("redis"))
    assert rules.problems(cfg, redis, None) == []
    assert (cfg.region, cfg.node_count, cfg.size) == ("fra1", 2, "db-s-1vcpu-2gb")


def test_what_it_builds_passes_every_mandatory_policy():
    run = deploy()
    for resource in run.resources:
        props = {k: resource.plain(k) for k in resource.inputs}
        assert [m for rule in digitalocean_rules.RULES for m in rule.violations(resource.type, props)] == []


@pytest.mark.parametrize(("placeholder", "pattern"), [("REPLACE-ME-vpc-uuid", "00000000-0000-4000-8000-000000000003"),
                                                      ("REPLACE-ME-droplet-id", "100000003")])
def test_stand_ins_are_valid_values_of_their_kind(placeholder, pattern):
    assert stand_in(placeholder, 3) == pattern
    with pytest.raises(ValueError, match="no stand-in"):
        stand_in("REPLACE-ME-region", 0)


def test_the_program_refuses_the_shipped_placeholders_before_any_resource():
    into = StackRun()
    with pytest.raises(ConfigError) as raised:
        run_stack(STACK, into=into)
    text = str(raised.value)
    assert "profwise-redis:digitalocean.vpcUuid" in text and "digitalocean.trustedSources[0].value" in text
    assert "placeholder" in text and into.resources == []


def test_a_chosen_password_is_refused_before_any_resource():
    into = StackRun()
    with pytest.raises(ConfigError, match="generates") as raised:
        run_stack(STACK, overrides={**overrides(), "password": {"secure": "AAABA"}}, into=into)
    assert "profwise-redis:password" in str(raised.value) and into.resources == []


@pytest.mark.parametrize(("command", "says"), [("backup", "\"Backups are not supported for Caching or Valkey"),
                                               ("restore", "DigitalOcean has no backup to restore from")])
def test_backup_and_restore_refuse_with_the_reason_and_what_to_do_instead(tmp_path, capsys, command, says):
    """DigitalOcean has no Valkey backups, and SYNC is not shown to be allowed: both commands fail (exit 1) before
    any connection, name the cluster, say why and what to do instead, and never print the password."""
    from infra.cli.main import main

    run = deploy()
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(run.outputs))
    assert main([command, "--outputs", str(path)]) == 1
    err = capsys.readouterr().err
    assert says in err and "Valkey cluster profwise-redis-digitalocean" in err
    assert "SCAN + DUMP/RESTORE" in err and mocks.PASSWORD not in err
