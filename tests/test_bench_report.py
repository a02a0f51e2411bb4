"""bench/report.py judges the performance targets of issue 10 from measured numbers: each test
moves one number across a target's threshold and reads the verdict."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPORT = Path(__file__).resolve().parents[1] / "bench" / "report.py"


@pytest.fixture(scope="module")
def report_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_report", REPORT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load(rate: float, p99: float = 10.0) -> dict[str, float]:
    return {"requests_per_s": rate, "p50_ms": 1.0, "p99_ms": p99, "requests": 100, "errors": 0}


def memory(rss: float) -> dict[str, float]:
    return {"rss_mb": rss, "pss_mb": rss / 2}


def run() -> dict[str, Any]:
    """A run in which every target is just met: cheap is bound by per-request overhead (Oxigraph's
    server answers it at 9,000/s), heavy by the engine (500/s)."""
    return {
        "fresh": {
            "ivig-graph": {"cheap": load(2500, p99=99), "heavy": load(400)},
            "oxigraph": {"cheap": load(9000), "heavy": load(500)},
            "rdflib-endpoint": {"cheap": load(200), "heavy": load(40)},
        },
        "repeated": {"ivig-graph": {"cheap": load(2500, p99=50), "heavy": load(2600)}},
        # The best ceiling counts, not the one that flatters.
        "ceiling": {"gunicorn": load(3000), "granian": load(5000)},
        "soak": {**load(1000), "seconds": 60, "memory_after": memory(150)},
        "memory_after_load": {"ivig-graph": memory(190)},
        "startup_s": {"ivig-graph": 0.9},
        "scaling": [
            {
                "scale": 100,
                "ivig-graph": {"first_answer_s": 2.9, "memory_after_mix": memory(250)},
                "oxigraph": {"first_answer_s": 1.0, "memory_after_mix": memory(100)},
            }
        ],
    }


def verdicts(module: ModuleType, report: dict[str, Any]) -> dict[str, bool | None]:
    return {target: met for target, met, _detail in module.judge(report)}


def test_every_target_is_met_at_its_threshold(report_module: ModuleType) -> None:
    found = verdicts(report_module, run())
    assert len(found) == 11
    assert all(met is True for met in found.values()), found


@pytest.mark.parametrize(
    ("change", "target"),
    [
        (("fresh", "rdflib-endpoint", "heavy", 41), "every query ≥ 10x rdflib-endpoint (fresh)"),
        (("fresh", "oxigraph", "heavy", 501), "engine-bound queries ≥ 0.8x Oxigraph's server"),
        (("fresh", "ivig-graph", "cheap", 2499), "overhead-bound queries (fresh) ≥ 0.5x"),
        (("repeated", "ivig-graph", "heavy", 2499), "a repeated query ≥ 0.5x the Python ceiling"),
    ],
)
def test_a_rate_just_past_its_threshold_fails_its_target(
    report_module: ModuleType, change: tuple[str, str, str, float], target: str
) -> None:
    report = run()
    mode, server, query, rate = change
    report[mode][server][query]["requests_per_s"] = rate
    found = verdicts(report_module, report)
    failed = [name for name, met in found.items() if met is False]
    assert [name for name in failed if name.startswith(target)] == failed and len(failed) == 1


def test_a_query_is_engine_bound_when_oxigraph_answers_it_under_1000_per_second(
    report_module: ModuleType,
) -> None:
    report = run()
    report["fresh"]["oxigraph"]["cheap"]["requests_per_s"] = 999  # cheap now engine-bound
    report["fresh"]["ivig-graph"]["cheap"]["requests_per_s"] = 700  # 0.70x Oxigraph
    found = verdicts(report_module, report)
    assert found["engine-bound queries ≥ 0.8x Oxigraph's server (fresh)"] is False
    assert found["overhead-bound queries (fresh) ≥ 0.5x the Python ceiling"] is None  # none left


def test_latency_memory_start_up_and_soak(report_module: ModuleType) -> None:
    report = run()
    report["fresh"]["ivig-graph"]["cheap"]["p99_ms"] = 101
    report["repeated"]["ivig-graph"]["cheap"]["p99_ms"] = 51
    report["soak"]["memory_after"] = memory(201)  # the worst 1x measurement counts
    report["scaling"][0]["ivig-graph"]["memory_after_mix"] = memory(251)
    report["startup_s"]["ivig-graph"] = 1.0
    report["scaling"][0]["ivig-graph"]["first_answer_s"] = 3.0
    found = verdicts(report_module, report)
    assert [met for met in found.values() if met is not False] == [True] * 5


def test_a_soak_shorter_than_60_s_is_not_judged(report_module: ModuleType) -> None:
    report = run()
    report["soak"]["seconds"] = 10
    assert verdicts(report_module, report)["0 errors over a 60 s soak"] is None
    report["soak"].update(seconds=60, errors=1)
    assert verdicts(report_module, report)["0 errors over a 60 s soak"] is False
