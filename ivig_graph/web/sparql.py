"""``/sparql``: the SPARQL 1.1 Protocol query operation, read-only, and the service description."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import TypeVar
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox
from flask import Blueprint, Response, g, request

from .. import formats
from ..engine import QueryAnswer, QueryFailed, QueryRequest
from ..formats import Format
from ..query_pool import PoolError
from ..sparql_guard import GuardLimits, QueryForm, QueryInfo, QueryRefused, inspect_query
from . import query_page, service_description
from .errors import error_response
from .negotiation import NotAcceptable, UnknownFormat, by_format_parameter, negotiate_or_refuse
from .protocol import ProtocolError, ProtocolRequest, read_query_request
from .state import Endpoint, endpoint

sparql = Blueprint("sparql", __name__)

ALLOWED_METHODS = "GET, HEAD, POST, OPTIONS"
CORS_REQUEST_HEADERS = (
    "Accept, Accept-Language, Content-Language, Content-Type, If-None-Match, Cache-Control, "
    "X-Request-Id, X-Requested-With"
)
TRUNCATION_LINK = "https://w3id.org/ivig/endpoint#results-truncated"
FALLBACK_ENDPOINT = "http://localhost/sparql"
_DESCRIPTION_CACHE_SIZE = 32
_description_lock = threading.Lock()


@sparql.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def sparql_endpoint() -> Response:
    if request.method == "OPTIONS":
        return _preflight()
    state = endpoint()
    try:
        if request.method == "POST":
            protocol = read_query_request(
                "POST", request.query_string, request.headers.get("Content-Type"), _read_body(state)
            )
        else:
            protocol = _read_get(request.query_string)
        if protocol.query is None:
            if request.method == "POST":
                raise ProtocolError(400, "No query: send it as query=... or in the body.")
            if query_page.wants_query_page(protocol):  # a browser: the query page
                return query_page.query_page(state)
            return _service_description(state, protocol.format)
        if query_page.is_html_format(protocol.format):  # format=html: the answer as a page
            return query_page.results_page(state, protocol, endpoint_url(state))
        return _answer_query(state, protocol)
    except (ProtocolError, QueryRefused, QueryFailed) as error:
        g.outcome = "refused"
        return error_response(error.status, str(error))
    except PoolError as error:
        g.outcome = type(error).__name__
        return error_response(error.status, str(error), retry_after=error.retry_after)
    except NotAcceptable as error:
        return error_response(406, str(error))
    except UnknownFormat as error:
        return error_response(400, str(error))


def _preflight() -> Response:
    response = Response(status=204)
    response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response.headers["Access-Control-Allow-Headers"] = CORS_REQUEST_HEADERS
    response.headers["Access-Control-Max-Age"] = "86400"
    response.headers["Allow"] = ALLOWED_METHODS
    return response


def _read_body(state: Endpoint) -> bytes:
    limit = state.config.max_body_bytes
    if (request.content_length or 0) > limit:
        raise ProtocolError(413, f"The request body is larger than {limit} bytes.")
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise ProtocolError(413, f"The request body is larger than {limit} bytes.")
    return data


def endpoint_url(state: Endpoint) -> str:
    """The endpoint's own IRI: the base for relative IRIs in queries and the description."""
    if state.config.base_url:
        return _valid_iri_or_fallback(state.config.base_url)
    environ = request.environ
    return _request_base(
        environ.get("wsgi.url_scheme", "http"),
        environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
    )


# What follows is memoised: the same few values recur on every request, and working them out
# afresh (URL building, IRI checks, the guard's scan, Accept parsing, decoding the query string)
# cost more than a cache hit.


@lru_cache(maxsize=256)
def _request_base(scheme: str, host: str, script: str, path: str) -> str:
    del scheme, host, script, path  # the key; werkzeug builds the URL from the same environ
    return _valid_iri_or_fallback(request.base_url)


@lru_cache(maxsize=256)
def _valid_iri_or_fallback(candidate: str) -> str:
    try:
        ox.NamedNode(candidate)
    except ValueError:
        return FALLBACK_ENDPOINT
    return candidate


MEMOISED_QUERY_LENGTH = 4096  # longer texts are worked on every time: the memos stay small
Value = TypeVar("Value")


def _memoised_up_to(length: int) -> Callable[[Callable[..., Value]], Callable[..., Value]]:
    """Memoise a function of a text or byte string (and hashable others), for strings up to
    ``length`` long."""

    def memoise(function: Callable[..., Value]) -> Callable[..., Value]:
        remembered = lru_cache(maxsize=2048)(function)

        def call(argument: str | bytes, *rest: Hashable) -> Value:
            return (function if len(argument) > length else remembered)(argument, *rest)

        return call

    return memoise


@_memoised_up_to(MEMOISED_QUERY_LENGTH)
def _inspect(text: str, limits: GuardLimits) -> QueryInfo:
    return inspect_query(text, limits)


@_memoised_up_to(3 * MEMOISED_QUERY_LENGTH)  # percent-encoded
def _read_get(query_string: bytes) -> ProtocolRequest:
    return read_query_request("GET", query_string, None, None)


@lru_cache(maxsize=1024)
def _negotiated(accept: str | None, offered: tuple[Format, ...]) -> Format:
    return negotiate_or_refuse(accept, offered)


# ---------------------------------------------------------------- queries


def _answer_query(state: Endpoint, protocol: ProtocolRequest) -> Response:
    text = protocol.query.removeprefix("\ufeff") if protocol.query else ""
    if not text.strip():
        raise ProtocolError(400, "The query is empty.")
    info = _inspect(text, state.guard_limits)
    g.query_form = info.form.value if info.form else None
    fmt = _choose_format(info.form, protocol.format)
    base = endpoint_url(state)
    query_request = QueryRequest(
        query=text,
        format_key=fmt.name,
        base_iri=base,
        default_graphs=protocol.default_graphs if protocol.dataset_given else None,
        named_graphs=protocol.named_graphs if protocol.dataset_given else None,
        max_rows=state.config.max_rows,
    )
    cacheable = request.method in ("GET", "HEAD")
    etag = _etag(state, "query", repr(query_request)) if cacheable else None
    if etag is not None and _not_modified(etag):
        return _not_modified_response(state, etag)
    started = time.perf_counter()
    answer = state.results.get(query_request)
    hit = answer is not None
    if answer is None:
        try:
            answer = state.pool.execute(query_request)
        finally:
            g.query_ms = (time.perf_counter() - started) * 1000
        state.results.put(query_request, answer)
    else:
        g.query_ms = (time.perf_counter() - started) * 1000
    g.rows, g.truncated, g.outcome = answer.rows, answer.truncated, "answered"
    response = Response(_body_with_truncation_link(answer), status=200)
    response.headers["Content-Type"] = _content_type(answer.media_type)
    if state.results.enabled:
        response.headers["X-Cache"] = "HIT" if hit else "MISS"
    response.vary.add("Accept")
    if answer.truncated:
        response.headers["X-SPARQL-MaxRows"] = str(state.config.max_rows)
        response.headers["Warning"] = (
            f'199 ivig-graph "Results truncated to the first {state.config.max_rows} rows; '
            'use LIMIT and OFFSET to page."'
        )
    _cache_headers(state, response, etag)
    return response


def _choose_format(form: QueryForm | None, parameter: str | None) -> Format:
    offered = formats.RDF if form is not None and form.returns_graph else formats.RESULTS
    if parameter is not None:
        return by_format_parameter(parameter, offered)
    return _negotiated(request.headers.get("Accept"), offered)


def _content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


def _body_with_truncation_link(answer: QueryAnswer) -> bytes:
    """Say in the results themselves (``head.link``) that they were cut short."""
    if not answer.truncated or answer.kind != "results":
        return answer.body
    if answer.media_type == "application/sparql-results+json":
        data = json.loads(answer.body)
        data["head"]["link"] = [TRUNCATION_LINK]
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if answer.media_type == "application/sparql-results+xml":
        link = f"<link href={quoteattr(TRUNCATION_LINK)}/></head>".encode()
        return answer.body.replace(b"</head>", link, 1)
    return answer.body


# ---------------------------------------------------------------- HTTP caching


def _etag(state: Endpoint, kind: str, key: str) -> str:
    digest = hashlib.sha256(f"{kind}\x00{key}".encode("utf-8", "surrogatepass")).hexdigest()
    return f'W/"{state.dataset.version}-{digest[:24]}"'


def _not_modified(etag: str) -> bool:
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == opaque for tag in header.split(","))


def _not_modified_response(state: Endpoint, etag: str) -> Response:
    g.outcome = "not-modified"
    response = Response(status=304)
    response.vary.add("Accept")
    _cache_headers(state, response, etag)
    return response


def _cache_headers(state: Endpoint, response: Response, etag: str | None) -> None:
    if etag is None:
        response.headers["Cache-Control"] = "no-store"
        return
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = f"public, max-age={state.config.cache_max_age}"


# ---------------------------------------------------------------- service description


def _service_description(state: Endpoint, parameter: str | None) -> Response:
    offered = service_description.DESCRIPTION_FORMATS
    if parameter is not None:
        fmt = by_format_parameter(parameter, offered)
    else:
        fmt = negotiate_or_refuse(request.headers.get("Accept"), offered)
    url = endpoint_url(state)
    etag = _etag(state, "description", f"{fmt.name}\x00{url}")
    if _not_modified(etag):
        return _not_modified_response(state, etag)
    response = Response(_description_bytes(state, url, fmt), status=200)
    response.headers["Content-Type"] = _content_type(fmt.media_type)
    response.vary.add("Accept")
    _cache_headers(state, response, etag)
    return response


def _description_bytes(state: Endpoint, url: str, fmt: Format) -> bytes:
    cache = state.description_cache
    key = (url, fmt.name)
    with _description_lock:
        cached = cache.get(key)
    if cached is not None:
        return cached
    examples_url = url.rsplit("/", 1)[0] + "/queries"
    graph = service_description.describe(state.dataset, url, state.examples, examples_url)
    data = service_description.serialize(graph, fmt)
    with _description_lock:
        if len(cache) >= _DESCRIPTION_CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = data
    return data
