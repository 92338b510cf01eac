"""The elasticache backend's config: AWS's rules refused before any resource, each naming the key and the fix."""

from __future__ import annotations

import json

import pytest

from infra.config.errors import ConfigError
from infra.backends.elasticache.settings import ElastiCacheSettings, default_group_id, window_minutes
from infra.stack_settings import parse_settings
from support.stack_harness import PROD_IDS, StackRun, prod_overrides, run_stack

P = "profwise-redis:"
SG = PROD_IDS["allowedSecurityGroupIds"][0]
SUBNET_A, SUBNET_B = PROD_IDS["subnetIds"]
CLUSTER = {"enabled": True, "shards": 2, "replicasPerShard": 1}

# (changes to the prod stack's elasticache object (None removes a key), other top-level overrides,
#  the key the message must name, a phrase of the explanation)
BAD = [
    ({"vpcId": None}, {}, "elasticache.vpcId", "is required"),
    ({"subnetIds": []}, {}, "elasticache.subnetIds", "is required"),
    ({"allowedSecurityGroupIds": [], "allowedCidrs": []}, {}, "elasticache.allowedSecurityGroupIds",
     "no client could reach"),
    ({"vpcId": "vpc-xyz"}, {}, "elasticache.vpcId", "not a vpc id"),
    ({"subnetIds": ["subnet-12"]}, {}, "elasticache.subnetIds[0]", "not a subnet id"),
    ({"subnetIds": [SUBNET_A, SUBNET_A]}, {}, "elasticache.subnetIds", "more than once"),
    ({"subnetIds": [SUBNET_A]}, {}, "elasticache.subnetIds", "at least 2 availability zones"),
    ({"allowedSecurityGroupIds": ["default"]}, {}, "elasticache.allowedSecurityGroupIds[0]", "not a sg id"),
    ({"allowedCidrs": ["0.0.0.0/0"]}, {}, "elasticache.allowedCidrs[0]", "not a private range"),
    ({"allowedCidrs": ["10.0.0.0/8", "52.94.0.0/16"]}, {}, "elasticache.allowedCidrs[1]", "not a private range"),
    ({"allowedCidrs": ["::/0"]}, {}, "elasticache.allowedCidrs[0]", "IPv4-only"),
    ({"allowedCidrs": ["10.0.0.1/16"]}, {}, "elasticache.allowedCidrs[0]", "not a CIDR block"),
    ({"nodeType": "m5.large"}, {}, "elasticache.nodeType", "not a node type"),
    ({"nodeType": "cache.m3.medium"}, {}, "elasticache.nodeType", "previous-generation"),
    ({"nodeType": "cache.r6gd.xlarge"}, {}, "elasticache.nodeType", "data tiering"),
    ({"engine": "memcached"}, {}, "elasticache.engine", "'redis' or 'valkey'"),
    ({"engine": "valkey", "engineVersion": "7.1"}, {}, "elasticache.engineVersion", "not a supported valkey version"),
    ({"engineVersion": "7.0.7"}, {}, "elasticache.engineVersion", "<major>.<minor>"),
    ({"engineVersion": "6.2"}, {}, "elasticache.engineVersion", "7.0, 7.1"),
    ({"replicas": 0}, {}, "elasticache.replicas", "automatic failover needs at least 2 nodes"),
    ({"replicas": 6}, {}, "elasticache.replicas", "less than or equal to 5"),
    ({"automaticFailover": False}, {}, "elasticache.automaticFailover", "would not be replaced by a replica"),
    ({"automaticFailover": False}, {}, "elasticache.automaticFailover", "Security Hub ElastiCache.3"),
    ({"multiAz": False}, {}, "elasticache.multiAz", "mandatory policy elasticache-failover-multi-az"),
    ({"multiAz": False, "automaticFailover": False}, {}, "elasticache.multiAz", "checkov CKV2_AWS_50"),
    ({"clusterMode": {**CLUSTER, "replicasPerShard": 0}, "replicas": None}, {},
     "elasticache.clusterMode.replicasPerShard", "Multi-AZ needs a replica in each shard"),
    ({"clusterMode": CLUSTER, "automaticFailover": False, "multiAz": False}, {}, "elasticache.automaticFailover",
     "must be true with cluster mode"),
    ({"clusterMode": {**CLUSTER, "shards": 50}, "replicas": None}, {}, "elasticache.clusterMode.shards",
     "above the nodes-per-cluster quota of 90"),
    ({"clusterMode": {**CLUSTER, "shards": 501}}, {}, "elasticache.clusterMode.shards", "less than or equal to 500"),
    ({"clusterMode": {**CLUSTER, "replicasPerShard": 2}}, {}, "elasticache.replicas", "replicasPerShard (2)"),
    ({"clusterMode": {**CLUSTER, "shard": 3}}, {}, "elasticache.clusterMode.shard", "did you mean 'shards'"),
    ({"snapshotRetentionDays": 0}, {}, "elasticache.snapshotRetentionDays", "turns automatic backups off"),
    ({"snapshotRetentionDays": 1}, {}, "elasticache.snapshotRetentionDays", "keep snapshots 7-35 days"),
    ({"snapshotRetentionDays": 6}, {}, "elasticache.snapshotRetentionDays", "Security Hub ElastiCache.1"),
    ({"snapshotRetentionDays": 36}, {}, "elasticache.snapshotRetentionDays", "less than or equal to 35"),
    ({"snapshotWindow": "3am-4am"}, {}, "elasticache.snapshotWindow", "not a daily window"),
    ({"snapshotWindow": "03:00-03:30"}, {}, "elasticache.snapshotWindow", "shorter than 60 minutes"),
    ({"maintenanceWindow": "sun:05:00-sun:05:59"}, {}, "elasticache.maintenanceWindow", "shorter than 60 minutes"),
    ({"maintenanceWindow": "fun:05:00-fun:06:00"}, {}, "elasticache.maintenanceWindow", "not a weekly window"),
    ({"snapshotWindow": "05:00-06:00", "maintenanceWindow": "sun:05:30-sun:06:30"}, {},
     "elasticache.snapshotWindow", "overlaps the maintenance window"),
    ({"snapshotWindow": "23:30-00:30", "maintenanceWindow": "wed:00:00-wed:01:00"}, {},
     "elasticache.snapshotWindow", "overlaps"),
    ({"kmsKeyArn": "alias/aws/elasticache"}, {}, "elasticache.kmsKeyArn", "not a KMS key ARN"),
    ({"logRetentionDays": 10}, {}, "elasticache.logRetentionDays", "the nearest allowed value is 7"),
    ({"alarmEmail": "ops-team"}, {}, "elasticache.alarmEmail", "not an email address"),
    ({"replicationGroupId": "prod--redis"}, {}, "elasticache.replicationGroupId", "not a replication group id"),
    ({"replicationGroupId": "r" * 41}, {}, "elasticache.replicationGroupId", "1-40 letters"),
    ({"tags": {"aws:owner": "me"}}, {}, "elasticache.tags", "the aws: prefix is reserved"),
    ({"authTokenUpdateStrategy": "ROTATE"}, {}, "elasticache.authTokenUpdateStrategy", "is ROTATE, a token change"),
    ({"authTokenUpdateStrategy": "SET"}, {}, "elasticache.authTokenUpdateStrategy", "remove the key"),
    ({"authTokenUpdateStrategy": "delete"}, {}, "elasticache.authTokenUpdateStrategy", "'DELETE'"),
    ({"restoreFromSnapshot": "arn:aws:s3:::backups/a,b.rdb"}, {}, "elasticache.restoreFromSnapshot", "commas"),
    ({"vpcID": "vpc-0a1b2c3d4e5f67890"}, {}, "elasticache.vpcID", "did you mean 'vpcId'"),
    ({}, {"redis": {"maxmemory": "1gb"}}, "redis.maxmemory", "set by the node type"),
    ({}, {"redis": {"appendonly": True, "appendfsync": "always"}}, "redis.appendonly", "does not apply on ElastiCache"),
    ({}, {"redis": {"savePoints": [[900, 1]]}}, "redis.savePoints", "snapshots"),
    ({}, {"redis": {"protectedMode": True}}, "redis.protectedMode", "security group"),
    ({}, {"redis": {"timeout": 10}}, "redis.timeout", "0 (never) or 20+"),
    ({"engine": "valkey", "engineVersion": "8.0"}, {"redis": {"lazyfree": False}}, "redis.lazyfree", "Valkey 8"),
    ({}, {"elasticache": "vpc-0a1b2c3d4e5f67890"}, "profwise-redis:elasticache", "must be an object"),
]


@pytest.mark.parametrize(("changes", "top", "key", "phrase"), BAD, ids=[f"{i}-{b[2]}" for i, b in enumerate(BAD)])
def test_bad_elasticache_config_is_refused_before_any_resource(changes, top, key, phrase):
    run = StackRun()
    with pytest.raises(ConfigError) as caught:
        run_stack("prod", overrides={**prod_overrides(changes), **top}, into=run)
    assert run.resources == [], "a resource was registered before validation refused the config"
    message = str(caught.value)
    assert key in message and phrase in message, message
    assert "fix: pulumi config" in message and "Traceback" not in message


def test_the_shipped_placeholders_are_refused_with_the_commands_that_set_them():
    run = StackRun()
    with pytest.raises(ConfigError) as caught:
        run_stack("prod", into=run)
    assert run.resources == []
    message = str(caught.value)
    for key in ("elasticache.vpcId", "elasticache.subnetIds[0]", "elasticache.subnetIds[1]",
                "elasticache.allowedSecurityGroupIds[0]"):
        assert f"{P}{key}: " in message and "placeholder" in message
        assert f"fix: pulumi config set --path '{key}'" in message


def test_missing_ids_name_the_set_command_with_an_example():
    config = {f"{P}backend": "elasticache"}
    with pytest.raises(ConfigError) as caught:
        parse_settings(config)
    message = str(caught.value)
    assert "fix: pulumi config set --path 'elasticache.vpcId' vpc-" in message
    assert "pulumi config set --path 'elasticache.subnetIds[0]' subnet-" in message
    assert "pulumi config set --path 'elasticache.subnetIds[1]' subnet-" in message


@pytest.mark.parametrize("token", ["short-token-1234", "has@at-sign-in-it-123", "has space in it 12345",
                                   "slash/inside-token-12", "percent%inside-token-1"])
def test_a_configured_password_must_be_a_valid_auth_token_and_is_not_echoed(token):
    config = {f"{P}backend": "elasticache", f"{P}password": token,
              f"{P}elasticache": json.dumps(prod_overrides()["elasticache"])}
    if token == "short-token-1234":
        config[f"{P}password"] = "short"  # under 16 characters
    with pytest.raises(ConfigError) as caught:
        parse_settings(config, {f"{P}password"})
    message = str(caught.value)
    assert "profwise-redis:password" in message and config[f"{P}password"] not in message
    assert "pulumi config set --secret password" in message


@pytest.mark.parametrize("token", ["Valid-Token-With!&#$^<>-1234", "a" * 16, "Z9" * 64])
def test_tokens_with_only_the_allowed_characters_pass(token):
    config = {f"{P}backend": "elasticache", f"{P}password": token,
              f"{P}elasticache": json.dumps(prod_overrides()["elasticache"])}
    assert parse_settings(config, {f"{P}password"}).password.get_secret_value() == token


def test_the_docker_backend_ignores_elasticache_requirements():
    settings = parse_settings({f"{P}backend": "docker", f"{P}password": "docker-only:fine@here/1"},
                              {f"{P}password"})
    assert settings.elasticache.vpc_id is None


def test_defaults_are_secure_and_documented():
    ec = ElastiCacheSettings()
    assert (ec.engine, ec.engine_version, ec.replicas, ec.multi_az, ec.automatic_failover) == \
        ("redis", "7.1", 1, True, True)
    assert (ec.snapshot_retention_days, ec.final_snapshot, ec.apply_immediately) == (7, True, False)
    assert all(field.description for field in ElastiCacheSettings.model_fields.values())


@pytest.mark.parametrize(("window", "expected"), [
    ("03:00-04:00", (180, 60)), ("23:30-00:30", (1410, 60)), ("sun:05:00-sun:06:00", (300, 60)),
    ("sat:23:00-sun:01:00", (6 * 1440 + 1380, 120)), ("mon:22:00-tue:02:30", (1440 + 1320, 270))])
def test_window_minutes(window, expected):
    assert window_minutes(window) == expected


@pytest.mark.parametrize(("snapshot", "maintenance"), [
    ("03:00-04:00", "sun:05:00-sun:06:00"), ("04:00-05:00", "sun:05:00-sun:06:00"),
    ("22:00-23:00", "sat:23:00-sun:01:00")])
def test_adjacent_windows_do_not_overlap(snapshot, maintenance):
    config = prod_overrides({"snapshotWindow": snapshot, "maintenanceWindow": maintenance})
    assert run_stack("prod", overrides=config).outputs["backend"] == "elasticache"


def test_cluster_members_and_default_group_id():
    cluster = ElastiCacheSettings(cluster_mode={"enabled": True, "shards": 2, "replicas_per_shard": 1})
    assert cluster.member_cluster_ids("g") == ["g-0001-001", "g-0001-002", "g-0002-001", "g-0002-002"]
    assert ElastiCacheSettings(replicas=2).member_cluster_ids("g") == ["g-001", "g-002", "g-003"]
    assert default_group_id("prod") == "profwise-redis-prod"
    assert default_group_id("Team_A.Staging--EU") == "profwise-redis-team-a-staging-eu"
    assert len(default_group_id("x" * 80)) == 40
