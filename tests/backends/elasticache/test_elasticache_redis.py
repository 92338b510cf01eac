"""The prod stack under the mock engine with the real Pulumi.prod.yaml (its REPLACE-ME ids filled, as docs/prod.md
says): every Security Hub / checkov control, the network rules, parameters, alarms, logs, outputs and the token."""

from __future__ import annotations

import json

import pulumi
import pytest

from infra import contract
from infra.backends.elasticache import REPLICATION_GROUP_TYPE
from infra.backends.elasticache import alarms as elasticache_alarms
from infra.backends.elasticache import parameter_group
from infra.backends.elasticache.component import ElastiCacheRedis, ElastiCacheRedisArgs
from infra.backends.elasticache.rules import TOKEN_SPECIALS
from infra.config.redis import RedisSettings
from infra.stack_settings import parse_settings
from infra.config.stack_files import load_stack_config
from infra.tooling.mock_engine import MOCK_PASSWORD
from policy.rules import RULES, evaluate
from support.stack_harness import (COMPUTED, MOCK_REGION, PROD_IDS, StackRun, assert_secret_everywhere, capture_options,
                           contains_secret, prod_overrides, run_stack, unwrap)

GROUP = REPLICATION_GROUP_TYPE
PARAMS = "aws:elasticache/parameterGroup:ParameterGroup"
SG_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
USER = "aws:elasticache/user:User"
TOKEN = MOCK_PASSWORD  # the app's password: the default user's (it was the AUTH token before RBAC)
ADMIN_TOKEN = "Mock0RedisAdminPassword00000000000000000"  # what the mock engine generates for the admin user
SUFFIX = COMPUTED["random:index/randomId:RandomId"]["hex"]
KMS_ARN = COMPUTED["aws:kms/key:Key"](None)["arn"]
EXISTING_KEY = "arn:aws:kms:eu-west-1:123456789012:key/abcdabcd-1111-2222-3333-444455556666"
CONTROL_PLANE_KEYS = {"replication_group_id", "region", "engine", "engine_version", "cluster_mode", "member_count",
                      "multi_az", "automatic_failover", "at_rest_encryption", "transit_encryption_mode",
                      "auth_token_enabled", "snapshot_retention_days", "parameter_group_name", "parameters",
                      "authentication", "user_group_id", "users", "denied_commands"}


@pytest.fixture(scope="module")
def prod() -> StackRun:
    return run_stack("prod", overrides=prod_overrides())


def group_of(run: StackRun) -> dict:
    return unwrap(run.one(GROUP).inputs)


def test_the_mandatory_policies_find_no_violation(prod):
    """Security Hub ElastiCache.1-7, checkov's ElastiCache checks, EC2.18: the pack's own rules, on every resource as
    the pack sees it (secrets unwrapped), not a re-implementation of them."""
    found = [(r.name, rule.name, message) for r in prod.resources
             for rule, message in evaluate(r.type, unwrap(r.inputs))]
    assert found == []
    checked = {rule.name for r in prod.resources for rule in RULES if r.type in rule.resource_types}
    aws_rules = {rule.name for rule in RULES if any(t.startswith("aws:") for t in rule.resource_types)}
    assert checked == aws_rules, "a policy had nothing to check"


def test_the_group_goes_beyond_what_the_policies_require(prod):
    g = group_of(prod)
    assert g["autoMinorVersionUpgrade"] is True, "set explicitly, not left to AWS's default"
    assert g["transitEncryptionEnabled"] is True and "authToken" not in g, "RBAC users over TLS, no AUTH token"
    assert g["userGroupIds"] == [prod.one("aws:elasticache/userGroup:UserGroup").plain("userGroupId")]
    assert g["subnetGroupName"] == prod.one("aws:elasticache/subnetGroup:SubnetGroup").plain("name"), \
        "the stack's own subnet group"
    assert g["kmsKeyId"].startswith("arn:aws:kms:"), "a customer-managed key's ARN"


def test_kms_key_is_customer_managed_with_rotation(prod):
    key = prod.one("aws:kms/key:Key")
    assert key.plain("enableKeyRotation") is True and key.plain("deletionWindowInDays") == 30
    assert group_of(prod)["kmsKeyId"] == KMS_ARN
    assert prod.one("aws:kms/alias:Alias").plain("name") == "alias/profwise-redis-prod"


def test_security_group_admits_only_the_redis_port_from_the_backend(prod):
    sg = prod.one("aws:ec2/securityGroup:SecurityGroup")
    assert sg.plain("vpcId") == PROD_IDS["vpcId"]
    assert "ingress" not in sg.inputs and "egress" not in sg.inputs, "rules are separate resources"
    rules = [r.inputs for r in prod.of_type(SG_RULE)]
    backend_sg = PROD_IDS["allowedSecurityGroupIds"][0]
    assert rules == [{"securityGroupId": "redis-sg-id", "referencedSecurityGroupId": backend_sg, "ipProtocol": "tcp",
                      "fromPort": 6379, "toPort": 6379, "description": "Redis from the backend",
                      "tags": rules[0]["tags"]}]
    assert not prod.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert group_of(prod)["securityGroupIds"] == ["redis-sg-id"]


def test_private_cidrs_become_rules_and_nothing_is_open_to_the_world():
    run = run_stack("prod", overrides=prod_overrides({"allowedCidrs": ["10.20.0.0/16", "100.64.0.0/10"]}))
    cidrs = sorted(r.plain("cidrIpv4") for r in run.of_type(SG_RULE) if r.plain("cidrIpv4"))
    assert cidrs == ["10.20.0.0/16", "100.64.0.0/10"]
    for rule in run.of_type(SG_RULE):
        assert (rule.plain("fromPort"), rule.plain("toPort"), rule.plain("ipProtocol")) == (6379, 6379, "tcp")
        assert rule.plain("cidrIpv4") not in ("0.0.0.0/0",) and rule.plain("cidrIpv6") is None


def test_subnet_group_holds_the_private_subnets(prod):
    subnets = prod.one("aws:elasticache/subnetGroup:SubnetGroup")
    assert subnets.plain("subnetIds") == PROD_IDS["subnetIds"]
    assert subnets.plain("name") == "profwise-redis-prod-subnets"


def test_parameter_group_is_rendered_from_the_settings_model(prod):
    params = prod.one(PARAMS)
    assert params.plain("family") == "redis7" and params.plain("name") == "profwise-redis-prod-redis7"
    given = {p["name"]: p["value"] for p in params.plain("parameters")}
    redis = parse_settings(*load_stack_config("prod", overrides=prod_overrides())).redis
    assert given == parameter_group.render(redis, "redis", "7.1", False).parameters
    assert given["maxmemory-policy"] == "allkeys-lru" and given["slowlog-log-slower-than"] == "10000"
    assert given["tcp-keepalive"] == "60" and given["lazyfree-lazy-eviction"] == "yes"
    assert "rename-commands" not in given  # the default user's access string denies them instead
    assert group_of(prod)["parameterGroupName"] == params.plain("name")
    assert prod.outputs["control_plane"]["parameters"] == given, "control_plane must be exactly what the group gets"


def test_replication_group_topology_snapshots_and_maintenance(prod):
    g = group_of(prod)
    assert (g["replicationGroupId"], g["engine"], g["engineVersion"], g["nodeType"]) == \
        ("profwise-redis-prod", "redis", "7.1", "cache.m6g.large")
    assert (g["numCacheClusters"], g["multiAzEnabled"], g["clusterMode"]) == (2, True, "disabled")
    assert "numNodeGroups" not in g and "replicasPerNodeGroup" not in g
    assert (g["snapshotRetentionLimit"], g["snapshotWindow"], g["maintenanceWindow"]) == \
        (7, "03:00-04:00", "sun:05:00-sun:06:00")
    assert g["finalSnapshotIdentifier"] == f"profwise-redis-prod-final-{SUFFIX}"
    assert g["applyImmediately"] is False and g["authTokenUpdateStrategy"] == "DELETE"
    assert g["notificationTopicArn"] == prod.outputs["alarm_topic_arn"]
    assert g["tags"] == {"Project": "profwise-redis", "Stack": "prod", "ManagedBy": "pulumi",
                         "Service": "profwise-backend"}


def test_slow_and_engine_logs_are_delivered_to_log_groups_with_retention(prod):
    groups = {r.plain("name"): r.plain("retentionInDays") for r in prod.of_type("aws:cloudwatch/logGroup:LogGroup")}
    assert groups == {"/aws/elasticache/profwise-redis-prod/slow-log": 30,
                      "/aws/elasticache/profwise-redis-prod/engine-log": 30}
    deliveries = group_of(prod)["logDeliveryConfigurations"]
    assert sorted((d["logType"], d["destination"], d["destinationType"], d["logFormat"]) for d in deliveries) == [
        ("engine-log", "/aws/elasticache/profwise-redis-prod/engine-log", "cloudwatch-logs", "json"),
        ("slow-log", "/aws/elasticache/profwise-redis-prod/slow-log", "cloudwatch-logs", "json")]


def _alarms(run: StackRun) -> list[dict]:
    return [unwrap(r.inputs) for r in run.of_type(ALARM)]


def test_alarms_watch_every_member_node_not_the_group(prod):
    alarms = _alarms(prod)
    members = prod.outputs["control_plane"]["member_count"]
    expected_members = COMPUTED[GROUP](_Args(group_of(prod)))["memberClusters"]  # what AWS names the nodes
    assert len(expected_members) == members == 2
    assert sorted({a["dimensions"]["CacheClusterId"] for a in alarms}) == expected_members
    assert len(alarms) == members * len(elasticache_alarms.ALARMS)
    for alarm in alarms:
        assert alarm["namespace"] == "AWS/ElastiCache" and set(alarm["dimensions"]) == {"CacheClusterId"}
        assert alarm["dimensions"]["CacheClusterId"] != "profwise-redis-prod", "the group id has no data"
        assert alarm["alarmActions"] == [prod.outputs["alarm_topic_arn"]] == alarm["okActions"]


@pytest.mark.parametrize(("metric", "comparison", "threshold"), [
    ("DatabaseMemoryUsagePercentage", "GreaterThanThreshold", 80), ("EngineCPUUtilization", "GreaterThanThreshold", 70),
    ("CacheHitRate", "LessThanThreshold", 80), ("CurrConnections", "GreaterThanThreshold", 10_000),
    ("Evictions", "GreaterThanThreshold", 1_000), ("ReplicationLag", "GreaterThanThreshold", 10)])
def test_the_guides_thresholds(prod, metric, comparison, threshold):
    found = [a for a in _alarms(prod) if a["metricName"] == metric]
    assert len(found) == 2
    assert all((a["comparisonOperator"], a["threshold"]) == (comparison, threshold) for a in found)


def test_no_alarm_email_means_no_subscription_and_an_email_subscribes(prod):
    assert not prod.of_type("aws:sns/topicSubscription:TopicSubscription")
    run = run_stack("prod", overrides=prod_overrides({"alarmEmail": "ops@example.com"}))
    subscription = run.one("aws:sns/topicSubscription:TopicSubscription")
    assert (subscription.plain("protocol"), subscription.plain("endpoint")) == ("email", "ops@example.com")
    assert subscription.plain("topic") == run.outputs["alarm_topic_arn"]


def test_outputs_contract_is_the_dev_stacks_plus_the_prod_extras(prod):
    out = prod.outputs
    host = "master.profwise-redis-prod.abc123.euw1.cache.amazonaws.com"
    assert set(contract.CONTRACT_KEYS) <= set(out)
    assert (out["backend"], out["host"], out["port"], out["tls"]) == ("elasticache", host, 6379, True)
    assert out["url"] == f"rediss://:{TOKEN}@{host}:6379/0"
    assert out["app_env"]["REDIS_TLS"] == "true" and out["app_env"]["REDIS_HOST"] == host
    assert out["reader_host"] == host.replace("master.", "replica.")
    assert (out["replication_group_id"], out["parameter_group_name"], out["region"]) == \
        ("profwise-redis-prod", "profwise-redis-prod-redis7", MOCK_REGION)
    assert (out["security_group_id"], out["kms_key_arn"]) == ("redis-sg-id", KMS_ARN)
    assert out["alarm_topic_arn"].startswith("arn:aws:sns:")
    assert out["settings"] == parameter_group.effective_settings(
        RedisSettings(disabled_commands=("FLUSHDB", "FLUSHALL", "CONFIG")), "redis", "7.1")


def test_control_plane_describes_the_group_as_aws_reports_it(prod):
    plane, g = prod.outputs["control_plane"], group_of(prod)
    assert set(plane) == CONTROL_PLANE_KEYS and contract.CONTROL_PLANE not in prod.secret_outputs
    assert plane == {**plane, "replication_group_id": g["replicationGroupId"], "region": MOCK_REGION,
                     "engine": "redis", "engine_version": g["engineVersion"], "cluster_mode": "disabled",
                     "member_count": g["numCacheClusters"], "multi_az": "enabled", "automatic_failover": "enabled",
                     "at_rest_encryption": True, "transit_encryption_mode": "required", "auth_token_enabled": False,
                     "snapshot_retention_days": g["snapshotRetentionLimit"],
                     "parameter_group_name": g["parameterGroupName"]}
    assert TOKEN not in json.dumps(plane) and ADMIN_TOKEN not in json.dumps(plane)


def test_the_passwords_are_secret_everywhere(prod):
    default = next(u for u in prod.of_type(USER) if u.plain("userName") == "default")
    assert contains_secret(default.inputs["passwords"]) and unwrap(default.inputs["passwords"]) == [TOKEN]
    assert_secret_everywhere(prod, TOKEN)
    assert_secret_everywhere(prod, ADMIN_TOKEN)
    assert set(contract.SECRET_OUTPUTS) <= prod.secret_outputs


def test_generated_passwords_use_only_the_characters_aws_allows(prod):
    for password in prod.of_type("random:index/randomPassword:RandomPassword"):
        assert password.plain("special") is True and password.plain("overrideSpecial") == TOKEN_SPECIALS
        assert 16 <= password.plain("length") <= 128


def test_a_configured_secret_password_replaces_the_generated_one():
    run = run_stack("prod", overrides=prod_overrides(password={"secure": "v1:ciphertext"}),
                    secrets={"profwise-redis:password": "Chosen-Token-2026-abcdef"})
    assert [r.name for r in run.of_type("random:index/randomPassword:RandomPassword")] == ["redis-admin-password"]
    default = next(u for u in run.of_type(USER) if u.plain("userName") == "default")
    assert unwrap(default.inputs["passwords"]) == ["Chosen-Token-2026-abcdef"]
    assert contains_secret(default.inputs["passwords"])
    assert run.outputs["password"] == "Chosen-Token-2026-abcdef" and "password" in run.secret_outputs


def test_cluster_mode_shards_the_group():
    cluster = {"enabled": True, "shards": 3, "replicasPerShard": 1}
    run = run_stack("prod", overrides=prod_overrides({"clusterMode": cluster}))
    g = group_of(run)
    assert (g["numNodeGroups"], g["replicasPerNodeGroup"], g["clusterMode"]) == (3, 1, "enabled")
    assert "numCacheClusters" not in g and g["automaticFailoverEnabled"] is True
    params = run.one(PARAMS)
    assert params.plain("name") == "profwise-redis-prod-redis7-cluster"
    assert {p["name"]: p["value"] for p in params.plain("parameters")}["cluster-enabled"] == "yes"
    host = "clustercfg.profwise-redis-prod.abc123.euw1.cache.amazonaws.com"
    assert run.outputs["host"] == run.outputs["reader_host"] == host
    nodes = sorted({a["dimensions"]["CacheClusterId"] for a in _alarms(run)})
    assert nodes == COMPUTED[GROUP](_Args(g))["memberClusters"] and len(nodes) == 6
    assert nodes[0] == "profwise-redis-prod-0001-001"
    assert run.outputs["control_plane"]["cluster_mode"] == "enabled"
    assert run.outputs["control_plane"]["member_count"] == 6


def test_valkey_engine_uses_its_family():
    run = run_stack("prod", overrides=prod_overrides({"engine": "valkey", "engineVersion": "8.0"}))
    g = group_of(run)
    assert (g["engine"], g["engineVersion"]) == ("valkey", "8.0")
    params = run.one(PARAMS)
    assert (params.plain("family"), params.plain("name")) == ("valkey8", "profwise-redis-prod-valkey8")
    assert not any(p["name"].startswith("lazyfree") for p in params.plain("parameters"))
    assert run.outputs["settings"]["lazyfree"] is True and run.outputs["control_plane"]["engine"] == "valkey"


def test_an_existing_kms_key_is_used_and_none_is_created():
    run = run_stack("prod", overrides=prod_overrides({"kmsKeyArn": EXISTING_KEY}))
    assert not run.of_type("aws:kms/key:Key") and not run.of_type("aws:kms/alias:Alias")
    assert group_of(run)["kmsKeyId"] == EXISTING_KEY == run.outputs["kms_key_arn"]


@pytest.mark.parametrize(("source", "key"), [("automatic.profwise-redis-prod-2026-01-31-03-00", "snapshotName"),
                                             ("arn:aws:s3:::profwise-backups/redis/dump.rdb", "snapshotArns")])
def test_restore_from_snapshot(source, key):
    run = run_stack("prod", overrides=prod_overrides({"restoreFromSnapshot": source}))
    g = group_of(run)
    assert g[key] == (source if key == "snapshotName" else [source])
    assert not ({"snapshotName", "snapshotArns"} - {key}) & set(g)


def test_no_final_snapshot_when_turned_off():
    run = run_stack("prod", overrides=prod_overrides({"finalSnapshot": False}))
    assert "finalSnapshotIdentifier" not in group_of(run)


def test_resource_options_protect_the_data():
    """protect, hooks, ignore_changes and retain_on_delete are options, not inputs: read them off the component."""
    settings = parse_settings(*load_stack_config("prod", overrides=prod_overrides()))
    hook = pulumi.ResourceHook("verify", lambda args: None)
    binding = pulumi.ResourceHookBinding(after_create=[hook], after_update=[hook])
    captured = capture_options(lambda: ElastiCacheRedis("spy", ElastiCacheRedisArgs.from_settings(settings,
                                                                                              hooks=binding)),
                               "prod", prod_overrides())
    group = captured["spy-group"]
    assert group.protect is True
    assert group.hooks.after_create == [hook] and group.hooks.after_update == [hook], "the verification hook"
    assert set(group.ignore_changes) == {"snapshot_name", "snapshot_arns"}
    assert captured["spy-key"].retain_on_delete is True, "the final snapshot needs its key"
    assert not captured["spy-params"].delete_before_replace, "a new parameter group must exist before the old goes"


class _Args:
    """Enough of MockResourceArgs for the harness's replication-group mock."""

    def __init__(self, inputs: dict):
        self.inputs = inputs
