"""Every bad config is refused before any resource, naming the key and a fix — the corpus of issue #11's findings.

Each row is a config a user could write that today's Redis, Docker, AWS or Pulumi would refuse part-way through
`pulumi up` (or that crashed the program after resources existed). The program must refuse it under the mock engine
with a `ConfigError` naming the full key, with no resource registered, and `check` must report the same refusal
without crashing. The generative test (test_config_generated.py) runs the same assertions on random configs.
"""

from __future__ import annotations

import re

import pytest

from conftest import container_boot
from infra.cli.commands.check import run_check
from infra.config.errors import ConfigError
from infra.config.redis import MAX_MAXMEMORY
from support.redis_server import RedisServer
from support.stack_harness import PROD_IDS, StackRun, prod_overrides, run_stack

SG = PROD_IDS["allowedSecurityGroupIds"][0]
SUBNET_A, SUBNET_B = PROD_IDS["subnetIds"]
INF, NAN = float("inf"), float("nan")
RAW_EXCEPTION = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception)\b|Traceback|object has no attribute")


def dev(**sections):
    return ("dev", sections)


def prod(elasticache=None, **sections):
    return ("prod", prod_overrides(elasticache, **sections))


# (stack and overrides, the key the message must name, a phrase of the explanation)
CORPUS = [
    # Tracebacks after resources existed: an infinite slow-log threshold (`.inf` in a stack file).
    (dev(redis={"slowlogThresholdMs": INF}), "redis.slowlogThresholdMs", "finite"),
    (prod(redis={"slowlogThresholdMs": INF}), "redis.slowlogThresholdMs", "finite"),
    (dev(redis={"slowlogThresholdMs": "inf"}), "redis.slowlogThresholdMs", "must be a number"),
    (dev(redis={"slowlogThresholdMs": NAN}), "redis.slowlogThresholdMs", "finite"),
    # Accepted, then Redis refuses to start (or reports something else than the settings output claims).
    (dev(redis={"slowlogThresholdMs": 1e30}), "redis.slowlogThresholdMs", "signed 64-bit"),
    (prod(redis={"slowlogThresholdMs": 1e30}), "redis.slowlogThresholdMs", "signed 64-bit"),
    (dev(redis={"disabledCommands": ["FLUSHALL", "NOSUCHCOMMAND"]}), "redis.disabledCommands[1]",
     "not a Redis 7.2 command"),
    (dev(redis={"disabledCommands": ["FLUSHAL"]}), "redis.disabledCommands[0]", "did you mean FLUSHALL"),
    (dev(redis={"disabledCommands": [None]}), "redis.disabledCommands[0]", "empty"),
    (dev(redis={"disabledCommands": ["CLIENT|KILL"]}), "redis.disabledCommands[0]", "subcommand"),
    (dev(redis={"disabledCommands": ["SENTINEL"]}), "redis.disabledCommands[0]", "not a Redis 7.2 command"),
    (dev(redis={"disabledCommands": ["FLUSHALL", "flushall"]}), "redis.disabledCommands", "more than once"),
    (dev(docker={"image": "redis:7.0.15-alpine"}, redis={"disabledCommands": ["WAITAOF"]}),
     "redis.disabledCommands[0]", "not in Redis 7.0"),
    (dev(redis={"maxmemory": 2**64}), "redis.maxmemory", "more than Redis can store"),
    (dev(redis={"maxmemory": 10**30}), "redis.maxmemory", "more than Redis can store"),
    (dev(redis={"maxmemory": "9999999999999gb"}), "redis.maxmemory", "more than Redis can store"),
    (dev(redis={"maxmemory": "1" * 5000}), "redis.maxmemory", "not a size"),
    (dev(redis={"maxmemory": 1.5e9}), "redis.maxmemory", "not a size"),
    (dev(redis={"savePoints": [[900, 2**40]]}), "redis.savePoints", "beyond what Redis stores"),
    # Accepted, then the tools break: commands they need.
    (dev(redis={"disabledCommands": ["UNLINK"]}), "redis.disabledCommands[0]", "loadtest"),
    (dev(redis={"disabledCommands": ["FUNCTION"]}), "redis.disabledCommands[0]", "restore"),
    (dev(redis={"disabledCommands": ["REPLCONF"]}), "redis.disabledCommands[0]", "backup"),
    # A trailing newline reached the resources (patterns ended in `$`).
    (dev(docker={"image": "redis:7.2.11-alpine\n"}), "docker.image", "not a Docker image reference"),
    (dev(docker={"containerName": "profwise-redis\n"}), "docker.containerName", "not a valid Docker name"),
    (dev(docker={"volumeName": "data\n"}), "docker.volumeName", "not a valid Docker name"),
    (dev(docker={"networkName": "net\n"}), "docker.networkName", "not a valid Docker name"),
    (dev(redis={"disabledCommands": ["KEYS\n"]}), "redis.disabledCommands[0]", "not a Redis command name"),
    (prod({"vpcId": "vpc-0a1b2c3d4e5f67890\n"}), "elasticache.vpcId", "not a vpc id"),
    (prod({"subnetIds": [f"{SUBNET_A}\n", SUBNET_B]}), "elasticache.subnetIds[0]", "not a subnet id"),
    (prod({"allowedSecurityGroupIds": [f"{SG}\n"]}), "elasticache.allowedSecurityGroupIds[0]", "not a sg id"),
    (prod({"replicationGroupId": "abc\n"}), "elasticache.replicationGroupId", "not a replication group id"),
    (prod({"nodeType": "cache.m6g.large\n"}), "elasticache.nodeType", "not a node type"),
    (prod({"snapshotWindow": "03:00-04:00\n"}), "elasticache.snapshotWindow", "not a daily window"),
    (prod({"maintenanceWindow": "sun:05:00-sun:06:00\n"}), "elasticache.maintenanceWindow", "not a weekly window"),
    (prod({"alarmEmail": "ops@example.com\n"}), "elasticache.alarmEmail", "not an email address"),
    (prod({"kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\n"}),
     "elasticache.kmsKeyArn", "not a KMS key ARN"),
    # Accepted, then AWS or Pulumi refuses part-way: duplicates, tags, node types, snapshot sources.
    (prod({"allowedSecurityGroupIds": [SG, SG]}), "elasticache.allowedSecurityGroupIds", "more than once"),
    (prod({"allowedCidrs": ["10.0.0.0/16", "10.0.0.0/16"]}), "elasticache.allowedCidrs", "more than once"),
    (prod({"allowedCidrs": ["10.0.0.0/16", "10.0.0.0/016"]}), "elasticache.allowedCidrs", "more than once"),
    (prod({"subnetIds": [SUBNET_A, SUBNET_A]}), "elasticache.subnetIds", "more than once"),
    (dev(redis={"savePoints": [[900, 1], [900, 1]]}), "redis.savePoints", "more than once"),
    (prod({"tags": {f"Team{i}": "x" for i in range(47)}}), "elasticache.tags", "use at most 46"),
    (prod({"tags": {"bad#key{}": "x"}}), "elasticache.tags", "characters ElastiCache refuses"),
    (prod({"tags": {"Owner": "line\nbreak"}}), "elasticache.tags", "characters ElastiCache refuses"),
    (prod({"tags": {"Name": "mine"}}), "elasticache.tags", "set by this stack"),
    (prod({"tags": {"Owner": 42}}), "elasticache.tags.Owner", "--type string"),
    (prod({"nodeType": "cache.t2.micro"}), "elasticache.nodeType", "T2 nodes can no longer be created"),
    (prod({"nodeType": "cache.m6g.999xlarge"}), "elasticache.nodeType", "cache.m6g comes in large"),
    (prod({"nodeType": "cache.r6g.24xlarge"}), "elasticache.nodeType", "cache.r6g comes in"),
    (prod({"nodeType": "cache.z9.large"}), "elasticache.nodeType", "no node family"),
    (prod({"restoreFromSnapshot": "arn:aws:s3:::bucket"}), "elasticache.restoreFromSnapshot", "a bucket alone"),
    (prod({"restoreFromSnapshot": "arn:aws:s3:::bucket/"}), "elasticache.restoreFromSnapshot", "a bucket alone"),
    (prod({"restoreFromSnapshot": "arn:aws:s3:::Bad_Bucket/dump.rdb"}), "elasticache.restoreFromSnapshot",
     "not an S3 object ARN"),
    (prod({"restoreFromSnapshot": "my snapshot"}), "elasticache.restoreFromSnapshot", "not a snapshot name"),
    # Booleans taken as integers.
    (dev(docker={"hostPort": True}), "docker.hostPort", "a boolean, not a number"),
    (dev(redis={"timeout": True}), "redis.timeout", "a boolean, not a number"),
    (dev(redis={"slowlogThresholdMs": True}), "redis.slowlogThresholdMs", "a boolean, not a number"),
    (dev(app={"defaultTtl": True}), "app.defaultTtl", "a boolean, not a number"),
    (dev(verify={"timeout": True}), "verify.timeout", "a boolean, not a number"),
    (dev(redis={"savePoints": [[900, True]]}), "redis.savePoints[0][1]", "a boolean, not a number"),
    (prod({"replicas": True}), "elasticache.replicas", "a boolean, not a number"),
    (prod({"clusterMode": {"enabled": True, "shards": True, "replicasPerShard": 1}, "replicas": None}),
     "elasticache.clusterMode.shards", "a boolean, not a number"),
    (dev(docker={"keepVolumeOnDestroy": 1}), "docker.keepVolumeOnDestroy", "true or false"),
    (dev(verify={"waitSeconds": NAN}), "verify.waitSeconds", "finite"),
    # Image references: parsed as Docker parses them, limited to official Redis/Valkey 7+ images.
    (dev(docker={"image": "evil/redis:7.2.11-alpine"}), "docker.image", "not an official Redis image"),
    (dev(docker={"image": "EVIL/redis:7.2.11-alpine"}), "docker.image", "not an official Redis image"),
    (dev(docker={"image": "ünï/redis:7.2.11-alpine"}), "docker.image", "not a Docker image reference"),
    (dev(docker={"image": "Redis:7.2.11-alpine"}), "docker.image", "lower-case"),
    (dev(docker={"image": "redis:7.2.11-alpine@sha256:abc"}), "docker.image", "not a Docker image reference"),
    (dev(docker={"image": "redis:7-alpine"}), "docker.image", "not pinned to an exact version"),
    (dev(docker={"image": "redis:6.2.14-alpine"}), "docker.image", "needs 7 or later"),
    (dev(docker={"image": "my/redis", "allowUnofficialImage": True}), "docker.image", "neither a tag nor a digest"),
    # A nested key set without --path is a top-level key with a dot in its name: say so, and how to move it.
    (("dev", {"redis.maxmemory": "1gb"}), "redis.maxmemory", "pulumi config rm 'redis.maxmemory' && pulumi config set "
     "--path 'redis.maxmemory'"),
]
IDS = [f"{i}-{row[1]}" for i, row in enumerate(CORPUS)]


def assert_refusal(message: str, key: str, phrase: str) -> None:
    assert f"profwise-redis:{key}" in message, message
    assert phrase in message, message
    assert "fix: " in message and not RAW_EXCEPTION.search(message), message


@pytest.mark.parametrize(("case", "key", "phrase"), CORPUS, ids=IDS)
def test_refused_before_any_resource_naming_the_key_and_a_fix(case, key, phrase):
    stack, overrides = case
    run = StackRun()
    with pytest.raises(ConfigError) as caught:
        run_stack(stack, overrides=overrides, into=run)
    assert run.resources == [], "a resource was registered before validation refused the config"
    assert_refusal(str(caught.value), key, phrase)


@pytest.mark.parametrize(("case", "key", "phrase"), CORPUS, ids=IDS)
def test_check_reports_the_refusal_instead_of_crashing(case, key, phrase):
    stack, overrides = case
    report = run_check(stack, overrides)
    assert not report.passed and report.resources == 0
    assert_refusal(report.config_error or "", key, phrase)


@pytest.mark.parametrize(("case", "check"), [
    (dev(redis={"slowlogThresholdMs": "2.5"}), lambda run: "slowlog-log-slower-than 2500" in _conf(run)),
    (dev(redis={"disabledCommands": ["flushall", "KEYS"]}),
     lambda run: " -flushall -flushdb -swapdb -migrate -keys\n" in _conf(run) and "\nrename-command" not in _conf(run)),
    (dev(docker={"image": "docker.io/library/redis:7.2.11-alpine@sha256:" + "a" * 64}), lambda run: True),
    (dev(docker={"image": "valkey/valkey:8.0.2-alpine"}),
     lambda run: run.one("docker:index/container:Container").plain("command")[0] == "valkey-server"),
    (dev(docker={"image": "localhost:5000/stand-in:test", "allowUnofficialImage": True}), lambda run: True),
    (prod({"tags": {f"Team{i}": "x" for i in range(46)}}),
     lambda run: max(len(r.plain("tags") or {}) for r in run.resources) == 50),
    (prod({"restoreFromSnapshot": "arn:aws:s3:::my-backups/profwise/dump.rdb"}), lambda run: True),
], ids=["decimal-text", "lower-case-command", "digest", "valkey", "opt-in", "46-tags", "s3-arn"])
def test_what_the_rules_still_accept(case, check):
    stack, overrides = case
    assert check(run_stack(stack, overrides=overrides))


def _conf(run) -> str:
    return container_boot(run)[0]


@pytest.mark.integration
def test_the_largest_values_accepted_are_what_a_real_server_stores(tmp_path):
    """At the bounds: Redis reads back exactly what the settings output claims (one byte more and INFO reads
    maxmemory as a negative number, seen on the server here)."""
    run = run_stack("dev", overrides={"redis": {"maxmemory": MAX_MAXMEMORY, "slowlogThresholdMs": 9.2e15,
                                                "disabledCommands": []}})
    conf, command, password = container_boot(run)
    with RedisServer.from_container(conf, tmp_path, command) as server:
        client = server.client(password)
        assert client.info("memory")["maxmemory"] == MAX_MAXMEMORY == run.outputs["settings"]["maxmemory"]
        slowlog = server.admin().config_get("slowlog-log-slower-than")["slowlog-log-slower-than"]  # CONFIG: admin's
        assert int(slowlog) == 9_200_000_000_000_000_000
