"""Evaluate one SPARQL query against the built dataset with Oxigraph; answer serialized bytes.

Nothing here knows about HTTP. ``load_store`` reads the built N-Quads into an in-memory store
(the named graphs, plus their union copied into the store's default graph so that ``FROM`` and
the protocol's ``default-graph-uri`` keep their meaning: the union is the *default*, not an
override). ``execute`` runs a ``QueryRequest`` and returns a ``QueryAnswer``, capping the rows or
triples it returns and saying when it did.

Queries must have passed ``sparql_guard.inspect_query`` first (``SERVICE`` is refused there;
Oxigraph would otherwise make the HTTP request).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal, cast

import pyoxigraph as ox

from .errors import Malformed, NotAcceptable, QueryFailed
from .vocab import PREFIXES

ResultKind = Literal["results", "graph"]

# Copies every quad into the default graph: a fixed query, not built from input.
_UNION_INTO_DEFAULT = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


@dataclass(frozen=True)
class ResultFormat:
    """A serialization the endpoint offers: its names for ``format=``, media types, engine id."""

    key: str
    kind: ResultKind
    media_types: tuple[str, ...]  # the first is canonical and is the Content-Type answered
    names: tuple[str, ...]  # values of the ``format=`` parameter
    label: str

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def iri(self) -> str:
        """The format's IRI in the W3C's registry (https://www.w3.org/ns/formats/)."""
        return _engine_format(self).iri


RESULT_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat(
        "json",
        "results",
        ("application/sparql-results+json", "application/json"),
        ("json", "srj"),
        "SPARQL Results JSON",
    ),
    ResultFormat(
        "xml",
        "results",
        ("application/sparql-results+xml", "application/xml", "text/xml"),
        ("xml", "srx"),
        "SPARQL Results XML",
    ),
    ResultFormat("csv", "results", ("text/csv",), ("csv",), "SPARQL Results CSV"),
    ResultFormat("tsv", "results", ("text/tab-separated-values",), ("tsv",), "SPARQL Results TSV"),
)
GRAPH_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat(
        "turtle", "graph", ("text/turtle", "application/x-turtle"), ("turtle", "ttl"), "Turtle"
    ),
    ResultFormat(
        "jsonld",
        "graph",
        ("application/ld+json", "application/json"),
        ("jsonld", "json-ld", "json"),
        "JSON-LD",
    ),
    ResultFormat(
        "ntriples",
        "graph",
        ("application/n-triples", "text/plain"),
        ("ntriples", "n-triples", "nt"),
        "N-Triples",
    ),
    ResultFormat(
        "rdfxml",
        "graph",
        ("application/rdf+xml", "application/xml", "text/xml"),
        ("rdfxml", "rdf+xml", "rdf", "xml"),
        "RDF/XML",
    ),
    ResultFormat(
        "nquads", "graph", ("application/n-quads",), ("nquads", "n-quads", "nq"), "N-Quads"
    ),
    ResultFormat("trig", "graph", ("application/trig",), ("trig",), "TriG"),
)
FORMATS_BY_KEY = {f.key: f for f in RESULT_FORMATS + GRAPH_FORMATS}

_RESULTS_ENGINE = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
_GRAPH_ENGINE = {
    "turtle": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}


def _engine_format(fmt: ResultFormat) -> ox.QueryResultsFormat | ox.RdfFormat:
    return _RESULTS_ENGINE[fmt.key] if fmt.kind == "results" else _GRAPH_ENGINE[fmt.key]


@dataclass(frozen=True)
class QueryRequest:
    """Everything needed to run one query; plain data so it can cross a process boundary.

    ``default_graphs``/``named_graphs`` are the protocol's ``default-graph-uri`` and
    ``named-graph-uri``: None leaves the query's own dataset (or the endpoint's default) in
    force; a tuple, even empty, replaces it.
    """

    query: str
    format_key: str
    base_iri: str | None = None
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    max_rows: int = 10_000


@dataclass(frozen=True)
class QueryAnswer:
    body: bytes
    media_type: str
    kind: ResultKind
    rows: int | None  # solutions or triples returned; None for ASK
    truncated: bool


def load_store(nquads_path: Path) -> ox.Store:
    """An in-memory store of the built dataset; its default graph holds the union."""
    store = ox.Store()
    store.load(path=str(nquads_path), format=ox.RdfFormat.N_QUADS)
    store.update(_UNION_INTO_DEFAULT)
    return store


def start_query(
    store: ox.Store,
    request: QueryRequest,
    default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None,
    named_graphs: list[ox.NamedNode | ox.BlankNode] | None,
) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Parse and start ``request`` on ``store``; the engine's refusals become ``QueryFailed``."""
    try:
        return store.query(
            request.query,
            base_iri=request.base_iri,
            prefixes=PREFIXES,
            default_graph=default_graph,
            named_graphs=named_graphs,
        )
    except SyntaxError as error:
        raise Malformed(f"Invalid SPARQL query: {error}") from None
    except (ValueError, OSError, RuntimeError) as error:
        raise QueryFailed(f"The query could not be evaluated: {error}") from None


def execute(store: ox.Store, request: QueryRequest) -> QueryAnswer:
    """Run ``request`` on ``store``; raise ``QueryFailed`` for a query that cannot be answered."""
    fmt = check_format(request.format_key)
    default_graph, named_graphs = protocol_dataset(request)
    result = start_query(store, request, default_graph, named_graphs)
    try:
        return answer_result(result, fmt, request.max_rows)
    except (ValueError, OSError, RuntimeError) as error:
        # Evaluation is lazy: errors (e.g. an unbound SERVICE name) surface while serializing.
        raise QueryFailed(f"The query could not be evaluated: {error}") from None


def check_format(format_key: str) -> ResultFormat:
    fmt = FORMATS_BY_KEY.get(format_key)
    if fmt is None:
        raise NotAcceptable(f"Unknown result format {format_key!r}.")
    return fmt


def answer_result(
    result: ox.QueryBoolean | ox.QuerySolutions | Iterable[ox.Triple],
    fmt: ResultFormat,
    max_rows: int,
) -> QueryAnswer:
    """Serialize a result (the store's, or one parsed from a remote engine) as ``fmt``, with
    at most ``max_rows`` solutions or triples; consumes the result lazily."""
    if isinstance(result, ox.QueryBoolean):
        return _boolean_answer(result, fmt)
    if isinstance(result, ox.QuerySolutions):
        return _solutions_answer(result, fmt, max_rows)
    return _triples_answer(result, fmt, max_rows)


GraphList = list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]


def protocol_dataset(
    request: QueryRequest,
) -> tuple[GraphList | None, list[ox.NamedNode | ox.BlankNode] | None]:
    """The protocol's dataset, or (None, None) to leave the query's (or the default) in force."""
    if request.default_graphs is None and request.named_graphs is None:
        return None, None
    try:
        default: GraphList = [ox.NamedNode(iri) for iri in request.default_graphs or ()]
        named: list[ox.NamedNode | ox.BlankNode] = [
            ox.NamedNode(iri) for iri in request.named_graphs or ()
        ]
    except ValueError as error:
        raise Malformed(
            f"Invalid graph IRI in default-graph-uri/named-graph-uri: {error}"
        ) from None
    return default, named


def _check_kind(fmt: ResultFormat, kind: ResultKind) -> None:
    if fmt.kind != kind:
        what = "SELECT and ASK" if kind == "results" else "CONSTRUCT and DESCRIBE"
        raise NotAcceptable(
            f"{fmt.label} cannot represent the answer to this query ({what} queries)."
        )


def _boolean_answer(result: ox.QueryBoolean, fmt: ResultFormat) -> QueryAnswer:
    _check_kind(fmt, "results")
    body = result.serialize(format=_RESULTS_ENGINE[fmt.key]) or b""
    return QueryAnswer(body, fmt.media_type, "results", None, truncated=False)


class _RowLimitReached(Exception):
    """Raised from inside the engine's writer to stop producing rows."""


class _LineCappedSink(io.RawIOBase):
    """Collects TSV output and stops the engine once it has one line more than ``max_lines``.

    TSV escapes newlines inside terms, so one line is exactly one solution (after the header).
    """

    def __init__(self, max_lines: int) -> None:
        super().__init__()
        self.buffer = bytearray()
        self.lines = 0
        self.max_lines = max_lines

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]
        self.buffer += chunk
        self.lines += chunk.count(b"\n")
        if self.lines > self.max_lines:
            raise _RowLimitReached
        return len(chunk)


def _solutions_answer(result: ox.QuerySolutions, fmt: ResultFormat, max_rows: int) -> QueryAnswer:
    _check_kind(fmt, "results")
    # Serialize to TSV first, stopping after max_rows: the engine has no row cap of its own and
    # its iterator cannot be serialized after rows were taken from it. TSV is lossless and cheap
    # to parse back for the format asked for.
    sink = _LineCappedSink(max_rows + 1)  # the header line, then one line per solution
    truncated = False
    try:
        result.serialize(cast(IO[bytes], sink), format=ox.QueryResultsFormat.TSV)
    except _RowLimitReached:
        truncated = True
    tsv = bytes(sink.buffer)
    if truncated:
        tsv = _first_lines(tsv, max_rows + 1)
    rows = max(tsv.count(b"\n") - 1, 0)
    if fmt.key == "tsv":
        return QueryAnswer(tsv, fmt.media_type, "results", rows, truncated)
    parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    body = parsed.serialize(format=_RESULTS_ENGINE[fmt.key]) or b""
    return QueryAnswer(body, fmt.media_type, "results", rows, truncated)


def _first_lines(data: bytes, count: int) -> bytes:
    end = -1
    for _ in range(count):
        end = data.index(b"\n", end + 1)
    return data[: end + 1]


def _triples_answer(result: Iterable[ox.Triple], fmt: ResultFormat, max_rows: int) -> QueryAnswer:
    _check_kind(fmt, "graph")
    triples: list[ox.Triple] = []
    truncated = False
    for triple in result:
        if len(triples) == max_rows:
            truncated = True
            break
        triples.append(triple)
    body = ox.serialize(triples, format=_GRAPH_ENGINE[fmt.key], prefixes=PREFIXES) or b""
    return QueryAnswer(body, fmt.media_type, "graph", len(triples), truncated)
