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
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ivig_graph.web.state import Endpoint

EXTENSION = "ivig_graph.metrics"
QUERY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SHED_STATUSES = (429, 503)

metrics = Blueprint("metrics", __name__)


class Metrics:
    """The app's registry and the counters the hooks move."""

    def __init__(self, state: Endpoint) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "ivig_http_requests",
            "HTTP requests answered, by route pattern and status.",
            ("route", "status"),
            registry=self.registry,
        )
        self.query_seconds = Histogram(
            "ivig_query_seconds",
            "Time a query took in the pool (waiting for a slot included).",
            buckets=QUERY_BUCKETS,
            registry=self.registry,
        )
        self.shed = Counter(
            "ivig_queries_shed",
            "Requests refused for load (503 or 429), by reason.",
            ("reason",),
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "ivig_rate_limited",
            "Requests refused by the per-client rate limit (429).",
            registry=self.registry,
        )
        self.registry.register(_PoolCollector(state))


class _PoolCollector(Collector):
    """The pool's slots, read at each scrape."""

    def __init__(self, state: Endpoint) -> None:
        self.state = state

    def collect(self) -> Iterator[GaugeMetricFamily]:
        stats = self.state.pool.stats()
        for key, name, text in (
            ("running", "ivig_queries_running", "Queries running in a worker now."),
            ("waiting", "ivig_queries_waiting", "Queries waiting for a free slot now."),
            ("workers", "ivig_query_workers", "Query worker processes alive."),
        ):
            yield GaugeMetricFamily(name, text, value=stats.get(key, 0))


def install_metrics(app: Flask, state: Endpoint) -> None:
    app.extensions[EXTENSION] = Metrics(state)
    app.after_request(_count)
    app.register_blueprint(metrics)


def _count(response: Response) -> Response:
    found: Metrics = current_app.extensions[EXTENSION]
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    found.requests.labels(route=route, status=str(response.status_code)).inc()
    query_ms = g.get("query_ms")
    if query_ms is not None:
        found.query_seconds.observe(query_ms / 1000)
    if response.status_code in SHED_STATUSES:
        reason = g.get("outcome") or ("RateLimited" if response.status_code == 429 else "other")
        if response.status_code == 429 and reason == "RateLimited":
            found.rate_limited.inc()
        found.shed.labels(reason=reason).inc()
    return response


@metrics.get("/metrics")
def scrape() -> Response:
    found: Metrics = current_app.extensions[EXTENSION]
    response = Response(generate_latest(found.registry), status=200)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response
