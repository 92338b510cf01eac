"""The docs cannot drift: README's config table and Pulumi.yaml's declarations match the settings models."""

from __future__ import annotations

import yaml

from infra.tooling import config_reference
from infra.stack_settings import StackSettings
from infra.config.stack_files import REPO_ROOT


def test_readme_table_is_generated_from_the_models():
    readme = (REPO_ROOT / "README.md").read_text()
    assert config_reference.splice(readme) == readme, "README config table is stale: run `make docs`"


def test_every_model_field_is_documented():
    keys = [row[0] for row in config_reference.rows()]
    assert "`redis.maxmemoryPolicy`" in keys and "`docker.bindAddress`" in keys and "`password`" in keys
    assert all(row[3] for row in config_reference.rows()), "a settings field has no description"


def test_pulumi_yaml_declares_the_scalar_keys_with_the_models_defaults():
    project = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == "profwise-redis" and project["main"] == "infra/"
    declared = project["config"]
    assert declared["backend"]["default"] == StackSettings.model_fields["backend"].default
    assert all(decl.get("description") for decl in declared.values())
    # a declared key without a default is mandatory for every stack; the optional password must not be declared
    assert "password" not in declared
