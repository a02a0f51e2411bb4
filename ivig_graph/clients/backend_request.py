"""What the SPARQL backend client sends: the query as the client gave it, a prologue, a dataset.

The query is sent unchanged, after a one-line prologue that declares what the embedded endpoint
predeclares (its ``BASE`` and the project's prefixes, each only if the query does not declare
it). The protocol dataset is our three graphs as both ``default-graph-uri`` (the default graph
is their merge) and ``named-graph-uri`` (``GRAPH`` sees each), unless the query has
``FROM``/``FROM NAMED`` or the client gave a dataset, which then applies as given. The query is
parsed first by the embedded engine's parser (``check_syntax``), so only standard SPARQL 1.1
reaches the remote and a syntax error is reported exactly as on the embedded store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from ivig_graph.errors import QueryFailed
from ivig_graph.query.engine import QueryRequest, start_query
from ivig_graph.query.guard import GuardLimits, QueryForm, inspect_query
from ivig_graph.query.tokens import tokens
from ivig_graph.vocab import PREFIXES

_PN_PREFIX = re.compile(r"[A-Za-z][\w.-]*(?<!\.)|")  # the prefixes we predeclare are ASCII
_IRIREF = re.compile(r'[^<>"{}|^`\\\x00-\x20]*')


@dataclass(frozen=True)
class Shape:
    """What the token scan tells about a query: its form and what its prologue declares."""

    form: QueryForm | None
    prefixes: frozenset[str]
    has_base: bool
    has_from: bool


def shape_of(text: str) -> Shape:
    # The HTTP process has applied the configured limits already; here only the form matters.
    info = inspect_query(text, GuardLimits.lenient(text))
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
    return Shape(info.form, frozenset(prefixes), has_base, has_from)


_SYNTAX_STORE: ox.Store | None = None


def check_syntax(
    request: QueryRequest,
    default_graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None,
    named_graphs: list[ox.NamedNode | ox.BlankNode] | None,
) -> None:
    """Parse with the embedded engine's parser (on an empty store): same errors, same dialect."""
    global _SYNTAX_STORE
    if _SYNTAX_STORE is None:
        _SYNTAX_STORE = ox.Store()
    start_query(_SYNTAX_STORE, request, default_graphs, named_graphs)


def prologue(shape: Shape, base_iri: str | None) -> str:
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


def dataset_parameters(
    graphs: tuple[str, ...], request: QueryRequest, shape: Shape
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
        default = named = graphs
    return [("default-graph-uri", iri) for iri in default] + [
        ("named-graph-uri", iri) for iri in named
    ]
