"""`env`: the app's .env from the stack outputs — masked on screen, 0600 on disk, other settings kept."""

from __future__ import annotations

import json
import stat

import pytest

from infra import env_export
from ops_support import run_cli

PASSWORD = "S3cret$pass#word!&^<>-0123456789"  # every character an ElastiCache token may hold


@pytest.fixture
def outputs(dev_run, tmp_path):
    app_env = {**dev_run.outputs["app_env"], "REDIS_PASSWORD": PASSWORD}
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({**dev_run.outputs, "password": PASSWORD, "app_env": app_env}))
    return str(path)


@pytest.mark.parametrize("value, rendered", [
    ("127.0.0.1", "127.0.0.1"),
    ("true", "true"),
    ("", ""),
    ("a$b#c", "'a$b#c'"),  # single quotes: no $-expansion, # is not a comment
    ("it's", '"it\'s"'),
    ('q"uote\\', "'q\"uote\\'"),
])
def test_values_are_quoted_only_when_needed(value, rendered):
    assert env_export.quote(value) == rendered


def test_the_dev_stack_app_env_is_exported_in_contract_order(dev_run, outputs):
    env = env_export.app_env_from(json.loads(open(outputs).read()))
    assert list(env) == ["ENABLE_REDIS_CACHE", "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD", "REDIS_DEFAULT_TTL",
                         "REDIS_TLS"]
    assert env["REDIS_HOST"] == "127.0.0.1" and env["REDIS_TLS"] == "false" and env["REDIS_DEFAULT_TTL"] == "3600"


def test_the_password_is_masked_unless_asked(outputs):
    done = run_cli("env", "--outputs", outputs)
    assert done.returncode == 0 and PASSWORD not in done.stdout + done.stderr
    assert "REDIS_PASSWORD='********'" in done.stdout and "--show-secrets" in done.stderr
    shown = run_cli("env", "--outputs", outputs, "--show-secrets")
    assert f"REDIS_PASSWORD='{PASSWORD}'" in shown.stdout
    as_json = json.loads(run_cli("env", "--outputs", outputs, "--json").stdout)
    assert as_json["REDIS_PASSWORD"] == "********" and as_json["REDIS_PORT"] == "6379"


def test_dotenv_output_reads_back_to_the_same_values(outputs, tmp_path):
    """What a dotenv parser (here: bash, the strictest common reader) makes of the written file."""
    import subprocess

    target = tmp_path / ".env"
    assert run_cli("env", "--outputs", outputs, "--write", str(target)).returncode == 0
    echoed = subprocess.run(["bash", "-c", f"set -a; . {target}; printf %s \"$REDIS_PASSWORD\""],
                            capture_output=True, text=True, check=True).stdout
    assert echoed == PASSWORD


def test_write_creates_a_0600_file_whatever_the_umask(outputs, tmp_path):
    target = tmp_path / ".env"
    done = run_cli("env", "--outputs", outputs, "--write", str(target), umask=0)
    assert done.returncode == 0 and "mode 0600" in done.stdout and PASSWORD not in done.stdout
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert f"REDIS_PASSWORD='{PASSWORD}'" in target.read_text()  # the file carries the real value
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_write_keeps_the_apps_other_settings_and_tightens_the_mode(outputs, tmp_path):
    target = tmp_path / ".env"
    target.write_text("# app settings\nDATABASE_URL=postgres://db/app\nexport REDIS_HOST=old-host\nREDIS_HOST=dup\n")
    target.chmod(0o644)
    assert run_cli("env", "--outputs", outputs, "--write", str(target)).returncode == 0
    lines = target.read_text().splitlines()
    assert lines[:3] == ["# app settings", "DATABASE_URL=postgres://db/app", "REDIS_HOST=127.0.0.1"]
    assert sum(line.startswith("REDIS_HOST=") for line in lines) == 1 and "ENABLE_REDIS_CACHE=true" in lines
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_json_write_merges_into_an_existing_object(outputs, tmp_path):
    target = tmp_path / "env.json"
    target.write_text('{"OTHER": "1", "REDIS_PORT": "1"}')
    assert run_cli("env", "--outputs", outputs, "--json", "--write", str(target)).returncode == 0
    data = json.loads(target.read_text())
    assert data["OTHER"] == "1" and data["REDIS_PORT"] == "6379" and data["REDIS_PASSWORD"] == PASSWORD


@pytest.mark.parametrize("app_env, message", [
    ("[secret]", "--show-secrets"), (None, "--show-secrets"), ({"REDIS_HOST": "h"}, "app_env lacks"),
])
def test_missing_or_masked_app_env_is_a_usage_error(tmp_path, app_env, message):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"host": "h", "port": 1, "password": "p" * 20, "app_env": app_env}))
    done = run_cli("env", "--outputs", str(path))
    assert done.returncode == 2 and message in done.stderr
