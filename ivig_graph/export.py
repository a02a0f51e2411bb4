"""Export: the built dataset, or one of its graphs, in any of six RDF formats, deterministically.

Blank nodes are labelled canonically (rdflib.compare) and triples are inserted in sorted order, so
two exports of the same data are byte-identical whatever the hash seed. JSON-LD is compacted
with the context shipped in the package (ivig_graph/context.jsonld), whose keys read like
``label``, ``approvalStatus``, ``category``.
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

from .rdf_bridge import to_quads
from .store import new_dataset, sorted_lines
from .vocab import ASSERTED_GRAPH, GRAPHS, INFERRED_GRAPH, ONTOLOGY_GRAPH, PREFIXES

# format name -> (rdflib serializer, media type, file suffix, keeps graph names)
FORMATS: Mapping[str, tuple[str, str, str, bool]] = {
    "turtle": ("turtle", "text/turtle", "ttl", False),
    "jsonld": ("json-ld", "application/ld+json", "jsonld", True),
    "ntriples": ("nt", "application/n-triples", "nt", False),
    "rdfxml": ("xml", "application/rdf+xml", "rdf", False),
    "trig": ("trig", "application/trig", "trig", True),
    "nquads": ("nquads", "application/n-quads", "nq", True),
}
OXIGRAPH_FORMATS: Mapping[str, ox.RdfFormat] = {
    "rdfxml": ox.RdfFormat.RDF_XML,
    "trig": ox.RdfFormat.TRIG,
}
GRAPH_CHOICES: Mapping[str, tuple[str, ...]] = {
    "ontology": (str(ONTOLOGY_GRAPH),),
    "asserted": (str(ASSERTED_GRAPH),),
    "inferred": (str(INFERRED_GRAPH),),
    "all": tuple(str(name) for name in GRAPHS),
}


@cache
def jsonld_context() -> dict[str, Any]:
    """The JSON-LD context shipped with the package."""
    text = resources.files("ivig_graph").joinpath("context.jsonld").read_text(encoding="utf-8")
    context: dict[str, Any] = json.loads(text)["@context"]
    return context


def _bind(graph: Graph) -> None:
    for prefix, namespace in PREFIXES.items():
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
    result = Graph()
    _bind(result)
    _sorted_into(result, union)
    return result


def _json_key(node: Any) -> str:
    return json.dumps(node, sort_keys=True, ensure_ascii=False)


def _stable_jsonld(data: bytes) -> bytes:
    """Sort the nodes (inside each named graph first, then the graphs) and the keys."""
    document = json.loads(data)
    if isinstance(document, dict) and isinstance(document.get("@graph"), list):
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
    quads = sorted(
        to_quads(source),
        key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)),
    )
    statements: list[ox.Quad] | list[ox.Triple] = (
        quads if fmt.supports_datasets else [q.triple for q in quads]
    )
    output = ox.serialize(statements, format=fmt, prefixes=PREFIXES)
    assert output is not None
    return output


def export(dataset: Dataset, fmt: str = "turtle", graph: str = "all") -> bytes:
    """Serialise ``graph`` (asserted | inferred | ontology | all) of the dataset as ``fmt``."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    if graph not in GRAPH_CHOICES:
        raise ValueError(f"Unknown graph {graph!r}: use one of {', '.join(GRAPH_CHOICES)}.")
    serializer, _, _, keeps_graphs = FORMATS[fmt]
    if fmt == "jsonld":
        source: Graph | Dataset = (
            selection(dataset, graph) if graph == "all" else merged(dataset, graph)
        )
        data = source.serialize(format=serializer, context=jsonld_context(), encoding="utf-8")
        return _stable_jsonld(data)
    source = selection(dataset, graph) if keeps_graphs else merged(dataset, graph)
    if fmt in OXIGRAPH_FORMATS:
        return _in_sorted_order(source, OXIGRAPH_FORMATS[fmt])
    data = source.serialize(format=serializer, encoding="utf-8")
    if fmt in ("ntriples", "nquads"):
        return sorted_lines(data)
    return data
