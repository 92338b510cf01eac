"""The selfhosted stack under the Pulumi mock engine: every input the provider, the network lookup, the certificates
and the container receive, secrets kept secret, and bad configs refused before anything is registered."""

from __future__ import annotations

import json

import pytest

from infra import contract
from infra.backends.selfhosted import settings as selfhosted_settings
from infra.backends.selfhosted.hardening import memory_limit_mb
from infra.backends.selfhosted.mocks import GET_NETWORK
from infra.config import redis_tls
from infra.config.errors import ConfigError
from infra.config.stack_files import stack_values
from infra.tooling.stand_ins import placeholder_standins
from support.stack_harness import StackRun, assert_secret_everywhere, contains_secret, run_stack, unwrap

ENGINE = "ssh://deploy@app-server.example.com:2222"
OPTS = ["-i", "/home/ops/.ssh/deploy", "-o", "StrictHostKeyChecking=yes"]


def overrides(**keys):
    base = {**stack_values("server")["profwise-redis:selfhosted"], "host": ENGINE, "sshOpts": OPTS,
            "networkName": "coolify"}
    return {"selfhosted": {**base, **keys}}


@pytest.fixture(scope="module")
def run() -> StackRun:
    return run_stack("server", overrides=overrides())


def test_the_provider_is_explicit_and_names_the_configured_engine(run, monkeypatch):
    provider = run.one("pulumi:providers:docker")
    assert provider.plain("host") == ENGINE
    assert json.loads(provider.plain("sshOpts")) == OPTS  # provider config arrives JSON-encoded
    monkeypatch.setenv("DOCKER_HOST", "unix:///var/run/docker.sock")  # never read: host is always given
    again = run_stack("server", overrides=overrides())
    assert again.one("pulumi:providers:docker").plain("host") == ENGINE


def test_every_docker_resource_uses_that_provider():
    seen: list[tuple[str, str]] = []
    import pulumi

    original = pulumi.CustomResource.__init__

    def spy(self, t, name, props=None, opts=None, *args, **kwargs):  # noqa: ANN001
        if t.startswith("docker:"):
            seen.append((t, getattr(opts, "provider", None).__class__.__name__ if opts else "None"))
        return original(self, t, name, props, opts, *args, **kwargs)

    pulumi.CustomResource.__init__ = spy  # type: ignore[method-assign]
    try:
        run_stack("server", overrides=overrides())
    finally:
        pulumi.CustomResource.__init__ = original  # type: ignore[method-assign]
    assert {t for t, _ in seen} == {"docker:index/remoteImage:RemoteImage", "docker:index/volume:Volume",
                                    "docker:index/container:Container"}
    assert all(provider == "Provider" for _, provider in seen), seen


def test_the_network_is_looked_up_not_created_and_joined_as_redis(run):
    assert not run.of_type("docker:index/network:Network")
    container = run.one("docker:index/container:Container")
    assert container.plain("networksAdvanced") == [{"name": "coolify", "aliases": ["redis"]}]
    assert run.outputs["network_name"] == "coolify"


def test_nothing_is_published_by_default(run):
    assert not run.one("docker:index/container:Container").plain("ports")
    published = run_stack("server", overrides=overrides(bindAddress="127.0.0.1", hostPort=6380))
    assert published.one("docker:index/container:Container").plain("ports") == [
        {"internal": 6379, "external": 6380, "ip": "127.0.0.1", "protocol": "tcp"}]


def test_the_container_is_hardened(run):
    c = run.one("docker:index/container:Container")
    limit = memory_limit_mb(512 * 1024 * 1024)
    assert limit == 768 and c.plain("memory") == limit and c.plain("memorySwap") == limit
    assert c.plain("restart") == "always" and c.plain("securityOpts") == ["no-new-privileges:true"]
    assert c.plain("capabilities") == {"drops": ["ALL"]} and c.plain("user") == "999:1000"
    assert c.plain("logOpts") == {"max-size": "10m", "max-file": "3"}
    assert c.plain("stopTimeout") == 60 and c.plain("destroyGraceSeconds") == 60


def test_tls_only_with_the_key_uploaded_0600_to_the_redis_user(run):
    uploads = {u["file"]: u for u in run.one("docker:index/container:Container").plain("uploads")}
    assert uploads[redis_tls.KEY_FILE]["permissions"] == "0600"
    assert {(u["owner"], u["group"]) for u in uploads.values()} == {("999", "1000")}
    conf = uploads["/usr/local/etc/redis/redis.conf"]["content"]
    tail = conf[conf.index("# ---- TLS"):]
    assert "port 0\n" in tail and "tls-port 6379\n" in tail and f"tls-key-file {redis_tls.KEY_FILE}" in tail


def test_key_material_and_password_are_secret_everywhere(run):
    container = run.one("docker:index/container:Container")
    assert contains_secret(container.inputs["uploads"]) and contains_secret(container.inputs["envs"])
    assert "MOCK-redis-tls-server-key" in json.dumps(unwrap(container.inputs["uploads"]))  # the key is uploaded
    for value in ("MOCK-redis-tls-server-key", "MOCK-redis-tls-ca-key", run.outputs["password"]):
        assert_secret_everywhere(run, value)
    assert contract.CA_CERTIFICATE not in run.secret_outputs


def test_certificate_names_and_rotation_trigger(run):
    csr = run.one("tls:index/certRequest:CertRequest")
    assert csr.plain("dnsNames") == ["redis", "localhost"] and csr.plain("ipAddresses") == ["127.0.0.1"]
    cert = run.one("tls:index/locallySignedCert:LocallySignedCert")
    assert cert.plain("validityPeriodHours") == 90 * 24 and cert.plain("earlyRenewalHours") == 30 * 24
    extra = run_stack("server", overrides=overrides(tls={"dnsNames": ["redis.internal"], "ipAddresses": ["10.0.0.5"]}))
    csr = extra.one("tls:index/certRequest:CertRequest")
    assert csr.plain("dnsNames") == ["redis", "localhost", "redis.internal"]
    assert csr.plain("ipAddresses") == ["127.0.0.1", "10.0.0.5"]


def test_outputs_the_app_and_the_tools_read(run):
    out = run.outputs
    assert (out["host"], out["port"], out["tls"], out["backend"]) == ("redis", 6379, True, "selfhosted")
    assert out[contract.APP_ENV]["REDIS_TLS"] == "true"
    assert out[contract.APP_ENV][contract.APP_ENV_CA_KEY] == out[contract.CA_CERTIFICATE]
    assert set(contract.APP_ENV_KEYS) <= set(out[contract.APP_ENV])
    assert out[contract.SSH_TUNNEL] == {"engine": ENGINE, "ssh_opts": OPTS, "container": "profwise-redis",
                                        "network": "coolify", "port": 6379}


def test_the_shipped_stack_file_refuses_its_placeholders():
    with pytest.raises(ConfigError) as error:
        run_stack("server")
    text = str(error.value)
    assert "selfhosted.host" in text and "selfhosted.networkName" in text and "placeholder" in text
    assert placeholder_standins("server").ids  # and evaluates offline with stand-ins (check, bench)
    run_stack("server", overrides=placeholder_standins("server").overrides)


@pytest.mark.parametrize(("keys", "expected"), [
    ({"host": "unix:///var/run/docker.sock"}, "selfhosted.host"),
    ({"host": "tcp://app-server:2375"}, "certPath"),
    ({"host": "http://app-server:2375"}, "selfhosted.host"),
    ({"host": "ssh://app-server"}, "names no ssh user"),
    ({"host": "ssh://deploy:pw@app-server"}, "no password"),
    ({"networkName": None}, "selfhosted.networkName"),
    ({"networkName": "bad name"}, "selfhosted.networkName"),
    ({"tls": {"validityDays": 20}}, "selfhosted.tls.validityDays"),
    ({"tls": {"validityDays": 45}}, "too short for renewBeforeDays"),
    ({"bindAddress": "0.0.0.0"}, "selfhosted.bindAddress"),
    ({"bindAddress": "10.0.0.5"}, "dangerouslyAllowPublicBind"),
    ({"sshOpts": ["-o BatchMode=yes"]}, "one list element"),
    ({"image": "valkey/valkey:8.0.2-alpine"}, "selfhosted.user"),
    ({"user": "0:0"}, "non-root"),
])
def test_bad_configs_are_refused_before_any_resource(keys, expected):
    into = StackRun()
    merged = {**overrides()["selfhosted"], **keys}
    with pytest.raises(ConfigError) as error:
        run_stack("server", overrides={"selfhosted": {k: v for k, v in merged.items() if v is not None}}, into=into)
    assert expected in str(error.value)
    assert not into.resources


@pytest.mark.parametrize("variable", sorted(selfhosted_settings.engine.AMBIENT))
def test_ambient_docker_settings_are_refused(variable, monkeypatch):
    monkeypatch.setenv(variable, "something")
    into = StackRun()
    with pytest.raises(ConfigError) as error:
        run_stack("server", overrides=overrides(), into=into)
    assert variable in str(error.value) and f"unset {variable}" in str(error.value)
    assert not into.resources


def test_the_network_lookup_goes_to_the_explicit_provider():
    calls = []

    def network(args):
        calls.append((args.args.get("name"), args.provider))
        return {"id": "net-1", "name": args.args.get("name")}

    run_stack("server", overrides=overrides(), computed={GET_NETWORK: network})
    assert [name for name, _ in calls] == ["coolify"]
    assert "pulumi:providers:docker::redis-engine" in calls[0][1]
