"""The `integration` marker is kept honest by tests/conftest.py; these show both guards bite, so the fast loop
(`pytest -m "not integration"`) can never silently start a server or a subprocess."""

from __future__ import annotations

import subprocess
from types import SimpleNamespace

import pytest

import conftest


def test_an_unmarked_test_cannot_start_a_subprocess():
    with pytest.raises(AssertionError, match="starts a subprocess: mark it"):
        subprocess.run(["true"], check=False)


@pytest.mark.integration
def test_a_marked_test_can():
    assert subprocess.run(["true"], check=False).returncode == 0


def _item(fixtures: set[str], marked: bool) -> SimpleNamespace:
    return SimpleNamespace(nodeid="tests/x.py::test_x", fixturenames=fixtures,
                           get_closest_marker=lambda name: object() if marked and name == "integration" else None)


def test_collection_refuses_an_unmarked_test_that_uses_a_server_fixture():
    with pytest.raises(pytest.UsageError, match="tests/x.py::test_x"):
        conftest.pytest_collection_modifyitems([_item({"tmp_path", "dev_server"}, marked=False)])
    conftest.pytest_collection_modifyitems([_item({"dev_server"}, marked=True), _item({"tmp_path"}, marked=False)])
