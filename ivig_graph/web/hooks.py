"""What every response carries, and what every request passes first.

* a request id (``X-Request-Id``: the client's if it is sane, else a new one) and the time taken
  (``Server-Timing: total;dur=..``, plus ``query;dur=..`` when a query ran);
* CORS for any origin, without credentials;
* gzip when the client accepts it and the body is worth it;
* one JSON line per request in the ``ivig_graph.access`` log;
* the per-client rate limit (429 + Retry-After) on the SPARQL endpoint;
* errors as plain text naming the problem, never a stack trace.
"""

from __future__ import annotations

import gzip
import logging
import re
import time

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from .access import ANSWERED, client_of, log_access, request_id
from .errors import error_response
from .ratelimit import retry_after_seconds
from .state import endpoint

log = logging.getLogger(__name__)

_COMPRESSIBLE = re.compile(
    r"^(text/|application/(sparql-results\+(json|xml)|ld\+json|json|rdf\+xml|n-triples|n-quads"
    r"|trig|xml|sparql-query))"
)
EXPOSED_HEADERS = (
    "X-Request-Id, Server-Timing, ETag, Retry-After, X-SPARQL-MaxRows, Warning, X-Cache"
)
RATE_LIMITED_PREFIXES = ("/sparql", "/queries")
ANSWER_LOG_FIELDS = ("query_form", "rows", "truncated", "outcome")


def install_hooks(app: Flask) -> None:
    app.before_request(_start)
    app.before_request(_rate_limit)
    app.after_request(_finish)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _start() -> None:
    g.started = time.perf_counter()
    g.query_ms = None
    g.request_id = request_id(request.headers.get("X-Request-Id"))


def client_address() -> str:
    """The client of the current request (see ``access.client_of``)."""
    return client_of(request.environ, endpoint().config.trust_proxy)


def _rate_limit() -> Response | None:
    limiter = endpoint().limiter
    if limiter is None or request.method == "OPTIONS":
        return None
    if not request.path.startswith(RATE_LIMITED_PREFIXES):
        return None
    wait = limiter.acquire(client_address())
    if wait <= 0:
        return None
    seconds = retry_after_seconds(wait)
    return error_response(
        429, f"Too many requests from this client; retry in {seconds} s.", retry_after=seconds
    )


def _finish(response: Response) -> Response:
    started = getattr(g, "started", None)
    total_ms = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    query_ms = getattr(g, "query_ms", None)
    timing = f"total;dur={total_ms:.1f}"
    if query_ms is not None:
        timing += f", query;dur={query_ms:.1f}"
    response.headers["Server-Timing"] = timing
    response.headers["X-Request-Id"] = getattr(g, "request_id", "") or request_id(None)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    response.headers["Timing-Allow-Origin"] = "*"
    response.headers["X-Content-Type-Options"] = "nosniff"
    _compress(response)
    _log(response, total_ms, query_ms)
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


def _log(response: Response, total_ms: float, query_ms: float | None) -> None:
    extras = {key: g.get(key) for key in ANSWER_LOG_FIELDS if key in g}
    if extras.get("outcome") == "answered":  # the answer memo may keep it (answer_memo.py)
        request.environ[ANSWERED] = extras
    log_access(
        request.environ,
        request_id=response.headers.get("X-Request-Id", ""),
        client=client_address(),
        status=response.status_code,
        size=response.calculate_content_length(),
        total_ms=total_ms,
        query_ms=query_ms,
        extras=extras,
    )


def _http_error(error: HTTPException) -> Response:
    status = error.code or 400
    message = {
        405: "Method not allowed: the endpoint answers GET, HEAD, POST (and OPTIONS for CORS).",
        404: "Not found: the SPARQL endpoint is at /sparql.",
        413: "The request body is larger than this endpoint accepts.",
    }.get(status, error.description or error.name)
    response = error_response(status, message)
    if status == 405 and error.get_response().headers.get("Allow"):
        response.headers["Allow"] = error.get_response().headers["Allow"]
    return response


def _unexpected_error(error: Exception) -> Response:
    # A bug: log it (with the request id) for us, tell the client nothing about our internals.
    log.exception("unexpected error answering request %s", getattr(g, "request_id", "?"))
    return error_response(
        500, "The server could not answer this request; the error was logged (see X-Request-Id)."
    )
