"""Reading a remote engine's answer as it streams, with Virtuoso's quirks repaired.

Results are parsed from SPARQL XML or JSON, graphs from the RDF formats we know, each by
pyoxigraph, so ``execute_remote`` can serialise them again in the format our client negotiated.
Virtuoso labels blank nodes ``nodeID://b123`` (not a valid label: ``Replacing`` rewrites them on
the fly) and answers ASK as a one-row table of ``__ASK_RETVAL`` (read back as the boolean).
"""

from __future__ import annotations

import http.client
import io
import itertools
import json
from collections.abc import Iterator
from typing import IO, cast

import pyoxigraph as ox

from ivig_graph import formats
from ivig_graph.clients.backend_http import CHUNK
from ivig_graph.query.guard import QueryForm

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


def _media_type(response: http.client.HTTPResponse) -> str:
    return (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def read_results(
    response: http.client.HTTPResponse, form: QueryForm | None
) -> ox.QuerySolutions | ox.QueryBoolean:
    media_type = _media_type(response)
    results_format = ox.QueryResultsFormat.from_media_type(media_type) if media_type else None
    if results_format is None:
        raise ValueError(f"it is {media_type or 'untyped'}, not SPARQL results")
    stream: IO[bytes] = cast(IO[bytes], response)
    if results_format == ox.QueryResultsFormat.XML:
        stream = cast(IO[bytes], Replacing(response, VIRTUOSO_BNODE, PLAIN_BNODE))
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


def read_triples(response: http.client.HTTPResponse) -> Iterator[ox.Triple]:
    media_type = _media_type(response)
    rdf_format = ox.RdfFormat.from_media_type(media_type) if media_type else None
    ours = formats.of_engine(rdf_format) if rdf_format is not None else None
    if rdf_format is None or ours is None or ours.kind != "graph":
        raise ValueError(f"it is {media_type or 'untyped'}, not an RDF graph")
    return (quad.triple for quad in ox.parse(cast(IO[bytes], response), format=rdf_format))


class Replacing(io.RawIOBase):
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
