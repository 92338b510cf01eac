"""The docs cannot drift: docs/configuration.md's config table and Pulumi.yaml's declarations match the settings
models, and the generated table lives on that one page (the one `make docs` writes)."""

from __future__ import annotations

import yaml

from infra.tooling import config_reference
from infra.stack_settings import StackSettings
from infra.config.stack_files import REPO_ROOT


CONFIG_DOC = REPO_ROOT / "docs" / "configuration.md"


def test_config_doc_table_is_generated_from_the_models():
    page = CONFIG_DOC.read_text()
    assert config_reference.splice(page) == page, "docs/configuration.md config table is stale: run `make docs`"


def test_make_docs_writes_the_page_this_test_reads():
    assert config_reference.DOC == CONFIG_DOC


def test_a_drifted_table_is_caught():
    page = CONFIG_DOC.read_text()
    row = next(line for line in page.splitlines() if line.startswith("| `redis.maxmemoryPolicy`"))
    for drifted in (page.replace(row + "\n", ""), page.replace("`allkeys-lru` |", "`noeviction` |", 1)):
        assert drifted != page and config_reference.splice(drifted) != drifted


def test_the_generated_table_lives_on_one_page():
    pages = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
    texts = {p.name: p.read_text() for p in pages}
    holders = [name for name, text in texts.items() if config_reference.START in text or config_reference.END in text]
    assert holders == ["configuration.md"]
    page = CONFIG_DOC.read_text()
    assert page.count(config_reference.START) == page.count(config_reference.END) == 1


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
