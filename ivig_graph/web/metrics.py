"""``/metrics``: the endpoint's counters for Prometheus, with prometheus-client.

* ``ivig_http_requests_total{route,status}``: every answer, by route pattern (``/id/<path:rest>``,
  not the path asked, so the label set stays small) and status;
* ``ivig_query_seconds``: the time queries took in the pool (a histogram);
* ``ivig_queries_running`` / ``ivig_queries_waiting`` / ``ivig_query_workers``: the pool's slots
  at the moment of the scrape;
* ``ivig_queries_shed_total{reason}``: requests refused for load, 503 or 429, by reason
  (``Overloaded``, ``ClientOverShare``, ``WorkerLost``, ``RateLimited``...);
* ``ivig_rate_limited_total``: requests refused by the per-client rate limit.

Each app has its own registry (several apps in one process stay apart). ``/metrics`` is not
rate limited (``limits.LIMITED_PREFIXES``) and is open like ``/healthz``: put it behind the
proxy's access rules where that matters (docs/endpoint.md).

With more than one HTTP process (``IVIG_HTTP_PROCESSES``), ``serve`` sets
``PROMETHEUS_MULTIPROC_DIR`` to a temporary directory it removes at exit, and prometheus-client's
multiprocess mode adds up what every process wrote there, whichever process answers the scrape.
The pool gauges are then written by each process (every ``GAUGE_REFRESH_SECONDS`` and at each
scrape) and added up over the processes alive (``livesum``): each HTTP process has its own pool.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ivig_graph.serve.supervisor import MULTIPROCESS_VARIABLE
from ivig_graph.web.state import Endpoint

EXTENSION = "ivig_graph.metrics"
QUERY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SHED_STATUSES = (429, 503)
GAUGE_REFRESH_SECONDS = 1.0
POOL_GAUGES = (
    ("running", "ivig_queries_running", "Queries running in a worker now."),
    ("waiting", "ivig_queries_waiting", "Queries waiting for a free slot now."),
    ("workers", "ivig_query_workers", "Query worker processes alive."),
)
_LIVE_GAUGE_FILE = re.compile(r"gauge_live\w+_(\d+)\.db")

metrics = Blueprint("metrics", __name__)


class Metrics:
    """The app's registry and the counters the hooks move.

    With ``multiprocess_dir``, the counters write their values to files there and the registry
    reads every process's files (prometheus-client's multiprocess mode); the counters are then
    registered nowhere, or this process would be counted twice.
    """

    def __init__(self, state: Endpoint, multiprocess_dir: str | None = None) -> None:
        self.registry = CollectorRegistry()
        self.multiprocess_dir = multiprocess_dir
        own: CollectorRegistry | None = self.registry
        if multiprocess_dir is not None:
            _use_multiprocess_values()
            multiprocess.MultiProcessCollector(self.registry, path=multiprocess_dir)
            own = None
        self.requests = Counter(
            "ivig_http_requests",
            "HTTP requests answered, by route pattern and status.",
            ("route", "status"),
            registry=own,
        )
        self.query_seconds = Histogram(
            "ivig_query_seconds",
            "Time a query took in the pool (waiting for a slot included).",
            buckets=QUERY_BUCKETS,
            registry=own,
        )
        self.shed = Counter(
            "ivig_queries_shed",
            "Requests refused for load (503 or 429), by reason.",
            ("reason",),
            registry=own,
        )
        self.rate_limited = Counter(
            "ivig_rate_limited",
            "Requests refused by the per-client rate limit (429).",
            registry=own,
        )
        self.cache_hits = Counter(
            "ivig_result_cache_hits",
            "Queries answered from the result cache, without a worker.",
            registry=own,
        )
        self.pool_gauges: PoolGauges | None = None
        if multiprocess_dir is None:
            self.registry.register(_PoolCollector(state))
        else:
            self.pool_gauges = PoolGauges(state)

    def refresh(self) -> None:
        """Before a scrape: this process's pool gauges now, and no gauges of dead processes."""
        if self.pool_gauges is not None and self.multiprocess_dir is not None:
            self.pool_gauges.refresh()
            forget_dead_processes(self.multiprocess_dir)


def _use_multiprocess_values() -> None:
    """prometheus-client chooses how values are kept when it is first imported, from the
    environment. granian forks the HTTP processes from ``serve``'s process, which imported it
    before ``PROMETHEUS_MULTIPROC_DIR`` was set: choose again, as that import would have, once."""
    if not getattr(values.ValueClass, "_multiprocess", False):
        values.ValueClass = values.get_value_class()


class _PoolCollector(Collector):
    """The pool's slots, read at each scrape (one HTTP process)."""

    def __init__(self, state: Endpoint) -> None:
        self.state = state

    def collect(self) -> Iterator[GaugeMetricFamily]:
        stats = self.state.pool.stats()
        for key, name, text in POOL_GAUGES:
            yield GaugeMetricFamily(name, text, value=stats.get(key, 0))


class PoolGauges:
    """The pool's slots with several HTTP processes: each writes its own pool's numbers, and
    the scrape adds them up over the processes alive (``livesum``). Written after every request,
    at every scrape and every ``GAUGE_REFRESH_SECONDS`` by a thread (a long query in another
    process shows while it runs)."""

    def __init__(self, state: Endpoint) -> None:
        self.state = state
        self.gauges = {
            key: Gauge(name, text, registry=None, multiprocess_mode="livesum")
            for key, name, text in POOL_GAUGES
        }
        self.refresh()
        threading.Thread(target=self._keep_fresh, name="metrics-gauges", daemon=True).start()

    def refresh(self) -> None:
        stats = self.state.pool.stats()
        for key, gauge in self.gauges.items():
            gauge.set(stats.get(key, 0))

    def _keep_fresh(self) -> None:
        while True:
            time.sleep(GAUGE_REFRESH_SECONDS)
            self.refresh()


def forget_dead_processes(directory: str) -> None:
    """Remove the live gauges of HTTP processes that died (granian starts new ones): nothing
    else calls ``mark_process_dead`` for them. Their counters stay: what they counted happened."""
    for path in Path(directory).glob("gauge_live*_*.db"):
        found = _LIVE_GAUGE_FILE.fullmatch(path.name)
        if found is not None and not _alive(int(found.group(1))):
            multiprocess.mark_process_dead(int(found.group(1)), directory)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def install_metrics(app: Flask, state: Endpoint) -> None:
    """The counters of ``/metrics``, over every HTTP process when ``serve`` runs several
    (``PROMETHEUS_MULTIPROC_DIR`` set)."""
    directory = os.environ.get(MULTIPROCESS_VARIABLE) or None
    app.extensions[EXTENSION] = Metrics(state, directory)
    app.after_request(_count)
    app.register_blueprint(metrics)


def _count(response: Response) -> Response:
    found: Metrics = current_app.extensions[EXTENSION]
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    found.requests.labels(route=route, status=str(response.status_code)).inc()
    query_ms = g.get("query_ms")
    if query_ms is not None:
        found.query_seconds.observe(query_ms / 1000)
    elif g.get("outcome") == "cached":
        found.cache_hits.inc()
    if response.status_code in SHED_STATUSES:
        reason = g.get("outcome") or ("RateLimited" if response.status_code == 429 else "other")
        if response.status_code == 429 and reason == "RateLimited":
            found.rate_limited.inc()
        found.shed.labels(reason=reason).inc()
    if found.pool_gauges is not None:
        found.pool_gauges.refresh()
    return response


@metrics.get("/metrics")
def scrape() -> Response:
    found: Metrics = current_app.extensions[EXTENSION]
    found.refresh()
    response = Response(generate_latest(found.registry), status=200)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response
