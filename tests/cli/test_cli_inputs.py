"""Every CLI input — outputs of any shape, numbers like nan/inf/huge, a `pulumi` that hangs or fails — gets one line
and exit 2, never a traceback and never a wrong pass: through the CLI as typed, and generatively on the reader."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.backends.elasticache import control_plane
from infra.ops import env_export
from infra.ops import health
from infra.cli.support import UsageError, parse_outputs
from infra.endpoint import Target
from support.ops_support import outputs_for, run_cli, write_outputs
from support.redis_server import free_port

COMMANDS = [("verify",), ("health",), ("backup", "--dest", "{tmp}/backups"), ("env",)]


def cli(command: tuple[str, ...], tmp_path: Path, *args: str, **kwargs):
    return run_cli(command[0], *args, *(part.format(tmp=tmp_path) for part in command[1:]), **kwargs)


def one_error_line(done) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


UNREADABLE = [
    (b'{"host": "127.0.0.1", "port": 6379, "password": "caf\xe9"}', "outputs are not UTF-8 text"),
    (b'{"port": NaN}', "NaN is not a JSON number"),
    (b'{"port": ' + b"9" * 5000 + b"}", "outputs are not JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'["a list"]', "outputs must be a JSON object"),
]
MALFORMED = [
    ({"port": None}, "port must be a whole number from 1 to 65,535, not null"),
    ({"port": True}, "port must be a whole number"),
    ({"port": 70000}, "port must be a whole number"),
    ({"control_plane": "x"}, 'control_plane must be an object, not "x"'),
    ({"settings": ["maxmemory", 1]}, "settings must be an object, not a list"),
    ({"settings": {"disabled-commands": "FLUSHALL"}}, "settings.disabled-commands must be a list of command names"),
    ({"settings": {"save": [[900]]}}, "settings.save[0] must be a [seconds, changes] pair"),
    ({"settings": {"maxmemory": "512mb"}}, "settings.maxmemory must be a whole number"),
    ({"control_plane": {"replication_group_id": "g", "region": "r", "at_rest_encryption": "x"}},
     'control_plane.at_rest_encryption must be true, false, "enabled" or "disabled", not "x"'),
    ({"password": 12345678901234567890}, "password must be the password (a non-empty string), not a number"),
    ({"app_env": {"REDIS_PASSWORD": None}}, "app_env.REDIS_PASSWORD must be a string, not null"),
]


@pytest.mark.parametrize("content, message", UNREADABLE)
def test_unreadable_outputs_are_refused_with_one_line(content, message):
    with pytest.raises(UsageError) as refused:
        parse_outputs(content)
    assert message in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize("changes, message", MALFORMED)
def test_malformed_outputs_name_the_key(dev_run, changes, message):
    with pytest.raises(UsageError) as refused:
        parse_outputs(json.dumps({**dev_run.outputs, **changes}).encode())
    text = str(refused.value)
    assert text.startswith("the stack outputs are malformed: ") and message in text and "\n" not in text
    assert "12345678901234567890" not in text  # a value under a secret key is never echoed


@pytest.mark.integration
@pytest.mark.parametrize("content, message", [UNREADABLE[0], (None, MALFORMED[0][1]), (None, MALFORMED[3][1])])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_every_command_refuses_bad_outputs_with_one_line_and_exit_2(dev_run, tmp_path, command, content, message):
    path = tmp_path / "outputs.json"
    changes = next(c for c, m in MALFORMED if m == message) if content is None else {}
    path.write_bytes(content or json.dumps({**dev_run.outputs, "port": free_port(), **changes}).encode())
    done = cli(command, tmp_path, "--outputs", str(path))
    assert done.returncode == 2 and message in one_error_line(done) and done.stdout == ""
    assert not (tmp_path / "backups").exists()


@pytest.mark.integration
def test_disabled_commands_as_a_string_no_longer_pass(dev_server, dev_outputs):
    """The letters of "FLUSHALL" are not commands: before, verify probed F, L, U, S, H, A, L, L and passed."""
    server, password = dev_server
    outputs = dev_outputs(server.port)
    outputs["settings"] = {**outputs["settings"], "disabled-commands": "FLUSHALL"}
    done = run_cli("verify", "--outputs", "-", stdin=json.dumps(outputs))
    assert done.returncode == 2 and "settings.disabled-commands must be a list" in one_error_line(done)
    assert "absent" not in done.stdout


@pytest.mark.integration
@pytest.mark.parametrize("args, message", [
    (("health", "--watch", "nan"), "argument --watch: nan is out of range"),
    (("health", "--watch", "inf"), "argument --watch: inf is out of range"),
    (("health", "--watch", "0"), "use more than 0 and at most 3600 seconds"),
    (("verify", "--wait", "nan"), "argument --wait: nan is out of range"),
    (("verify", "--timeout", "1e999"), "argument --timeout: 1e999 is out of range"),
    (("backup", "--poll", "nan"), "argument --poll: nan is out of range"),
    (("backup", "--wait-timeout", "inf"), "argument --wait-timeout: inf is out of range"),
    (("backup", "--keep-days", "1000000"), "argument --keep-days: 1000000 is out of range"),
    (("verify", "--pulumi-timeout=-inf"), "argument --pulumi-timeout: -inf is out of range"),
])
def test_numbers_out_of_range_are_usage_errors(tmp_path, args, message):
    outputs = write_outputs(tmp_path / "outputs.json", outputs_for(free_port(), "p" * 20))
    done = run_cli(*args, "--outputs", outputs, timeout=30)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr


def fake_pulumi(tmp_path: Path, body: str) -> dict[str, str]:
    """A `pulumi` on PATH that runs `body` (sh); returns the environment to run the CLI with."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "pulumi"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


@pytest.mark.integration
def test_a_hanging_pulumi_is_bounded_and_killed(tmp_path):
    pid_file = tmp_path / "pulumi.pid"
    env = fake_pulumi(tmp_path, f"echo $$ > {pid_file}\nexec sleep 600\n")
    started = time.monotonic()
    done = run_cli("verify", "--stack", "dev", "--pulumi-timeout", "1", env=env, timeout=60)
    assert done.returncode == 2 and time.monotonic() - started < 20
    assert "`pulumi stack output` did not answer within 1 s for stack 'dev'" in one_error_line(done)
    with pytest.raises(ProcessLookupError):  # nothing left running
        os.kill(int(pid_file.read_text()), 0)


@pytest.mark.integration
def test_pulumi_output_is_read_and_checked_like_a_file(tmp_path, dev_run):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({**dev_run.outputs, "port": "six"}))
    env = fake_pulumi(tmp_path, f'[ "$1 $2 $5 $6" = "stack output --stack dev" ] && cat {outputs} && exit 0\n'
                                'echo "error: no stack named $6 found" >&2; exit 255\n')
    done = run_cli("env", "--stack", "dev", env=env)
    assert done.returncode == 2 and "port must be a whole number" in one_error_line(done)
    missing = run_cli("env", "--stack", "other", env=env)
    assert missing.returncode == 2 and "failed for stack 'other': error: no stack named other found" in \
        one_error_line(missing)


# ---- generative: any JSON value anywhere in the outputs -------------------------------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(max_size=12), lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
PATHS = [("port",), ("host",), ("tls",), ("password",), ("backend",), ("app_env",), ("settings",), ("control_plane",),
         *[("settings", key) for key in ("maxmemory", "maxmemory-policy", "appendonly", "save", "disabled-commands")],
         *[("control_plane", key) for key in ("cluster_mode", "member_count", "parameters", "at_rest_encryption")]]
INFO = {"used_memory": 1, "maxmemory": 0, "aof_enabled": 1, "rdb_last_save_time": 0}


def consume(outputs: dict[str, Any]) -> None:
    """What the commands do with accepted outputs; none of it may raise anything but a clean ValueError."""
    try:
        target = Target.from_outputs(outputs)
    except ValueError as error:  # e.g. a masked password: the connection's own clean refusal
        assert "\n" not in str(error) and "password" in str(error)
        return
    assert 1 <= target.port <= 65535 and isinstance(target.host, str) and isinstance(target.settings, dict)
    health.evaluate(INFO, [], target.settings, now=0)
    disabled = target.settings.get("disabled-commands") or ()
    assert all(isinstance(name, str) and len(name) > 1 for name in disabled)  # never a string iterated by letter
    expected = outputs.get("control_plane") or {}
    for key in ("cluster_mode", "multi_az", "at_rest_encryption"):
        if key in expected:
            control_plane._enabled(expected[key])  # noqa: SLF001 — how the control-plane checks read a flag
    try:
        env_export.app_env_from(outputs)
    except ValueError:
        pass  # "missing or masked": the env command's own clean refusal


# Generation speed is not what is tested: a loaded machine must not fail the run (too_slow, data_too_large).
SLOW_MACHINE = [HealthCheck.too_slow, HealthCheck.data_too_large]


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, *SLOW_MACHINE])
@given(path=st.sampled_from(PATHS), value=JSON)
def test_any_value_anywhere_is_refused_cleanly_or_works(dev_run, path, value):
    outputs = json.loads(json.dumps({**dev_run.outputs, "port": 6379}))
    if len(path) == 1:
        outputs[path[0]] = value
    else:
        parent = outputs.get(path[0])
        outputs[path[0]] = {**(parent if isinstance(parent, dict) else {}), path[1]: value}
    try:
        accepted = parse_outputs(json.dumps(outputs).encode())
    except UsageError as error:
        assert "\n" not in str(error) and str(error)
        return
    consume(accepted)


@settings(max_examples=200, deadline=None, suppress_health_check=SLOW_MACHINE)
@given(st.binary(max_size=200))
def test_any_bytes_are_refused_cleanly_or_read(data):
    try:
        accepted = parse_outputs(data)
    except UsageError as error:
        assert "\n" not in str(error)
        return
    assert isinstance(accepted, dict)
