"""The tables of bench/RESULTS.md, rendered from one run's JSON (``bench/run.py`` writes both).

``python bench/report.py bench/results/<run>.json`` prints them again. ``judge`` decides every
performance target of issue 10 from the measured numbers, so a run says itself which are met.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

OURS = "ivig-graph"
OXIGRAPH = "oxigraph"
RDFLIB_ENDPOINT = "rdflib-endpoint"
FRESH = "fresh"
REPEATED = "repeated"

RDFLIB_RATIO = 10.0
ENGINE_BOUND_BELOW = 1000.0  # requests/s of Oxigraph's server under which the engine bounds
OXIGRAPH_SHARE = 0.8
CEILING_SHARE = 0.5
P99_FRESH_MS = 100.0
P99_REPEATED_MS = 50.0
SOAK_SECONDS = 60.0
MEMORY_1X_MB = 200.0
MEMORY_100X_RATIO = 2.5
STARTUP_1X_S = 1.0
STARTUP_100X_S = 3.0

Report = dict[str, Any]
Loads = dict[str, dict[str, float]]
Verdict = tuple[str, bool | None, str]


# --- judging ----------------------------------------------------------------------------------


def rate(loads: Loads, query: str) -> float:
    return float(loads.get(query, {}).get("requests_per_s", 0.0))


def best_ceiling(report: Report) -> tuple[str, float]:
    ceilings = report.get("ceiling", {})
    if not ceilings:
        return "", 0.0
    name = max(ceilings, key=lambda key: ceilings[key]["requests_per_s"])
    return name, float(ceilings[name]["requests_per_s"])


def engine_bound(report: Report, query: str) -> bool:
    """Oxigraph's own server answers it at under 1,000/s: the engine bounds the work."""
    return rate(report[FRESH].get(OXIGRAPH, {}), query) < ENGINE_BOUND_BELOW


def _ratios(ours: Loads, theirs: Loads) -> dict[str, float]:
    return {query: rate(ours, query) / rate(theirs, query) for query in ours if rate(theirs, query)}


def _listing(values: dict[str, float], unit: str = "x") -> str:
    return ", ".join(f"{query} {value:.2f}{unit}" for query, value in sorted(values.items()))


def vs_rdflib(report: Report) -> Verdict | None:
    fresh = report.get(FRESH, {})
    if OURS not in fresh or RDFLIB_ENDPOINT not in fresh:
        return None
    ratios = _ratios(fresh[OURS], fresh[RDFLIB_ENDPOINT])
    short = {q: r for q, r in ratios.items() if r < RDFLIB_RATIO}
    detail = f"{len(ratios) - len(short)} of {len(ratios)} at ≥ 10x" + (
        f"; below: {_listing(short)}" if short else ""
    )
    return ("every query ≥ 10x rdflib-endpoint (fresh)", not short and bool(ratios), detail)


def vs_oxigraph(report: Report) -> Verdict | None:
    fresh = report.get(FRESH, {})
    if OURS not in fresh or OXIGRAPH not in fresh:
        return None
    ratios = _ratios(fresh[OURS], fresh[OXIGRAPH])
    bound = {q: r for q, r in ratios.items() if engine_bound(report, q)}
    if not bound:
        return ("engine-bound queries ≥ 0.8x Oxigraph's server (fresh)", None, "none in the mix")
    met = all(r >= OXIGRAPH_SHARE for r in bound.values())
    return ("engine-bound queries ≥ 0.8x Oxigraph's server (fresh)", met, _listing(bound))


def vs_ceiling(report: Report, mode: str) -> Verdict | None:
    """Fresh: the overhead-bound queries; repeated: every query; against the best ceiling."""
    ours = report.get(mode, {}).get(OURS)
    name, ceiling = best_ceiling(report)
    if not ours or not ceiling or OXIGRAPH not in report.get(FRESH, {}):
        return None
    queries = [q for q in ours if mode == REPEATED or not engine_bound(report, q)]
    shares = {q: rate(ours, q) / ceiling for q in queries}
    what = "overhead-bound queries (fresh)" if mode == FRESH else "a repeated query"
    detail = f"ceiling {ceiling:,.0f}/s ({name}); " + _listing(shares)
    met = all(s >= CEILING_SHARE for s in shares.values()) if shares else None
    return (f"{what} ≥ 0.5x the Python ceiling", met, detail)


def p99(report: Report, mode: str, limit: float) -> Verdict | None:
    ours = report.get(mode, {}).get(OURS)
    if not ours:
        return None
    over = {q: r["p99_ms"] for q, r in ours.items() if not r["p99_ms"] <= limit}
    worst = max(r["p99_ms"] for r in ours.values())
    detail = f"worst {worst:.1f} ms" + (f"; over: {_listing(over, ' ms')}" if over else "")
    return (f"p99 ≤ {limit:g} ms, {mode} (every query of the mix)", not over, detail)


def soak(report: Report) -> Verdict | None:
    run = report.get("soak")
    if not run:
        return None
    long_enough = run["seconds"] >= SOAK_SECONDS
    detail = f"{run['errors']} errors in {run['requests']:,} requests over {run['seconds']:g} s"
    if not long_enough:
        detail += " (shorter than 60 s: not judged)"
    return ("0 errors over a 60 s soak", run["errors"] == 0 if long_enough else None, detail)


def _scale_row(report: Report, scale: int) -> dict[str, Any] | None:
    return next((row for row in report.get("scaling", []) if row["scale"] == scale), None)


def memory_1x(report: Report) -> Verdict | None:
    """The largest RSS (all processes) measured of the default server at 1x."""
    seen = {}
    if OURS in report.get("memory_after_load", {}):
        seen["after the mix"] = report["memory_after_load"][OURS]["rss_mb"]
    if report.get("soak"):
        seen["after the soak"] = report["soak"]["memory_after"]["rss_mb"]
    row = _scale_row(report, 1)
    if row:
        seen["synthetic 1x"] = row[OURS].get("memory_after_pages", row[OURS]["memory_after_mix"])[
            "rss_mb"
        ]
    if not seen:
        return None
    worst = max(seen.values())
    detail = ", ".join(f"{name} {mb:.0f} MB" for name, mb in seen.items())
    return ("memory (RSS, all processes) ≤ 200 MB at 1x", worst <= MEMORY_1X_MB, detail)


def memory_100x(report: Report) -> Verdict | None:
    row = _scale_row(report, 100)
    if not row:
        return None
    ours = row[OURS].get("memory_after_pages", row[OURS]["memory_after_mix"])["rss_mb"]
    theirs = row[OXIGRAPH]["memory_after_mix"]["rss_mb"]
    met = ours <= MEMORY_100X_RATIO * theirs
    detail = f"{ours:.0f} MB against Oxigraph's server {theirs:.0f} MB ({ours / theirs:.1f}x)"
    return ("memory at 100x ≤ 2.5x Oxigraph's server", met, detail)


def startup(report: Report, scale: int) -> Verdict | None:
    limit = STARTUP_1X_S if scale == 1 else STARTUP_100X_S
    if scale == 1 and OURS in report.get("startup_s", {}):
        seconds, where = report["startup_s"][OURS], "real graph, best of 3"
    elif (row := _scale_row(report, scale)) is not None:
        seconds, where = row[OURS]["first_answer_s"], "synthetic graph"
    else:
        return None
    target = f"launch to first correct answer < {limit:g} s at {scale}x"
    return (target, seconds < limit, f"{seconds:.2f} s ({where})")


def judge(report: Report) -> list[Verdict]:
    """Every target of issue 10 that this run measured."""
    found = [
        vs_rdflib(report),
        vs_oxigraph(report),
        vs_ceiling(report, FRESH),
        vs_ceiling(report, REPEATED),
        p99(report, FRESH, P99_FRESH_MS),
        p99(report, REPEATED, P99_REPEATED_MS),
        soak(report),
        memory_1x(report),
        memory_100x(report),
        startup(report, 1),
        startup(report, 100),
    ]
    return [verdict for verdict in found if verdict is not None]


# --- rendering --------------------------------------------------------------------------------


def render(report: Report) -> str:
    parts = [
        _header(report),
        _peers(report),
        _settings(report),
        _ceiling(report),
        _notes(report),
        _memory_and_startup(report),
        _scaling(report),
        _profile(report),
        _targets(report),
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


def _header(report: Report) -> str:
    machine = report["machine"]
    return "\n".join(
        [
            f"## {report['date']}",
            "",
            f"- **Command**: `{report.get('command', 'bench/run.py')}`",
            f"- **Machine**: {machine['cpu']}, {machine['cores']} cores, {machine['memory']}, "
            f"Python {machine['python']}, kernel {machine['kernel']}; load average "
            f"{machine.get('load_before', '?')} before, {machine.get('load_after', '?')} after "
            "(the machine is shared with other agents' jobs).",
            f"- **Load**: `wrk -t2 -c16 -d{report['seconds_per_run']:g}s --latency` per query "
            "with `bench/fresh.lua`: a fresh query text on every request (a numbered comment), "
            "or the same text (repeated); load generator and servers share the cores.",
        ]
    )


def _cell(load: dict[str, float] | None) -> str:
    if not load:
        return "—"
    return f"{load['requests_per_s']:,.0f} ({load['p50_ms']:.1f} / {load['p99_ms']:.1f})"


def _table(title: str, servers: list[str], loads: dict[str, Loads], extra: Any = None) -> str:
    queries = [q for q in next(iter(loads.values()), {})]
    names = list(extra(None)) if extra else []
    lines = [
        f"### {title}: requests/s (p50 / p99 ms)",
        "",
        "| query | " + " | ".join(servers + names) + " |",
        "|---" * (len(servers) + len(names) + 1) + "|",
    ]
    for query in queries:
        cells = [_cell(loads.get(server, {}).get(query)) for server in servers]
        cells += list(extra(query).values()) if extra else []
        lines.append(f"| {query} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _peers(report: Report) -> str:
    fresh = report.get(FRESH, {})
    if OURS not in fresh:
        return ""
    servers = [s for s in (OURS, OXIGRAPH, RDFLIB_ENDPOINT) if s in fresh]
    _, ceiling = best_ceiling(report)

    def ratios(query: str | None) -> dict[str, str]:
        if query is None:
            return {k: "" for k in ("÷ rdflib-endpoint", "÷ Oxigraph", "÷ ceiling", "bound by")}
        ours = rate(fresh[OURS], query)
        rdflib, oxigraph = rate(fresh.get(RDFLIB_ENDPOINT, {}), query), rate(fresh[OXIGRAPH], query)
        return {
            "÷ rdflib-endpoint": f"{ours / rdflib:.1f}x" if rdflib else "—",
            "÷ Oxigraph": f"{ours / oxigraph:.2f}x" if oxigraph else "—",
            "÷ ceiling": f"{ours / ceiling:.2f}x" if ceiling else "—",
            "bound by": "engine" if engine_bound(report, query) else "per-request overhead",
        }

    tables = [_table("Fresh query text on every request", servers, fresh, ratios)]
    repeated = report.get(REPEATED, {})
    if repeated:
        tables.append(_table("Repeated query text", list(repeated), repeated))
    return "\n\n".join(tables)


def _settings(report: Report) -> str:
    """ivig-graph under each HTTP server and setting (fresh), with the mix's mean rate."""
    fresh = report.get(FRESH, {})
    ours = [s for s in fresh if s.startswith(OURS)]
    if len(ours) < 2:
        return ""
    table = _table("ivig-graph: HTTP server and settings, fresh text", ours, fresh)
    means = [statistics.mean(r["requests_per_s"] for r in fresh[s].values()) for s in ours]
    row = "| mean over the mix | " + " | ".join(f"{m:,.0f}" for m in means) + " |"
    return table + "\n" + row


def _ceiling(report: Report) -> str:
    ceiling = report.get("ceiling", {})
    if not ceiling:
        return ""
    rows = [f"| {name} | {_cell(load)} |" for name, load in ceiling.items()]
    head = ["### The Python ceiling (same load)", "", "| server | requests/s (p50 / p99 ms) |"]
    return "\n".join([*head, "|---|---|", *rows])


def _notes(report: Report) -> str:
    errors = {
        f"{server} ({mode})": sum(int(r["errors"]) for r in loads.values())
        for mode in (FRESH, REPEATED)
        for server, loads in report.get(mode, {}).items()
    }
    wrong = {
        server: {q: v for q, v in verdicts.items() if v != "ok"}
        for server, verdicts in report.get("correctness", {}).items()
    }
    lines = [
        "Errors (non-2xx/3xx and socket errors) over the mix: "
        + ", ".join(f"{name} {count}" for name, count in errors.items())
        + ".",
        "Answers (fresh text) checked against ivig-graph's own rdflib answer before each load: "
        + "; ".join(
            f"{server}: "
            + ("all right" if not bad else ", ".join(f"{q} {v}" for q, v in bad.items()))
            for server, bad in wrong.items()
        )
        + ".",
    ]
    if report.get("soak"):
        run = report["soak"]
        lines.append(
            f"**Soak**: the mix round-robin, fresh text, {run['seconds']:g} s: "
            f"{run['requests']:,} requests, {run['requests_per_s']:,.0f}/s, p50 "
            f"{run['p50_ms']:.1f} ms, p99 {run['p99_ms']:.1f} ms, **{run['errors']} errors**; "
            f"memory after {run['memory_after']['rss_mb']:.0f} MB RSS "
            f"({run['memory_after']['pss_mb']:.0f} MB PSS); answers other than 200 in the "
            f"server's access log: {run.get('not_200', 'not recorded')}."
        )
    if not errors:
        lines.pop(0)
    if not wrong:
        lines.pop(1 if errors else 0)
    return "\n\n".join(lines)


def _memory_and_startup(report: Report) -> str:
    lines = ["### Memory after the mix (real graph), and start-up", ""]
    for server, memory in report.get("memory_after_load", {}).items():
        each = " + ".join(f"{mb:.0f}" for mb in memory.get("each_rss_mb", []))
        lines.append(
            f"- {server}: {memory['rss_mb']:.0f} MB RSS, {memory['pss_mb']:.0f} MB PSS "
            "(summed over the server and all its processes" + (f": {each} MB RSS)" if each else ")")
        )
    for name, seconds in report.get("startup_s", {}).items():
        what = "time to load the store" if name == "oxigraph load" else "launch → first answer"
        lines.append(f"- {name}: {what} **{seconds:.2f} s** (best of 3)")
    build = report.get("build_s", {})
    if build:
        lines.append(f"- `ivig-graph build` of the real graph: {build}")
    return "\n".join(lines)


def _scaling(report: Report) -> str:
    rows = report.get("scaling", [])
    if not rows:
        return ""
    lines = [
        "### Synthetic graphs (`ivig_graph.build.synthetic`): start-up and memory (RSS / PSS MB)",
        "",
        "| scale | asserted | inferred | reason s | write s | ivig-graph first answer s | "
        "ivig-graph memory | oxigraph load s | oxigraph first answer s | oxigraph memory |",
        "|---" * 10 + "|",
    ]
    for row in rows:
        ours, theirs = row[OURS], row[OXIGRAPH]
        lines.append(
            f"| {row['scale']}x | {row['asserted_triples']:,} | {row['inferred_triples']:,} | "
            f"{row['reason_rules_s']} | {row['write_s']} | {ours['first_answer_s']} | "
            f"{_mb(ours['memory_after_mix'])} | {theirs['load_s']} | {theirs['first_answer_s']} | "
            f"{_mb(theirs['memory_after_mix'])} |"
        )
    for row in rows:
        if "pages_ready_s" in row[OURS]:
            lines.append(
                f"\nAt {row['scale']}x, ivig-graph's pages answered (HTTP "
                f"{row[OURS]['pages_status']}) {row[OURS]['pages_ready_s']} s after launch, its "
                "view of the dataset loaded; memory then "
                f"{_mb(row[OURS]['memory_after_pages'])} MB (RSS / PSS; each process's RSS: "
                f"{row[OURS]['memory_after_pages'].get('each_rss_mb')})."
            )
    lines += ["", "Single-client latency, median of 5 after a warm-up request (ms):", ""]
    columns = [(row["scale"], server) for row in rows for server in (OURS, OXIGRAPH)]
    lines.append("| query | " + " | ".join(f"{s} {scale}x" for scale, s in columns) + " |")
    lines.append("|---" * (len(columns) + 1) + "|")
    for query in rows[0][OURS]["single_client_ms"]:
        cells = [str(row[s]["single_client_ms"][query]) for row in rows for s in (OURS, OXIGRAPH)]
        lines.append(f"| {query} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _mb(memory: dict[str, float]) -> str:
    return f"{memory['rss_mb']:.0f} / {memory['pss_mb']:.0f}"


def _profile(report: Report) -> str:
    found = report.get("profile")
    if not found:
        return ""
    load = found["load"]
    lines = [
        f"### Profile (py-spy, {found['seconds']:g} s during the fresh mix at "
        f"{load['requests_per_s']:,.0f}/s): share of samples",
        "",
    ]
    for role in ("HTTP process", "query worker"):
        summary = found[role]
        how = "thread holding the GIL" if role == "HTTP process" else "every thread, not idle"
        lines += [f"**{role}** ({summary['samples']:,} samples, {how})", ""]
        inclusive = summary.get("inclusive", {})
        lines += ["| category | innermost | anywhere on the stack |", "|---|---|---|"]
        lines += [
            f"| {name} | {share:.1%} | {inclusive.get(name, 0):.1%} |"
            for name, share in summary["categories"].items()
        ]
        lines += ["", "| innermost function | share |", "|---|---|"]
        lines += [f"| `{name}` | {share:.1%} |" for name, share in summary["leaves"].items()]
        lines.append("")
    return "\n".join(lines).rstrip()


def _targets(report: Report) -> str:
    verdicts = judge(report)
    lines = ["### Targets of issue 10", "", "| target | result | measured |", "|---|---|---|"]
    for target, met, detail in verdicts:
        result = "not judged" if met is None else "**met**" if met else "**not met**"
        lines.append(f"| {target} | {result} | {detail} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python bench/report.py bench/results/<run>.json", file=sys.stderr)
        return 2
    print(render(json.loads(Path(argv[0]).read_text(encoding="utf-8"))), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
