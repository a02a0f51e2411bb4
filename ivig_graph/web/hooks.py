"""What every response carries, and what every request passes first.

* a request id (``X-Request-Id``: the client's if it is sane, else a new one) and the time taken
  (``Server-Timing: total;dur=..``, plus ``query;dur=..`` when a query ran);
* CORS for any origin, without credentials, and one answer to CORS preflights (``OPTIONS``)
  on every route: a browser-side client (YASGUI, Comunica, rdf-dereference) sends headers and
  an ``Accept`` longer than CORS lets through without asking;
* gzip when the client accepts it and the body is worth it;
* one JSON line per request in the ``ivig_graph.access`` log.
"""

from __future__ import annotations

import gzip
import re
import time

from flask import Flask, Response, g, request

from ivig_graph.web.access import log_access, request_id
from ivig_graph.web.state import endpoint

_COMPRESSIBLE = re.compile(
    r"^(text/|application/(sparql-results\+(json|xml)|ld\+json|json|rdf\+xml|n-triples|n-quads"
    r"|trig|xml|sparql-query))"
)
EXPOSED_HEADERS = (
    "X-Request-Id, Server-Timing, ETag, Retry-After, X-SPARQL-MaxRows, Warning, "
    "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
)
ANSWER_LOG_FIELDS = ("query_form", "rows", "truncated", "outcome")
CORS_REQUEST_HEADERS = (
    "Accept, Accept-Language, Content-Language, Content-Type, If-None-Match, Cache-Control, "
    "X-Request-Id, X-Requested-With"
)
PREFLIGHT_MAX_AGE = "86400"
EVERY_RESPONSE = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
    ("Timing-Allow-Origin", "*"),
    ("X-Content-Type-Options", "nosniff"),
)


def install_hooks(app: Flask) -> None:
    app.before_request(_start)
    app.before_request(_preflight)
    app.after_request(_finish)


def _start() -> None:
    g.started = time.perf_counter()
    g.query_ms = None
    g.request_id = request_id(request.headers.get("X-Request-Id"))


def _preflight() -> Response | None:
    """Answer ``OPTIONS`` on any route with the methods it allows (unknown paths stay 404)."""
    if request.method != "OPTIONS" or request.url_rule is None:
        return None
    methods = ", ".join(sorted(request.url_rule.methods or ()))
    response = Response(status=204)
    response.headers["Allow"] = methods
    response.headers["Access-Control-Allow-Methods"] = methods
    response.headers["Access-Control-Allow-Headers"] = CORS_REQUEST_HEADERS
    response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response


def _finish(response: Response) -> Response:
    context = g._get_current_object()  # one proxy lookup, not twelve
    started = getattr(context, "started", None)
    total_ms = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    query_ms = getattr(context, "query_ms", None)
    timing = f"total;dur={total_ms:.1f}"
    if query_ms is not None:
        timing += f", query;dur={query_ms:.1f}"
    the_id = getattr(context, "request_id", "") or request_id(None)
    # Added, not set: no view sets these, and setting searches the headers for each one.
    response.headers.extend((("Server-Timing", timing), ("X-Request-Id", the_id)))
    response.headers.extend(EVERY_RESPONSE)
    _compress(response)
    log_access(
        request_id=the_id,
        status=response.status_code,
        size=response.calculate_content_length(),
        total_ms=total_ms,
        query_ms=query_ms,
        extras={key: context.get(key) for key in ANSWER_LOG_FIELDS if key in context},
    )
    return response


def _compress(response: Response) -> None:
    if response.direct_passthrough or response.status_code < 200 or response.status_code >= 300:
        return
    if "Content-Encoding" in response.headers or not _COMPRESSIBLE.match(response.mimetype or ""):
        return
    response.vary.add("Accept-Encoding")
    if request.accept_encodings["gzip"] <= 0 and request.accept_encodings["*"] <= 0:
        return
    body = response.get_data()
    if len(body) < endpoint().config.gzip_min_bytes:
        return
    response.set_data(gzip.compress(body, compresslevel=5, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
