"""Evaluate one SPARQL query against the built dataset with Oxigraph; answer serialized bytes.

Nothing here knows about HTTP. ``load_store`` reads the built N-Quads into a store (the build
also writes one to disk: ``BuiltDataset.store_directory``); its default graph is empty. The
endpoint's default graph is the union of the named graphs: a query that names no dataset (no
``FROM`` or ``FROM NAMED``, no ``default-graph-uri`` or ``named-graph-uri``) runs with the
engine's ``use_default_graph_as_union``; one that names a dataset gets exactly that dataset (the
union is the *default*, not an override). ``execute`` runs a ``QueryRequest`` and returns a
``QueryAnswer``, capping the rows or triples it returns, and the bytes of the answer, and saying
when it did.

Queries must have passed ``query.guard.inspect_query`` first (``SERVICE`` is refused there;
Oxigraph would otherwise make the HTTP request).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal, cast

import pyoxigraph as ox

from ivig_graph import formats, sparql_syntax
from ivig_graph.errors import Malformed, NotAcceptable, QueryFailed
from ivig_graph.formats import Format
from ivig_graph.prefixes import PREFIXES
from ivig_graph.query.tokens import tokens

ResultKind = Literal["results", "graph"]
ANSWER_FORMATS = {fmt.name: fmt for fmt in (*formats.RESULTS, *formats.RDF)}


@dataclass(frozen=True)
class QueryRequest:
    """Everything needed to run one query; plain data so it can cross a process boundary.

    ``default_graphs``/``named_graphs`` are the protocol's ``default-graph-uri`` and
    ``named-graph-uri``: None leaves the query's own dataset (or the endpoint's default) in
    force; a tuple, even empty, replaces it.
    """

    query: str
    format_key: str  # a ``formats.Format.name`` (``json``, ``turtle``...)
    base_iri: str | None = None
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    max_rows: int = 10_000
    max_bytes: int = 0  # the most bytes an answer may have (fewer rows then); 0: no cap


@dataclass(frozen=True)
class QueryAnswer:
    body: bytes
    media_type: str
    kind: ResultKind
    rows: int | None  # solutions or triples returned; None for ASK
    truncated: bool  # fewer rows than the query has
    bytes_capped: bool = False  # truncated to fit ``max_bytes`` (else by the row cap)


def load_store(nquads_path: Path, directory: Path | None = None) -> ox.Store:
    """A store of the built dataset's named graphs, in memory or on disk in ``directory``."""
    store = ox.Store(str(directory)) if directory is not None else ox.Store()
    store.bulk_load(path=str(nquads_path), format=ox.RdfFormat.N_QUADS)
    return store


def names_dataset(query: str) -> bool:
    """Whether the query has a ``FROM`` or ``FROM NAMED`` clause (outside strings, IRIs and
    comments: the guard's tokens). Only a dataset clause has the bare keyword."""
    if "from" not in query.casefold():  # most queries: no need to scan
        return False
    return any(t.kind == "word" and t.text.upper() == "FROM" for t in tokens(query))


def start_query(
    store: ox.Store,
    request: QueryRequest,
    default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None,
    named_graphs: list[ox.NamedNode | ox.BlankNode] | None,
) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Parse and start ``request`` on ``store``; the engine's refusals become ``QueryFailed``.

    With no dataset from the protocol or the query, the default graph is the union."""
    union = default_graph is None and named_graphs is None and not names_dataset(request.query)
    try:
        return store.query(
            request.query,
            base_iri=request.base_iri,
            prefixes=PREFIXES,
            use_default_graph_as_union=union,
            default_graph=default_graph,
            named_graphs=named_graphs,
        )
    except SyntaxError as error:  # Oxigraph's grammar dump, said in words (sparql_syntax)
        raise sparql_syntax.readable(
            request.query, str(error), PREFIXES, request.base_iri
        ) from None
    except (ValueError, OSError, RuntimeError) as error:
        raise QueryFailed(f"The query could not be evaluated: {error}") from None


def execute(store: ox.Store, request: QueryRequest) -> QueryAnswer:
    """Run ``request`` on ``store``; raise ``QueryFailed`` for a query that cannot be answered."""
    fmt = check_format(request.format_key)
    default_graph, named_graphs = protocol_dataset(request)
    result = start_query(store, request, default_graph, named_graphs)
    try:
        return answer_result(result, fmt, request.max_rows, request.max_bytes)
    except (ValueError, OSError, RuntimeError) as error:
        # Evaluation is lazy: errors (e.g. an unbound SERVICE name) surface while serializing.
        raise QueryFailed(f"The query could not be evaluated: {error}") from None


def check_format(format_key: str) -> Format:
    fmt = ANSWER_FORMATS.get(format_key)
    if fmt is None:
        raise NotAcceptable(f"Unknown result format {format_key!r}.")
    return fmt


def answer_result(
    result: ox.QueryBoolean | ox.QuerySolutions | Iterable[ox.Triple],
    fmt: Format,
    max_rows: int,
    max_bytes: int = 0,
) -> QueryAnswer:
    """Serialize a result (the store's, or one parsed from a remote engine) as ``fmt``, with
    at most ``max_rows`` solutions or triples and at most ``max_bytes`` bytes (0: any);
    consumes the result lazily."""
    if isinstance(result, ox.QueryBoolean):
        return _boolean_answer(result, fmt)
    if isinstance(result, ox.QuerySolutions):
        return _solutions_answer(result, fmt, max_rows, max_bytes)
    return _triples_answer(result, fmt, max_rows, max_bytes)


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


def _check_kind(fmt: Format, kind: ResultKind) -> None:
    if (fmt.kind == "results") != (kind == "results"):
        what = "SELECT and ASK" if kind == "results" else "CONSTRUCT and DESCRIBE"
        raise NotAcceptable(
            f"{fmt.label} cannot represent the answer to this query ({what} queries)."
        )


def _boolean_answer(result: ox.QueryBoolean, fmt: Format) -> QueryAnswer:
    _check_kind(fmt, "results")
    body = result.serialize(format=_results_engine(fmt)) or b""
    return QueryAnswer(body, fmt.media_type, "results", None, truncated=False)


class _RowLimitReached(Exception):
    """Raised from inside the engine's writer to stop producing rows."""


class _LineCappedSink(io.RawIOBase):
    """Collects TSV output and stops the engine once it has one line more than ``max_lines``,
    or more than ``max_bytes`` bytes (0: any).

    TSV escapes newlines inside terms, so one line is exactly one solution (after the header).
    """

    def __init__(self, max_lines: int, max_bytes: int = 0) -> None:
        super().__init__()
        self.buffer = bytearray()
        self.lines = 0
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.over_bytes = self.full = False

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        if self.full:  # the engine writes its buffer again as it unwinds: not one more byte
            raise _RowLimitReached
        chunk = bytes(data)  # type: ignore[call-overload]
        self.buffer += chunk
        self.lines += chunk.count(b"\n")
        self.over_bytes = bool(self.max_bytes) and len(self.buffer) > self.max_bytes
        self.full = self.lines > self.max_lines or self.over_bytes
        if self.full:
            raise _RowLimitReached
        return len(chunk)


def _solutions_answer(
    result: ox.QuerySolutions, fmt: Format, max_rows: int, max_bytes: int
) -> QueryAnswer:
    _check_kind(fmt, "results")
    # Serialize to TSV first, stopping after max_rows: the engine has no row cap of its own and
    # its iterator cannot be serialized after rows were taken from it. TSV is lossless and cheap
    # to parse back for the format asked for.
    sink = _LineCappedSink(max_rows + 1, max_bytes)  # the header, then a line per solution
    truncated = False
    try:
        result.serialize(cast(IO[bytes], sink), format=ox.QueryResultsFormat.TSV)
    except _RowLimitReached:
        truncated = True
    tsv = bytes(sink.buffer)
    if truncated:  # only whole lines, at most the row cap
        tsv = _first_lines(tsv, min(max_rows + 1, tsv.count(b"\n")))
    rows = max(tsv.count(b"\n") - 1, 0)

    def serialize(tsv: bytes) -> bytes:
        if fmt is formats.TSV:
            return tsv
        parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
        return parsed.serialize(format=_results_engine(fmt)) or b""

    body = serialize(tsv)
    capped = sink.over_bytes
    while max_bytes and len(body) > max_bytes and rows > 0:  # the format is larger than TSV
        rows = rows * max_bytes // len(body)
        tsv, capped = _first_lines(tsv, rows + 1), True
        body = serialize(tsv)
    return QueryAnswer(body, fmt.media_type, "results", rows, truncated or capped, capped)


def _first_lines(data: bytes, count: int) -> bytes:
    end = -1
    for _ in range(count):
        end = data.index(b"\n", end + 1)
    return data[: end + 1]


def _triples_answer(
    result: Iterable[ox.Triple], fmt: Format, max_rows: int, max_bytes: int
) -> QueryAnswer:
    _check_kind(fmt, "graph")
    triples: list[ox.Triple] = []
    truncated = capped = False
    size = 0  # of the triples as N-Triples, about what any format takes
    for triple in result:
        if len(triples) == max_rows:
            truncated = True
            break
        size += len(str(triple)) + 3
        if max_bytes and size > max_bytes:
            capped = True
            break
        triples.append(triple)
    body = serialize_triples(triples, fmt)
    while max_bytes and len(body) > max_bytes and triples:
        triples, capped = triples[: len(triples) * max_bytes // len(body)], True
        body = serialize_triples(triples, fmt)
    return QueryAnswer(body, fmt.media_type, "graph", len(triples), truncated or capped, capped)


def _results_engine(fmt: Format) -> ox.QueryResultsFormat:
    assert isinstance(fmt.engine, ox.QueryResultsFormat)
    return fmt.engine


def serialize_triples(triples: list[ox.Triple], fmt: Format) -> bytes:
    """Triples as ``fmt``; JSON-LD in its one shape, compacted with the shipped context."""
    if fmt is formats.JSON_LD:
        return _compacted_jsonld(triples)
    assert isinstance(fmt.engine, ox.RdfFormat)
    return ox.serialize(triples, format=fmt.engine, prefixes=PREFIXES) or b""


def _compacted_jsonld(triples: list[ox.Triple]) -> bytes:
    """pyoxigraph writes expanded JSON-LD only (no compaction with a context, as of 0.5), so
    rdflib compacts it, as it does every JSON-LD we serve. Imported here: a worker that never
    answers JSON-LD never loads rdflib."""
    from rdflib import Graph

    from ivig_graph.dataset.export import jsonld
    from ivig_graph.rdf_bridge import rdflib_triple

    graph = Graph()
    graph.addN((*rdflib_triple(t), graph) for t in triples)
    return jsonld(graph)
