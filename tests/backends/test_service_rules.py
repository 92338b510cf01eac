"""The rules the managed services share (infra/backends/service_rules.py): a generated credential, and disabled
commands limited to what the service blocks itself."""

from __future__ import annotations

from pydantic import SecretStr

from infra.backends import service_rules
from infra.config.errors import Problem
from infra.config.redis import RedisSettings

BLOCKED = ("REPLICAOF", "SHUTDOWN")


def _refused(redis: RedisSettings) -> list[Problem]:
    return service_rules.only_blocked_commands(redis, "Some Service", BLOCKED, "REPLICAOF, SHUTDOWN", "it cannot",
                                               '["SHUTDOWN"]')


def test_a_chosen_password_is_refused_naming_the_service_and_how_it_generates_one():
    assert service_rules.password_generated(None, "Some Service", "it makes one") == []
    [problem] = service_rules.password_generated(SecretStr("x" * 20), "Some Service", "it makes one")
    assert (problem.key, problem.message) == ("password", "cannot be chosen on Some Service: it makes one")
    assert problem.fix == "pulumi config rm password"


def test_the_default_list_is_one_problem_whose_fix_replaces_it_whole():
    [problem] = _refused(RedisSettings())  # the model's default: FLUSHDB, FLUSHALL, CONFIG
    assert problem.key == "redis.disabledCommands" and problem.message.startswith("FLUSHDB cannot be disabled on "
                                                                                  "Some Service: it cannot")
    assert "(REPLICAOF, SHUTDOWN); list only those" in problem.message
    assert problem.fix == "pulumi config set --path 'redis.disabledCommands' '[\"SHUTDOWN\"]'"


def test_an_explicit_list_gets_one_problem_per_entry_the_service_does_not_block():
    redis = RedisSettings.model_validate({"disabledCommands": ["SHUTDOWN", "KEYS", "REPLICAOF", "CONFIG"]})
    assert [p.key for p in _refused(redis)] == ["redis.disabledCommands[1]", "redis.disabledCommands[3]"]
    assert all(p.fix.startswith("pulumi config rm --path") for p in _refused(redis))


def test_only_commands_the_service_blocks_pass():
    assert _refused(RedisSettings.model_validate({"disabledCommands": ["SHUTDOWN", "REPLICAOF"]})) == []


def test_a_redis_key_the_service_does_not_take_is_refused_only_when_set():
    reasons = {"maxmemory": "the plan sets it", "appendonly": "it persists by snapshots"}
    assert service_rules.not_applicable(RedisSettings(), "Some Service", reasons) == []  # defaults are no promise
    [problem] = service_rules.not_applicable(RedisSettings.model_validate({"maxmemory": "64mb"}), "Some Service",
                                             reasons)
    assert (problem.key, problem.message) == ("redis.maxmemory", "does not apply on Some Service: the plan sets it")
    assert problem.fix == "pulumi config rm --path 'redis.maxmemory'"
