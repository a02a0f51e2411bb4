"""Answer queries from a remote SPARQL 1.1 engine: ``ivig-graph serve --backend URL``.

The endpoint stays ours: the guard, the time budget, the row cap, content negotiation and the
ETags are the same as on the embedded store; only evaluation moves to the remote engine, which
holds exactly our three named graphs (``ivig-graph publish`` put them there; ``check_backend``
counts them at start-up). ``execute_remote`` runs inside a query worker process
(``ivig_graph.serve.worker``), so the worker is still killed when the budget runs out, whatever the
remote does.

What is sent (``backend_request``): the query, unchanged, after a one-line prologue of what the
embedded endpoint predeclares, POSTed (``backend_http``) as a form with the protocol's dataset.
What comes back (``backend_answers``) is parsed as it streams and serialized again by pyoxigraph
in the format the client negotiated with us, stopping after ``max_rows``: every format we offer
is available whatever the remote offers, and the row cap and its markers are ours.

Failures are the classes of ``ivig_graph.errors`` that give our client the status it should
get: the remote's 400 is ours, with its message; a remote that is unreachable, refuses us,
fails or answers nonsense is 502; one that does not answer in time is 504. Messages never name
the remote's address (it is logged instead).
"""

from __future__ import annotations

import http.client
import logging
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import cast

import pyoxigraph as ox

from ivig_graph.clients.backend_answers import (
    PARTIAL_RESULTS_HEADER,
    PARTIAL_RESULTS_STATE,
    read_results,
    read_triples,
)
from ivig_graph.clients.backend_http import (
    GRAPH_ACCEPT,
    RESULTS_ACCEPT,
    HttpStatus,
    Unanswered,
    post,
    refusal,
    short,
)
from ivig_graph.clients.backend_request import (
    check_syntax,
    dataset_parameters,
    prologue,
    shape_of,
)
from ivig_graph.clients.gsp import excerpt
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.errors import BackendFailed, StoreDiffers, StoreRefused, StoreUnreachable, TimedOut
from ivig_graph.query.engine import QueryAnswer, QueryRequest, answer_result, check_format
from ivig_graph.query.engine import protocol_dataset as validated_dataset
from ivig_graph.query.guard import QueryForm
from ivig_graph.vocab import GRAPHS

log = logging.getLogger(__name__)

COUNT_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


@dataclass(frozen=True)
class Backend:
    """A remote engine's SPARQL 1.1 query endpoint and how long to wait for it."""

    query_url: str
    timeout: float = 11.0  # a backstop: the worker is killed at the endpoint's own budget
    graphs: tuple[str, ...] = field(default_factory=lambda: tuple(str(g) for g in GRAPHS))

    def __post_init__(self) -> None:
        check_backend_url(self.query_url)


def check_backend_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"{url!r} is not an http(s) URL: give the remote engine's SPARQL query endpoint, "
            "e.g. http://127.0.0.1:7878/query (Oxigraph) or http://127.0.0.1:8890/sparql "
            "(Virtuoso)."
        )


# ---------------------------------------------------------------- answering one query


def execute_remote(backend: Backend, request: QueryRequest) -> QueryAnswer:
    """Run ``request`` on the remote engine; raise the ``QueryError`` our client should get."""
    fmt = check_format(request.format_key)
    shape = shape_of(request.query)
    default_graphs, named_graphs = validated_dataset(request)
    check_syntax(request, default_graphs, named_graphs)
    form = [("query", prologue(shape, request.base_iri) + request.query)]
    form += dataset_parameters(backend.graphs, request, shape)
    returns_graph = shape.form is not None and shape.form.returns_graph
    accept = GRAPH_ACCEPT if returns_graph else RESULTS_ACCEPT
    try:
        response = post(backend.query_url, form, accept, backend.timeout)
    except Unanswered as error:
        log.warning("SPARQL backend %s: %s", backend.query_url, error)
        if error.timed_out:
            raise TimedOut(
                f"The SPARQL backend did not answer within {backend.timeout:g} s."
            ) from None
        raise BackendFailed(f"The SPARQL backend could not be reached: {error}.") from None
    except HttpStatus as error:
        raise refusal(backend.query_url, error) from None
    with response:
        if response.headers.get(PARTIAL_RESULTS_HEADER, "").upper() == PARTIAL_RESULTS_STATE:
            raise TimedOut(
                "The SPARQL backend stopped the query at its own time limit and answered "
                "incomplete results, which this endpoint does not pass on. Narrow the query."
            )
        try:
            if returns_graph:
                triples = read_triples(response)
                return answer_result(triples, fmt, request.max_rows, request.max_bytes)
            return answer_result(
                read_results(response, shape.form), fmt, request.max_rows, request.max_bytes
            )
        except (SyntaxError, ValueError, OSError, http.client.HTTPException) as error:
            log.warning("SPARQL backend %s answered unreadably: %s", backend.query_url, error)
            raise BackendFailed(
                f"The SPARQL backend's answer could not be read ({short(error)})."
            ) from None


# ---------------------------------------------------------------- start-up check


def check_backend(built: BuiltDataset, backend: Backend) -> dict[str, int]:
    """Count the triples of each of our graphs on the remote; they must match the manifest.

    Answers the counts. Raises ``StoreUnreachable`` (no answer), ``StoreRefused`` (an HTTP
    error) or ``StoreDiffers`` (another dataset, or none, is there): serving would otherwise
    give answers and ETags that do not belong to the built dataset's version.
    """
    form = [("query", COUNT_PER_GRAPH), *(("named-graph-uri", g) for g in backend.graphs)]
    try:
        with post(backend.query_url, form, RESULTS_ACCEPT, backend.timeout) as response:
            counts = _counts(read_results(response, QueryForm.SELECT))
    except Unanswered as error:
        raise StoreUnreachable(
            f"Cannot reach the SPARQL backend at {backend.query_url}: {error}. Start it, or "
            "check --backend (the engine's SPARQL query endpoint, e.g. "
            "http://127.0.0.1:7878/query for Oxigraph).",
            url=backend.query_url,
        ) from None
    except HttpStatus as error:
        said = excerpt(error.body)
        raise StoreRefused(
            f"The SPARQL backend at {backend.query_url} refused a query (HTTP {error.status})"
            + (f": {said}" if said else "")
            + ". --backend must be the engine's SPARQL query endpoint.",
            url=backend.query_url,
            status=error.status,
        ) from None
    except (SyntaxError, ValueError, OSError, http.client.HTTPException) as error:
        raise StoreRefused(
            f"The SPARQL backend at {backend.query_url} answered something that is not SPARQL "
            f"results ({short(error)}). --backend must be the engine's SPARQL query endpoint.",
            url=backend.query_url,
            status=200,
        ) from None
    _compare_counts(built, backend, counts)
    return {graph: counts.get(graph, 0) for graph in backend.graphs}


def _counts(solutions: ox.QuerySolutions | ox.QueryBoolean) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in cast(Iterable[ox.QuerySolution], solutions):
        graph, number = row["g"], row["n"]
        if isinstance(graph, ox.NamedNode) and isinstance(number, ox.Literal):
            counts[graph.value] = int(number.value)
    return counts


def _compare_counts(built: BuiltDataset, backend: Backend, counts: Mapping[str, int]) -> None:
    expected = {g: int(built.manifest["graphs"][g]["triples"]) for g in backend.graphs}
    wrong = {g: (n, counts.get(g, 0)) for g, n in expected.items() if counts.get(g, 0) != n}
    if not wrong:
        return
    details = "; ".join(
        f"<{graph}>: {found} triples, the build has {want}"
        for graph, (want, found) in wrong.items()
    )
    raise StoreDiffers(
        f"The SPARQL backend at {backend.query_url} does not hold dataset {built.version}: "
        f"{details}. Publish it first (ivig-graph publish --to THE-STORE'S-GRAPH-STORE-URL), "
        "then start the server again.",
        differences={
            g: (max(want - found, 0), max(found - want, 0)) for g, (want, found) in wrong.items()
        },
    )
