"""The command names `redis.disabledCommands` may hold, and the ones our tools need, held to real servers.

`COMMANDS_7_2` is compared with `COMMAND LIST` of the redis-server installed here (Debian's 7.0: the difference must
be exactly `ADDED_IN_7_2`). `REQUIRED_COMMANDS` is derived from the tools themselves: every tool runs against a
server on which every other command the rules accept is renamed away, and must succeed; the server's command
statistics then say which commands they sent, which must be exactly the required ones (minus the paths a single
local server cannot take). A static scan catches a command literal added on a path no test here runs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import container_boot
from infra.backends.docker.component import HEALTHCHECK
from infra.config.redis_commands import (ACL_EXEMPT, ADDED_IN_7_2, COMMANDS_7_2, OPTIONAL_COMMANDS, REQUIRED_COMMANDS,
                                         known_commands)
from infra.config.stack_files import stack_values
from support.ops_support import LIBRARY, outputs_for, run_cli, write_outputs
from support.redis_server import RedisServer
from support.stack_harness import REPO_ROOT, run_stack

# Tool paths a plain local server does not take: cluster mode (ElastiCache's configuration endpoint).
NOT_EXERCISED_HERE = {"CLUSTER"}
SMALL_LOADTEST = ("--connections", "8", "--seconds", "0.5", "--warmup", "0.1", "--keys", "50", "--workers", "1")


@pytest.mark.integration
def test_the_command_table_is_the_real_servers(tmp_path):
    with RedisServer("port 6379\nsave \"\"\n", tmp_path) as server:  # the port is replaced by a free one
        client = server.client()
        client.set_response_callback("COMMAND", lambda response, **_: response)  # raw replies, not the table parse
        version = tuple(int(p) for p in client.info("server")["redis_version"].split(".")[:2])
        names = {name.decode().upper() for name in client.execute_command("COMMAND", "LIST")}
        docs = client.execute_command("COMMAND", "DOCS", "WAITAOF")
        raw_table = client.execute_command("COMMAND")
    top_level = {name for name in names if "|" not in name}
    assert top_level == known_commands(version), (sorted(top_level ^ known_commands(version)))
    if version < (7, 2):  # Debian's 7.0: exactly the 7.2 additions are missing
        assert COMMANDS_7_2 - top_level == ADDED_IN_7_2 and docs == []
    assert set(REQUIRED_COMMANDS) <= COMMANDS_7_2
    flags = {entry[0].decode().upper(): entry[2] for entry in raw_table}
    assert {name for name, flag in flags.items() if b"no_auth" in flag} == ACL_EXEMPT  # what no ACL rule can deny


def _hardened_stack(**redis):
    """The dev stack with every command the rules accept denied to the app (a 7.0 image, as the server here is 7.0)."""
    values = stack_values("dev")
    allowed = sorted(known_commands((7, 0)) - set(REQUIRED_COMMANDS) - ACL_EXEMPT)
    return run_stack("dev", overrides={
        "docker": {**values["profwise-redis:docker"], "image": "redis:7.0.15-alpine"},
        "redis": {**values["profwise-redis:redis"], "disabledCommands": allowed, **redis}})


def _sent(server: RedisServer, password: str, action) -> set[str]:
    """Top-level commands the server executed while `action()` ran (our own INFO read taken out)."""
    client = server.client(password)

    def calls() -> dict[str, int]:  # per top-level command, its subcommands summed (acl|setuser + acl|whoami + ...)
        totals: dict[str, int] = {}
        for name, stats in client.info("commandstats").items():
            command = name.removeprefix("cmdstat_").split("|")[0].upper()
            totals[command] = totals.get(command, 0) + stats["calls"]
        return totals

    before = calls()
    action()
    after = calls()
    after["INFO"] -= 1
    return {name for name, count in after.items() if count > before.get(name, 0)}


def _ok(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"


def _loadtest_cleans_up(outputs: str) -> None:
    """loadtest exits 0 even when its cleanup fails (the keys have a TTL): its report says whether it worked."""
    done = run_cli("loadtest", *SMALL_LOADTEST, "--p99-ms", "10000", "--json", "--outputs", outputs)
    _ok(done)
    assert json.loads(done.stdout)["cleaned_keys"] == int(SMALL_LOADTEST[SMALL_LOADTEST.index("--keys") + 1])


def _exercise(tmp_path: Path, backup: str, appendonly: bool) -> set[str]:
    """Every tool (restore only, when AOF is off) against a hardened server; the commands it executed."""
    run = _hardened_stack(appendonly=appendonly)
    conf, command, password = container_boot(run)
    assert len(run.outputs["settings"]["disabled-commands"]) > 200
    sent: set[str] = set()
    with RedisServer.from_container(conf, tmp_path / f"hardened-{appendonly}", command) as server:
        target = write_outputs(tmp_path / f"target-{appendonly}.json",
                               {**outputs_for(server, password), "settings": run.outputs["settings"]})
        # The tools run as the admin user, whom disabledCommands do not touch: deny it the optional commands for the
        # restore, as the old rename-command did for everyone, so restore takes (and proves) its RESTORE fallback;
        # then grant them back (verify checks the admin may run every disabled command).
        optional = [name.lower() for name in OPTIONAL_COMMANDS]
        server.admin().execute_command("ACL", "SETUSER", "profwise-admin", *(f"-{name}" for name in optional))
        sent |= _sent(server, password, lambda: _ok(run_cli("restore", "--outputs", target, backup, "--yes")))
        server.admin().execute_command("ACL", "SETUSER", "profwise-admin", *(f"+{name}" for name in optional))
        if not appendonly:
            return sent
        health = HEALTHCHECK[1].replace("redis-cli", f"redis-cli -p {server.port}")
        steps = [
            lambda: _ok(subprocess.run(["sh", "-c", health], env={**os.environ, "REDISCLI_AUTH": password},
                                       capture_output=True, text=True, timeout=30)),
            lambda: _ok(run_cli("verify", "--outputs", target)),
            lambda: _ok(run_cli("backup", "--outputs", target, "--dest", str(tmp_path / "b1"))),
            lambda: _ok(run_cli("health", "--outputs", target)),
            lambda: _loadtest_cleans_up(target),
        ]
        for step in steps:
            sent |= _sent(server, password, step)
    return sent


@pytest.mark.integration
def test_the_tools_need_exactly_the_required_commands(dev_servers, dev_run, tmp_path):
    start, dev_password = dev_servers
    source = start("source")
    client = source.client(dev_password)
    for i in range(200):
        client.set(f"k:{i}", i, ex=3600)
    client.hset("h", mapping={"a": 1})
    source.client(dev_password, db=1).set("in-db-1", 1)  # restore SELECTs database 1
    client.function_load(LIBRARY)
    outputs = write_outputs(tmp_path / "source.json", outputs_for(source, dev_password, dev_run))
    done = run_cli("backup", "--outputs", outputs, "--dest", str(tmp_path / "b0"), "--json")
    _ok(done)
    backup = json.loads(done.stdout)["file"]

    sent: set[str] = set()
    for appendonly in (True, False):  # restore persists with BGREWRITEAOF, or with BGSAVE when AOF is off
        sent |= _exercise(tmp_path, backup, appendonly)
    assert sent == set(REQUIRED_COMMANDS) - NOT_EXERCISED_HERE, (
        f"sent but not listed: {sorted(sent - set(REQUIRED_COMMANDS))}; listed but never sent: "
        f"{sorted(set(REQUIRED_COMMANDS) - NOT_EXERCISED_HERE - sent)}")


# Command names written as literals in the tools: execute_command("X" ...), send_command("X" ...),
# pack_command("X" ...). Every one must be required, or disabling it would break the tool.
_LITERAL = re.compile(r"(?:execute_command|send_command|pack_command)\(\s*\"([A-Za-z]+)[\" ]")


def test_every_command_the_code_names_is_required():
    named = {match.upper() for path in Path(REPO_ROOT, "infra").rglob("*.py")
             for match in _LITERAL.findall(path.read_text())}
    assert {"RESTORE", "FUNCTION", "SYNC", "REPLCONF", "SLOWLOG", "COMMAND", "BGSAVE", "CLUSTER"} <= named
    assert named <= set(REQUIRED_COMMANDS) | set(OPTIONAL_COMMANDS), sorted(named - set(REQUIRED_COMMANDS))
    assert not set(OPTIONAL_COMMANDS) & set(REQUIRED_COMMANDS)
