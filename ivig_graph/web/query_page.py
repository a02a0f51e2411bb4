"""The query page: ``/sparql`` for people.

``GET /sparql`` from a browser (``Accept`` prefers ``text/html``) shows an editor pre-filled with
an example query (``?example=NAME`` picks one); machines still get the service description.
``format=html`` with a query runs it and shows the answer as a table under the editor, IRIs
linked to our pages, with links to download it in every format. The form submits as a plain GET,
so the page works without JavaScript; static/query.js only spares the page reload.

Queries run exactly as the endpoint runs them (the guard, then a worker of the pool); errors are
shown in place, with the status the endpoint would answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Response, g, request

from .. import formats
from ..engine import QueryFailed, QueryRequest
from ..formats import Format
from ..pages.results import Example, Table, example, from_json, from_ntriples
from ..query_pool import PoolError
from ..sparql_guard import QueryForm, QueryRefused, inspect_query
from .negotiation import negotiate
from .pages import catalog, html_page
from .protocol import ProtocolRequest
from .service_description import DESCRIPTION_FORMATS
from .state import Endpoint

HTML_FORMAT = "html"
HTML_MAX_ROWS = 1000  # rows shown in the page; the downloads carry up to IVIG_MAX_ROWS


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


def results_page(state: Endpoint, protocol: ProtocolRequest, base_iri: str) -> Response:
    """Run the query and show its answer (or why there is none) under the editor."""
    text = (protocol.query or "").removeprefix("\ufeff")
    outcome = run(state, protocol, text, base_iri)
    known = examples(state)
    selected = next((e for e in known if e.text.strip() == text.strip()), None)
    return _render(state, known, text, selected, outcome)


def run(state: Endpoint, protocol: ProtocolRequest, text: str, base_iri: str) -> Outcome:
    if not text.strip():
        return Outcome(error="The query is empty: write one, or load an example.", status=400)
    try:
        form = inspect_query(text, state.guard_limits).form
    except QueryRefused as error:
        g.outcome = "refused"
        return Outcome(error=str(error), status=error.status)
    g.query_form = form.value if form else None
    returns_graph = form is not None and form.returns_graph
    query_request = QueryRequest(
        query=text,
        format_key=(formats.N_TRIPLES if returns_graph else formats.JSON).name,
        base_iri=base_iri,
        default_graphs=protocol.default_graphs if protocol.dataset_given else None,
        named_graphs=protocol.named_graphs if protocol.dataset_given else None,
        max_rows=min(state.config.max_rows, HTML_MAX_ROWS),
    )
    started = time.perf_counter()
    try:
        answer = state.pool.execute(query_request)
    except QueryFailed as error:
        g.outcome = "refused"
        return Outcome(form=form, error=str(error), status=error.status)
    except PoolError as error:
        g.outcome = type(error).__name__
        return Outcome(
            form=form, error=str(error), status=error.status, retry_after=error.retry_after
        )
    finally:
        g.query_ms = (time.perf_counter() - started) * 1000
    g.rows, g.truncated, g.outcome = answer.rows, answer.truncated, "answered"
    table = from_ntriples(answer.body) if answer.kind == "graph" else from_json(answer.body)
    return Outcome(
        table=table,
        form=form,
        truncated=answer.truncated,
        milliseconds=round(g.query_ms, 1),
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
        status=status,
        vary=True,
        cache=False,
    )
    response.headers["Cache-Control"] = "no-store"
    if outcome is not None and outcome.retry_after is not None:
        response.headers["Retry-After"] = str(outcome.retry_after)
    return response
