"""policy/access_string.py: the left-to-right evaluator the policy pack and the aws_users check judge access strings
with — table cases, and generated access strings held to a real redis-server's own verdict (ACL DRYRUN): whenever
the evaluator says "denied", Redis denies too (it may say "not proven" where Redis would deny: it fails closed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy.access_string import CATEGORIES, denies, undenied
from support.redis_server import RedisServer


@pytest.mark.parametrize(("access", "command", "denied"), [
    ("on ~* &* +@all -flushall", "FLUSHALL", True),
    ("on ~* &* +@all -flushall", "FLUSHDB", False),
    ("on ~* +@all -FLUSHALL", "flushall", True),  # case-insensitive, like Redis
    ("on ~* +@all -@dangerous", "FLUSHALL", True),
    ("on ~* +@all -@dangerous +@write", "FLUSHALL", False),  # @write grants it back
    ("on ~* +@all -@dangerous +@read", "FLUSHALL", True),  # @read does not
    ("on ~* +@all -@admin", "CONFIG", True),
    ("on ~* +@all -@admin +config|get", "CONFIG", False),  # a part granted again: not denied as a whole
    ("on ~* +@all -config|set", "CONFIG", False),  # denying a part is not enough
    ("on ~*", "FLUSHALL", True),  # a user starts with no commands
    ("on ~* nocommands", "GET", True),
    ("on ~* -@all +flushall", "FLUSHALL", False),
    ("on ~* +@all -@all", "FLUSHALL", True),
    ("on ~* +@all reset", "FLUSHALL", True),
    ("on ~* +@all -@keyspace", "GET", False),  # GET's categories are not in the table: not proven denied
    ("on ~* -@all +@read", "GET", False),
    ("on ~* -@all -@read", "GET", True),
])
def test_rules_apply_left_to_right(access, command, denied):
    assert denies(access, command) is denied


def test_undenied_keeps_the_order_asked():
    assert undenied("on ~* +@all -flushdb", ["FLUSHALL", "FLUSHDB", "CONFIG"]) == ["FLUSHALL", "CONFIG"]


RULES = st.sampled_from(["+@all", "-@all", "allcommands", "nocommands", "+@dangerous", "-@dangerous", "+@admin",
                         "-@admin", "+@write", "-@write", "+@keyspace", "-@keyspace", "+@read", "-@read",
                         "+flushall", "-flushall", "+flushdb", "-flushdb", "-config|set", "+config|get",
                         "-config", "+config", "+keys", "-keys", "-swapdb", "+@fast", "-@slow"])
JUDGED = {"FLUSHALL": ["FLUSHALL"], "FLUSHDB": ["FLUSHDB"], "CONFIG": ["CONFIG", "GET", "x"], "KEYS": ["KEYS", "x"],
          "SWAPDB": ["SWAPDB", "0", "1"]}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    with RedisServer('port 6379\nsave ""\n', Path(tmp_path_factory.mktemp("acl"))) as running:
        yield running.client()


@pytest.mark.integration
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rules=st.lists(RULES, max_size=8))
def test_a_denial_the_evaluator_proves_is_one_redis_makes(server, rules):
    assert set(JUDGED) <= set(CATEGORIES)
    access = " ".join(["on", "~*", *rules])
    server.execute_command("ACL", "SETUSER", "judged", "reset", *access.split())
    for command, call in JUDGED.items():
        redis_allows = server.execute_command("ACL", "DRYRUN", "judged", *call) == b"OK"
        if denies(access, command):
            assert not redis_allows, (access, command)
        elif not any("|" in rule for rule in rules):
            # without partial rules the evaluator is exact for the commands its table knows
            assert redis_allows, (access, command)
