"""`python -m infra.cli verify` end to end as a subprocess, against a real redis-server."""

from __future__ import annotations

import json
import subprocess
import sys

from stack_harness import REPO_ROOT


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "infra.cli", *args], input=stdin, capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=60)


def outputs_for(server, password: str, **extra) -> str:
    return json.dumps({"backend": "docker", "host": "127.0.0.1", "port": server.port, "tls": False,
                       "password": password, **extra})


def test_verify_passes_against_the_dev_config(dev_server):
    server, password = dev_server
    done = run_cli("verify", "--outputs", "-", stdin=outputs_for(server, password))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verification passed" in done.stdout
    assert password not in done.stdout + done.stderr


def test_verify_json_report_and_failure_exit_code(dev_server):
    server, password = dev_server
    done = run_cli("verify", "--json", "--outputs", "-", stdin=outputs_for(server, "Wrong-Password-123456"))
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["passed"] is False
    assert {c["name"]: c["status"] for c in report["checks"]}["ping"] == "fail"
    assert "Wrong-Password-123456" not in done.stdout


def test_unreachable_server_fails_fast(tmp_path):
    from redis_server import free_port

    outputs = json.dumps({"host": "127.0.0.1", "port": free_port(), "password": "x" * 20})
    done = run_cli("verify", "--outputs", "-", "--timeout", "2", stdin=outputs)
    assert done.returncode == 1
    assert "reachable" in done.stdout and "fail" in done.stdout


def test_bad_usage_exits_2(tmp_path):
    assert run_cli("verify", "--outputs", str(tmp_path / "missing.json")).returncode == 2
    assert run_cli("verify", "--outputs", "-", stdin="not json").returncode == 2
    masked = json.dumps({"host": "h", "port": 1, "password": "[secret]"})
    done = run_cli("verify", "--outputs", "-", stdin=masked)
    assert done.returncode == 2 and "--show-secrets" in done.stderr
    assert run_cli("verify").returncode == 2  # neither --stack nor --outputs


def test_a_reader_that_leaves_early_gets_no_traceback(dev_server):
    """`python -m infra.cli verify ... | head -1`: the pipe closes under the report."""
    server, password = dev_server
    done = subprocess.run(f"{sys.executable} -m infra.cli verify --outputs - | head -1", shell=True, cwd=REPO_ROOT,
                          input=outputs_for(server, password), capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("check")
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
