"""`make bench`: ivig-graph serve side by side with Oxigraph's server and rdflib-endpoint.

Three parts, all in one run on this machine, written to bench/results/<date>.json and a Markdown
report (bench/RESULTS.md keeps the dated reports):

1. **Query mix under load**: every query of queries/*.rq and bench/queries/*.rq, driven by wrk
   (16 connections, 2 threads) against each server loaded with the same built dataset, uncached
   and cached; the Python ceiling (a route returning a constant) measured in the same run;
   requests/s, p50, p99, errors, and the ratios to each peer. Before the load, each server's
   answer to each query is checked against ivig-graph's own (rdflib) answer.
2. **Soak**: the whole mix round-robin for 60 s at 16 connections against ivig-graph serve.
3. **Scaling series**: synthetic graphs at 1x, 10x, 100x the conditions: validation, reasoning
   (rules, and owlrl up to --owlrl-max-scale), writing, start-up to first correct answer, memory,
   and single-client latency of queries whose cost depends on join order.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from rdflib import Graph
from report import render  # bench/report.py, beside this script

from ivig_graph.build import icd10cm
from ivig_graph.build.pipeline import Inputs, load_inputs, manifest_for
from ivig_graph.build.reason import reason
from ivig_graph.build.synthetic import scaled_asserted
from ivig_graph.build.validate import validate
from ivig_graph.dataset.files import BuiltDataset, load_built, new_dataset, write_built
from ivig_graph.query.guard import inspect_query
from ivig_graph.resources import Sources
from ivig_graph.vocab import ASSERTED_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PEERS = ROOT / "bench" / ".venv-peers" / "bin"
RESULTS = ROOT / "bench" / "results"
ACCEPT_RESULTS = "application/sparql-results+json"
ACCEPT_GRAPH = "text/turtle"


# --- servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    name: str
    port: int
    query_path: str
    process: subprocess.Popen[bytes]
    log: Path

    def path_for(self, query: str) -> str:
        return f"{self.query_path}?{urlencode({'query': query})}"

    def get(self, path: str, accept: str, timeout: float = 120) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path, headers={"Accept": accept})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def rss_mb(self) -> float:
        """Resident memory of the server and all its descendants."""
        return sum(_rss_kb(pid) for pid in _descendants(self.process.pid)) / 1024


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def wait_until_answering(server: Server, probe: str, expect: bytes, deadline: float) -> float:
    """Seconds until ``probe`` is answered with a body containing ``expect``."""
    started = time.perf_counter()
    while time.perf_counter() - started < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited: see {server.log}")
        try:
            status, body = server.get(server.path_for(probe), ACCEPT_RESULTS, timeout=5)
            if status == 200 and expect in body:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{server.name} did not answer within {deadline} s: see {server.log}")


PROBE = "ASK { <https://w3id.org/ivig/id/condition/myasthenia-gravis> ?p ?o }"


def launch(
    name: str,
    command: list[str],
    port: int,
    query_path: str,
    log: Path,
    env: dict[str, str] | None = None,
) -> Server:
    process = subprocess.Popen(
        command,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    return Server(name, port, query_path, process, log)


def stop(server: Server) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()


IVIG_UNCACHED = "ivig-graph (uncached)"
IVIG_WORKERS_ONLY = "ivig-graph (uncached, every query in a worker)"
IVIG_CACHED = "ivig-graph"


def start_ivig(built: BuiltDataset, work: Path, cache: bool = True, inline: bool = True) -> Server:
    """``ivig-graph serve`` with its defaults (one HTTP process per core, a query worker per
    slot in each), the rate limit off; the result cache and the known-cheap path on or off."""
    port = free_port()
    env = {"IVIG_RATE_LIMIT": "0", "IVIG_RESULT_CACHE_MB": "64" if cache else "0"}
    if not inline:
        env["IVIG_INLINE_QUERY_MS"] = "0"
    command = [
        str(BIN / "ivig-graph"),
        "serve",
        "--dataset",
        str(built.directory),
        "--port",
        str(port),
    ]
    label = IVIG_CACHED if cache else IVIG_UNCACHED if inline else IVIG_WORKERS_ONLY
    return launch(label, command, port, "/sparql", work / f"ivig-{port}.log", env)


def start_oxigraph(built: BuiltDataset, work: Path) -> Server:
    location = work / f"oxigraph-{built.version}"
    if not location.exists():
        subprocess.run(
            [
                str(BIN / "oxigraph"),
                "load",
                "--location",
                str(location),
                "--file",
                str(built.nquads_path),
            ],
            check=True,
            capture_output=True,
        )
    port = free_port()
    command = [
        str(BIN / "oxigraph"),
        "serve-read-only",
        "--location",
        str(location),
        "--bind",
        f"127.0.0.1:{port}",
        "--union-default-graph",
    ]
    return launch("oxigraph", command, port, "/query", work / f"oxigraph-{port}.log")


def start_rdflib_endpoint(built: BuiltDataset, work: Path) -> Server:
    port = free_port()
    command = [
        str(PEERS / "rdflib-endpoint"),
        "serve",
        str(built.nquads_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    return launch("rdflib-endpoint", command, port, "/", work / f"rdflib-endpoint-{port}.log")


SETTLE_SECONDS = 3.0


@contextmanager
def running(server: Server, deadline: float = 120) -> Iterator[Server]:
    """The server, once it answers and every one of its processes has had time to start: a
    load that began while the first of several processes was alone stayed on it (keep-alive)."""
    try:
        wait_until_answering(server, PROBE, b"true", deadline)
        time.sleep(SETTLE_SECONDS)
        yield server
    finally:
        stop(server)


# --- queries and answers ----------------------------------------------------------------------


@dataclass(frozen=True)
class MixQuery:
    name: str
    text: str
    returns_graph: bool

    @property
    def accept(self) -> str:
        return ACCEPT_GRAPH if self.returns_graph else ACCEPT_RESULTS


def query_mix() -> list[MixQuery]:
    paths = sorted((ROOT / "queries").glob("*.rq")) + sorted(
        (ROOT / "bench" / "queries").glob("*.rq")
    )
    mix = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        mix.append(MixQuery(path.stem, text, inspect_query(text).form.returns_graph))
    return mix


def answer_size(query: MixQuery, body: bytes) -> int:
    """Rows of a SELECT, 0/1 for ASK, triples of a graph."""
    if query.returns_graph:
        return len(Graph().parse(data=body, format="turtle"))
    document = json.loads(body)
    if "boolean" in document:
        return int(document["boolean"])
    return len(document["results"]["bindings"])


def expected_sizes(built: BuiltDataset, mix: list[MixQuery]) -> dict[str, int]:
    from ivig_graph.query.command import run

    dataset = built.rdflib_dataset()
    sizes = {}
    for query in mix:
        result = run(dataset, query.text)
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            sizes[query.name] = len(result.graph or Graph())
        elif result.type == "ASK":
            sizes[query.name] = int(bool(result.askAnswer))
        else:
            sizes[query.name] = len(result.bindings)
    return sizes


def check_answers(server: Server, mix: list[MixQuery], expected: dict[str, int]) -> dict[str, str]:
    """'ok', or what differs, for every query of the mix on this server."""
    verdicts = {}
    for query in mix:
        try:
            status, body = server.get(server.path_for(query.text), query.accept)
            if status != 200:
                verdicts[query.name] = f"HTTP {status}"
                continue
            size = answer_size(query, body)
        except Exception as error:  # a peer's broken answer is a finding, not a crash
            verdicts[query.name] = f"unreadable answer: {type(error).__name__}"
            continue
        want = expected[query.name]
        verdicts[query.name] = "ok" if size == want else f"{size} instead of {want}"
    return verdicts


# --- wrk ---------------------------------------------------------------------------------------


@dataclass
class Load:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * UNITS[unit]


def parse_wrk(output: str) -> Load:
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"(\d+) requests in", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = int(non2xx.group(1)) if non2xx else 0
    if sockets:
        errors += sum(int(n) for n in sockets.groups())
    return Load(
        requests_per_s=float(rate.group(1)) if rate else 0.0,
        p50_ms=_ms(p50.group(1)) if p50 else float("nan"),
        p99_ms=_ms(p99.group(1)) if p99 else float("nan"),
        requests=int(total.group(1)) if total else 0,
        errors=errors,
    )


def wrk(
    port: int,
    path: str,
    accept: str,
    seconds: float,
    connections: int = 16,
    script: list[str] | None = None,
) -> Load:
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--latency",
        "--timeout",
        "10s",
        "-H",
        f"Accept: {accept}",
    ]
    if script:
        command += ["-s", script[0], f"http://127.0.0.1:{port}{path}", "--", *script[1:]]
    else:
        command.append(f"http://127.0.0.1:{port}{path}")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


# --- the parts --------------------------------------------------------------------------------


@dataclass
class Report:
    date: str
    machine: dict[str, str]
    seconds_per_run: float
    correctness: dict[str, dict[str, str]] = field(default_factory=dict)
    load: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    ceiling: dict[str, float] = field(default_factory=dict)  # requests/s of constant routes
    soak: dict[str, float] = field(default_factory=dict)
    startup_s: float = 0.0
    build_s: dict[str, float] = field(default_factory=dict)
    scaling: list[dict[str, object]] = field(default_factory=list)


def machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def measure_build(report: Report, work: Path) -> BuiltDataset:
    started = time.perf_counter()
    result = subprocess.run(
        [str(BIN / "ivig-graph"), "build", "--quiet", "--dataset", str(work / "dataset")],
        capture_output=True,
        text=True,
        check=True,
    )
    report.build_s["ivig-graph build (wall, owlrl)"] = round(time.perf_counter() - started, 2)
    for line in result.stderr.splitlines():
        match = re.match(r"\[\d/4\] (\w+)\s+done in ([\d.]+)s", line)
        if match:
            report.build_s[match.group(1)] = float(match.group(2))
    return load_built(work / "dataset")


def measure_startup(built: BuiltDataset, work: Path) -> float:
    server = start_ivig(built, work)
    try:
        return wait_until_answering(server, PROBE, b"true", 60)
    finally:
        stop(server)


def measure_mix(
    report: Report, built: BuiltDataset, work: Path, seconds: float, peers: bool
) -> None:
    mix = query_mix()
    expected = expected_sizes(built, mix)
    starters = [
        lambda: start_ivig(built, work, cache=False),
        lambda: start_ivig(built, work, cache=False, inline=False),
        lambda: start_ivig(built, work),
    ]
    if peers:
        starters += [
            lambda: start_oxigraph(built, work),
            lambda: start_rdflib_endpoint(built, work),
        ]
    for start in starters:
        with running(start()) as server:
            print(f"== {server.name}", flush=True)
            report.correctness[server.name] = check_answers(server, mix, expected)
            results = {}
            for query in mix:
                load = wrk(server.port, server.path_for(query.text), query.accept, seconds)
                results[query.name] = asdict(load)
                print(
                    f"  {query.name:55} {load.requests_per_s:9.1f}/s p50 {load.p50_ms:8.2f} ms "
                    f"p99 {load.p99_ms:8.2f} ms errors {load.errors}",
                    flush=True,
                )
            report.load[server.name] = results
            if server.name == IVIG_CACHED:
                healthz = wrk(server.port, "/healthz", "text/plain", seconds)
                report.ceiling["ivig-graph /healthz"] = healthz.requests_per_s
                print(f"  /healthz {healthz.requests_per_s:.1f}/s", flush=True)


CEILING_SETUPS = (
    ("flask constant, gunicorn 2 sync workers", ["-w", "2", "-k", "sync"]),
    (
        "flask constant, gunicorn 2 gthread workers, 16 threads each",
        ["-w", "2", "-k", "gthread", "--threads", "16"],
    ),
    (
        "flask constant, gunicorn 2 gthread workers, 16 threads each, a listener per process"
        " (as ivig-graph serve)",
        [
            "-c",
            str(ROOT / "bench" / "ceiling_gunicorn.py"),
            *("-w", "2", "-k", "gthread", "--threads", "16"),
        ],
    ),
    (
        "flask constant, gunicorn 1 gthread worker, 32 threads",
        ["-w", "1", "-k", "gthread", "--threads", "32"],
    ),
)


def measure_ceiling(report: Report, work: Path, seconds: float) -> None:
    """A constant Flask route under gunicorn, in the plain setups that do best here; the
    ceiling is the best of them."""
    for label, options in CEILING_SETUPS:
        port = free_port()
        command = [
            str(BIN / "gunicorn"),
            *options,
            "-b",
            f"127.0.0.1:{port}",
            "--chdir",
            str(ROOT / "bench"),
            "ceiling_app:app",
        ]
        server = launch("ceiling", command, port, "/", work / f"ceiling-{port}.log")
        try:
            deadline = time.perf_counter() + 30
            while time.perf_counter() < deadline:
                try:
                    if server.get("/", "text/plain", timeout=2)[0] == 200:
                        break
                except OSError:
                    time.sleep(0.05)
            time.sleep(SETTLE_SECONDS)  # every worker up before the load (see running)
            load = wrk(port, "/", "text/plain", seconds)
        finally:
            stop(server)
        report.ceiling[label] = load.requests_per_s
        print(f"  ceiling ({label}) {load.requests_per_s:.1f}/s", flush=True)


def measure_soak(report: Report, built: BuiltDataset, work: Path, seconds: float) -> None:
    mix = query_mix()
    paths = work / "soak-paths.txt"
    with running(start_ivig(built, work)) as server:
        paths.write_text("\n".join(server.path_for(q.text) for q in mix) + "\n")
        load = wrk(
            server.port,
            "/sparql",
            ACCEPT_RESULTS,
            seconds,
            script=[str(ROOT / "bench" / "rotate.lua"), str(paths)],
        )
        report.soak = {**asdict(load), "seconds": seconds, "memory_mb_after": server.rss_mb()}
    print(
        f"== soak {seconds:g} s: {load.requests_per_s:.1f}/s p99 {load.p99_ms:.2f} ms "
        f"errors {load.errors}",
        flush=True,
    )


SCALING_QUERIES = [
    "heavy-01-listing",
    "heavy-02-aggregation-label-inside-group",
    "02-off-label-uses-by-category",
    "heavy-03-text-filter",
]


def measure_scale(scale: int, work: Path, owlrl_max_scale: int) -> dict[str, object]:
    sources = Sources.default()
    row: dict[str, object] = {"scale": scale}
    started = time.perf_counter()
    base = load_inputs(sources)
    inputs = Inputs(base.ontology, base.shapes, scaled_asserted(scale, sources))
    row["asserted_triples"] = len(inputs.asserted)
    row["generate_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    report = validate(inputs.ontology + inputs.asserted, sources)
    row["validate_s"] = round(time.perf_counter() - started, 2)
    row["valid"] = report.conforms
    started = time.perf_counter()
    inferred = reason(inputs.ontology, inputs.asserted, "rules")
    row["reason_rules_s"] = round(time.perf_counter() - started, 2)
    row["inferred_triples"] = len(inferred)
    if scale <= owlrl_max_scale:
        started = time.perf_counter()
        by_owlrl = reason(inputs.ontology, inputs.asserted, "owlrl")
        row["reason_owlrl_s"] = round(time.perf_counter() - started, 2)
        row["rules_equal_owlrl"] = set(by_owlrl) == set(inferred)
    started = time.perf_counter()
    combined = new_dataset()
    for name, graph in (
        (ONTOLOGY_GRAPH, inputs.ontology + inputs.shapes),
        (ASSERTED_GRAPH, inputs.asserted),
        (INFERRED_GRAPH, inferred),
    ):
        target = combined.graph(name)
        target += graph
    built = write_built(combined, work / f"scale-{scale}", manifest_for(combined, sources))
    row["write_s"] = round(time.perf_counter() - started, 2)
    server = start_ivig(built, work, cache=False)
    try:
        row["startup_s"] = round(wait_until_answering(server, PROBE, b"true", 300), 2)
        row["memory_mb"] = round(server.rss_mb(), 1)
        mix = {q.name: q for q in query_mix()}
        for name in SCALING_QUERIES:
            query = mix[name]
            timings = []
            for _ in range(5):
                began = time.perf_counter()
                status, _body = server.get(server.path_for(query.text), query.accept, timeout=600)
                timings.append(time.perf_counter() - began)
                if status != 200:
                    row[f"{name}_status"] = status
            row[f"{name}_ms"] = round(sorted(timings)[len(timings) // 2] * 1000, 1)
    finally:
        stop(server)
    print(f"== scale {scale}x: {row}", flush=True)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5, help="wrk run length per query")
    parser.add_argument("--soak", type=float, default=60, help="soak length in seconds")
    parser.add_argument("--scales", default="1,10,100", help="scaling series (comma-separated)")
    parser.add_argument(
        "--owlrl-max-scale",
        type=int,
        default=10,
        help="largest scale at which owlrl also reasons (100x takes minutes)",
    )
    parser.add_argument("--no-peers", action="store_true", help="skip Oxigraph and rdflib-endpoint")
    parser.add_argument("--parts", default="build,startup,mix,ceiling,soak,scaling")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("bench: wrk is not installed (make bench installs it)", file=sys.stderr)
        return 2
    icd10cm.is_code("A00")  # load the code set before timing anything
    report = Report(
        date=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        machine=machine(),
        seconds_per_run=args.seconds,
    )
    parts = set(args.parts.split(","))
    with tempfile.TemporaryDirectory(prefix="ivig-bench-") as scratch:
        work = Path(scratch)
        built = measure_build(report, work)
        if "startup" in parts:
            report.startup_s = round(min(measure_startup(built, work) for _ in range(3)), 3)
            print(f"== start-up to first answer: {report.startup_s} s", flush=True)
        if "mix" in parts:
            measure_mix(report, built, work, args.seconds, peers=not args.no_peers)
        if "ceiling" in parts:
            measure_ceiling(report, work, args.seconds)
        if "soak" in parts:
            measure_soak(report, built, work, args.soak)
        if "scaling" in parts:
            for scale in (int(s) for s in args.scales.split(",")):
                report.scaling.append(measure_scale(scale, work, args.owlrl_max_scale))
    RESULTS.mkdir(exist_ok=True)
    stem = report.date.replace(" UTC", "").replace(" ", "-").replace(":", "")
    out = RESULTS / f"{stem}.json"
    data = asdict(report)
    out.write_text(json.dumps(data, indent=2) + "\n")
    tables = out.with_suffix(".md")
    tables.write_text(render(data, command=" ".join(["bench/run.py", *sys.argv[1:]])))
    print(f"wrote {out} and {tables} (the tables for bench/RESULTS.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
