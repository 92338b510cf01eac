"""The backend's plug-in contract: the registry finds it by its folder, and every reference in its SPEC loads the
function or class the contract describes (the spec names code as strings, so a typo would surface only at run time)."""

from __future__ import annotations

import inspect

from infra import backends
from infra.backends import digitalocean
from infra.backends.digitalocean import backup, endpoint, mocks, rules, settings
from infra.backends.spec import load

SPEC = digitalocean.SPEC


def test_the_registry_finds_the_backend():
    assert "digitalocean" in backends.names() and backends.get("digitalocean") is SPEC
    assert SPEC.model() is settings.DigitalOceanSettings


def test_every_reference_loads_what_the_contract_describes():
    assert list(inspect.signature(load(SPEC.component)).parameters) == ["name", "settings", "hooks"]
    assert load(SPEC.rules) is rules.problems and load(SPEC.mocks) is mocks.OUTPUTS
    assert load(SPEC.stand_in) is settings.stand_in
    assert {t: load(r) for t, r in SPEC.endpoint_types.items()} == {
        digitalocean.VALKEY_CONFIG_TYPE: endpoint.valkey_config}
    assert SPEC.service_backup() is backup
    assert (SPEC.control_plane, SPEC.needs_local_docker, SPEC.data_plane_from_deployer) == (None, False, False)
