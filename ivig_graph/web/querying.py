"""The one way a query is run for the web: the guard, then a worker of the pool.

``/sparql`` and the query page both go through ``inspect`` -> ``query_request`` -> ``run``; the
errors they raise are the classes of ``ivig_graph.errors``.
"""

from __future__ import annotations

import time

import pyoxigraph as ox
from flask import g, request

from ivig_graph.errors import Malformed
from ivig_graph.formats import Format
from ivig_graph.query.engine import QueryRequest
from ivig_graph.query.guard import QueryInfo, inspect_query
from ivig_graph.serve.spool import SpooledAnswer
from ivig_graph.web.access import client_address
from ivig_graph.web.protocol import ProtocolRequest
from ivig_graph.web.state import Endpoint

FALLBACK_ENDPOINT = "http://localhost/sparql"


def endpoint_url(state: Endpoint, here: str | None = None) -> str:
    """The endpoint's own IRI: the base for relative IRIs in queries and the description.

    The configured base URL wins; otherwise ``here`` (the endpoint's URL as a page outside
    ``/sparql`` computes it), or this request's own URL.
    """
    candidate = state.config.base_url or here or request.base_url
    try:
        ox.NamedNode(candidate)
    except ValueError:
        return FALLBACK_ENDPOINT
    return candidate


# ---------------------------------------------------------------- the query path


def inspect(state: Endpoint, protocol: ProtocolRequest) -> tuple[str, QueryInfo]:
    """The query's text and what the guard found in it (raises if the guard refuses it)."""
    text = (protocol.query or "").removeprefix("\ufeff")
    if not text.strip():
        raise Malformed("The query is empty.")
    info = inspect_query(text, state.guard_limits)
    g.query_form = info.form.value if info.form else None
    return text, info


def query_request(
    state: Endpoint, protocol: ProtocolRequest, text: str, fmt: Format, max_rows: int
) -> QueryRequest:
    return QueryRequest(
        query=text,
        format_key=fmt.name,
        base_iri=endpoint_url(state),
        default_graphs=protocol.default_graphs if protocol.dataset_given else None,
        named_graphs=protocol.named_graphs if protocol.dataset_given else None,
        max_rows=max_rows,
        max_bytes=state.config.max_answer_bytes,
    )


def run(state: Endpoint, query: QueryRequest, gzip_min_bytes: int = 0) -> SpooledAnswer:
    """Evaluate ``query`` on a worker of the pool, timed for Server-Timing and the log; the
    answer is in a spool file (gzip-compressed if at least ``gzip_min_bytes`` long, unless 0)
    that the caller must open or discard. A small answer is kept in the result cache
    (``serve.answer_cache``), which answers the same request next time without a worker."""
    key = (query, gzip_min_bytes)
    cached = state.answers.get(key) if state.answers is not None else None
    if cached is not None:
        g.rows, g.truncated, g.outcome = cached.rows, cached.truncated, "cached"
        return cached
    started = time.perf_counter()
    try:
        answer = state.pool.execute(query, client_address(), gzip_min_bytes)
    finally:
        g.query_ms = (time.perf_counter() - started) * 1000
    g.rows, g.truncated, g.outcome = answer.rows, answer.truncated, "answered"
    return state.answers.keep(key, answer) if state.answers is not None else answer
