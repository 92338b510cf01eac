"""RBAC on ElastiCache: the app's `default` user and the admin user in one user group, replacing the AUTH token.

The group must hold a user whose `user_name` is `default` (AWS RBAC: clients sending one-argument AUTH are that
user); ours carries the app's password (the `password` output, which was the AUTH token on groups created before),
so the app changes nothing. Access strings come from the same settings model as the containers' `user` lines
(`infra.config.acl`), minus what ElastiCache refuses in one: its restricted commands ("You can't use forbidden and
renamed commands as part of the access string", AWS RBAC page; they are blocked for every client anyway) and, to
stay within what the page documents, categories (`-@admin`). Users and the group use engine `redis`, which AWS
accepts on Redis OSS and Valkey clusters alike. Passwords go in once, through `passwords`, wrapped as secrets (the
provider also marks them secret: additional_secret_outputs).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.backends.elasticache import parameter_group
from infra.config import acl
from infra.config.redis import RedisSettings

USER_ENGINE = "redis"


def access_strings(settings: RedisSettings) -> dict[str, str]:
    """user_name -> access string, exactly as CreateUser is given them (a pure function: tests and the
    control-plane description use it)."""
    return {
        acl.APP_USER: acl.access_string(acl.app_rules(settings, categories=False,
                                                      restricted=parameter_group.BLOCKED_COMMANDS)),
        acl.ADMIN_USER: acl.access_string(acl.ADMIN_RULES),
    }


def user_ids(group_id: str) -> dict[str, str]:
    """user_name -> user_id: ids are unique per account and region, names need not be (every group has `default`)."""
    return {acl.APP_USER: f"{group_id}-default", acl.ADMIN_USER: f"{group_id}-admin"}


@dataclass(frozen=True)
class Users:
    group: aws.elasticache.UserGroup
    users: dict[str, aws.elasticache.User]  # by user_name


def create(name: str, group_id: str, settings: RedisSettings, app_password: pulumi.Output[str],
           admin_password: pulumi.Output[str], tags: dict[str, str], parent: pulumi.Resource) -> Users:
    ids, strings = user_ids(group_id), access_strings(settings)
    passwords = {acl.APP_USER: app_password, acl.ADMIN_USER: admin_password}
    users: dict[str, aws.elasticache.User] = {}
    for user_name, password in passwords.items():
        secret: pulumi.Output[str] = pulumi.Output.secret(password)
        users[user_name] = aws.elasticache.User(
            f"{name}-user-{'default' if user_name == acl.APP_USER else 'admin'}",
            user_id=ids[user_name], user_name=user_name, engine=USER_ENGINE, access_string=strings[user_name],
            passwords=[secret], tags=tags, opts=pulumi.ResourceOptions(parent=parent))
    group = aws.elasticache.UserGroup(
        f"{name}-users", user_group_id=group_id, engine=USER_ENGINE,
        user_ids=[user.user_id for user in users.values()], tags=tags, opts=pulumi.ResourceOptions(parent=parent))
    return Users(group=group, users=users)
