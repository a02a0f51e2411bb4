"""Export: the built dataset, one of its graphs, or any graph, in every RDF format, stably.

Blank nodes are labelled canonically (rdflib.compare) and triples are written in sorted order, so
two exports of the same data are byte-identical whatever the hash seed. The formats are those of
``ivig_graph.formats``: a graph format gets the chosen graphs merged; a dataset format (TriG,
N-Quads) keeps the graph names, and so does JSON-LD for the whole dataset (``graph="all"``).

JSON-LD has one shape everywhere (here, the pages and ``/sparql``): compacted with the context
shipped in the package (ivig_graph/context.jsonld, keys such as ``prefLabel``, ``approvalStatus``,
``category``), the nodes in a top-level ``@graph``, sorted, keys sorted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph
from rdflib.compare import to_canonical_graph

from ivig_graph import formats
from ivig_graph.dataset.files import new_dataset
from ivig_graph.formats import Format
from ivig_graph.vocab import ASSERTED_GRAPH, GRAPHS, INFERRED_GRAPH, ONTOLOGY_GRAPH, PREFIXES

FORMATS: Mapping[str, Format] = {fmt.name: fmt for fmt in formats.RDF}
GRAPH_CHOICES: Mapping[str, tuple[str, ...]] = {
    "ontology": (str(ONTOLOGY_GRAPH),),
    "asserted": (str(ASSERTED_GRAPH),),
    "inferred": (str(INFERRED_GRAPH),),
    "all": tuple(str(name) for name in GRAPHS),
}


@cache
def context_document() -> bytes:
    """The shipped ``context.jsonld`` file, as served at ``/context.jsonld``."""
    return resources.files("ivig_graph").joinpath("context.jsonld").read_bytes()


@cache
def jsonld_context() -> dict[str, Any]:
    """The JSON-LD context shipped with the package."""
    context: dict[str, Any] = json.loads(context_document())["@context"]
    return context


def rdf_format(name: str) -> Format:
    """The RDF format called ``name``; ValueError naming the choices otherwise."""
    fmt = FORMATS.get(name)
    if fmt is None:
        raise ValueError(f"Unknown format {name!r}: use one of {', '.join(FORMATS)}.")
    return fmt


def _bind(graph: Graph, prefixes: Mapping[str, Any] = PREFIXES) -> None:
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace)


def _sorted_into(target: Graph, source: Graph) -> None:
    for triple in sorted(to_canonical_graph(source)):
        target.add(triple)


def selection(dataset: Dataset, graph: str) -> Dataset:
    """A new dataset holding only the chosen named graphs, canonically labelled and ordered."""
    chosen = new_dataset()
    for name in GRAPH_CHOICES[graph]:
        _sorted_into(chosen.graph(name), dataset.graph(name))
    return chosen


def merged(dataset: Dataset, graph: str) -> Graph:
    """The chosen graphs merged into one graph, for formats that have no graph names."""
    union = Graph()
    for name in GRAPH_CHOICES[graph]:
        union += dataset.graph(name)
    return canonical(union)


def canonical(source: Graph) -> Graph:
    """``source`` with canonical blank-node labels, its triples inserted in sorted order."""
    result = Graph()
    _bind(result, dict(source.namespaces()))
    _bind(result)
    _sorted_into(result, source)
    return result


def _sorted_lines(data: bytes) -> bytes:
    return b"".join(sorted(set(line for line in data.splitlines(keepends=True) if line.strip())))


def _json_key(node: Any) -> str:
    return json.dumps(node, sort_keys=True, ensure_ascii=False)


def jsonld(source: Graph | Dataset) -> bytes:
    """``source`` as JSON-LD compacted with the shipped context: nodes under ``@graph``, sorted.

    rdflib lifts a lone node to the top level; it goes under ``@graph`` here too, so that every
    document has one shape.
    """
    data = source.serialize(format="json-ld", context=jsonld_context(), encoding="utf-8")
    document = json.loads(data)
    if "@graph" not in document:
        context = document.pop("@context")
        document = {"@context": context, "@graph": [document] if document else []}
    for node in document["@graph"]:
        if isinstance(node, dict) and isinstance(node.get("@graph"), list):
            node["@graph"] = sorted(node["@graph"], key=_json_key)
    document["@graph"] = sorted(document["@graph"], key=_json_key)
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _in_sorted_order(source: Graph | Dataset, fmt: ox.RdfFormat) -> bytes:
    """Serialise with Oxigraph, which writes statements in the order given: sorted here.

    rdflib's RDF/XML and TriG serialisers write subjects and graphs in hash-set order, which
    changes with PYTHONHASHSEED.
    """
    if isinstance(source, Dataset):
        data, in_format = source.serialize(format="nquads", encoding="utf-8"), ox.RdfFormat.N_QUADS
    else:
        data, in_format = source.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES
    quads = sorted(
        ox.parse(data, format=in_format),
        key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)),
    )
    statements: list[ox.Quad] | list[ox.Triple] = (
        quads if fmt.supports_datasets else [q.triple for q in quads]
    )
    output = ox.serialize(statements, format=fmt, prefixes=PREFIXES)
    assert output is not None
    return output


def _serialize(source: Graph | Dataset, fmt: Format) -> bytes:
    """An already canonical ``source`` written as ``fmt``."""
    if fmt is formats.JSON_LD:
        return jsonld(source)
    if fmt in (formats.RDF_XML, formats.TRIG):
        assert isinstance(fmt.engine, ox.RdfFormat)
        return _in_sorted_order(source, fmt.engine)
    data = source.serialize(format=fmt.rdflib, encoding="utf-8")
    if fmt in (formats.N_TRIPLES, formats.N_QUADS):
        return _sorted_lines(data)
    return data


def serialize_graph(graph: Graph, fmt: Format) -> bytes:
    """Any graph (a description, the service description) written as ``fmt``, canonically.

    A dataset format gets the triples in its default graph.
    """
    source = canonical(graph)
    if fmt.kind != "dataset":
        return _serialize(source, fmt)
    dataset = new_dataset()
    for triple in source:
        dataset.add(triple)
    return _serialize(dataset, fmt)


def export(dataset: Dataset, fmt: str = "turtle", graph: str = "all") -> bytes:
    """Serialise ``graph`` (asserted | inferred | ontology | all) of the dataset as ``fmt``."""
    chosen = rdf_format(fmt)
    if graph not in GRAPH_CHOICES:
        raise ValueError(f"Unknown graph {graph!r}: use one of {', '.join(GRAPH_CHOICES)}.")
    keeps_names = chosen.kind == "dataset" or (chosen is formats.JSON_LD and graph == "all")
    if keeps_names:
        return _serialize(selection(dataset, graph), chosen)
    return _serialize(merged(dataset, graph), chosen)
