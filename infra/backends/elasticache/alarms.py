"""Alarms for the replication group: the guide's key metrics on every member node, notifying one SNS topic.

CloudWatch publishes ElastiCache metrics per cache cluster (node) with the dimension `CacheClusterId`; an alarm on
the replication group's id never receives data and never fires, which is the most common mistake in public modules.
So each member node gets its own alarm of each kind. `ALARMS` and `alarm_specs()` are pure (tests read them);
`create_topic()` and `create_alarms()` register the topic (with the optional email subscription) and the alarms.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

NAMESPACE = "AWS/ElastiCache"
DIMENSION = "CacheClusterId"


@dataclass(frozen=True)
class Alarm:
    key: str
    metric: str
    comparison: str
    threshold: float
    statistic: str
    period: int  # seconds
    evaluation_periods: int
    description: str
    # Some metrics have no datapoints on some nodes (ReplicationLag on the primary, CacheHitRate without reads):
    # missing data is then normal, not a failure.
    treat_missing_data: str = "missing"


# The guide's thresholds: memory > 80 %, engine CPU > 70 %, hit rate < 80 %, connections > 10,000, plus sustained
# evictions (the cache is too small for its working set) and replication lag (a replica serving stale reads and a
# failover that would lose writes). Metric names: ElastiCache User Guide, "Metrics for Valkey and Redis OSS".
ALARMS = (
    Alarm("memory", "DatabaseMemoryUsagePercentage", "GreaterThanThreshold", 80, "Average", 300, 2,
          "Memory above 80% of maxmemory: evictions follow; scale up the node type or out with cluster mode."),
    Alarm("engine-cpu", "EngineCPUUtilization", "GreaterThanThreshold", 70, "Average", 300, 2,
          "The Redis thread is above 70% CPU: latency rises; look for slow commands (slow-log) or scale out."),
    Alarm("hit-rate", "CacheHitRate", "LessThanThreshold", 80, "Average", 300, 3,
          "Fewer than 80% of reads hit the cache: check TTLs and key design, or add memory.", "notBreaching"),
    Alarm("connections", "CurrConnections", "GreaterThanThreshold", 10_000, "Maximum", 300, 1,
          "More than 10,000 client connections: look for a connection leak or missing pooling in the app."),
    Alarm("evictions", "Evictions", "GreaterThanThreshold", 1_000, "Sum", 300, 3,
          "Over 1,000 evictions per 5 minutes for 15 minutes: the working set does not fit; add memory."),
    Alarm("replication-lag", "ReplicationLag", "GreaterThanThreshold", 10, "Maximum", 60, 5,
          "A replica is more than 10 s behind the primary for 5 minutes.", "notBreaching"),
)


@dataclass(frozen=True)
class AlarmSpec:
    name: str  # the CloudWatch alarm name
    node: str  # the member cache cluster id
    alarm: Alarm


def alarm_specs(member_ids: list[str]) -> list[AlarmSpec]:
    """Every alarm on every node: primaries and replicas swap roles on failover, so all nodes get all alarms."""
    return [AlarmSpec(f"{node}-{alarm.key}", node, alarm) for node in member_ids for alarm in ALARMS]


def create_topic(name: str, email: str | None, tags: dict[str, str], parent: pulumi.Resource) -> aws.sns.Topic:
    """The alarms' action, also the group's event notification target (failovers, node replacements)."""
    child = pulumi.ResourceOptions(parent=parent)
    topic = aws.sns.Topic(f"{name}-alarms", tags=tags, opts=child)
    if email:
        # Email subscriptions stay "pending confirmation" until the recipient clicks the link AWS sends.
        aws.sns.TopicSubscription(f"{name}-alarms-email", topic=topic.arn, protocol="email", endpoint=email,
                                  opts=child)
    return topic


def create_alarms(name: str, member_ids: list[str], topic: aws.sns.Topic, tags: dict[str, str],
                  parent: pulumi.Resource, group: pulumi.Resource) -> list[aws.cloudwatch.MetricAlarm]:
    alarms = []
    for spec in alarm_specs(member_ids):
        alarm = spec.alarm
        alarms.append(aws.cloudwatch.MetricAlarm(
            f"{name}-{spec.name}",
            name=spec.name,
            alarm_description=f"{spec.node}: {alarm.description}",
            namespace=NAMESPACE,
            metric_name=alarm.metric,
            dimensions={DIMENSION: spec.node},
            statistic=alarm.statistic,
            period=alarm.period,
            evaluation_periods=alarm.evaluation_periods,
            comparison_operator=alarm.comparison,
            threshold=alarm.threshold,
            treat_missing_data=alarm.treat_missing_data,
            alarm_actions=[topic.arn],
            ok_actions=[topic.arn],
            tags=tags,
            # The nodes exist only once the group does; an alarm created earlier would sit in INSUFFICIENT_DATA.
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[group]),
        ))
    return alarms
