"""The format registry: built on pyoxigraph's formats, and every format round-trips."""

from __future__ import annotations

import io

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.query import Result

from ivig_graph import formats
from ivig_graph.dataset.export import serialize_graph

EX = "http://example.org/"


def test_the_registry_takes_its_facts_from_pyoxigraph() -> None:
    for fmt in formats.RESULTS + formats.RDF:
        assert fmt.engine is not None
        assert fmt.media_type == fmt.engine.media_type.split(";")[0]
        assert fmt.suffix == fmt.engine.file_extension
        assert fmt.iri == fmt.engine.iri
        assert formats.from_media_type(fmt.media_type, formats.ALL) is fmt
    assert [fmt.name for fmt in formats.RDF if fmt.supports_datasets] == [
        "jsonld",
        "trig",
        "nquads",
    ]
    assert [fmt.name for fmt in formats.RDF if fmt.kind == "dataset"] == ["trig", "nquads"]


@pytest.mark.parametrize(
    ("value", "offers", "expected"),
    [
        ("ttl", formats.RDF, formats.TURTLE),
        ("n3", formats.RDF, formats.TURTLE),
        ("text/n3", formats.RDF, formats.TURTLE),
        ("application/xml", formats.RDF, formats.RDF_XML),
        ("application/xml", formats.RESULTS, formats.XML),
        ("json", formats.RDF, formats.JSON_LD),
        ("json", formats.RESULTS, formats.JSON),
        ("text/csv; charset=utf-8", formats.RESULTS, formats.CSV),
        ("yaml", formats.ALL, None),
    ],
)
def test_names_and_aliases(
    value: str, offers: tuple[formats.Format, ...], expected: formats.Format | None
) -> None:
    assert formats.by_name(value, offers) is expected


def test_suffixes() -> None:
    assert [formats.by_suffix(fmt.suffix) for fmt in formats.RDF] == list(formats.RDF)
    assert formats.by_suffix("html") is None


def _graph() -> Graph:
    graph = Graph()
    graph.add((URIRef(EX + "a"), URIRef(EX + "p"), Literal('tab\there, "quoted"\n', lang="en")))
    graph.add((URIRef(EX + "a"), URIRef(EX + "q"), Literal(3)))
    graph.add((URIRef(EX + "b"), URIRef(EX + "r"), URIRef(EX + "a")))
    return graph


@pytest.mark.parametrize("fmt", formats.RDF, ids=lambda fmt: fmt.name)
def test_every_rdf_format_round_trips(fmt: formats.Format) -> None:
    """Written by us, read by rdflib and by pyoxigraph with the registry's names."""
    data = serialize_graph(_graph(), fmt)
    if fmt.kind == "dataset":
        back = Dataset()
        back.parse(data=data, format=fmt.rdflib)
        read = Graph()
        for s, p, o, _ in back.quads():
            read.add((s, p, o))
    else:
        read = Graph().parse(data=data, format=fmt.rdflib)
    assert isomorphic(read, _graph())
    assert isinstance(fmt.engine, ox.RdfFormat)
    assert len(list(ox.parse(data, format=fmt.engine))) == len(_graph())


@pytest.mark.parametrize("fmt", formats.RESULTS, ids=lambda fmt: fmt.name)
def test_every_results_format_round_trips(fmt: formats.Format) -> None:
    """Written by pyoxigraph, read back by rdflib under the registry's name for it."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.Literal("x\ty")))
    assert isinstance(fmt.engine, ox.QueryResultsFormat)
    data = store.query("SELECT ?s ?o WHERE { ?s ?p ?o }").serialize(format=fmt.engine)
    assert data is not None
    rows = list(Result.parse(io.BytesIO(data), format=fmt.rdflib))
    assert [(str(row[0]), str(row[1])) for row in rows] == [(EX + "a", "x\ty")]
