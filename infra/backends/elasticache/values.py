"""What AWS accepts for the values the elasticache backend passes it: node types, tags, snapshot sources.

Pure data and small checks, each citing where AWS documents it; `elasticache_settings` applies them to the config
and the program builds its tags with `resource_tags()` from the same constants, so the limit the config is held to is
the count each resource really gets.
"""

from __future__ import annotations

import re

# ElastiCache API Reference, CacheNode ("The following node types are supported by ElastiCache", also the
# CacheNodeType documentation of CreateReplicationGroup; botocore 1.44 service model): the current-generation
# families and their sizes. Left out on purpose: T2 (User Guide, "Supported node types": "You can no longer create
# new ElastiCache clusters with T2 instances"), the previous generation (T1, M1, M2, M3, C1, R3: "creation of new
# clusters is not supported"), and R6gd (data tiering, which this stack does not enable).
_XL = ("large", "xlarge", "2xlarge", "4xlarge")
NODE_TYPES: dict[str, tuple[str, ...]] = {
    "m7g": (*_XL, "8xlarge", "12xlarge", "16xlarge"),
    "m6g": (*_XL, "8xlarge", "12xlarge", "16xlarge"),
    "m5": (*_XL, "12xlarge", "24xlarge"),
    "m4": (*_XL, "10xlarge"),
    "t4g": ("micro", "small", "medium"),
    "t3": ("micro", "small", "medium"),
    "r7g": (*_XL, "8xlarge", "12xlarge", "16xlarge"),
    "r6g": (*_XL, "8xlarge", "12xlarge", "16xlarge"),
    "r5": (*_XL, "12xlarge", "24xlarge"),
    "r4": (*_XL, "8xlarge", "16xlarge"),
}
NOT_CREATABLE = {
    "t2": "T2 nodes can no longer be created (AWS moved them to the previous generation; they also have no AOF)",
    **{family: "a previous-generation type AWS no longer creates" for family in ("t1", "m1", "m2", "m3", "c1", "r3")},
    "r6gd": "an R6gd data-tiering type, which this stack does not configure (it needs data tiering enabled)",
}
_NODE_TYPE_RE = re.compile(r"cache\.(?P<family>[a-z][a-z0-9]*)\.(?P<size>[a-z0-9]+)", re.ASCII)


def node_type_problem(value: str) -> str | None:
    match = _NODE_TYPE_RE.fullmatch(value)
    if not match:
        return f"{value!r} is not a node type: use cache.<family>.<size>, e.g. cache.m6g.large"
    family, size = match["family"], match["size"]
    if family in NOT_CREATABLE:
        return f"{value} is {NOT_CREATABLE[family]}; use e.g. cache.t4g.small or cache.m6g.large"
    if family not in NODE_TYPES:
        return (f"{value}: ElastiCache has no node family {family!r}; use one of "
                f"{', '.join(NODE_TYPES)} (e.g. cache.m6g.large)")
    if size not in NODE_TYPES[family]:
        sizes = NODE_TYPES[family]
        return f"{value}: cache.{family} comes in {', '.join(sizes)}; e.g. cache.{family}.{sizes[0]}"
    return None


# Tags. "Maximum number of tags per resource – 50" (ElastiCache TagQuotaPerResourceExceeded; AWS General Reference,
# "Tagging your AWS resources"); key 1-128 and value 0-256 characters; the aws: prefix is reserved. Characters: the
# ElastiCache tag schema is the narrowest of the services these tags reach (SNS, KMS, CloudWatch, EC2 allow more):
# `^(?!aws:)[a-zA-Z0-9 _\.\/=+:\-@]*$` for keys and values (AWS CloudFormation, AWS::ElastiCache::* Tag).
MAX_TAGS = 50
_TAG_TEXT_RE = re.compile(r"[a-zA-Z0-9 _./=+:\-@]*", re.ASCII)
# What the program puts on every resource, and the one tag only the security group gets.
STACK_TAG_KEYS = ("Project", "Stack", "ManagedBy")
NAME_TAG = "Name"
RESERVED_TAG_KEYS = (*STACK_TAG_KEYS, NAME_TAG)


def tag_problem(key: str, value: str) -> str | None:
    if not 1 <= len(key) <= 128:
        return f"tag key {key!r} is {len(key)} characters long; AWS takes 1-128"
    if key.lower().startswith("aws:"):
        return f"tag key {key!r}: the aws: prefix is reserved for AWS; choose another key"
    if key in RESERVED_TAG_KEYS:
        return (f"tag key {key!r} is set by this stack itself ({', '.join(STACK_TAG_KEYS)} on every resource, "
                f"{NAME_TAG} on the security group); choose another key")
    if len(value) > 256:
        return f"the value of tag {key!r} is {len(value)} characters long; AWS takes at most 256"
    for what, text in (("key", key), ("value", value)):
        if not _TAG_TEXT_RE.fullmatch(text):
            return (f"tag {what} {text!r} has characters ElastiCache refuses: use letters, digits, spaces and "
                    "_ . / = + : - @ only")
    return None


def tags_problem(tags: dict[str, str]) -> str | None:
    for key, value in tags.items():
        problem = tag_problem(key, value)
        if problem:
            return problem
    if len(tags) > max_user_tags():
        return (f"{len(tags)} tags: AWS allows {MAX_TAGS} per resource and the security group also gets "
                f"{', '.join(RESERVED_TAG_KEYS)} from this stack; use at most {max_user_tags()}")
    return None


def max_user_tags() -> int:
    """The security group carries the most tags of any resource: the stack's, Name, and the user's."""
    return MAX_TAGS - len(RESERVED_TAG_KEYS)


def resource_tags(project: str, stack: str, user: dict[str, str]) -> dict[str, str]:
    return {**user, **dict(zip(STACK_TAG_KEYS, (project, stack, "pulumi"), strict=True))}


# Snapshot sources. SnapshotArns (CreateReplicationGroup): "The Amazon S3 object name in the ARN cannot contain any
# commas"; the ARN is arn:<partition>:s3:::<bucket>/<object key>; bucket names are 3-63 lower-case letters, digits,
# dots and hyphens, starting and ending with a letter or digit (Amazon S3 User Guide, "Bucket naming rules").
_S3_ARN_RE = re.compile(r"arn:(?:aws|aws-cn|aws-us-gov):s3:::(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])"
                        r"/(?P<key>[^,\s]{1,1024})", re.ASCII)
# SnapshotName: AWS documents no pattern; 1-255 characters like other ElastiCache names, no whitespace or commas
# (the name and the ARN list share the same parameter space).
_SNAPSHOT_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}", re.ASCII)


def snapshot_source_problem(value: str) -> str | None:
    if value.startswith("arn:"):
        if _S3_ARN_RE.fullmatch(value):
            return None
        return (f"{value!r} is not an S3 object ARN: use arn:aws:s3:::<bucket>/<key>.rdb (a bucket alone is not "
                "enough; no commas or spaces in the key)")
    if not _SNAPSHOT_NAME_RE.fullmatch(value):
        return (f"{value!r} is not a snapshot name: 1-255 letters, digits, '.', '_' or '-' (or give an "
                "arn:aws:s3:::<bucket>/<key>.rdb)")
    return None
