"""The deploy hook's reader for this backend: host and port from the cluster's own outputs, the private host only."""

from __future__ import annotations

from infra.backends.digitalocean import endpoint

CLUSTER_OUTPUTS = {"host": "db-do-user-1-0.k.db.ondigitalocean.com", "privateHost": "private-db-do-user-1-0.k.db."
                   "ondigitalocean.com", "port": 25061.0, "password": "not-read-here"}


def test_the_cluster_reports_its_private_host_and_port():
    found = endpoint.cluster("245bcfd0-7f31-4ce6-a2bc-475a116cca97", CLUSTER_OUTPUTS)
    assert found == {"host": CLUSTER_OUTPUTS["privateHost"], "port": 25061,
                     "cluster_id": "245bcfd0-7f31-4ce6-a2bc-475a116cca97"}
    assert isinstance(found["port"], int) and "password" not in found


def test_missing_outputs_are_left_out_not_guessed():
    assert endpoint.cluster("", {"host": "public.example"}) == {}


def test_the_valkey_config_reports_its_cluster():
    assert endpoint.valkey_config("x/valkey-config", {"clusterId": "c1"}) == {"cluster_id": "c1"}
    assert endpoint.valkey_config("x", {}) == {}
