"""Pulumi URNs come from type tokens and resource names (and the parent's type), never from module paths: these pins
are the resources the stacks registered before the layout moved, so existing stacks need no state migration.

Every child is `parent=self` of its component (URN `...::profwise:redis:DockerRedis$docker:index/container:...`), so
the component's type token is pinned too. A renamed resource or a changed token fails here before it would make
`pulumi up` replace (or orphan) real infrastructure.
"""

from __future__ import annotations

from support.stack_harness import prod_overrides, run_stack

DEV = {
    ("profwise:redis:DockerRedis", "redis"),
    ("random:index/randomPassword:RandomPassword", "redis-password"),
    ("random:index/randomPassword:RandomPassword", "redis-admin-password"),  # issue #15: the admin user
    ("docker:index/remoteImage:RemoteImage", "redis-image"),
    ("docker:index/network:Network", "redis-network"),
    ("docker:index/volume:Volume", "redis-data"),
    ("docker:index/container:Container", "redis-container"),
}
ALARMS = ("connections", "engine-cpu", "evictions", "hit-rate", "memory", "replication-lag")
PROD = {
    ("profwise:redis:ElastiCacheRedis", "redis"),
    ("random:index/randomPassword:RandomPassword", "redis-password"),
    # issue #15: RBAC, the app's default user and the admin user in one user group (new resources; nothing renamed)
    ("random:index/randomPassword:RandomPassword", "redis-admin-password"),
    ("aws:elasticache/user:User", "redis-user-default"),
    ("aws:elasticache/user:User", "redis-user-admin"),
    ("aws:elasticache/userGroup:UserGroup", "redis-users"),
    ("random:index/randomId:RandomId", "redis-suffix"),
    ("aws:ec2/securityGroup:SecurityGroup", "redis-sg"),
    ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "redis-from-sg-0a1b2c3d4e5f67893"),
    ("aws:elasticache/subnetGroup:SubnetGroup", "redis-subnets"),
    ("aws:elasticache/parameterGroup:ParameterGroup", "redis-params"),
    ("aws:kms/key:Key", "redis-key"),
    ("aws:kms/alias:Alias", "redis-key-alias"),
    ("aws:cloudwatch/logGroup:LogGroup", "redis-slow-log"),
    ("aws:cloudwatch/logGroup:LogGroup", "redis-engine-log"),
    ("aws:sns/topic:Topic", "redis-alarms"),
    ("aws:elasticache/replicationGroup:ReplicationGroup", "redis-group"),
    *(("aws:cloudwatch/metricAlarm:MetricAlarm", f"redis-profwise-redis-prod-{node}-{alarm}")
      for node in ("001", "002") for alarm in ALARMS),
}


def registered(stack: str, **overrides: object) -> set[tuple[str, str]]:
    return {(resource.type, resource.name) for resource in run_stack(stack, overrides=overrides).resources}


def test_the_dev_stack_registers_the_same_urns():
    assert registered("dev") == DEV


def test_the_prod_stack_registers_the_same_urns():
    assert registered("prod", **prod_overrides()) == PROD
