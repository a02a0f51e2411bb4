"""Answer queries from a remote SPARQL 1.1 engine: ``ivig-graph serve --backend URL``.

The endpoint stays ours: the guard, the time budget, the row cap, content negotiation and the
ETags are the same as on the embedded store; only evaluation moves to the remote engine, which
holds exactly our three named graphs (``ivig-graph publish`` put them there; ``check_backend``
counts them at start-up). ``execute_remote`` runs inside a query worker process
(``ivig_graph.serve.worker``), so the worker is still killed when the budget runs out, whatever the
remote does.

What is sent: the query, unchanged, after a one-line prologue that declares what the embedded
endpoint predeclares (its ``BASE`` and the project's prefixes, each only if the query does not
declare it), POSTed as a form with the protocol's dataset: our three graphs as both
``default-graph-uri`` (the default graph is their merge) and ``named-graph-uri`` (``GRAPH`` sees
each), unless the query has ``FROM``/``FROM NAMED`` or the client gave a dataset, which then
applies as given. The query is parsed here first, by the embedded engine's parser, so only
standard SPARQL 1.1 reaches the remote (no engine-specific pragmas) and a syntax error is
reported exactly as on the embedded store.

What comes back is parsed as it streams (SPARQL XML results preferred, N-Triples for graphs) and
serialized again by pyoxigraph in the format the client negotiated with us, stopping after
``max_rows``: every format we offer is available whatever the remote offers, and the row cap
and its markers are ours. Known quirks are normalised: Virtuoso answers ASK as a one-row table
(``__ASK_RETVAL``) and labels blank nodes ``nodeID://b123`` (not a valid label).

Failures are the classes of ``ivig_graph.errors`` that give our client the status it should
get: the remote's 400 is ours, with its message; a remote that is unreachable, refuses us,
fails or answers nonsense is 502; one that does not answer in time is 504. Messages never name
the remote's address (it is logged instead).
"""

from __future__ import annotations

import http.client
import io
import itertools
import json
import logging
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, cast

import pyoxigraph as ox

from ivig_graph import formats
from ivig_graph.clients.gsp import excerpt
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.errors import (
    BackendFailed,
    Overloaded,
    QueryError,
    QueryFailed,
    StoreDiffers,
    StoreRefused,
    StoreUnreachable,
    TimedOut,
    TooLarge,
)
from ivig_graph.query.engine import (
    QueryAnswer,
    QueryRequest,
    answer_result,
    check_format,
    start_query,
)
from ivig_graph.query.engine import protocol_dataset as validated_dataset
from ivig_graph.query.guard import GuardLimits, QueryForm, inspect_query, tokens
from ivig_graph.vocab import GRAPHS, PREFIXES

log = logging.getLogger(__name__)

RESULTS_ACCEPT = "application/sparql-results+xml, application/sparql-results+json;q=0.9"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"
FORM = "application/x-www-form-urlencoded"
USER_AGENT = "ivig-graph (SPARQL backend client)"
CHUNK = 64 * 1024

# Virtuoso: a blank node in SPARQL XML results is <bnode>nodeID://b123</bnode>, which no RDF
# parser accepts. In XML the sequence cannot occur anywhere else (a literal's "<" is escaped).
VIRTUOSO_BNODE = b"<bnode>nodeID://"
PLAIN_BNODE = b"<bnode>"
# Virtuoso answers ASK as a table of one row with this variable (1 or 0).
VIRTUOSO_ASK_VARIABLE = "__ASK_RETVAL"
# Virtuoso's "anytime" answers: cut short at its own time limit, yet 200. Never forwarded.
PARTIAL_RESULTS_HEADER = "X-SQL-State"
PARTIAL_RESULTS_STATE = "S1TAT"
# Booleans, parsed from SPARQL JSON (pyoxigraph has no QueryBoolean constructor).
_BOOLEANS = {value: json.dumps({"head": {}, "boolean": value}).encode() for value in (False, True)}

COUNT_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_PN_PREFIX = re.compile(r"[A-Za-z][\w.-]*(?<!\.)|")  # the prefixes we predeclare are ASCII
_IRIREF = re.compile(r'[^<>"{}|^`\\\x00-\x20]*')


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


class _Unanswered(Exception):
    """The remote gave no usable HTTP answer; ``timed_out`` tells a timeout from the rest."""

    def __init__(self, reason: str, *, timed_out: bool) -> None:
        super().__init__(reason)
        self.timed_out = timed_out


class _HttpStatus(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


# ---------------------------------------------------------------- answering one query


def execute_remote(backend: Backend, request: QueryRequest) -> QueryAnswer:
    """Run ``request`` on the remote engine; raise the ``QueryError`` our client should get."""
    fmt = check_format(request.format_key)
    shape = _shape(request.query)
    default_graphs, named_graphs = validated_dataset(request)
    _check_syntax(request, default_graphs, named_graphs)
    form = [("query", _prologue(shape, request.base_iri) + request.query)]
    form += _dataset_parameters(backend, request, shape)
    returns_graph = shape.form is not None and shape.form.returns_graph
    accept = GRAPH_ACCEPT if returns_graph else RESULTS_ACCEPT
    try:
        response = _post(backend, form, accept)
    except _Unanswered as error:
        log.warning("SPARQL backend %s: %s", backend.query_url, error)
        if error.timed_out:
            raise TimedOut(
                f"The SPARQL backend did not answer within {backend.timeout:g} s."
            ) from None
        raise BackendFailed(f"The SPARQL backend could not be reached: {error}.") from None
    except _HttpStatus as error:
        raise _refusal(backend, error) from None
    with response:
        if response.headers.get(PARTIAL_RESULTS_HEADER, "").upper() == PARTIAL_RESULTS_STATE:
            raise TimedOut(
                "The SPARQL backend stopped the query at its own time limit and answered "
                "incomplete results, which this endpoint does not pass on. Narrow the query."
            )
        try:
            if returns_graph:
                triples = _triples(response)
                return answer_result(triples, fmt, request.max_rows)
            return answer_result(_results(response, shape.form), fmt, request.max_rows)
        except (SyntaxError, ValueError, OSError, http.client.HTTPException) as error:
            log.warning("SPARQL backend %s answered unreadably: %s", backend.query_url, error)
            raise BackendFailed(
                f"The SPARQL backend's answer could not be read ({_short(error)})."
            ) from None


@dataclass(frozen=True)
class _Shape:
    """What the token scan tells about a query: its form and what its prologue declares."""

    form: QueryForm | None
    prefixes: frozenset[str]
    has_base: bool
    has_from: bool


def _shape(text: str) -> _Shape:
    # The HTTP process has applied the configured limits already; here only the form matters.
    info = inspect_query(text, GuardLimits(max_length=len(text) + 1, max_depth=len(text) + 1))
    prefixes: set[str] = set()
    has_base = has_from = False
    expect_prefix_name = False
    depth = 0
    for token in tokens(text):
        if token.kind == "bracket":
            depth += 1 if token.text in "({[" else -1
        if token.kind != "word":
            expect_prefix_name = False
            continue
        word = token.text
        head = word.split(":", 1)[0].upper()
        if expect_prefix_name:
            prefixes.add(word.split(":", 1)[0])
            expect_prefix_name = False
        elif head.startswith("PREFIX"):
            expect_prefix_name = ":" not in word
            if ":" in word:  # PREFIXex: glued together
                prefixes.add(word[len("PREFIX") :].split(":", 1)[0])
        elif head.startswith("BASE") and ":" not in word:
            has_base = True
        elif head.startswith("FROM") and depth == 0:
            # FROM, FROM NAMED, and the glued FROMNAMED, FROM<g>, FROMex:g. Dataset clauses
            # stand outside every bracket; only DESCRIBE from:x would be mistaken for one.
            has_from = True
    return _Shape(info.form, frozenset(prefixes), has_base, has_from)


_SYNTAX_STORE: ox.Store | None = None


def _check_syntax(
    request: QueryRequest,
    default_graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None,
    named_graphs: list[ox.NamedNode | ox.BlankNode] | None,
) -> None:
    """Parse with the embedded engine's parser (on an empty store): same errors, same dialect."""
    global _SYNTAX_STORE
    if _SYNTAX_STORE is None:
        _SYNTAX_STORE = ox.Store()
    start_query(_SYNTAX_STORE, request, default_graphs, named_graphs)


def _prologue(shape: _Shape, base_iri: str | None) -> str:
    """``BASE`` and ``PREFIX`` declarations for what the embedded endpoint predeclares.

    The remote knows neither the endpoint's IRI (the base of relative IRIs) nor our prefixes.
    Built from constants and the endpoint's IRI, each checked to be a plain IRI and prefix
    name, never from the request's text; on one line, so the remote's line numbers stay ours.
    """
    parts: list[str] = []
    if base_iri is not None and not shape.has_base and _is_plain_iri(base_iri):
        parts.append(f"BASE <{base_iri}>")
    for prefix, namespace in PREFIXES.items():
        if prefix in shape.prefixes or not _PN_PREFIX.fullmatch(prefix):
            continue
        if _is_plain_iri(namespace):
            parts.append(f"PREFIX {prefix}: <{namespace}>")
    return " ".join(parts) + " " if parts else ""


def _is_plain_iri(iri: str) -> bool:
    try:
        ox.NamedNode(iri)
    except ValueError:
        return False
    return _IRIREF.fullmatch(iri) is not None


def _dataset_parameters(
    backend: Backend, request: QueryRequest, shape: _Shape
) -> list[tuple[str, str]]:
    """The protocol dataset to send: the client's, none (the query's FROM), or our graphs."""
    if request.default_graphs is not None or request.named_graphs is not None:
        if shape.has_from:
            # The protocol says the parameters replace the query's dataset; Virtuoso merges
            # them instead. Removing FROM from the text would mean rewriting SPARQL: refuse.
            raise QueryFailed(
                "Give the dataset either in the query (FROM, FROM NAMED) or as "
                "default-graph-uri/named-graph-uri, not both: this endpoint's backend engine "
                "cannot be relied on to let the parameters override the query."
            )
        default, named = request.default_graphs or (), request.named_graphs or ()
    elif shape.has_from:
        return []
    else:
        default = named = backend.graphs
    return [("default-graph-uri", iri) for iri in default] + [
        ("named-graph-uri", iri) for iri in named
    ]


# ---------------------------------------------------------------- HTTP


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _post(backend: Backend, form: list[tuple[str, str]], accept: str) -> http.client.HTTPResponse:
    """POST the form; the open response (2xx) or ``_HttpStatus``/``_Unanswered``."""
    body = urllib.parse.urlencode(form).encode("ascii")
    request = urllib.request.Request(
        backend.query_url,
        data=body,
        method="POST",
        headers={"Content-Type": FORM, "Accept": accept, "User-Agent": USER_AGENT},
    )
    try:
        response = _OPENER.open(request, timeout=backend.timeout)
    except urllib.error.HTTPError as error:
        with error:
            try:
                data = error.read(CHUNK)
            except (OSError, http.client.HTTPException):
                data = b""
        raise _HttpStatus(error.code, data) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        raise _unanswered(error, backend.timeout) from None
    return cast(http.client.HTTPResponse, response)


def _unanswered(error: BaseException, timeout: float) -> _Unanswered:
    cause = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(cause, TimeoutError | socket.timeout):
        return _Unanswered(f"no answer within {timeout:g} s", timed_out=True)
    if isinstance(cause, ConnectionRefusedError):
        return _Unanswered("connection refused", timed_out=False)
    if isinstance(cause, socket.gaierror):
        return _Unanswered("unknown host", timed_out=False)
    if isinstance(cause, http.client.RemoteDisconnected | ConnectionResetError):
        return _Unanswered("it closed the connection without answering", timed_out=False)
    reason = _short(cause) if isinstance(cause, BaseException) else str(cause)
    return _Unanswered(reason, timed_out=False)


def _refusal(backend: Backend, error: _HttpStatus) -> QueryError:
    said = excerpt(error.body)
    log.warning("SPARQL backend %s answered HTTP %d: %s", backend.query_url, error.status, said)
    detail = f": {said}" if said else "."
    if error.status == 400:
        return QueryFailed(f"The SPARQL backend refused the query{detail}")
    if error.status in (413, 414):
        return TooLarge(f"The query is too large for the SPARQL backend{detail}")
    if error.status in (429, 503):
        return Overloaded(f"The SPARQL backend is overloaded (HTTP {error.status}); retry later.")
    if error.status == 504:
        return TimedOut("The SPARQL backend timed out (HTTP 504).")
    if error.status >= 500:
        return BackendFailed(f"The SPARQL backend failed (HTTP {error.status}){detail}")
    return BackendFailed(
        f"The SPARQL backend refused this endpoint's request (HTTP {error.status}); the "
        "endpoint is misconfigured, see its log."
    )


def _short(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 200 else text[:199] + "…"


# ---------------------------------------------------------------- reading answers


def _media_type(response: http.client.HTTPResponse) -> str:
    return (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def _results(
    response: http.client.HTTPResponse, form: QueryForm | None
) -> ox.QuerySolutions | ox.QueryBoolean:
    media_type = _media_type(response)
    results_format = ox.QueryResultsFormat.from_media_type(media_type) if media_type else None
    if results_format is None:
        raise ValueError(f"it is {media_type or 'untyped'}, not SPARQL results")
    stream: IO[bytes] = cast(IO[bytes], response)
    if results_format == ox.QueryResultsFormat.XML:
        stream = cast(IO[bytes], _Replacing(response, VIRTUOSO_BNODE, PLAIN_BNODE))
    parsed = ox.parse_query_results(stream, format=results_format)
    if isinstance(parsed, ox.QueryBoolean):
        if form not in (QueryForm.ASK, None):
            raise ValueError(f"a boolean answered a {form.value if form else ''} query")
        return parsed
    if form == QueryForm.ASK:
        return _boolean_from_table(parsed)
    return parsed


def _boolean_from_table(solutions: ox.QuerySolutions) -> ox.QueryBoolean:
    """Virtuoso's ASK answer as the boolean it means: a table of ``__ASK_RETVAL``, one row of
    1 for true, no row for false."""
    variables = [variable.value for variable in solutions.variables]
    rows = list(itertools.islice(solutions, 2))
    if variables != [VIRTUOSO_ASK_VARIABLE] or len(rows) > 1:
        raise ValueError("a table answered an ASK query")
    value = rows[0][VIRTUOSO_ASK_VARIABLE] if rows else None
    truth = isinstance(value, ox.Literal) and value.value in ("1", "true")
    boolean = ox.parse_query_results(_BOOLEANS[truth], format=ox.QueryResultsFormat.JSON)
    assert isinstance(boolean, ox.QueryBoolean)
    return boolean


def _triples(response: http.client.HTTPResponse) -> Iterator[ox.Triple]:
    media_type = _media_type(response)
    rdf_format = ox.RdfFormat.from_media_type(media_type) if media_type else None
    ours = formats.of_engine(rdf_format) if rdf_format is not None else None
    if rdf_format is None or ours is None or ours.kind != "graph":
        raise ValueError(f"it is {media_type or 'untyped'}, not an RDF graph")
    return (quad.triple for quad in ox.parse(cast(IO[bytes], response), format=rdf_format))


class _Replacing(io.RawIOBase):
    """A stream with every ``old`` replaced by ``new`` on the fly (across read boundaries).

    ``old`` must not overlap itself (no proper suffix of it is a prefix of it).
    """

    def __init__(self, source: IO[bytes], old: bytes, new: bytes) -> None:
        super().__init__()
        self._source = source
        self._old = old
        self._new = new
        self._carry = b""
        self._ready = b""
        self._eof = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._ready and not self._eof:
            chunk = self._source.read(CHUNK)
            self._eof = not chunk
            data = self._carry + chunk
            keep = 0 if self._eof else _partial_match(data, self._old)
            self._carry = data[len(data) - keep :] if keep else b""
            self._ready = data[: len(data) - keep].replace(self._old, self._new)
        count = min(len(buffer), len(self._ready))
        buffer[:count] = self._ready[:count]
        self._ready = self._ready[count:]
        return count


def _partial_match(data: bytes, pattern: bytes) -> int:
    """The length of the longest proper prefix of ``pattern`` that ``data`` ends with."""
    for length in range(min(len(pattern) - 1, len(data)), 0, -1):
        if data.endswith(pattern[:length]):
            return length
    return 0


# ---------------------------------------------------------------- start-up check


def check_backend(built: BuiltDataset, backend: Backend) -> dict[str, int]:
    """Count the triples of each of our graphs on the remote; they must match the manifest.

    Answers the counts. Raises ``StoreUnreachable`` (no answer), ``StoreRefused`` (an HTTP
    error) or ``StoreDiffers`` (another dataset, or none, is there): serving would otherwise
    give answers and ETags that do not belong to the built dataset's version.
    """
    form = [("query", COUNT_PER_GRAPH), *(("named-graph-uri", g) for g in backend.graphs)]
    try:
        with _post(backend, form, RESULTS_ACCEPT) as response:
            counts = _counts(_results(response, QueryForm.SELECT))
    except _Unanswered as error:
        raise StoreUnreachable(
            f"Cannot reach the SPARQL backend at {backend.query_url}: {error}. Start it, or "
            "check --backend (the engine's SPARQL query endpoint, e.g. "
            "http://127.0.0.1:7878/query for Oxigraph).",
            url=backend.query_url,
        ) from None
    except _HttpStatus as error:
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
            f"results ({_short(error)}). --backend must be the engine's SPARQL query endpoint.",
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
