"""SPARQL answers as tables for people, and the example queries with their titles.

The query page asks the endpoint's workers for SPARQL JSON (SELECT, ASK) or N-Triples
(CONSTRUCT, DESCRIBE) and shows either as a table whose IRIs link to our pages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from ivig_graph.web.views.links import compact, href


@dataclass(frozen=True)
class Cell:
    """One RDF term in a result table."""

    kind: str  # iri | literal | bnode | triple
    value: str  # the IRI, the lexical form, the blank node label, or a quoted triple as text
    datatype: str | None = None
    language: str | None = None

    @property
    def href(self) -> str | None:
        return href(self.value) if self.kind == "iri" else None

    @property
    def text(self) -> str:
        """What the cell shows: a prefixed name for IRIs, the lexical form for literals."""
        if self.kind == "iri":
            return compact(self.value)
        if self.kind == "bnode":
            return f"_:{self.value}"
        return self.value

    @property
    def note(self) -> str | None:
        """The language tag or (non-string) datatype of a literal, shown after it."""
        if self.language:
            return f"@{self.language}"
        if self.datatype and self.datatype != "http://www.w3.org/2001/XMLSchema#string":
            return compact(self.datatype)
        return None


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell | None, ...], ...]
    boolean: bool | None = None  # the answer of an ASK query


def from_json(data: bytes) -> Table:
    """A table from SPARQL 1.1 Query Results JSON."""
    document = json.loads(data)
    if "boolean" in document:
        return Table((), (), boolean=bool(document["boolean"]))
    columns = tuple(document["head"].get("vars", []))
    rows = tuple(
        tuple(_json_term(binding[name]) if name in binding else None for name in columns)
        for binding in document["results"]["bindings"]
    )
    return Table(columns, rows)


def _json_term(term: dict[str, object]) -> Cell:
    kind = str(term["type"])
    if kind == "uri":
        return Cell("iri", str(term["value"]))
    if kind == "bnode":
        return Cell("bnode", str(term["value"]))
    if kind == "triple":
        return Cell("triple", json.dumps(term["value"], ensure_ascii=False))
    datatype, language = term.get("datatype"), term.get("xml:lang")
    return Cell(
        "literal",
        str(term["value"]),
        datatype=str(datatype) if datatype else None,
        language=str(language) if language else None,
    )


def from_ntriples(data: bytes) -> Table:
    """A subject / predicate / object table from N-Triples."""
    rows = tuple(
        (_ox_term(t.subject), _ox_term(t.predicate), _ox_term(t.object))
        for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
    )
    return Table(("subject", "predicate", "object"), rows)


def _ox_term(term: object) -> Cell:
    if isinstance(term, ox.NamedNode):
        return Cell("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return Cell("bnode", term.value)
    if isinstance(term, ox.Literal):
        return Cell("literal", term.value, datatype=term.datatype.value, language=term.language)
    return Cell("triple", str(term))


def from_rdflib(node: Node) -> Cell:
    """A cell for an rdflib term (the statements of a description)."""
    if isinstance(node, URIRef):
        return Cell("iri", str(node))
    if isinstance(node, BNode):
        return Cell("bnode", str(node))
    if isinstance(node, Literal):
        datatype = str(node.datatype) if node.datatype else None
        return Cell("literal", str(node), datatype=datatype, language=node.language)
    return Cell("triple", str(node))


@dataclass(frozen=True)
class Example:
    """An example query from queries/: its file name, title, description and text."""

    name: str
    title: str
    description: str | None
    text: str


def example(name: str, text: str) -> Example:
    """Read the ``# title:`` and ``# description:`` comments at the top of a query."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line.lstrip("# ").partition(":")
        if sep and key.strip().lower() in ("title", "description"):
            fields[key.strip().lower()] = value.strip()
    title = fields.get("title") or name.removesuffix(".rq").replace("-", " ")
    return Example(name, title, fields.get("description"), text)
