"""`make bench`: ``ivig-graph serve`` beside Oxigraph's server, rdflib-endpoint and the Python
ceiling, as a user meets them: every request a fresh query text, 16 connections.

All parts in one run on this machine, written to bench/results/<date>.json and a Markdown report
(bench/README.md says what each part measures; bench/RESULTS.md keeps the dated reports).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import mix
import servers
import spy
from load import FRESH, REPEATED, drive
from report import render
from scaling import measure_scale

from ivig_graph.build import icd10cm
from ivig_graph.dataset.files import BuiltDataset, load_built

RESULTS = Path(__file__).resolve().parent / "results"
PARTS = "build,startup,mix,variants,ceiling,soak,profile,scaling"  # variants, ceiling: with mix
# The same app, other settings: HTTP processes, query workers, the share of one client, and
# nginx in front (what `make run` serves).
VARIANTS = {
    "ivig-graph, IVIG_FRONT=nginx": {"IVIG_FRONT": "nginx"},
    "ivig-graph, IVIG_HTTP_PROCESSES=2": {"IVIG_HTTP_PROCESSES": "2"},
    "ivig-graph, IVIG_WORKERS=3": {"IVIG_WORKERS": "3"},
    "ivig-graph, IVIG_CLIENT_SHARE=1": {"IVIG_CLIENT_SHARE": "1"},
}
NO_CACHE = {"IVIG_RESULT_CACHE_MB": "0"}
Report = dict[str, Any]


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
        "load_before": load_average(),
    }


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def measure_build(report: Report, work: Path) -> BuiltDataset:
    started = time.perf_counter()
    result = subprocess.run(
        [str(servers.BIN / "ivig-graph"), "build", "--quiet", "--dataset", str(work / "dataset")],
        capture_output=True,
        text=True,
        check=True,
    )
    build = {"ivig-graph build (wall)": round(time.perf_counter() - started, 2)}
    for line in result.stderr.splitlines():
        match = re.match(r"\[\d/4\] (\w+)\s+done in ([\d.]+)s", line)
        if match:
            build[match.group(1)] = float(match.group(2))
    report["build_s"] = build
    return load_built(work / "dataset")


def measure_startup(report: Report, built: BuiltDataset, work: Path) -> None:
    """Launch to first correct answer, best of 3: ivig-graph, and Oxigraph's server (its
    ``oxigraph load`` timed apart)."""
    ivig = _best_start(lambda: servers.ivig(built, work))
    location, load_s = servers.oxigraph_location(built, work)
    oxigraph = _best_start(lambda: servers.oxigraph(location, work))
    report["startup_s"] = {
        "ivig-graph": round(ivig, 3),
        "oxigraph serve-read-only": round(oxigraph, 3),
        "oxigraph load": round(load_s, 3),
    }
    print(f"== start-up: {report['startup_s']}", flush=True)


def _best_start(launch: Callable[[], servers.Server]) -> float:
    """Launch to first correct answer, the best of three launches."""
    seconds = []
    for _ in range(3):
        server = launch()
        try:
            seconds.append(servers.wait_until_answering(server))
        finally:
            servers.stop(server)
    return min(seconds)


def mix_servers(
    built: BuiltDataset, work: Path, parts: set[str]
) -> list[tuple[servers.Server, tuple[str, ...]]]:
    """Every server of the mix, with the modes each is loaded in."""
    location, _ = servers.oxigraph_location(built, work)
    both, fresh = (FRESH, REPEATED), (FRESH,)
    chosen = [
        (servers.ivig(built, work), both),
        (servers.ivig_gunicorn(built, work), both),
        (servers.oxigraph(location, work), both),
    ]
    if servers.PEERS.joinpath("rdflib-endpoint").exists():
        chosen.append((servers.rdflib_endpoint(built, work), fresh))
    else:
        print("bench: rdflib-endpoint not installed (scripts/bench/install.sh)", file=sys.stderr)
    if "variants" in parts:
        chosen += [(servers.ivig(built, work, env, name), fresh) for name, env in VARIANTS.items()]
        # What the result cache earns a repeated query and costs a fresh one.
        chosen.append((servers.ivig(built, work, NO_CACHE, "ivig-graph, result cache off"), both))
    return chosen


def measure_mix(
    report: Report, built: BuiltDataset, work: Path, seconds: float, parts: set[str]
) -> None:
    """All servers up at once, loaded in turn query by query (then the ceilings before and
    after), so that the other jobs on this shared machine weigh on each about alike."""
    queries = mix.query_mix()
    chosen = mix_servers(built, work, parts)
    ceilings = (
        [servers.ceiling(name, work) for name in servers.CEILINGS] if "ceiling" in parts else []
    )
    try:
        for server, _ in chosen:
            servers.wait_until_answering(server)
            report["correctness"][server.name] = mix.check_answers(
                server, queries, report["expected_sizes"]
            )
        for ceiling in ceilings:
            servers.wait_for_ceiling(ceiling)
        measure_ceilings(report, ceilings, seconds)
        for query in queries:
            for server, modes in chosen:
                for mode in modes:
                    results = report[mode].setdefault(server.name, {})
                    results.update(mix.load_each(server, [query], seconds, mode, server.name))
                if server.name == "rdflib-endpoint":
                    time.sleep(1)  # its last slow requests finish before the next server's load
        measure_ceilings(report, ceilings, seconds)
        for server, _ in chosen:
            report["memory_after_load"][server.name] = server.memory_mb()
    finally:
        for server in [s for s, _ in chosen] + ceilings:
            servers.stop(server)


def measure_ceilings(report: Report, ceilings: list[servers.Server], seconds: float) -> None:
    """A constant Flask route under granian and gunicorn, through the same script; the better
    of the two rounds counts."""
    for server in ceilings:
        load = asdict(drive(server.port, [("text/plain", "/?query=x")], seconds, FRESH))
        best = report["ceiling"].get(server.name)
        if best is None or load["requests_per_s"] > best["requests_per_s"]:
            report["ceiling"][server.name] = load
        print(f"  {server.name}: {load['requests_per_s']:.1f}/s", flush=True)


def measure_soak(report: Report, built: BuiltDataset, work: Path, seconds: float) -> None:
    with servers.running(servers.ivig(built, work)) as server:
        load = drive(server.port, mix.rotation(server, mix.query_mix()), seconds, FRESH)
        report["soak"] = {
            **asdict(load),
            "seconds": seconds,
            "memory_after": server.memory_mb(),
            "not_200": servers.statuses_in_log(server.log),
        }
    print(f"== soak {seconds:g} s: {report['soak']}", flush=True)


def measure_profile(report: Report, built: BuiltDataset, work: Path, seconds: float) -> None:
    """py-spy on the HTTP process (GIL holder) and one query worker, during the fresh mix."""
    with servers.running(servers.ivig(built, work)) as server:
        roles = spy.roles(server)
        result: dict[str, Any] = {}
        queries = mix.rotation(server, mix.query_mix())
        loader = threading.Thread(
            target=lambda: result.update(load=asdict(drive(server.port, queries, seconds + 4)))
        )
        loader.start()
        time.sleep(2)
        samplers = {
            role: spy.record(pid, seconds, work / f"py-spy-{pid}.txt", role == "HTTP process")
            for role, pid in roles.items()
        }
        for sampler in samplers.values():
            sampler.wait()
        loader.join()
        for role, pid in roles.items():
            raw = (work / f"py-spy-{pid}.txt").read_text()
            shutil.copy(
                work / f"py-spy-{pid}.txt", RESULTS / f"py-spy-{role.replace(' ', '-')}.txt"
            )
            result[role] = spy.summarise(raw)
        result["seconds"] = seconds
        report["profile"] = result
    print(f"== profile: {json.dumps(report['profile'], indent=1)}", flush=True)


def new_report(args: argparse.Namespace, command: str) -> Report:
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "machine": machine(),
        "seconds_per_run": args.seconds,
        "mix": list(mix.MIX),
        "expected_sizes": {},
        "correctness": {},
        FRESH: {},
        REPEATED: {},
        "memory_after_load": {},
        "ceiling": {},
        "scaling": [],
    }


def run_parts(report: Report, args: argparse.Namespace, work: Path) -> None:
    parts = set(args.parts.split(","))
    built = measure_build(report, work)
    report["expected_sizes"] = mix.expected_sizes(built, mix.query_mix())
    if "startup" in parts:
        measure_startup(report, built, work)
    if "mix" in parts:
        measure_mix(report, built, work, args.seconds, parts)
    if "soak" in parts:
        measure_soak(report, built, work, args.soak)
    if "profile" in parts:
        measure_profile(report, built, work, args.profile)
    if "scaling" in parts:
        for scale in (int(s) for s in args.scales.split(",")):
            report["scaling"].append(measure_scale(scale, work))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5, help="wrk run length per query")
    parser.add_argument("--soak", type=float, default=60, help="soak length in seconds")
    parser.add_argument("--profile", type=float, default=15, help="py-spy sampling seconds")
    parser.add_argument("--scales", default="1,100", help="synthetic scales (comma-separated)")
    parser.add_argument("--parts", default=PARTS, help=f"comma-separated, of {PARTS}")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("bench: wrk is not installed (make bench installs it)", file=sys.stderr)
        return 2
    icd10cm.is_code("A00")  # load the code set before timing anything
    report = new_report(args, " ".join(["bench/run.py", *sys.argv[1:]]))
    RESULTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ivig-bench-") as scratch:
        run_parts(report, args, Path(scratch))
    report["machine"]["load_after"] = load_average()
    stem = report["date"].replace(" UTC", "").replace(" ", "-").replace(":", "")
    out = RESULTS / f"{stem}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    tables = out.with_suffix(".md")
    tables.write_text(render(report))
    print(f"wrote {out} and {tables} (the tables for bench/RESULTS.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
