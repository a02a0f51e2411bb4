"""Overload, per client: Flask-Limiter answering 429 with Retry-After, keyed on the peer address
or (behind a trusted proxy) on X-Forwarded-For, only on the SPARQL endpoint and the example
queries, and off when configured off."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.web.answers import as_text, count_of
from tests.web.conftest import AppFactory

QUERY = {"query": "SELECT (3 AS ?x) {}"}


@pytest.fixture(scope="module")
def limited(make_app: AppFactory) -> Flask:
    return make_app(rate_limit="3 per hour")


def test_429_with_retry_after_per_client(limited: Flask) -> None:
    client = limited.test_client()
    first = [
        client.get("/sparql", query_string=QUERY, environ_base={"REMOTE_ADDR": "10.0.0.1"})
        for _ in range(3)
    ]
    assert [count_of(r.data) for r in first] == [3, 3, 3]
    refused = client.get("/sparql", query_string=QUERY, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "Too many requests" in as_text(refused.data)
    other = client.get("/sparql", query_string=QUERY, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert count_of(other.data) == 3
    health = client.get("/healthz", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert health.status_code == 200  # probes are never limited


def test_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(limited: Flask) -> None:
    client = limited.test_client()
    environ = {"REMOTE_ADDR": "10.0.0.3"}
    statuses = [
        client.get(
            "/sparql",
            query_string=QUERY,
            environ_base=environ,
            headers={"X-Forwarded-For": f"192.0.2.{i}"},
        ).status_code
        for i in range(4)
    ]
    assert statuses == [200, 200, 200, 429]  # spoofed headers do not buy new buckets


def test_behind_a_trusted_proxy_clients_are_told_apart(make_app: AppFactory) -> None:
    client = make_app(rate_limit="1 per hour", trust_proxy=True).test_client()
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    a = [
        client.get(
            "/sparql",
            query_string=QUERY,
            environ_base=proxy,
            headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.1"},
        ).status_code
        for _ in range(2)
    ]
    b = client.get(
        "/sparql",
        query_string=QUERY,
        environ_base=proxy,
        headers={"X-Forwarded-For": "203.0.113.2"},
    )
    assert a == [200, 429]
    assert b.status_code == 200


def test_rate_limit_off(client_factory_off: Flask) -> None:
    client = client_factory_off.test_client()
    statuses = {client.get("/sparql", query_string=QUERY).status_code for _ in range(30)}
    assert statuses == {200}


@pytest.fixture(scope="module")
def client_factory_off(app: Flask) -> Flask:
    assert not app.extensions["ivig_graph"].config.rate_limited
    return app
