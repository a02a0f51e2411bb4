"""``/sparql``: the SPARQL 1.1 Protocol query operation, read-only, and the service description.

One path for every query, from the page and from clients alike: protocol intake
(``protocol.read_query_request``) -> the guard and the pool (``querying``) -> the response,
sent from the file the worker wrote the answer to (``serve.spool``, where the truncation link
and gzip are applied; ETag, Vary and the truncation headers are set here). Errors are raised
as the classes of ``ivig_graph.errors`` and answered in one place (``web/errors.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import partial

from flask import Blueprint, Response, g, request

from ivig_graph import formats
from ivig_graph.errors import Malformed, TooLarge
from ivig_graph.formats import Format
from ivig_graph.query.guard import QueryForm
from ivig_graph.serve.spool import CHUNK_BYTES, AnswerStream, SpooledAnswer
from ivig_graph.web import query_page, service_description
from ivig_graph.web.access import client_address
from ivig_graph.web.negotiation import by_format_parameter, content_type, negotiate_or_refuse
from ivig_graph.web.protocol import FormatParameters, ProtocolRequest, read_query_request
from ivig_graph.web.querying import endpoint_url, inspect, query_request, run
from ivig_graph.web.state import Endpoint, endpoint

sparql = Blueprint("sparql", __name__)


class StreamedResponse(Response):
    """An answer sent from its spool file: its length is known without reading it."""

    def calculate_content_length(self) -> int | None:
        return self.content_length


@sparql.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def sparql_endpoint() -> Response:
    # OPTIONS (a CORS preflight) is answered for every route in web/hooks.py.
    state = endpoint()
    protocol = read_protocol(state)
    if protocol.query is None:
        if request.method == "POST":
            raise Malformed("No query: send it as query=... or in the body.")
        if query_page.wants_query_page(protocol):  # a browser: the query page
            return query_page.query_page(state)
        return _service_description(state, protocol.formats)
    if query_page.is_html_format(protocol.format):  # format=html: the answer as a page
        return query_page.results_page(state, protocol)
    return _answer_query(state, protocol)


def read_protocol(state: Endpoint) -> ProtocolRequest:
    if request.method != "POST":
        return read_query_request(
            "GET", request.query_string, None, None, state.config.max_dataset_graphs
        )
    limit = state.config.max_body_bytes
    if (request.content_length or 0) > limit:
        raise TooLarge(f"The request body is larger than {limit} bytes.")
    if not request.content_length:  # as Werkzeug reads a body without a length: empty
        body = b""
    else:
        body = state.bodies.read(request.environ["wsgi.input"], client_address())
    if len(body) > limit:
        raise TooLarge(f"The request body is larger than {limit} bytes.")
    return read_query_request(
        "POST",
        request.query_string,
        request.headers.get("Content-Type"),
        body,
        state.config.max_dataset_graphs,
    )


def _answer_query(state: Endpoint, protocol: ProtocolRequest) -> Response:
    text, info = inspect(state, protocol)
    fmt = _choose_format(info.form, protocol.formats)
    query = query_request(state, protocol, text, fmt, state.config.max_rows)
    etag = _etag(state, "query", repr(query)) if request.method in ("GET", "HEAD") else None
    if etag is not None and request.if_none_match.contains_weak(etag):
        return _not_modified(state, etag)
    answer = run(state, query, state.config.gzip_min_bytes if _accepts_gzip() else 0)
    response = _answer_response(state, answer)
    response.headers["Vary"] = "Accept, Accept-Encoding"  # a new response: nothing to merge
    if answer.bytes_capped:
        limit = state.config.max_answer_bytes
        response.headers["X-SPARQL-MaxBytes"] = str(limit)
        response.headers["Warning"] = (
            f'199 ivig-graph "Results truncated to the first {answer.rows} rows, to fit in '
            f'{limit} bytes; use LIMIT and OFFSET to page, or select fewer or shorter values."'
        )
    elif answer.truncated:
        response.headers["X-SPARQL-MaxRows"] = str(state.config.max_rows)
        response.headers["Warning"] = (
            f'199 ivig-graph "Results truncated to the first {state.config.max_rows} rows; '
            'use LIMIT and OFFSET to page."'
        )
    _cache_headers(state, response, etag)
    return response


def _choose_format(form: QueryForm | None, given: FormatParameters) -> Format:
    offered = formats.RDF if form is not None and form.returns_graph else formats.RESULTS
    if given:
        return format_named(given, offered)
    return negotiate_or_refuse(request.headers.get("Accept"), offered)


def format_named(given: FormatParameters, offered: Sequence[Format]) -> Format:
    """The one format that ``format=``/``output=``/``results=`` name, for what is ``offered``.

    Every value is resolved (a short name, a media type, or a comma-separated list of media
    types, which SPARQLWrapper sends as a copy of its Accept header); repeated and aliased
    values that name the same format are one request, values that name different ones are
    refused, naming them.
    """
    named = [(parameter, value, _named_format(value, offered)) for parameter, value in given]
    if len({fmt for _, _, fmt in named}) > 1:
        listed = ", ".join(f"{name}={value!r} ({fmt.label})" for name, value, fmt in named)
        raise Malformed(
            f"The format parameters ask for different formats: {listed}. Name one format, "
            "or leave them out and send Accept."
        )
    return named[0][2]


def _named_format(value: str, offered: Sequence[Format]) -> Format:
    items = [item.strip() for item in value.split(",") if item.strip()] or [value]
    for item in items:  # a list: the first item offered, else the first item's error
        if formats.by_name(item, offered) is not None:
            return by_format_parameter(item, offered)
    return by_format_parameter(items[0], offered)


def _accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0 or request.accept_encodings["*"] > 0


def _answer_response(state: Endpoint, answer: SpooledAnswer) -> Response:
    """Small answers read whole (granian then writes them without an app thread); larger
    ones streamed from their file, at most so many at once (``serve.spool``)."""
    media_type = content_type(answer.media_type)
    if answer.size <= CHUNK_BYTES:
        with answer.open() as file:
            response = Response(file.read(), status=200, content_type=media_type)
    else:
        client = client_address()
        try:
            state.senders.enter(client)
        except Exception:
            answer.discard()
            raise
        stream = AnswerStream(answer.open(), partial(state.senders.leave, client))
        response = StreamedResponse(
            stream, status=200, content_type=media_type, direct_passthrough=True
        )
        response.content_length = answer.size
    if answer.gzipped:
        response.headers["Content-Encoding"] = "gzip"
    return response


# ---------------------------------------------------------------- HTTP caching


def _etag(state: Endpoint, kind: str, key: str) -> str:
    """A tag for the answer: the dataset version and what was asked. Werkzeug compares it."""
    digest = hashlib.sha256(f"{kind}\x00{key}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"{state.dataset.version}-{digest[:24]}"


def _not_modified(state: Endpoint, etag: str) -> Response:
    g.outcome = "not-modified"
    response = Response(status=304)
    response.vary.add("Accept")
    _cache_headers(state, response, etag)
    return response


def _cache_headers(state: Endpoint, response: Response, etag: str | None) -> None:
    if etag is None:
        response.headers["Cache-Control"] = "no-store"
        return
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = f"public, max-age={state.config.cache_max_age}"


# ---------------------------------------------------------------- service description


def _service_description(state: Endpoint, given: FormatParameters) -> Response:
    offered = service_description.DESCRIPTION_FORMATS
    if given:
        fmt = format_named(given, offered)
    else:
        fmt = negotiate_or_refuse(request.headers.get("Accept"), offered)
    url = endpoint_url(state)
    etag = _etag(state, "description", f"{fmt.name}\x00{url}")
    if request.if_none_match.contains_weak(etag):
        return _not_modified(state, etag)
    examples_url = url.rsplit("/", 1)[0] + "/queries"
    graph = service_description.describe(state.dataset, url, state.examples, examples_url)
    response = Response(service_description.serialize(graph, fmt), status=200)
    response.headers["Content-Type"] = content_type(fmt.media_type)
    response.vary.add("Accept")
    _cache_headers(state, response, etag)
    return response
