"""No code path after validation raises on a value validation accepted: random configs, valid and mutated.

Configs are drawn from the settings models' own JSON schemas (`config_strategies`) over the real stack files and
run through the real program under the mock engine. Each run ends one of two ways, and nothing else is allowed:
- a `ConfigError` naming the keys (with a fix, in words, never a raw exception) and no resource registered — and a
  mutated config must be refused naming the key that was broken;
- a run whose resource inputs pass what AWS documents (`aws_documented`), and whose rendered config a real
  redis-server starts with: the container's redis.conf for dev, the parameter group's values for prod. Booting is
  bounded to a few distinct configs per run; the rest are checked as data.
The table-driven corpus of known findings is test_config_validation.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from support.aws_documented import creatable_node_types, violations
from support.config_strategies import mutate, section
from conftest import container_boot
from infra.backends.elasticache import values as aws_values
from infra.config.errors import ConfigError
from infra.contract import PROJECT
from infra.tooling.mock_engine import StackRun
from support.redis_server import RedisServer
from support.stack_harness import prod_overrides, run_stack
from test_config_validation import RAW_EXCEPTION

MAX_BOOTS = 4  # distinct rendered configs booted per test run (each boot is a real redis-server start)
NOT_ON_ELASTICACHE = frozenset({"maxmemory", "appendonly", "appendfsync", "savePoints", "protectedMode"})
SECRET = "Generated-Token-0123456789abcdef"
# Tens of seconds in all: a prod run registers ~25 resources (0.3 s), a dev run 6; refusals cost almost nothing.
_HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
DEV_SETTINGS = settings(max_examples=45, deadline=None, suppress_health_check=_HEALTH)
PROD_SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=_HEALTH)


@st.composite
def configs(draw: Any, stack: str) -> tuple[dict[str, Any], str | None]:
    """(overrides for run_stack, the key a mutation broke or None)."""
    if stack == "dev":
        sections = {"redis": section("redis"), "docker": section("docker"), "app": section("app"),
                    "verify": section("verify")}
    else:
        sections = {"redis": section("redis", skip=NOT_ON_ELASTICACHE), "elasticache": section("elasticache"),
                    "app": section("app"), "verify": section("verify")}
    chosen = draw(st.lists(st.sampled_from(sorted(sections)), min_size=1, max_size=3, unique=True))
    values = {name: draw(sections[name]) for name in chosen}
    broken = None
    if draw(st.booleans()):
        name = draw(st.sampled_from(chosen))
        values[name], broken = draw(mutate(name, values[name]))
    if stack == "prod":  # the user's real ids in place of the placeholders, then the drawn values over them
        base = prod_overrides()["elasticache"]
        values["elasticache"] = {**base, **values.get("elasticache", {})}
    if draw(st.booleans()):
        values["password"] = {"secure": "stand-in"}  # a `pulumi config set --secret password` value
    return values, broken


def _refused(error: ConfigError, run: StackRun, broken: str | None) -> None:
    assert run.resources == [], "a resource was registered before validation refused the config"
    assert error.problems
    for problem in error.problems:
        assert problem.fix and not RAW_EXCEPTION.search(problem.message), problem.render()
        assert not RAW_EXCEPTION.search(str(error))
    if broken is not None:
        keys = [p.key for p in error.problems]
        assert any(key == broken or key.startswith((f"{broken}.", f"{broken}[")) or broken.startswith(key)
                   for key in keys), f"broke {broken}, refused {keys}"


class Booter:
    """Boots each distinct rendered config once, at most MAX_BOOTS per test run."""

    def __init__(self, workdir: Path):
        self.workdir, self.seen = workdir, set()

    def boot(self, conf: str, command: list[str], password: str | None = None) -> None:
        if conf in self.seen or len(self.seen) >= MAX_BOOTS:
            return
        self.seen.add(conf)
        event("booted")
        binary = ["redis-server", *command[1:]]  # valkey-server in a valkey image; the server here is redis
        with RedisServer.from_container(conf, self.workdir / f"boot-{len(self.seen)}", binary) as server:
            client = server.client(password)
            assert client.ping()
            with pytest.raises(redis.exceptions.NoPermissionError):
                client.flushall()  # whatever else the config says, the app's default user never may


def _parameter_conf(run: StackRun) -> str:
    """The parameter group's values as redis.conf lines (cluster-enabled needs cluster files, so it is left to
    ElastiCache), and the RBAC default user's access string as its `user default` line (without a password: the
    server here is on loopback), so a real server parses exactly what CreateUser gets."""
    group = run.one("aws:elasticache/parameterGroup:ParameterGroup")
    lines = ["port 6379", 'save ""']
    for parameter in group.plain("parameters"):
        name, value = parameter["name"], parameter["value"]
        if name != "cluster-enabled":
            lines.append(f"{name} {value}")
    default = next(u for u in run.of_type("aws:elasticache/user:User") if u.plain("userName") == "default")
    lines.append(f"user default reset nopass {default.plain('accessString')}")
    return "\n".join(lines) + "\n"


def _run(stack: str, case: tuple[dict[str, Any], str | None], booter: Booter) -> None:
    overrides, broken = case
    run = StackRun()
    try:
        run_stack(stack, overrides=overrides, into=run, secrets={f"{PROJECT}:password": SECRET})
    except ConfigError as error:
        _refused(error, run, broken)
        event("refused (mutated)" if broken else "refused (a rule beyond the schema)")
        return
    event("accepted")
    assert broken is None, f"accepted a config whose {broken} was broken: {overrides}"
    assert violations(run) == []
    if stack == "dev":
        conf, command, password = container_boot(run)
        booter.boot(conf, command, password)
    else:
        booter.boot(_parameter_conf(run), ["redis-server", "/usr/local/etc/redis/redis.conf"])


@pytest.mark.integration
@DEV_SETTINGS
@given(case=configs("dev"))
def test_dev_configs_are_refused_cleanly_or_run_and_boot(case, tmp_path_factory):
    _run("dev", case, _booter(tmp_path_factory, "dev"))


@pytest.mark.integration
@PROD_SETTINGS
@given(case=configs("prod"))
def test_prod_configs_are_refused_cleanly_or_pass_what_aws_documents(case, tmp_path_factory):
    _run("prod", case, _booter(tmp_path_factory, "prod"))


_BOOTERS: dict[str, Booter] = {}


def _booter(factory: Any, stack: str) -> Booter:
    if stack not in _BOOTERS:
        _BOOTERS[stack] = Booter(factory.mktemp(f"boots-{stack}"))
    return _BOOTERS[stack]


def test_the_node_types_accepted_are_documented_by_aws():
    accepted = {f"cache.{family}.{size}" for family, sizes in aws_values.NODE_TYPES.items() for size in sizes}
    assert accepted <= creatable_node_types()
    assert "cache.t2.micro" not in accepted and "cache.m6g.999xlarge" not in accepted
