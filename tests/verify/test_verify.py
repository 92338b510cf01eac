"""The data-plane checks against real redis-server 7 processes: the dev stack's config passes everything, and each
misconfiguration fails the check that names it — with a message that says what is wrong, never the password."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

import pytest
import redis
import trustme

from conftest import container_boot
from infra.backends.elasticache import parameter_group
from infra.config.redis import RedisSettings
from infra.endpoint import Target, scrub
from infra.results import FAIL, CheckResult, passed
from infra.verify import checks
from infra.verify import connect as checks_connect
from infra.verify import metrics as checks_metrics
from infra.verify import run as verify
from infra.verify.checks import Probe
from infra.verify.connect import tls_only
from support.redis_server import RedisServer, TLSFiles, free_port


def by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.name: r for r in results}


def failed(results: list[CheckResult]) -> set[str]:
    return {r.name for r in results if r.status == FAIL}


def without(pattern: str) -> Callable[[str], str]:
    return lambda conf: re.sub(pattern, "", conf, flags=re.M)


def replacing(pattern: str, line: str) -> Callable[[str], str]:
    return lambda conf: re.sub(pattern, line, conf, flags=re.M)


@pytest.mark.integration
def test_the_dev_config_passes_every_check(dev_server, dev_outputs):
    server, password = dev_server
    results = verify.run_all(dev_outputs(server.port, password))
    statuses = {r.name: r.status for r in results}
    assert passed(results), results
    assert statuses == {**{name: "pass" for name in statuses}, "tls": "skip", "tls_only": "skip", "cluster": "skip"}
    assert all(r.seconds < 5 for r in results)
    assert "loopback" in by_name(results)["tls"].detail


# (how the server's config differs from the dev stack's, the checks that must fail — the first is the one that names
# the cause —, what its message must say)
def the_old_way(conf: str, password: str) -> str:
    """The configuration before ACL users: requirepass and rename-command, no admin user (an old server)."""
    conf = re.sub(r"^user default .*$", f'requirepass "{password}"', conf, flags=re.M)
    return re.sub(r"^user profwise-admin .*$", "\n".join(f'rename-command {c} ""' for c in
                                                          ("FLUSHDB", "FLUSHALL", "CONFIG")), conf, flags=re.M)


MISCONFIGURED = [
    ("no password", replacing(r"^user default reset #\S+", "user default reset nopass"), {"auth_enforced", "ping"},
     "AUTH is not enforced"),
    ("FLUSHALL not denied", replacing(r"^(user default .*) -flushall", r"\1"), {"dangerous_commands"},
     "the app (default) may run FLUSHALL"),
    ("CONFIG allowed again", replacing(r"^(user default .*)$", r"\1 +config|get"), {"dangerous_commands"},
     "the app (default) may run CONFIG"),
    ("admin may not flush", replacing(r"^(user profwise-admin .*)$", r"\1 -flushall"), {"dangerous_commands"},
     "the admin user profwise-admin may not run FLUSHALL"),
    ("FLUSHALL renamed away as well", lambda conf: conf + 'rename-command FLUSHALL ""\n', {"dangerous_commands"},
     "FLUSHALL renamed away on this server"),
    ("no admin user", without(r"^user profwise-admin .*$"), {"principals", "dangerous_commands"},
     "the server refused admin user profwise-admin"),
    ("eviction policy differs", replacing(r"^maxmemory-policy .*$", "maxmemory-policy volatile-lru"),
     {"eviction_policy"}, "maxmemory-policy is volatile-lru but the stack promised allkeys-lru"),
    ("AOF off", replacing(r"^appendonly yes$", "appendonly no"), {"aof"},
     "AOF is off but the stack promised appendonly yes"),
    ("maxmemory differs", replacing(r"^maxmemory \S+$", "maxmemory 256mb"), {"maxmemory"},
     "maxmemory is 256mb but the stack promised 512mb"),
]


@pytest.mark.integration
@pytest.mark.parametrize(("change", "checks", "message"), [case[1:] for case in MISCONFIGURED],
                         ids=[case[0] for case in MISCONFIGURED])
def test_a_misconfigured_server_fails_the_right_check(dev_run, dev_outputs, tmp_path: Path, change, checks, message):
    conf, command, password = container_boot(dev_run)
    changed = change(conf)
    assert changed != conf, "the test must actually change the config"
    with RedisServer.from_container(changed, tmp_path / "redis", command) as server:
        app = server.client(None if " nopass " in changed else password)
        app.mset({f"profwise:data:{i}": i for i in range(100)})
        results = verify.run_all(dev_outputs(server.port, password))
        assert failed(results) == checks, results
        assert any(message in by_name(results)[check].detail for check in checks), results
        assert app.dbsize() == 100  # nothing was flushed: FLUSHALL is asked about (ACL DRYRUN), never called
    assert password not in repr(results) and dev_outputs(0)["admin_password"] not in repr(results)


@pytest.mark.integration
def test_the_dev_config_checks_both_principals_without_running_anything(dev_server, dev_outputs):
    server, password = dev_server
    server.client(password).set("profwise:keep", 1)
    results = by_name(verify.run_all(dev_outputs(server.port, password)))
    assert results["principals"].detail == ("app: default (AUTH with the password alone); operations: "
                                            "profwise-admin (ACL WHOAMI)")
    assert results["dangerous_commands"].detail.startswith(
        "denied to default, allowed to profwise-admin: FLUSHDB, FLUSHALL, CONFIG GET x (ACL DRYRUN, nothing run)")
    assert server.client(password).get("profwise:keep") == b"1"


@pytest.mark.integration
def test_a_server_still_configured_the_old_way_is_reported_clearly(dev_run, dev_outputs, tmp_path: Path):
    """A server deployed before ACL users (requirepass, rename-command): the app's password still works, but there is
    no admin user and the disabled commands are gone for everyone: both checks say to redeploy."""
    conf, command, password = container_boot(dev_run)
    with RedisServer.from_container(the_old_way(conf, password), tmp_path / "redis", command) as server:
        results = by_name(verify.run_all(dev_outputs(server.port, password)))
        old = {name for name, result in results.items() if result.status == FAIL}
        assert old == {"principals", "dangerous_commands"}, results
        assert results["ping"].status == "pass"
        for name in old:
            assert "still runs the old configuration (rename-command and requirepass" in results[name].detail
        assert "FLUSHDB, FLUSHALL, CONFIG renamed away" in results["dangerous_commands"].detail
        # and outputs written before the admin user existed get the same verdict on the permissions
        without_admin = {k: v for k, v in dev_outputs(server.port, password).items() if not k.startswith("admin_")}
        results = by_name(verify.run_all(without_admin))
        assert results["principals"].status == "skip" and "no admin user" in results["principals"].detail
        assert results["dangerous_commands"].status == "fail" and "renamed away" in results["dangerous_commands"].detail


@pytest.mark.integration
def test_a_wrong_password_fails_ping_and_skips_what_needs_it(dev_server, dev_outputs):
    server, password = dev_server
    results = verify.run_all(dev_outputs(server.port, "Wrong-Password-1234567"))
    checks = by_name(results)
    assert failed(results) == {"ping"}
    assert "refused the stack's password" in checks["ping"].detail
    assert checks["auth_enforced"].status == "pass"
    assert {checks[name].status for name in ("maxmemory", "round_trip", "latency")} == {"skip"}
    assert "Wrong-Password-1234567" not in repr(results)


def test_an_unreachable_port_fails_fast(dev_outputs):
    started = time.monotonic()
    results = verify.run_all(dev_outputs(free_port(), "x" * 20), timeout=5)
    assert time.monotonic() - started < 2
    assert failed(results) == {"reachable"} and "Connection refused" in results[0].detail
    assert {r.status for r in results[1:]} == {"skip"}


@pytest.mark.integration
def test_a_frozen_server_fails_within_the_timeout(dev_server, dev_outputs):
    server, password = dev_server
    server.signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        results = verify.run_all(dev_outputs(server.port, password), timeout=1)
        elapsed = time.monotonic() - started
    finally:
        server.signal(signal.SIGCONT)
    assert elapsed < 2, f"took {elapsed:.1f}s with a 1s timeout"
    assert failed(results) == {"auth_enforced"}
    assert "no answer within 1s" in by_name(results)["auth_enforced"].detail
    assert by_name(results)["round_trip"].status == "skip"


@pytest.mark.integration
def test_a_starting_server_is_waited_for_with_backoff(dev_run, dev_outputs, tmp_path: Path):
    conf, command, password = container_boot(dev_run)
    server = RedisServer.from_container(conf, tmp_path / "redis", command, port=free_port())
    starter = threading.Timer(1.0, server.start)
    starter.start()
    try:
        results = verify.run_all(dev_outputs(server.port, password), wait=15)
    finally:
        starter.join()
        server.stop()
    assert passed(results), results
    assert re.search(r"after \d+ attempts", results[0].detail)


def test_waiting_is_bounded_and_reports_the_last_error(dev_outputs):
    started = time.monotonic()
    results = verify.run_all(dev_outputs(free_port(), "x" * 20), wait=2)
    assert 0.5 < time.monotonic() - started < 3
    assert "waiting at most 2s" in results[0].detail and "Connection refused" in results[0].detail


@pytest.mark.integration
def test_a_failed_background_save_fails_the_persistence_check(dev_server, dev_outputs):
    server, password = dev_server
    blocker = server.workdir / "dump.rdb"
    blocker.mkdir()  # the save's final rename onto a non-empty directory fails, even as root
    (blocker / "keep").touch()
    try:
        client = server.admin()  # BGSAVE is the admin's
        client.bgsave()
        deadline = time.monotonic() + 10
        while client.info("persistence")["rdb_bgsave_in_progress"] and time.monotonic() < deadline:
            time.sleep(0.05)
        results = verify.run_all(dev_outputs(server.port, password))
    finally:
        shutil.rmtree(blocker)  # or the shutdown save fails too and Redis refuses to exit
    assert failed(results) == {"persistence", "round_trip"}  # Redis refuses writes after a failed save
    assert by_name(results)["ping"].status == "warn" and "MISCONF" in by_name(results)["ping"].detail
    assert "rdb_last_bgsave_status is err" in by_name(results)["persistence"].detail


@pytest.mark.integration
def test_memory_above_80_percent_of_maxmemory_fails(dev_run, dev_outputs, tmp_path: Path):
    conf, command, password = container_boot(dev_run)
    small = re.sub(r"^maxmemory \S+$", "maxmemory 16mb", conf, flags=re.M)
    with RedisServer.from_container(small, tmp_path / "redis", command) as server:
        client = server.client(password)
        pipe = client.pipeline(transaction=False)
        for i in range(14_000):
            pipe.set(f"profwise:fill:{i}", b"x" * 1000)
        pipe.execute()
        settings = {**dev_run.outputs["settings"], "maxmemory": 16 * 1024 * 1024}
        results = verify.run_all(dev_outputs(server.port, password, settings=settings))
    assert "memory" in failed(results)
    assert "of 16mb" in by_name(results)["memory"].detail and "above 80%" in by_name(results)["memory"].detail


# What the elasticache backend's settings output says besides the Redis settings: the verifier reads it as data.
ELASTICACHE_SAYS = {key: value for key, value in parameter_group.effective_settings(
    RedisSettings(), "redis", "7.1").items() if key in ("managed", "restricted_commands")}


@pytest.mark.integration
def test_on_elasticache_aws_owns_maxmemory_persistence_and_the_users(dev_server, dev_run, dev_outputs):
    """ElastiCache: the node type sets maxmemory, snapshots and replicas replace the AOF, and its users are managed
    through its API (the aws_users control-plane check reads their access strings). So against a real server whose
    maxmemory, AOF and ACL differ from the promise, an elasticache target skips all three, where a docker target
    fails them."""
    server, password = dev_server
    promised = dev_run.outputs["settings"]
    settings = {**promised, "maxmemory": 1 << 30, "appendonly": False,
                "disabled-commands": [*promised["disabled-commands"], "KEYS"]}
    aws = by_name(verify.run_all(dev_outputs(server.port, password, settings={**settings, **ELASTICACHE_SAYS})))
    docker = by_name(verify.run_all(dev_outputs(server.port, password, settings=settings)))
    assert passed(list(aws.values())), aws
    assert aws["maxmemory"].status == "skip" and "node type sets maxmemory" in aws["maxmemory"].detail
    assert aws["aof"].status == "skip" and "not an AOF" in aws["aof"].detail
    assert aws["dangerous_commands"].status == "skip" and "aws_users" in aws["dangerous_commands"].detail
    assert {docker[name].status for name in ("maxmemory", "aof", "dangerous_commands")} == {"fail"}
    assert "the app (default) may run KEYS" in docker["dangerous_commands"].detail


@pytest.mark.integration
def test_commands_the_service_blocks_count_as_denied_without_a_probe(dev_server, dev_run, dev_outputs):
    """restricted_commands (a service's own blocked list, e.g. Memorystore's): denied to everyone, not asked about."""
    server, password = dev_server
    settings = {**dev_run.outputs["settings"], "disabled-commands": ["BGSAVE", "KEYS"],
                "restricted_commands": ["BGSAVE", "KEYS"]}
    result = by_name(verify.run_all(dev_outputs(server.port, password, settings=settings)))["dangerous_commands"]
    assert (result.status, result.detail) == ("pass", "BGSAVE, KEYS blocked by the service for every client")


@pytest.mark.integration
def test_the_data_plane_alone_never_calls_the_aws_api(dev_server, dev_outputs, moto_endpoint, aws_env, monkeypatch):
    """`--plane data` (and the hook on a dev stack) must not touch AWS even when the outputs describe a control plane;
    `--plane control` runs nothing but the AWS checks; the default runs both."""
    from support.aws_groups import create_group, expected_for

    server, password = dev_server
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    outputs = dev_outputs(server.port, password, backend="elasticache",
                          control_plane=expected_for(create_group(moto_endpoint)))
    planes = {plane: [r.name for r in verify.run_all(outputs, plane=plane)] for plane in ("all", "data", "control")}
    aws = [name for name in planes["all"] if name.startswith("aws_")]
    assert aws and planes["control"] == aws
    assert planes["data"] == [name for name in planes["all"] if name not in aws] == [c.name for c in checks.CHECKS]


@pytest.mark.parametrize(("host", "status"), [("127.0.0.1", "skip"), ("::1", "skip"), ("localhost", "skip"),
                                              ("10.0.0.5", "warn"), ("redis.internal.example", "warn")])
def test_plaintext_is_acceptable_only_on_loopback(host, status):
    target = Target(host, 6379, "x" * 20, tls=False, settings={})
    outcome, detail = checks_connect.tls(Probe(target))
    assert outcome == status
    if status == "warn":
        assert f"cross the network to {host} unencrypted" in detail


@pytest.mark.parametrize("error", [ValueError, redis.ConnectionError, redis.AuthenticationError, redis.TimeoutError])
def test_a_check_that_raises_with_the_password_never_reports_it(monkeypatch, error):
    password = "Pass word/with:URL@chars?&=1234"
    quoted = quote(password, safe="")
    assert quoted != password

    def leaky(_: Probe) -> tuple[str, str]:
        raise error(f"the server said {password} (redis://:{quoted}@127.0.0.1:1/0)")

    monkeypatch.setattr(checks, "CHECKS", [checks.Check("leaky", leaky)])
    (result,) = verify.run_checks(Target("127.0.0.1", 1, password, tls=False, settings={}))
    assert result.status == "fail" and "***" in result.detail and "redis://:***@127.0.0.1" in result.detail
    assert password not in result.detail and quoted not in result.detail


def test_scrub_leaves_text_alone_without_a_password():
    assert scrub("nothing to hide", "") == "nothing to hide"


@pytest.mark.integration
def test_the_metrics_that_read_counters_run_before_the_round_trip(dev_server, dev_outputs):
    """key_metrics reads the hit counters: read after the round trip, it would count the verifier's own GET."""
    server, password = dev_server
    names, metrics = [c.name for c in checks.CHECKS], [name for name, _ in checks_metrics.CHECKS]
    assert sorted(name for name in names if name in metrics) == sorted(metrics)  # every metric runs, once
    assert max(names.index(name) for name in checks.METRICS_BEFORE_ROUND_TRIP) < names.index("round_trip")
    results = by_name(verify.run_all(dev_outputs(server.port, password)))
    assert results["round_trip"].status == "pass"
    assert "no reads yet" in results["key_metrics"].detail, results["key_metrics"]
    assert server.client(password).info("stats")["keyspace_hits"] >= 1  # the round trip's GET came after


class TestTLS:
    @pytest.fixture
    def tls_server(self, dev_run, tmp_path: Path, tls_files: TLSFiles):
        conf, command, password = container_boot(dev_run)
        with RedisServer.from_container(conf, tmp_path / "redis", command, tls=tls_files) as server:
            yield server, password


    @pytest.mark.integration
    def test_a_tls_only_server_passes_with_its_ca(self, tls_server, tls_files, dev_outputs):
        server, password = tls_server
        results = verify.run_all(dev_outputs(server.port, password, tls=True),
                                 ca_cert=str(tls_files.ca))
        checks = by_name(results)
        assert passed(results), results
        assert checks["tls"].status == "pass" and "verified" in checks["tls"].detail
        assert checks["tls_only"].status == "pass" and checks["round_trip"].status == "pass"

    @pytest.mark.integration
    def test_without_the_private_ca_the_certificate_is_not_trusted(self, tls_server, dev_outputs):
        server, password = tls_server
        results = verify.run_all(dev_outputs(server.port, password, tls=True))
        assert failed(results) == {"tls"}
        assert "not trusted" in by_name(results)["tls"].detail and "--ca-cert" in by_name(results)["tls"].detail

    @pytest.mark.integration
    def test_a_certificate_from_another_ca_is_not_trusted(self, tls_server, dev_outputs, tmp_path: Path):
        server, password = tls_server
        other = tmp_path / "other-ca.pem"
        trustme.CA().cert_pem.write_to_path(str(other))
        results = verify.run_all(dev_outputs(server.port, password, tls=True), ca_cert=str(other))
        assert failed(results) == {"tls"} and "not trusted" in by_name(results)["tls"].detail

    @pytest.mark.integration
    def test_expecting_tls_from_a_plaintext_server_fails(self, dev_server, dev_outputs, tls_files):
        server, password = dev_server
        results = verify.run_all(dev_outputs(server.port, password, tls=True),
                                 ca_cert=str(tls_files.ca), timeout=1)
        assert failed(results) == {"tls"}
        assert "does not speak TLS" in by_name(results)["tls"].detail

    @pytest.mark.integration
    def test_a_port_that_answers_plaintext_fails_tls_only(self, dev_server):
        server, password = dev_server
        target = Target("127.0.0.1", server.port, password, tls=True, settings={})
        status, detail = tls_only(Probe(target))
        assert status == "fail" and "does not require TLS" in detail and "NOAUTH" in detail


def cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) exists and is free too."""
    while True:
        port = free_port()
        if port + 10_000 <= 65_535 and port_is_free(port + 10_000):
            return port


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


class TestCluster:
    """Cluster mode is expected when the outputs' control_plane says so (`cluster_mode`, as the prod stack exports
    it): these tests go through the outputs, not a hand-built Target."""

    @pytest.fixture
    def cluster_server(self, dev_run, tmp_path: Path):
        conf, command, password = container_boot(dev_run)
        extra = "cluster-enabled yes\ncluster-config-file nodes.conf"
        with RedisServer.from_container(conf, tmp_path / "redis", command, extra_conf=extra,
                                        port=cluster_port()) as server:
            yield server, password

    @pytest.fixture
    def serve_all_slots(self, cluster_server):
        server, password = cluster_server
        client = server.admin()  # CLUSTER ADDSLOTSRANGE is an @admin command: not the app's
        client.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
        deadline = time.monotonic() + 10
        while client.execute_command("CLUSTER INFO")["cluster_state"] != "ok" and time.monotonic() < deadline:
            time.sleep(0.05)
        return server, password

    @staticmethod
    def check(dev_outputs, server: RedisServer, password: str) -> dict[str, CheckResult]:
        outputs = dev_outputs(server.port, password, control_plane={"cluster_mode": "enabled"})
        return by_name(verify.run_all(outputs, plane="data"))

    @pytest.mark.integration
    def test_all_slots_served_passes_with_a_round_trip_through_the_cluster_client(self, serve_all_slots, dev_outputs,
                                                                                    monkeypatch):
        server, password = serve_all_slots
        built, cluster_client = [], Target.cluster_client

        def spy(target: Target, *args: Any, **kwargs: Any) -> Any:
            built.append(cluster_client(target, *args, **kwargs))
            return built[-1]

        monkeypatch.setattr(Target, "cluster_client", spy)
        results = self.check(dev_outputs, server, password)
        assert results["cluster"].status == "pass" and "16384/16384" in results["cluster"].detail
        assert results["round_trip"].status == "pass"
        assert len(built) == 1  # the round trip went through Target.cluster_client

    @pytest.mark.integration
    def test_unassigned_slots_fail(self, cluster_server, dev_outputs):
        server, password = cluster_server
        server.admin().execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 8191)
        results = self.check(dev_outputs, server, password)
        assert results["cluster"].status == "fail" and "not every hash slot is served" in results["cluster"].detail

    @pytest.mark.integration
    def test_cluster_mode_expected_but_off_fails(self, dev_server, dev_outputs):
        server, password = dev_server
        results = self.check(dev_outputs, server, password)
        assert results["cluster"].status == "fail" and "cluster_enabled:0" in results["cluster"].detail

    @pytest.mark.integration
    def test_the_cluster_client_shares_the_checks_settings_and_never_retries(self, serve_all_slots):
        """redis-py's RedisCluster otherwise retries a failed command 3 times with backoff."""
        server, password = serve_all_slots
        target = Target("127.0.0.1", server.port, password, tls=False, settings={}, timeout=0.7)
        client = target.cluster_client(password)
        try:
            assert client.retry.get_retries() == 0
            node = client.get_default_node().redis_connection.connection_pool.connection_kwargs
            assert (node["socket_timeout"], node["socket_connect_timeout"]) == (0.7, 0.7)
            assert client.set("profwise:verify:cluster-client", "1", ex=5)
        finally:
            client.close()


@pytest.mark.parametrize(("cluster_mode", "expected"), [
    ("enabled", True), (True, True), ("true", True), ("disabled", False), (False, False), (None, False)])
def test_cluster_mode_comes_from_the_control_plane_output(cluster_mode, expected):
    outputs = {"host": "h", "port": 6379, "password": "x" * 20}
    if cluster_mode is not None:
        outputs["control_plane"] = {"cluster_mode": cluster_mode}
    assert Target.from_outputs(outputs).cluster is expected
