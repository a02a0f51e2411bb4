"""``/metrics``: Prometheus text that prometheus-client's own parser reads, counters that move
with the requests made."""

from __future__ import annotations

from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from tests.web.conftest import AppFactory

ASK = "ASK { ?s ?p ?o }"


def scrape(client: FlaskClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def requests(route: str, status: int) -> tuple[str, tuple[tuple[str, str], ...]]:
    return ("ivig_http_requests_total", (("route", route), ("status", str(status))))


def test_counters_move_with_known_requests(client: FlaskClient) -> None:
    before = scrape(client)
    for _ in range(3):
        assert client.get("/sparql", query_string={"query": ASK}).status_code == 200
    assert client.get("/nope").status_code == 404
    assert client.get("/sparql", query_string={"query": "ASK {"}).status_code == 400
    after = scrape(client)

    def moved(key: tuple[str, tuple[tuple[str, str], ...]]) -> float:
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert moved(requests("/sparql", 200)) == 3
    assert moved(requests("/sparql", 400)) == 1
    assert moved(requests("unmatched", 404)) == 1
    assert moved(("ivig_query_seconds_count", ())) == 4  # the syntax error ran in a worker too
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
