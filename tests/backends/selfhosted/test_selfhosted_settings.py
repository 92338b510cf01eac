"""The selfhosted settings' pure rules: engine addresses, the memory limit, the image's user."""

from __future__ import annotations

import pytest

from infra.backends.docker import image_ref
from infra.backends.selfhosted import engine, hardening
from infra.backends.selfhosted.settings import ServerSettings, rules
from infra.config.redis import RedisSettings
from infra.sizes import GIB, MIB


@pytest.mark.parametrize(("url", "expected"), [
    ("ssh://deploy@server", engine.EngineAddress("ssh", "server", None, "deploy")),
    ("ssh://deploy@10.0.0.5:2222", engine.EngineAddress("ssh", "10.0.0.5", 2222, "deploy")),
    ("ssh://deploy@server/run/user/1000/docker.sock",
     engine.EngineAddress("ssh", "server", None, "deploy", "/run/user/1000/docker.sock")),
    ("tcp://server:2376", engine.EngineAddress("tcp", "server", 2376)),
])
def test_engine_addresses_accepted(url, expected):
    assert engine.parse_host(url) == expected


@pytest.mark.parametrize("url", ["unix:///var/run/docker.sock", "npipe:////./pipe/docker", "http://server:2375",
                                 "ssh://server", "ssh://deploy:secret@server", "ssh://deploy@server?x=1",
                                 "ssh://deploy@server#frag", "tcp://server", "ssh://deploy@server/not a path",
                                 "ssh://-oProxyCommand@server", "ssh://deploy@-server"])
def test_engine_addresses_refused(url):
    with pytest.raises(ValueError):
        engine.parse_host(url)


@pytest.mark.parametrize(("maxmemory", "limit_mb"), [(256 * MIB, 512), (512 * MIB, 768), (GIB, 1536),
                                                     (16 * MIB, 272)])
def test_the_memory_limit_is_maxmemory_plus_half_at_least_256mb(maxmemory, limit_mb):
    assert hardening.memory_limit_mb(maxmemory) == limit_mb


@pytest.mark.parametrize(("image", "user"), [("redis:7.2.11-alpine", "999:1000"), ("redis:7.2.11", "999:999"),
                                             ("valkey/valkey:8.0.2-alpine", None)])
def test_the_user_follows_the_image(image, user):
    assert hardening.image_user(image_ref.parse(image)) == user


def test_rules_refuse_ambient_settings_and_missing_keys():
    settings = ServerSettings(host="ssh://deploy@server", network_name="coolify")
    assert rules(settings, RedisSettings(), environ={}) == []
    found = rules(settings, RedisSettings(), environ={"DOCKER_CONTEXT": "prod", "DOCKER_HOST": "tcp://x:1"})
    assert [p.message.split()[0] for p in found] == ["DOCKER_CONTEXT"]
    missing = rules(ServerSettings(), RedisSettings(), environ={})
    assert [p.key for p in missing] == ["selfhosted.host", "selfhosted.networkName"]
