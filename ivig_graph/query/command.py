"""``ivig-graph query``: one query through the endpoint's own guard and engine, for a terminal.

A query here takes exactly the path it takes over HTTP: ``query.guard.inspect_query`` (refuses
updates, ``SERVICE``, text too long or nested too deep, with the endpoint's default limits), then
``engine.execute`` on the store ``engine.load_store`` reads from the built dataset. So the CLI and
the endpoint give the same answers and the same refusals, word for word. There is no row cap:
the CLI reads a local file, not a shared server.

The output formats are the engine's, plus ``table`` (SELECT and ASK, for people): a format that
cannot represent the query's answer is refused with the list of those that can. The example
queries shipped in queries/ can be listed and run by name (``find_example``).
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ivig_graph import formats as registry
from ivig_graph.errors import QueryError
from ivig_graph.query.engine import QueryRequest, execute
from ivig_graph.query.guard import GuardLimits, QueryForm, inspect_query
from ivig_graph.resources import Sources, example_queries
from ivig_graph.terminal import render, table
from ivig_graph.vocab import PREFIXES
from ivig_graph.web.views.results import Example, example

TABLE = "table"
DEFAULT_GRAPH_FORMAT = "turtle"
CELL_WIDTH = 50  # longer literals in a table are cut to this many characters unless --full
NO_ROW_CAP = sys.maxsize
ELLIPSIS = "\u2026"


@dataclass(frozen=True)
class OutputFormat:
    name: str
    label: str
    returns_graph: bool  # True: CONSTRUCT and DESCRIBE; False: SELECT and ASK


def output_formats() -> dict[str, OutputFormat]:
    """Every ``--format`` name: ``table``, then the registry's formats (``ivig_graph.formats``)."""
    formats = [OutputFormat(TABLE, "a text table", returns_graph=False)]
    formats += [OutputFormat(f.name, f.label, returns_graph=False) for f in registry.RESULTS]
    formats += [OutputFormat(f.name, f.label, returns_graph=True) for f in registry.RDF]
    return {f.name: f for f in formats}


class FormatDoesNotFit(QueryError):
    """The ``--format`` asked for cannot represent the answer to this form of query."""


def fitting_formats(returns_graph: bool) -> str:
    """The names of the formats for CONSTRUCT and DESCRIBE (True) or SELECT and ASK (False)."""
    return ", ".join(f.name for f in output_formats().values() if f.returns_graph is returns_graph)


def choose_format(form: QueryForm | None, name: str | None) -> OutputFormat:
    """The format to print ``form``'s answer in: ``name``, or the form's default."""
    returns_graph = form is not None and form.returns_graph
    if name is None:
        return output_formats()[DEFAULT_GRAPH_FORMAT if returns_graph else TABLE]
    fmt = output_formats().get(name)
    if fmt is None:
        raise FormatDoesNotFit(
            f"Unknown format {name!r}; SELECT and ASK answer in: {fitting_formats(False)}; "
            f"CONSTRUCT and DESCRIBE answer in: {fitting_formats(True)}."
        )
    if form is not None and fmt.returns_graph is not returns_graph:
        raise FormatDoesNotFit(
            f"--format {name} ({fmt.label}) cannot represent the answer to a {form.value} query. "
            f"SELECT and ASK answer in: {fitting_formats(False)}; "
            f"CONSTRUCT and DESCRIBE answer in: {fitting_formats(True)}."
        )
    return fmt


def run_query(
    store: ox.Store,
    text: str,
    format_name: str | None = None,
    *,
    full: bool = False,
    limits: GuardLimits | None = None,
    terminal: bool = False,
) -> str:
    """Guard, run and render ``text`` as the endpoint would; raise ``QueryError`` if refused.
    ``terminal``: draw a table for a terminal (styled, fitted to its width), not plain text."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise QueryError("The query is empty.")
    form = inspect_query(text, limits or GuardLimits()).form
    fmt = choose_format(form, format_name)
    engine_key = "tsv" if fmt.name == TABLE else fmt.name
    answer = execute(store, QueryRequest(query=text, format_key=engine_key, max_rows=NO_ROW_CAP))
    if fmt.name == TABLE:
        return render_table(answer.body, full=full, terminal=terminal)
    body = answer.body.decode("utf-8")
    return body if body.endswith("\n") or not body else body + "\n"


# ---------------------------------------------------------------- the text table


def short_term(term: object) -> str:
    """An IRI as a prefixed name where one of our prefixes fits, a literal as its text."""
    if isinstance(term, ox.NamedNode):
        for prefix, namespace in PREFIXES.items():
            if term.value.startswith(namespace):
                return f"{prefix}:{term.value[len(namespace) :]}"
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return "" if term is None else str(term)


def _cell(term: object, full: bool) -> tuple[str, bool]:
    """A term as a table cell, and whether it was cut (only literals are: an IRI is kept whole,
    to be copied)."""
    cell = " ".join(short_term(term).split())  # one line per row
    if full or len(cell) <= CELL_WIDTH or not isinstance(term, ox.Literal):
        return cell, False
    return cell[: CELL_WIDTH - 1] + ELLIPSIS, True


def render_table(tsv: bytes, *, full: bool = False, terminal: bool = False) -> str:
    """The engine's TSV answer as a table (ASK: ``true`` or ``false``): plain columns split by
    `` | `` (``terminal`` False), or a rich table fitted to the terminal."""
    solutions = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    if isinstance(solutions, ox.QueryBoolean):
        return f"{str(bool(solutions)).lower()}\n"
    names = [variable.value for variable in solutions.variables]
    cut_any = False
    rows: list[list[str]] = []
    for solution in solutions:
        row = []
        for variable in solutions.variables:
            cell, cut = _cell(solution[variable], full)
            cut_any |= cut
            row.append(cell)
        rows.append(row)
    footer = f"({len(rows)} row{'s' if len(rows) != 1 else ''}"
    if cut_any:
        footer += f"; texts longer than {CELL_WIDTH} characters cut, --full shows them whole"
    return render(table(names, rows, terminal=terminal), terminal=terminal) + footer + ")\n"


# ---------------------------------------------------------------- the example queries


def examples(sources: Sources | None = None) -> list[Example]:
    """The shipped example queries with their titles, in file-name order."""
    return [
        example(path.name, path.read_text(encoding="utf-8")) for path in example_queries(sources)
    ]


def _names_of(item: Example) -> set[str]:
    stem = item.name.removesuffix(".rq")
    number, _, words = stem.partition("-")
    names = {item.name, stem, words}
    if number.isdigit():
        names |= {number, str(int(number))}
    return names


def find_example(name: str, sources: Sources | None = None) -> Example:
    """The example query called ``name``: its number (``5``, ``05``), file name or stem."""
    every = examples(sources)
    wanted = name.strip().lower()
    for item in every:
        if wanted in _names_of(item):
            return item
    stems = [item.name.removesuffix(".rq") for item in every]
    close = difflib.get_close_matches(wanted, stems, n=3, cutoff=0.4)
    close += [stem for stem in stems if wanted and wanted in stem and stem not in close]
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise QueryError(f"No example query called {name!r}.{hint} `ivig-graph queries` lists them.")


def read_query_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise QueryError(f"Cannot read the query file {path}: {error.strerror}.") from None
