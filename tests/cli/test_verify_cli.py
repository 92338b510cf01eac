"""`python -m infra.cli verify` end to end, as CI runs it: a subprocess against real redis-server processes and a
real moto server. Exit codes 0/1/2, a table or JSON report, and the password never in anything it prints."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from support.redis_server import free_port
from support.stack_harness import REPO_ROOT
from support.aws_groups import KMS_KEY, create_group, expected_for
from support.ops_support import verify_cli


@pytest.mark.integration
def test_a_healthy_server_exits_0_with_a_table_and_no_password(dev_server, dev_outputs):
    server, password = dev_server
    done = verify_cli("--outputs", "-", outputs=dev_outputs(server.port))
    assert done.returncode == 0, done.stdout + done.stderr
    header, *rows = done.stdout.splitlines()
    assert header.split() == ["check", "status", "detail", "time"]
    assert any(row.startswith("round_trip") and " pass " in row for row in rows)
    assert rows[-1].startswith("verification passed")
    assert password not in done.stdout + done.stderr  # app_env and url in the outputs carry it too


@pytest.mark.integration
def test_json_report_parses_and_a_failure_exits_1(dev_server, dev_outputs, tmp_path):
    server, password = dev_server
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps(dev_outputs(server.port, "Wrong-Password-1234567")))
    done = verify_cli("--json", "--outputs", str(outputs_file))
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["passed"] is False and report["summary"].startswith("verification FAILED: ping")
    assert {c["name"]: c["status"] for c in report["checks"]}["ping"] == "fail"
    assert set(report["checks"][0]) == {"name", "status", "detail", "seconds"}
    assert "Wrong-Password-1234567" not in done.stdout + done.stderr and password not in done.stdout


@pytest.mark.integration
def test_a_frozen_server_fails_within_the_timeout(dev_server, dev_outputs):
    server, _ = dev_server
    server.signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        done = verify_cli("--timeout", "1", "--outputs", "-", outputs=dev_outputs(server.port), timeout=20)
        elapsed = time.monotonic() - started
    finally:
        server.signal(signal.SIGCONT)
    assert done.returncode == 1
    assert "no answer within 1s" in done.stdout
    assert elapsed < 4, f"{elapsed:.1f}s for a 1s timeout (interpreter start-up included)"


@pytest.mark.integration
@pytest.mark.parametrize("minimal", [False, True], ids=["dev outputs", "host, port and password only"])
def test_an_unreachable_port_exits_1_fast(dev_outputs, minimal):
    outputs = {"host": "127.0.0.1", "port": free_port(), "password": "x" * 20} if minimal else dev_outputs(free_port())
    started = time.monotonic()
    done = verify_cli("--timeout", "2", "--outputs", "-", outputs=outputs)
    assert done.returncode == 1 and "Connection refused" in done.stdout
    assert any(row.startswith("reachable ") and " FAIL " in row for row in done.stdout.splitlines()), done.stdout
    assert time.monotonic() - started < 4


@pytest.mark.integration
def test_tls_with_a_private_ca(dev_run, dev_outputs, tmp_path, tls_files):
    from conftest import container_boot
    from support.redis_server import RedisServer

    conf, command, password = container_boot(dev_run)
    with RedisServer.from_container(conf, tmp_path / "redis", command, tls=tls_files) as server:
        outputs = dev_outputs(server.port, password, tls=True)
        trusted = verify_cli("--ca-cert", str(tls_files.ca), "--outputs", "-", outputs=outputs)
        untrusted = verify_cli("--timeout", "2", "--outputs", "-", outputs=outputs)
    assert trusted.returncode == 0, trusted.stdout
    assert untrusted.returncode == 1 and "not trusted" in untrusted.stdout
    assert password not in trusted.stdout + untrusted.stdout


@pytest.mark.integration
@pytest.mark.parametrize(("args", "outputs", "message"), [
    (("--timeout", "0"), {}, "use more than 0"),
    (("--timeout", "soon"), {}, "not a number of seconds"),
    (("--wait", "-1"), {}, "out of range"),
    (("--ca-cert", "/nonexistent/ca.pem"), {}, "no such file"),
    (("--plane", "everything"), {}, "invalid choice"),
    ((), {"host": "h", "port": 1, "password": "[secret]"}, "--show-secrets"),
    ((), {"host": "h", "port": 1}, "lack password"),
    ((), {"host": "h", "port": "six", "password": "x" * 20}, "port must be a whole number from 1 to 65,535"),
    ((), {"host": "h", "port": 1, "password": "x" * 20, "tls": "yes"}, "tls must be true or false"),
])
def test_bad_usage_exits_2(args, outputs, message):
    done = verify_cli(*args, "--outputs", "-", outputs=outputs)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert done.stdout == ""


@pytest.mark.integration
@pytest.mark.parametrize(("args", "stdin", "message"), [
    (("--outputs", "/nonexistent/outputs.json"), None, "cannot read outputs file"),
    (("--outputs", "-"), "not json", "outputs are not JSON"),
    ((), None, "one of the arguments --stack --outputs is required"),
])
def test_unreadable_or_missing_outputs_exit_2(args, stdin, message):
    done = subprocess.run([sys.executable, "-m", "infra.cli", "verify", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=60, input=stdin)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert done.stdout == ""


@pytest.mark.integration
def test_a_reader_that_leaves_early_gets_no_traceback(dev_server, dev_outputs):
    """`python -m infra.cli verify ... | head -1`: the pipe closes under the report."""
    server, password = dev_server
    done = subprocess.run(f"{sys.executable} -m infra.cli verify --outputs - | head -1", shell=True, cwd=REPO_ROOT,
                          input=json.dumps(dev_outputs(server.port)), capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("check")
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


@pytest.mark.integration
def test_the_control_plane_through_the_aws_endpoint(moto_endpoint, aws_env):
    secure, open_group = create_group(moto_endpoint), create_group(moto_endpoint, AtRestEncryptionEnabled=False,
                                                                   KmsKeyId=None, SnapshotRetentionLimit=0)
    env = {**aws_env, "AWS_ENDPOINT_URL": moto_endpoint}
    prod = {"backend": "elasticache", "host": "master.example", "port": 6379, "tls": True, "password": "[secret]",
            "kms_key_arn": KMS_KEY}
    good = verify_cli("--plane", "control", "--json", "--outputs", "-", env=env,
                      outputs={**prod, "control_plane": expected_for(secure)})
    bad = verify_cli("--plane", "control", "--outputs", "-", env=env,
                     outputs={**prod, "control_plane": expected_for(open_group)})
    assert good.returncode == 0, good.stdout + good.stderr
    assert {c["name"] for c in json.loads(good.stdout)["checks"]} >= {"aws_encryption_at_rest", "aws_backups"}
    assert bad.returncode == 1
    assert "verification FAILED: aws_encryption_at_rest, aws_backups" in bad.stdout


@pytest.mark.integration
def test_control_plane_on_a_docker_stack_fails(dev_outputs):
    done = verify_cli("--plane", "control", "--outputs", "-", outputs=dev_outputs(6379))
    assert done.returncode == 1 and "(docker) has no control plane to" in done.stdout
