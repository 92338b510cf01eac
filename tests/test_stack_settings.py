"""Stack settings: every bad input is refused with a message naming the key and the fix, before any resource."""

from __future__ import annotations

import json

import pytest

from infra import backends
from infra.config.errors import ConfigError
from infra.backends.docker.endpoint import client_host
from infra.stack_settings import parse_settings
from support.stack_harness import StackRun, run_stack

P = "profwise-redis:"

# (overrides of Pulumi.dev.yaml, key the message must name, a phrase of the explanation)
BAD_INPUTS = [
    ({"backend": "dockr"}, "profwise-redis:backend", "did you mean 'docker'"),
    ({"backend": "kubernetes"}, "profwise-redis:backend",
     ", ".join(f"'{n}'" for n in backends.names()[:-1]) + f" or '{backends.names()[-1]}'"),
    ({"redis": {"maxmemory": "lots"}}, "redis.maxmemory", "not a size"),
    ({"redis": {"maxmemory": "512 megs"}}, "redis.maxmemory", "not a size"),
    ({"redis": {"maxmemory": "-1mb"}}, "redis.maxmemory", "not a size"),
    ({"redis": {"maxmemory": "1mb"}}, "redis.maxmemory", "at least 16mb"),
    ({"redis": {"maxmemory": "huge"}}, "redis.maxmemory", "small/medium/large"),
    ({"redis": {"maxmemoryPolicy": "allkeys-lr"}}, "redis.maxmemoryPolicy", "did you mean 'allkeys-lru'"),
    ({"redis": {"maxmemoryPolicy": "lru"}}, "redis.maxmemoryPolicy", "noeviction"),
    ({"redis": {"appendfsync": "sometimes"}}, "redis.appendfsync", "everysec"),
    ({"redis": {"savePoints": [[0, 1]]}}, "redis.savePoints", "at least 1"),
    ({"redis": {"savePoints": "900 1"}}, "redis.savePoints", "valid"),
    ({"redis": {"slowlogThresholdMs": -5}}, "redis.slowlogThresholdMs", "greater than or equal to 0"),
    ({"redis": {"tcpKeepalive": -1}}, "redis.tcpKeepalive", "greater than or equal to 0"),
    ({"redis": {"disabledCommands": ["PING"]}}, "redis.disabledCommands", "cannot be disabled"),
    ({"redis": {"disabledCommands": ["FLUSH ALL"]}}, "redis.disabledCommands", "not a Redis command name"),
    ({"redis": {"maxmemoryPolcy": "allkeys-lru"}}, "redis.maxmemoryPolcy", "did you mean 'maxmemoryPolicy'"),
    ({"redis": "512mb"}, "profwise-redis:redis", "must be an object"),
    ({"app": {"defaultTtl": 0}}, "app.defaultTtl", "greater than 0"),
    ({"app": {"defaultTtl": -60}}, "app.defaultTtl", "greater than 0"),
    ({"app": {"enableCache": "maybe"}}, "app.enableCache", "boolean"),
    ({"app": {"ttl": 60}}, "app.ttl", "unknown key"),
    ({"docker": {"hostPort": 0}}, "docker.hostPort", "greater than or equal to 1"),
    ({"docker": {"hostPort": 70000}}, "docker.hostPort", "less than or equal to 65535"),
    ({"docker": {"hostPort": "http"}}, "docker.hostPort", "integer"),
    ({"docker": {"bindAddress": "0.0.0.0"}}, "docker.bindAddress", "dangerouslyAllowPublicBind"),
    ({"docker": {"bindAddress": "::"}}, "docker.bindAddress", "beyond this machine"),
    ({"docker": {"bindAddress": "192.168.1.20"}}, "docker.bindAddress", "beyond this machine"),
    ({"docker": {"bindAddress": "localhost:6379"}}, "docker.bindAddress", "not an IP address"),
    ({"docker": {"image": "redis:latest"}}, "docker.image", "not pinned to an exact version"),
    ({"docker": {"image": "redis:7-alpine"}}, "docker.image", "not pinned to an exact version"),
    ({"docker": {"image": "redis:6.2.14-alpine"}}, "docker.image", "needs 7 or later"),
    ({"docker": {"containerName": "my redis"}}, "docker.containerName", "not a valid Docker name"),
    ({"docker": {"bindAdress": "127.0.0.1"}}, "docker.bindAdress", "did you mean 'bindAddress'"),
    ({"password": "plaintext-password-123456"}, "profwise-redis:password", "plain text"),
    ({"passwrd": "x"}, "profwise-redis:passwrd", "did you mean 'password'"),
]


@pytest.mark.parametrize(("overrides", "key", "phrase"), BAD_INPUTS,
                         ids=[f"{i}-{b[1]}" for i, b in enumerate(BAD_INPUTS)])
def test_bad_input_is_refused_before_any_resource(overrides, key, phrase):
    run = StackRun()
    with pytest.raises(ConfigError) as caught:
        run_stack("dev", overrides=overrides, into=run)
    assert run.resources == [], "a resource was registered before validation refused the config"
    message = str(caught.value)
    assert key in message
    assert phrase in message
    assert "fix: pulumi config" in message
    assert "Traceback" not in message


@pytest.mark.parametrize("password", ["short", "has space in it 123456", 'quote"inside-1234567890', "x" * 129])
def test_bad_secret_password_is_refused_without_echoing_it(password):
    with pytest.raises(ConfigError) as caught:
        parse_settings({f"{P}password": password}, {f"{P}password"})
    assert "profwise-redis:password" in str(caught.value)
    assert password not in str(caught.value)


def test_all_problems_are_reported_together():
    config = {f"{P}backend": "nope", f"{P}app": json.dumps({"defaultTtl": 0}),
              f"{P}docker": json.dumps({"hostPort": 0})}
    with pytest.raises(ConfigError) as caught:
        parse_settings(config)
    assert len(caught.value.problems) == 3
    assert "3 problems" in str(caught.value)


@pytest.mark.parametrize(("value", "expected"), [("small", 256), ("medium", 512), ("large", 1024), ("256mb", 256),
                                                 ("1gb", 1024), ("2GB", 2048), ("512MB", 512), (268435456, 256)])
def test_sizes_and_presets(value, expected):
    settings = parse_settings({f"{P}redis": json.dumps({"maxmemory": value})})
    assert settings.redis.maxmemory == expected * 1024 * 1024


def test_public_bind_needs_the_loud_opt_in():
    settings = parse_settings({f"{P}docker": json.dumps({"bindAddress": "0.0.0.0",
                                                         "dangerouslyAllowPublicBind": True})})
    assert settings.docker.bind_address == "0.0.0.0"
    assert settings.docker.client_host == "127.0.0.1"


@pytest.mark.parametrize(("address", "host"), [("127.0.0.1", "127.0.0.1"), ("0.0.0.0", "127.0.0.1"), ("::", "::1"),
                                               ("::1", "::1"), ("0:0::0001", "::1"), ("192.168.1.5", "192.168.1.5")])
def test_a_client_dials_the_published_address_or_loopback_for_all_interfaces(address, host):
    assert client_host(address) == host


def test_secret_password_is_accepted_and_hidden():
    settings = parse_settings({f"{P}password": "a-Strong-Password-1234"}, {f"{P}password"})
    assert settings.password is not None
    assert settings.password.get_secret_value() == "a-Strong-Password-1234"
    assert "a-Strong-Password-1234" not in repr(settings)


def test_the_shipped_stack_files_are_valid():
    for stack in ("dev",):
        run = run_stack(stack)
        assert run.outputs["backend"] == "docker"
