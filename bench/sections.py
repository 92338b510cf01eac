"""The four comparisons of `make bench`, each returning result rows (see docs/performance.md for what they mean).

1. verify start-up: the whole `verify` CLI vs the floor for any Python Redis tool (import redis-py, PING once).
2. program: each stack evaluated under the mock engine vs a bare `import pulumi, pulumi_aws, pulumi_docker`.
3. config cost: redis-benchmark SET/GET, 50 clients, on the shipped redis.conf vs stock Redis defaults (and vs the
   shipped file with AOF off, to tell what the durability settings cost).
4. capacity: `loadtest` vs redis-benchmark at the same concurrency against the same server.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from pathlib import Path

from bench.harness import PY, REPO_ROOT, STOCK_CONF, alternating, interleaved, need, redis_benchmark, start_server
from bench.harness import timed
from bench.stats import Figure, Goal, Row, ratios
from infra.config import redis_conf
from infra.loadtest.limits import server_cpu_seconds
from infra.config.redis import RedisSettings
# the tests' outputs builder and admin password (tests/ is on the path)
from support.ops_support import ADMIN_PASSWORD, outputs_for, write_outputs

FLOOR = "import os, redis; redis.Redis(port=int(os.environ['BENCH_PORT']), password=os.environ['BENCH_PW']).ping()"


def dev_outputs(path: Path, server, password: str) -> str:  # noqa: ANN001
    """Stack outputs as `pulumi stack output --json --show-secrets` prints them for a dev stack on `server`."""
    return write_outputs(path, outputs_for(server, password, settings=RedisSettings().effective()))


def verify_startup(runs: int, tmp: Path) -> list[Row]:
    password = secrets.token_hex(20)
    server = start_server(tmp / "verify", redis_conf.render(RedisSettings(), password, ADMIN_PASSWORD))
    try:
        outputs = dev_outputs(tmp / "verify-outputs.json", server, password)
        env = {"BENCH_PORT": str(server.port), "BENCH_PW": password, "REDISCLI_AUTH": password}
        verify = [PY, "-m", "infra.cli", "verify", "--outputs", outputs]
        _, code, last = timed(verify, env)
        samples = interleaved({"floor": [PY, "-c", FLOOR], "verify": verify,
                               "redis-cli": [need("redis-cli"), "-p", str(server.port), "ping"]}, runs, env)
    finally:
        server.stop()
    floor = Figure(tuple(samples["floor"]), " s")
    return [
        Row("verify", "`python -m infra.cli verify` (every check) against a local server",
            ours=Figure(tuple(samples["verify"]), " s"), baseline=floor, baseline_name="import redis + 1 PING",
            ratio=ratios(samples["verify"], samples["floor"]), goal=Goal("<=", 3),
            note="" if code == 0 else f"verify exited {code} against the bench server: {last}"),
        Row("verify", "`redis-cli ping`, for scale", ours=Figure(tuple(samples["redis-cli"]), " s"),
            baseline=floor, baseline_name="import redis + 1 PING",
            ratio=ratios(samples["redis-cli"], samples["floor"])),
    ]


def program_eval(runs: int) -> list[Row]:
    stacks = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in REPO_ROOT.glob("Pulumi.*.yaml"))
    commands, broken = {"floor": [PY, "-c", "import pulumi, pulumi_aws, pulumi_docker"]}, {}
    for stack in stacks:
        command = [PY, "-m", "bench.eval_stack", stack]
        _, code, last = timed(command)
        if code == 0:
            commands[stack] = command
            # The part no program can avoid: loading the provider classes it registers (pulumi-aws loads a whole
            # service package, e.g. ~400 ec2 modules, for one class in it).
            classes = subprocess.run([*command, "--classes"], capture_output=True, text=True, check=True,
                                     cwd=REPO_ROOT).stdout.split()
            roots = sorted({path.split(".")[0] for path in classes})
            commands[f"{stack}:classes"] = [PY, "-c", f"import pulumi, {', '.join(roots)}; " +
                                            "; ".join(classes)]
        else:
            broken[stack] = last
    samples = interleaved(commands, runs)
    floor, name = Figure(tuple(samples["floor"]), " s"), "import pulumi, pulumi_aws, pulumi_docker"
    rows = []
    for stack in stacks:
        what = f"`{stack}` stack evaluated under the mock engine (whole process)"
        if stack in broken:
            rows.append(Row("program", what, baseline=floor, baseline_name=name, note=f"not evaluable yet: "
                            f"{broken[stack]}"))
        else:
            rows.append(Row("program", what, ours=Figure(tuple(samples[stack]), " s"), baseline=floor,
                            baseline_name=name, ratio=ratios(samples[stack], samples["floor"]), goal=Goal("<=", 1.5)))
            classes = samples[f"{stack}:classes"]
            rows.append(Row("program", f"… `{stack}` vs importing just the provider classes it registers",
                            ours=Figure(tuple(samples[stack]), " s"), baseline=Figure(tuple(classes), " s"),
                            baseline_name="import of those SDK classes", ratio=ratios(samples[stack], classes)))
    return rows


def cpu_seconds(server) -> float:  # noqa: ANN001
    seconds = server_cpu_seconds(server.client())  # the figure `loadtest` reports Redis's CPU from
    if seconds is None:
        raise RuntimeError(f"the bench server on port {server.port} reports no CPU time in INFO")
    return seconds


def config_cost(runs: int, tmp: Path, requests: int) -> list[Row]:
    """Throughput is the headline; Redis's own CPU time per request (INFO, all its threads) is the noise-resistant
    witness: other processes on a shared machine slow a run down but do not make Redis spend more CPU per command."""
    shipped_text = (REPO_ROOT / "redis.conf").read_text()
    servers = {"stock": start_server(tmp / "stock", STOCK_CONF),
               "shipped": start_server(tmp / "shipped", shipped_text),
               "no-aof": start_server(tmp / "no-aof", shipped_text, extra="appendonly no")}
    rps: dict[tuple[str, str], list[float]] = {(n, t): [] for n in servers for t in ("SET", "GET")}
    cpu_us: dict[tuple[str, str], list[float]] = {key: [] for key in rps}
    try:
        for server in servers.values():  # warm-up: allocator, page cache, the first AOF file
            redis_benchmark(server.port, 50, requests // 4, 100_000, 3)
        for round_ in range(runs):
            for test in ("SET", "GET"):
                for name in alternating(list(servers), round_):
                    server = servers[name]
                    before = cpu_seconds(server)
                    rps[name, test].append(redis_benchmark(server.port, 50, requests, 100_000, 3, test)[test]["rps"])
                    cpu_us[name, test].append((cpu_seconds(server) - before) / requests * 1e6)
    finally:
        for server in servers.values():
            server.stop()
    rows = []
    for test in ("SET", "GET"):
        ours, stock = rps["shipped", test], rps["stock", test]
        rows.append(Row("config", f"redis-benchmark {test}, 50 clients: shipped redis.conf",
                        ours=Figure(tuple(ours), " ops/s"), baseline=Figure(tuple(stock), " ops/s"),
                        baseline_name="stock defaults", ratio=ratios(ours, stock), goal=Goal(">=", 0.9)))
        ours, stock, no_aof = cpu_us["shipped", test], cpu_us["stock", test], cpu_us["no-aof", test]
        rows.append(Row("config", f"… {test}: Redis CPU per request (lower is better; ratio = stock ÷ shipped)",
                        ours=Figure(tuple(ours), " µs"), baseline=Figure(tuple(stock), " µs"),
                        baseline_name="stock defaults", ratio=ratios(stock, ours)))
        rows.append(Row("config", f"… {test}: CPU per request, shipped vs shipped with AOF off (what AOF costs)",
                        ours=Figure(tuple(ours), " µs"), baseline=Figure(tuple(no_aof), " µs"),
                        baseline_name="AOF off", ratio=ratios(no_aof, ours)))
    return rows


def mixed(bench: dict[str, dict[str, float]], set_ratio: float, field: str) -> float:
    """redis-benchmark runs SET and GET separately; the mix's throughput is the harmonic blend (time per op adds)."""
    if field == "rps":
        return 1 / (set_ratio / bench["SET"]["rps"] + (1 - set_ratio) / bench["GET"]["rps"])
    return set_ratio * bench["SET"][field] + (1 - set_ratio) * bench["GET"][field]


def capacity(runs: int, tmp: Path, connections: int, seconds: float) -> list[Row]:
    password, set_ratio, keys, value_bytes = secrets.token_hex(20), 0.1, 10_000, 512
    server = start_server(tmp / "capacity", redis_conf.render(RedisSettings(), password, ADMIN_PASSWORD))
    admin = server.admin()  # ACL SETUSER is the admin user's
    outputs = dev_outputs(tmp / "capacity-outputs.json", server, password)
    command = [PY, "-m", "infra.cli", "loadtest", "--outputs", outputs, "--connections", str(connections),
               "--seconds", str(seconds), "--set-ratio", str(set_ratio), "--keys", str(keys), "--value-bytes",
               str(value_bytes), "--json", "--quiet"]
    ours, theirs = [], []
    try:
        for _ in range(runs):
            done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=seconds + 120)
            try:
                report = json.loads(done.stdout)
            except json.JSONDecodeError:
                report = {}
            if "ops_per_sec" not in report:
                raise RuntimeError(f"loadtest exited {done.returncode}: {done.stderr.strip()[-300:]}")
            ours.append(report)
            # redis-benchmark takes a password only on its command line (-a, visible in `ps`): lift the password of
            # this throwaway server for its run instead, through the admin connection, and put it back afterwards.
            admin.execute_command("ACL", "SETUSER", "default", "nopass")
            try:
                requests = max(50_000, int(report["ops_per_sec"] * seconds))
                theirs.append(redis_benchmark(server.port, connections, requests, keys, value_bytes))
            finally:
                admin.execute_command("ACL", "SETUSER", "default", "resetpass", f">{password}")
    finally:
        server.stop()
    return capacity_rows(ours, theirs, connections, set_ratio)


def capacity_rows(ours: list[dict], theirs: list[dict], connections: int, set_ratio: float) -> list[Row]:
    lt_rps = [r["ops_per_sec"] for r in ours]
    rb_rps = [mixed(b, set_ratio, "rps") for b in theirs]
    name = f"redis-benchmark, {connections} clients ({1 - set_ratio:.0%} GET / {set_ratio:.0%} SET blend)"
    rows = [Row("capacity", f"`loadtest`, {connections} connections: throughput", ours=Figure(tuple(lt_rps), " ops/s"),
                baseline=Figure(tuple(rb_rps), " ops/s"), baseline_name=name, ratio=ratios(lt_rps, rb_rps),
                goal=Goal(">=", 0.5))]
    for q in ("p50", "p99"):
        lt = [r["latency_ms"][q] for r in ours]
        rb = [mixed(b, set_ratio, f"{q}_latency_ms") for b in theirs]
        rows.append(Row("capacity", f"… {q} latency", ours=Figure(tuple(lt), " ms"),
                        baseline=Figure(tuple(rb), " ms"), baseline_name="redis-benchmark", ratio=ratios(lt, rb)))
    # Little's law: requests in flight = throughput × mean latency. A closed-loop client that keeps every connection
    # busy and times the whole wait shows ≈ 1 × connections; less means part of the wait is outside its clock.
    lt_flight = [r["ops_per_sec"] * r["latency_ms"]["mean"] / 1000 / connections for r in ours]
    rb_flight = [mixed(b, set_ratio, "rps") * mixed(b, set_ratio, "avg_latency_ms") / 1000 / connections
                 for b in theirs]
    rows.append(Row("capacity", "… in flight ÷ connections (Little's law: ops/s × mean latency)",
                    ours=Figure(tuple(lt_flight)), baseline=Figure(tuple(rb_flight)), baseline_name="redis-benchmark",
                    ratio=Figure(tuple(lt_flight), "×"), goal=Goal(">=", 0.8)))
    lt_tail = [r["latency_ms"]["p99"] / r["latency_ms"]["p50"] for r in ours]
    rb_tail = [mixed(b, set_ratio, "p99_latency_ms") / mixed(b, set_ratio, "p50_latency_ms") for b in theirs]
    rows.append(Row("capacity", "… tail shape p99 ÷ p50", ours=Figure(tuple(lt_tail)),
                    baseline=Figure(tuple(rb_tail)), baseline_name="redis-benchmark", ratio=ratios(lt_tail, rb_tail),
                    goal=Goal("<=", 2)))
    return rows
