"""bench/report.py judges the targets of issue 5 from measured numbers: a run's tables say
themselves which targets are met."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

REPORT = Path(__file__).resolve().parents[1] / "bench" / "report.py"


def load_report_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_report", REPORT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load(rate: float, p99: float = 10.0, errors: int = 0) -> dict[str, float]:
    return {"requests_per_s": rate, "p50_ms": 1.0, "p99_ms": p99, "requests": 100, "errors": errors}


def run(**overrides: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "date": "2026-11-24 03:00 UTC",
        "machine": {"cpu": "cpu", "cores": "2", "memory": "1 kB", "python": "3", "kernel": "k"},
        "seconds_per_run": 5.0,
        "correctness": {"oxigraph": {"q1": "ok", "heavy-1": "ok"}},
        "load": {
            "ivig-graph (uncached)": {"q1": load(1000), "heavy-1": load(300, p99=80)},
            "ivig-graph": {"q1": load(4500), "heavy-1": load(4000)},
            "oxigraph": {"q1": load(9000), "heavy-1": load(500)},
            "rdflib-endpoint": {"q1": load(200), "heavy-1": load(10)},
        },
        "ceiling": {"flask constant": 5000.0, "ivig-graph /healthz": 9000.0},
        "soak": {
            "seconds": 60,
            "requests": 10,
            "requests_per_s": 1,
            "p50_ms": 1,
            "p99_ms": 20,
            "errors": 0,
            "memory_mb_after": 100,
        },
        "startup_s": 0.8,
        "build_s": {"ivig-graph build (wall, owlrl)": 6.5},
        "scaling": [
            {
                "scale": 100,
                "reason_rules_s": 12.0,
                "reason_owlrl_s": 300.0,
                "rules_equal_owlrl": True,
            }
        ],
    }
    report.update(overrides)
    return report


def target_rows(text: str) -> dict[str, str]:
    rows = {}
    for line in text.split("### Targets of issue 5")[1].splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 3 and cells[1] in ("**met**", "**not met**", "not measured"):
            rows[cells[0]] = cells[1]
    return rows


def test_each_target_is_judged_from_the_numbers() -> None:
    rows = target_rows(load_report_module().render(run()))
    assert rows["every query ≥ 10x rdflib-endpoint, uncached"] == "**not met**"  # q1 is 5x
    assert rows["heavy queries ≥ 0.5x Oxigraph's server, uncached"] == "**met**"  # 0.6x
    # 4,000/s against the best ceiling (5,000/s, not the server's own /healthz): 80%.
    assert rows["a repeated query (cache hit) ≥ 80% of the Python ceiling"] == "**met**"
    assert rows["p99 ≤ 50 ms for every query at 16 connections, cache on"] == "**met**"
    assert rows["p99 ≤ 50 ms for every query at 16 connections, uncached"] == "**not met**"
    assert rows["0 errors (and p99 ≤ 50 ms) over a 60 s soak"] == "**met**"
    assert rows["launch to first correct answer < 2 s"] == "**met**"
    assert rows["`ivig-graph build` of the real graph < 10 s"] == "**met**"
    assert rows["reasoning at 100x < 60 s, exactly owlrl's inferred triples"] == "**met**"


def test_a_run_without_owlrl_at_100x_does_not_claim_equality() -> None:
    report = run(scaling=[{"scale": 100, "reason_rules_s": 12.0}], soak={})
    text = load_report_module().render(report)
    rows = target_rows(text)
    assert rows["reasoning at 100x < 60 s, exactly owlrl's inferred triples"] == "**not met**"
    assert "owlrl not run at this scale" in text
    assert "over a 60 s soak" not in text  # no soak in this run: no verdict on it
