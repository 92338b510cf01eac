"""`env`: the app's .env from the stack outputs — masked on screen, 0600 on disk, other settings kept."""

from __future__ import annotations

import json
import os
import re
import stat

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.ops import env_export
from support.ops_support import run_cli

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
    ("host\n", "'host\n'"),  # a trailing newline is not "plain": unquoted it would end the line
])
def test_values_are_quoted_only_when_needed(value, rendered):
    assert env_export.quote(value) == rendered


def test_the_dev_stack_app_env_is_exported_in_contract_order(dev_run, outputs):
    env = env_export.app_env_from(json.loads(open(outputs).read()))
    assert list(env) == ["ENABLE_REDIS_CACHE", "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD", "REDIS_DEFAULT_TTL",
                         "REDIS_TLS"]
    assert env["REDIS_HOST"] == "127.0.0.1" and env["REDIS_TLS"] == "false" and env["REDIS_DEFAULT_TTL"] == "3600"


@pytest.mark.integration
def test_the_password_is_masked_unless_asked(outputs):
    done = run_cli("env", "--outputs", outputs)
    assert done.returncode == 0 and PASSWORD not in done.stdout + done.stderr
    assert "REDIS_PASSWORD='********'" in done.stdout and "--show-secrets" in done.stderr
    shown = run_cli("env", "--outputs", outputs, "--show-secrets")
    assert f"REDIS_PASSWORD='{PASSWORD}'" in shown.stdout
    as_json = json.loads(run_cli("env", "--outputs", outputs, "--json").stdout)
    assert as_json["REDIS_PASSWORD"] == "********" and as_json["REDIS_PORT"] == "6379"


@pytest.mark.integration
def test_dotenv_output_reads_back_to_the_same_values(outputs, tmp_path):
    """What a dotenv parser (here: bash, the strictest common reader) makes of the written file."""
    import subprocess

    target = tmp_path / ".env"
    assert run_cli("env", "--outputs", outputs, "--write", str(target)).returncode == 0
    echoed = subprocess.run(["bash", "-c", f"set -a; . {target}; printf %s \"$REDIS_PASSWORD\""],
                            capture_output=True, text=True, check=True).stdout
    assert echoed == PASSWORD


@pytest.mark.integration
def test_write_creates_a_0600_file_whatever_the_umask(outputs, tmp_path):
    target = tmp_path / ".env"
    done = run_cli("env", "--outputs", outputs, "--write", str(target), umask=0)
    assert done.returncode == 0 and "mode 0600" in done.stdout and PASSWORD not in done.stdout
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert f"REDIS_PASSWORD='{PASSWORD}'" in target.read_text()  # the file carries the real value
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.integration
def test_write_keeps_the_apps_other_settings_and_tightens_the_mode(outputs, tmp_path):
    target = tmp_path / ".env"
    target.write_text("# app settings\nDATABASE_URL=postgres://db/app\nexport REDIS_HOST=old-host\nREDIS_HOST=dup\n")
    target.chmod(0o644)
    assert run_cli("env", "--outputs", outputs, "--write", str(target)).returncode == 0
    lines = target.read_text().splitlines()
    assert lines[:3] == ["# app settings", "DATABASE_URL=postgres://db/app", "export REDIS_HOST=127.0.0.1"]
    assert sum("REDIS_HOST=" in line for line in lines) == 1 and "ENABLE_REDIS_CACHE=true" in lines
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.integration
def test_json_write_merges_into_an_existing_object(outputs, tmp_path):
    target = tmp_path / "env.json"
    target.write_text('{"OTHER": "1", "REDIS_PORT": "1"}')
    assert run_cli("env", "--outputs", outputs, "--json", "--write", str(target)).returncode == 0
    data = json.loads(target.read_text())
    assert data["OTHER"] == "1" and data["REDIS_PORT"] == "6379" and data["REDIS_PASSWORD"] == PASSWORD


@pytest.mark.integration
@pytest.mark.parametrize("app_env, message", [
    ("[secret]", "--show-secrets"), (None, "--show-secrets"), ({"REDIS_HOST": "h"}, "app_env lacks"),
])
def test_missing_or_masked_app_env_is_a_usage_error(tmp_path, app_env, message):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"host": "h", "port": 1, "password": "p" * 20, "app_env": app_env}))
    done = run_cli("env", "--outputs", str(path))
    assert done.returncode == 2 and message in done.stderr


def quoted(value: str) -> bytes:
    return env_export.quote(value).encode()


@pytest.mark.integration
def test_write_keeps_every_other_byte_line_ending_and_export(outputs, tmp_path):
    """CRLF, a BOM, `export`, comments, a line no parser reads, bytes that are not UTF-8, no final newline — and a
    `REDIS_PASSWORD=` line inside another variable's quoted multi-line value, which is that value's text."""
    certificate = b'CERT="-----BEGIN-----\r\nREDIS_PASSWORD=not-a-binding\r\n-----END-----"\r\n'
    before = (b"\xef\xbb\xbf# app settings\r\n" + b"export DATABASE_URL=postgres://db/app\r\n" + certificate +
              b"\r\n  export REDIS_HOST=old-host  # staging\r\n" + b"LATIN1=caf\xe9\r\n" + b"REDIS_HOST=dup\r\n" +
              b"not a binding line\r\n" + b"TRAILING=1")
    target = tmp_path / ".env"
    target.write_bytes(before)
    done = run_cli("env", "--outputs", outputs, "--write", str(target))
    assert done.returncode == 0, done.stderr
    app_env = json.loads(open(outputs).read())["app_env"]
    appended = b"".join(f"{key}=".encode() + quoted(app_env[key]) + b"\r\n" for key in
                        ("ENABLE_REDIS_CACHE", "REDIS_PORT", "REDIS_PASSWORD", "REDIS_DEFAULT_TTL", "REDIS_TLS"))
    assert target.read_bytes() == (
        b"\xef\xbb\xbf# app settings\r\n" + b"export DATABASE_URL=postgres://db/app\r\n" + certificate +
        b"\r\n  export REDIS_HOST=127.0.0.1\r\n" + b"LATIN1=caf\xe9\r\n" + b"not a binding line\r\n" +
        b"TRAILING=1\r\n" + appended)
    from dotenv import dotenv_values

    read = dotenv_values(target, encoding="latin-1")  # what the app's own dotenv reader makes of it
    assert read["REDIS_PASSWORD"] == PASSWORD and read["REDIS_HOST"] == "127.0.0.1"
    assert read["CERT"].splitlines() == ["-----BEGIN-----", "REDIS_PASSWORD=not-a-binding", "-----END-----"]


@pytest.mark.integration
def test_write_goes_through_a_symlink_to_the_real_file(outputs, tmp_path):
    shared = tmp_path / "shared" / "app.env"
    shared.parent.mkdir()
    shared.write_text("OTHER=1\nREDIS_HOST=stale\n")
    link = tmp_path / ".env"
    link.symlink_to("shared/app.env")
    done = run_cli("env", "--outputs", outputs, "--write", str(link))
    assert done.returncode == 0, done.stderr
    assert f"to {shared}, through {link} (mode 0600)" in done.stdout
    assert link.is_symlink() and os.readlink(link) == "shared/app.env"  # the link still leads to the shared file
    assert "REDIS_HOST=127.0.0.1" in shared.read_text() and "OTHER=1" in shared.read_text()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o600


def _fifo(path):
    os.mkfifo(path)


def _directory(path):
    path.mkdir()
    (path / "inside").write_text("kept")


def _device(path):
    path.symlink_to("/dev/null")


def _process_stdout(path):
    path.symlink_to("/proc/self/fd/1")


def _dangling(path):
    path.symlink_to(path.parent / "nowhere")


def _hard_linked(path):
    path.write_text("A=1\n")
    os.link(path, path.parent / "other-name")


@pytest.mark.integration
@pytest.mark.parametrize("make, reason", [
    (_device, "is a character device: --write writes only a regular file"),
    (_fifo, "is a FIFO (named pipe)"),
    (_directory, "is a directory"),
    (_process_stdout, "leads into /proc"),
    (_dangling, "which does not exist"),
    (_hard_linked, "has 2 hard links"),
])
def test_write_refuses_what_is_not_a_regular_file(outputs, tmp_path, make, reason):
    target = tmp_path / ".env"
    make(target)
    before = os.lstat(target)
    link = os.readlink(target) if target.is_symlink() else None
    done = run_cli("env", "--outputs", outputs, "--write", str(target), timeout=30)
    assert done.returncode == 2 and reason in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and PASSWORD not in done.stdout + done.stderr
    after = os.lstat(target)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)  # the same thing is still there
    assert link is None or os.readlink(target) == link
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


ENV = {"REDIS_HOST": "127.0.0.1", "REDIS_PASSWORD": PASSWORD}
PIECES = st.sampled_from(["A=1", "export B='x y'", 'C="multi\nline"', "# comment", "", "  D = 2  # note", "bad line",
                          'E="unterminated', "F=\\'", "'G'=3", "\ufeff", "é=ü"])
LINES = st.lists(PIECES | st.text(max_size=12), max_size=8)
NEWLINES = st.sampled_from(["\n", "\r\n", "\r"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=LINES, newline=NEWLINES, final=st.booleans())
def test_merge_keeps_any_file_without_our_keys_byte_for_byte(lines, newline, final):
    """Whatever the file holds (valid, broken, quoted across lines), when none of it binds our keys the result is
    the file itself, then our keys in its line ending."""
    from hypothesis import assume

    from infra.ops.env_file import merge_dotenv

    text = newline.join(lines) + (newline if final and lines else "")
    assume("REDIS_" not in text)
    merged = merge_dotenv(text, ENV, env_export.quote)
    found = re.search(r"\r\n|\n|\r", text)
    newline_used = found.group() if found else "\n"
    content = text.removeprefix("\ufeff")  # a BOM alone is no line to end
    separator = "" if not content or content.endswith(("\n", "\r")) else newline_used
    assert merged == text + separator + "".join(f"{key}={env_export.quote(value)}{newline_used}"
                                                for key, value in ENV.items())
