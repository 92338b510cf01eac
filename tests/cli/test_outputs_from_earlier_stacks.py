"""Outputs exported before the plug-in layout: their `settings` lack `managed` and `restricted_commands`. The CLI fills
them in from the backend (`BackendSpec.legacy_settings`), so verify and health treat an existing stack as they always
did until its next `pulumi up` re-exports the outputs."""

from __future__ import annotations

import json

from infra import contract
from infra.cli.support import parse_outputs
from infra.endpoint import Target
from support.stack_harness import prod_overrides, run_stack


def _without_settings_data(outputs: dict) -> dict:
    settings = {k: v for k, v in outputs[contract.SETTINGS].items()
                if k not in (contract.MANAGED, contract.RESTRICTED_COMMANDS)}
    return {**outputs, contract.SETTINGS: settings}


def test_an_earlier_elasticache_stack_gets_what_the_program_exports_today():
    today = run_stack("prod", prod_overrides()).outputs
    assert today[contract.SETTINGS][contract.MANAGED] and today[contract.SETTINGS][contract.RESTRICTED_COMMANDS]
    earlier = parse_outputs(json.dumps(_without_settings_data(today)).encode())
    assert earlier[contract.SETTINGS] == today[contract.SETTINGS]
    assert "CONFIG" in Target.from_outputs(earlier).settings[contract.RESTRICTED_COMMANDS]


def test_what_outputs_say_themselves_is_never_overridden():
    today = run_stack("prod", prod_overrides()).outputs
    own = {**today, contract.SETTINGS: {**today[contract.SETTINGS], contract.MANAGED: {}}}
    assert parse_outputs(json.dumps(own).encode())[contract.SETTINGS][contract.MANAGED] == {}


def test_a_backend_whose_outputs_always_carried_the_data_is_left_alone():
    dev = run_stack("dev").outputs
    earlier = _without_settings_data(dev)
    assert parse_outputs(json.dumps(earlier).encode())[contract.SETTINGS] == earlier[contract.SETTINGS]
