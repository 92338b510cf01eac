"""The deploy hook's reader for this backend: the hooked Valkey config reports its cluster, and nothing it does not
know (host, port and password come from the component: the spec says the hooked resource reports none of them)."""

from __future__ import annotations

from infra.backends import digitalocean
from infra.backends.digitalocean import endpoint


def test_the_valkey_config_reports_its_cluster():
    assert endpoint.valkey_config("x/valkey-config", {"clusterId": "c1"}) == {"cluster_id": "c1"}
    assert endpoint.valkey_config("x", {}) == {}


def test_the_spec_says_the_hooked_config_does_not_report_the_endpoint():
    assert digitalocean.SPEC.hooked_resource_reports == frozenset()
    assert digitalocean.SPEC.endpoint(digitalocean.VALKEY_CONFIG_TYPE, "x", {"clusterId": "c1"}) == {
        "cluster_id": "c1"}
    assert digitalocean.SPEC.endpoint(digitalocean.CLUSTER_TYPE, "c1", {"privateHost": "h"}) is None
