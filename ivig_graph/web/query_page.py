"""The query page: ``/sparql`` for people.

``GET /sparql`` from a browser (``Accept`` prefers ``text/html``) shows an editor pre-filled with
an example query (``?example=NAME`` picks one); machines still get the service description.
``format=html`` with a query runs it and shows the answer as a table under the editor, IRIs
linked to our pages, with links to download it in every format. The form submits as a plain GET,
so the page works without JavaScript; static/query.js runs it in place and adds sorting, pages, a
chart view and a history; static/editor.js (CodeMirror, built by ``make bundle``, loaded only when
it is there) replaces the textarea, completing terms from ``/sparql/completions.json``.

Queries run exactly as the endpoint runs them (the guard, then a worker of the pool); errors are
shown in place, with the status the endpoint would answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Response, g, request

from ivig_graph import formats
from ivig_graph.errors import QueryError, QuerySyntaxError, Unavailable
from ivig_graph.formats import Format
from ivig_graph.query.guard import QueryForm
from ivig_graph.web import assets, querying
from ivig_graph.web.errors import status_of
from ivig_graph.web.negotiation import negotiate
from ivig_graph.web.protocol import ProtocolRequest
from ivig_graph.web.service_description import DESCRIPTION_FORMATS
from ivig_graph.web.site import catalog, html_page
from ivig_graph.web.state import Endpoint
from ivig_graph.web.views.results import Example, Table, example, from_json, from_ntriples

HTML_FORMAT = "html"
HTML_MAX_ROWS = 1000  # rows shown in the page; the downloads carry up to IVIG_MAX_ROWS
EDITOR_BUNDLE = "editor.js"  # CodeMirror, built by `make bundle`; without it the page is a textarea
XSD = "http://www.w3.org/2001/XMLSchema#"
# Literals the result table sorts, and the chart view draws, as numbers.
NUMERIC_DATATYPES = frozenset(
    XSD + name
    for name in (
        "integer", "decimal", "double", "float", "int", "long", "short", "byte",
        "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger",
        "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
    )
)  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """What running the query gave: a table, or an error message and its status."""

    table: Table | None = None
    form: QueryForm | None = None
    truncated: bool = False
    error: str | None = None
    status: int = 200
    retry_after: int | None = None
    milliseconds: float | None = None
    error_line: int | None = None  # where a syntax error is, for the editor to mark
    error_column: int | None = None


def is_html_format(parameter: str | None) -> bool:
    return parameter is not None and parameter.strip().lower() == HTML_FORMAT


def wants_query_page(protocol: ProtocolRequest) -> bool:
    """A request for /sparql without a query: the page, or the service description?"""
    if protocol.format is not None:
        return is_html_format(protocol.format)
    offers = (*DESCRIPTION_FORMATS, formats.HTML)
    return negotiate(request.headers.get("Accept"), offers) is formats.HTML


def examples(state: Endpoint) -> list[Example]:
    return [example(name, text) for name, text in state.examples.items()]


def query_page(state: Endpoint) -> Response:
    """The editor, pre-filled with the example named by ``?example=`` (or the first one)."""
    known = examples(state)
    chosen = request.args.get("example", "")
    selected = next((e for e in known if e.name == chosen), known[0] if known else None)
    return _render(state, known, selected.text if selected else "", selected, None)


def results_page(state: Endpoint, protocol: ProtocolRequest) -> Response:
    """Run the query and show its answer (or why there is none) under the editor."""
    text = (protocol.query or "").removeprefix("\ufeff")
    outcome = run(state, protocol)
    known = examples(state)
    selected = next((e for e in known if e.text.strip() == text.strip()), None)
    return _render(state, known, text, selected, outcome)


def run(state: Endpoint, protocol: ProtocolRequest) -> Outcome:
    """The query on the endpoint's one path (``querying``), its errors kept to show in place."""
    form: QueryForm | None = None
    try:
        text, info = querying.inspect(state, protocol)
        form = info.form
        returns_graph = form is not None and form.returns_graph
        fmt = formats.N_TRIPLES if returns_graph else formats.JSON
        max_rows = min(state.config.max_rows, HTML_MAX_ROWS)
        answer = querying.run(state, querying.query_request(state, protocol, text, fmt, max_rows))
    except QueryError as error:
        g.outcome = type(error).__name__
        retry_after = error.retry_after if isinstance(error, Unavailable) else None
        syntax = isinstance(error, QuerySyntaxError) and error.line > 0
        line, column = (error.line, error.column) if syntax else (None, None)  # type: ignore[attr-defined]
        return Outcome(
            form=form,
            error=str(error),
            status=status_of(error),
            retry_after=retry_after,
            error_line=line,
            error_column=column,
        )
    body = answer.read()  # at most HTML_MAX_ROWS rows, and the byte cap
    table = from_ntriples(body) if answer.kind == "graph" else from_json(body)
    return Outcome(
        table=table,
        form=form,
        truncated=answer.truncated,
        milliseconds=round(g.query_ms, 1) if g.query_ms is not None else None,  # None: cached
    )


def downloads(text: str, form: QueryForm | None, root: str) -> list[tuple[Format, str]]:
    """A link to the answer in each format the query form can be answered in."""
    offered = formats.RDF if form is not None and form.returns_graph else formats.RESULTS
    return [
        (fmt, f"{root}/sparql?{urlencode({'query': text, 'format': fmt.name})}") for fmt in offered
    ]


def _render(
    state: Endpoint,
    known: list[Example],
    text: str,
    selected: Example | None,
    outcome: Outcome | None,
) -> Response:
    status = outcome.status if outcome is not None else 200
    response = html_page(
        "query.html",
        examples=known,
        examples_data=[
            {"name": e.name, "title": e.title, "description": e.description, "text": e.text}
            for e in known
        ],
        query=text,
        selected=selected,
        outcome=outcome,
        downloads=downloads(text, outcome.form, request.script_root) if outcome else [],
        max_rows=state.config.max_rows,
        html_max_rows=HTML_MAX_ROWS,
        catalog=catalog(),
        numeric_datatypes=NUMERIC_DATATYPES,
        editor_bundle=EDITOR_BUNDLE if assets.fingerprint(EDITOR_BUNDLE) else None,
        status=status,
        vary=True,
        cache=False,
    )
    response.headers["Cache-Control"] = "no-store"
    if outcome is not None and outcome.retry_after is not None:
        response.headers["Retry-After"] = str(outcome.retry_after)
    return response
