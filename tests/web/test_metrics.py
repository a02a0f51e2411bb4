"""``/metrics``: Prometheus text that prometheus-client's own parser reads, counters that move
with the requests made, in one process and added up over two HTTP processes of a real server."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.web.metrics import forget_dead_processes
from tests.web.conftest import AppFactory, RunningServer, call, start_server, stop_server

ASK = "ASK { ?s ?p ?o }"


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: FlaskClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return parse(response.get_data(as_text=True))


def parse(text: str) -> Samples:
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def requests(route: str, status: int) -> tuple[str, tuple[tuple[str, str], ...]]:
    return ("ivig_http_requests_total", (("route", route), ("status", str(status))))


def test_counters_move_with_known_requests(client: FlaskClient) -> None:
    before = scrape(client)
    query = ASK + " # counters"  # asked nowhere else: evaluated once, then cached
    for _ in range(3):
        assert client.get("/sparql", query_string={"query": query}).status_code == 200
    assert client.get("/nope").status_code == 404
    assert client.get("/sparql", query_string={"query": "ASK {"}).status_code == 400
    after = scrape(client)

    def moved(key: tuple[str, tuple[tuple[str, str], ...]]) -> float:
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert moved(requests("/sparql", 200)) == 3
    assert moved(requests("/sparql", 400)) == 1
    assert moved(requests("unmatched", 404)) == 1
    assert moved(("ivig_query_seconds_count", ())) == 2  # the syntax error ran in a worker too
    assert moved(("ivig_result_cache_hits_total", ())) == 2
    assert after[("ivig_queries_running", ())] == 0
    assert after[("ivig_queries_waiting", ())] == 0
    assert after[("ivig_query_workers", ())] >= 1


def test_rate_limited_requests_are_counted_and_metrics_are_not_limited(
    make_app: AppFactory,
) -> None:
    client = make_app(rate_limit="2 per minute").test_client()
    statuses = [client.get("/sparql", query_string={"query": ASK}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    for _ in range(3):
        samples = scrape(client)  # never 429 itself
    assert samples[("ivig_rate_limited_total", ())] == 1
    assert samples[("ivig_queries_shed_total", (("reason", "RateLimited"),))] == 1
    assert samples[requests("/sparql", 429)] == 1


def scrape_server(server: RunningServer) -> Samples:
    answer = call(server, "GET", "/metrics")
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/plain")
    return parse(answer.body.decode("utf-8"))


def counting_processes(directory: Path) -> set[int]:
    """The processes that wrote counters in prometheus-client's multiprocess directory."""
    names = (re.fullmatch(r"counter_(\d+)\.db", path.name) for path in directory.iterdir())
    return {int(name.group(1)) for name in names if name}


@pytest.mark.slow
def test_two_http_processes_add_up_in_every_scrape(
    small_built: BuiltDataset, tmp_path: Path
) -> None:
    temporary = tmp_path / "tmp"  # where serve makes its metrics directory (TMPDIR)
    temporary.mkdir()
    env = {
        "IVIG_HTTP_PROCESSES": "2",
        "IVIG_WORKERS": "1",
        "IVIG_RATE_LIMIT": "off",
        "TMPDIR": str(temporary),
    }
    server = start_server(small_built, tmp_path / "server.log", env, startup_timeout=40.0)
    try:
        directories = list(temporary.glob("ivig-graph-metrics-*"))
        assert len(directories) == 1, server.log()
        asked = 60
        for n in range(asked):  # each over a new connection, which either process may accept
            # A text of its own each: evaluated, not answered by the result cache.
            answer = call(server, "GET", "/sparql?" + urlencode({"query": f"{ASK} # {n}"}))
            assert answer.status == 200
        assert call(server, "GET", "/nope").status == 404
        # Both processes answered some: a scrape by either must still count all of them.
        assert len(counting_processes(directories[0])) == 2, server.log()
        for _ in range(8):
            samples = scrape_server(server)
            assert samples[requests("/sparql", 200)] == asked
            assert samples[requests("unmatched", 404)] == 1
            assert samples[("ivig_query_seconds_count", ())] == asked
            assert samples[("ivig_query_workers", ())] == 2  # one worker in each process
        deadline = time.monotonic() + 5
        while scrape_server(server)[("ivig_queries_running", ())] != 0:
            assert time.monotonic() < deadline, "queries still shown running"
            time.sleep(0.2)
    finally:
        stop_server(server)
    assert list(temporary.glob("ivig-graph-metrics-*")) == []  # serve removed its directory


def test_the_live_gauges_of_dead_processes_are_forgotten(tmp_path: Path) -> None:
    dead = 2**22 + 12345  # above the largest pid_max Linux allows: never a process
    for name in (
        f"gauge_livesum_{dead}.db",
        f"gauge_livesum_{os.getpid()}.db",
        f"counter_{dead}.db",
    ):
        (tmp_path / name).write_bytes(b"")
    forget_dead_processes(str(tmp_path))
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        f"counter_{dead}.db",  # what a dead process counted still counts
        f"gauge_livesum_{os.getpid()}.db",
    ]
