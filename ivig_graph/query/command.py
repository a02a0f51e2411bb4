"""SPARQL queries over the built dataset, for the command line and the example-query tests.

Read-only and offline: updates are refused, SERVICE is refused, and FROM/FROM NAMED never fetch
or read anything (rdflib would, by default). A query that does not parse raises ``QueryError``
with the parser's line and column.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import rdflib.plugins.sparql as rdflib_sparql
from pyparsing import ParseException
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result
from rdflib.term import Identifier

from ivig_graph.errors import QueryError
from ivig_graph.vocab import PREFIXES

# Never dereference FROM / FROM NAMED IRIs: the dataset is what was built, nothing else.
rdflib_sparql.SPARQL_LOAD_GRAPHS = False

OUTPUT_FORMATS = ("table", "csv", "json")


def _is_update(text: str) -> bool:
    try:
        parseUpdate(text)
    except Exception:  # any parse failure means it is not an update
        return False
    return True


def _walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _walk(value)


def parse(text: str) -> Query:
    """Parse and translate a query; QueryError for syntax errors, updates and SERVICE."""
    try:
        query = translateQuery(parseQuery(text), initNs=PREFIXES)
    except ParseException as error:
        if _is_update(text):
            raise QueryError("This is a SPARQL update; the graph is read-only.") from error
        raise QueryError(
            f"SPARQL syntax error at line {error.lineno}, column {error.col}: {error.msg}"
        ) from error
    except Exception as error:  # rdflib raises plain exceptions for e.g. unknown prefixes
        raise QueryError(f"Invalid SPARQL query: {error}") from error
    if any(getattr(part, "name", None) == "ServiceGraphPattern" for part in _walk(query.algebra)):
        raise QueryError("SERVICE is not allowed: queries run only over this dataset.")
    return query


def run(dataset: Dataset, text: str) -> Result:
    """Evaluate a SELECT, ASK, CONSTRUCT or DESCRIBE query (default graph: the union)."""
    query = parse(text)
    return dataset.query(query)


@dataclass(frozen=True)
class Table:
    """A SELECT result as plain rows of terms."""

    variables: list[str]
    rows: list[list[Identifier | None]]


def table(result: Result) -> Table:
    if result.type != "SELECT":
        raise QueryError(f"Expected a SELECT query, got {result.type}.")
    variables = list(result.vars or [])
    rows = [[binding.get(v) for v in variables] for binding in result.bindings]
    return Table([str(v) for v in variables], rows)


def _cell(term: Identifier | None) -> str:
    if term is None:
        return ""
    return str(term)


def format_result(result: Result, fmt: str) -> str:
    """Render a result: SELECT/ASK as a table, CSV or SPARQL JSON; graphs as Turtle."""
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        graph = result.graph
        assert isinstance(graph, Graph)
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        return graph.serialize(format="turtle")
    if fmt == "json":
        serialized = result.serialize(format="json") or b"{}"
        return json.dumps(json.loads(serialized), indent=2) + "\n"
    if result.type == "ASK":
        return ("true" if result.askAnswer else "false") + "\n"
    data = table(result)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(data.variables)
        writer.writerows([[_cell(term) for term in row] for row in data.rows])
        return buffer.getvalue()
    return _text_table(data)


def _short(term: Identifier | None) -> str:
    if isinstance(term, URIRef):
        text = str(term)
        for prefix, namespace in PREFIXES.items():
            if text.startswith(namespace):
                return f"{prefix}:{text[len(namespace) :]}"
        return f"<{text}>"
    if isinstance(term, Literal):
        return str(term)
    return _cell(term)


def _text_table(data: Table) -> str:
    cells = [[_short(term) for term in row] for row in data.rows]
    widths = [
        max([len(name), *(len(row[i]) for row in cells)]) for i, name in enumerate(data.variables)
    ]
    rule = "-+-".join("-" * w for w in widths)
    lines = [" | ".join(name.ljust(w) for name, w in zip(data.variables, widths, strict=True))]
    lines.append(rule)
    lines += [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines) + "\n"
