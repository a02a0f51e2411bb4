"""Export: every format and graph choice parses back to the graphs it came from, byte-stably.

The expected graphs are the built dataset's own named graphs (session fixtures); the comparison
is the canonical digest ``rdflib.compare.isomorphic`` compares (computed once per expected graph),
and a failure prints the triples on either side of ``graph_diff``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, Dataset, Graph, URIRef
from rdflib.compare import graph_diff, to_isomorphic
from rdflib.namespace import SKOS

from ivig_graph import formats
from ivig_graph.dataset.export import FORMATS, GRAPH_CHOICES, export, jsonld_context
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.vocab import ASSERTED_GRAPH, IVIG
from tests import article

NAMED_GRAPH_FORMATS = [name for name, fmt in FORMATS.items() if fmt.supports_datasets]
DIFF_LINES = 20


def test_formats_and_graph_choices_are_the_documented_ones() -> None:
    assert set(FORMATS) == {"turtle", "jsonld", "ntriples", "rdfxml", "trig", "nquads"}
    assert {fmt.name for fmt in formats.RDF} == set(FORMATS)
    assert set(GRAPH_CHOICES) == {"asserted", "inferred", "ontology", "all"}
    assert set(NAMED_GRAPH_FORMATS) == {"jsonld", "trig", "nquads"}


def _lines(graph: Graph) -> list[str]:
    return sorted(" ".join(term.n3() for term in triple) for triple in graph)


def digest(graph: Graph) -> int:
    """The canonical hash that rdflib.compare.isomorphic compares."""
    return int(to_isomorphic(graph).graph_digest())


@dataclass(frozen=True)
class Expected:
    graph: Graph
    digest: int


def assert_same_graph(expected: Expected, actual: Graph, what: str) -> None:
    """Isomorphic (as rdflib.compare.isomorphic decides), or fail listing the diff."""
    if len(expected.graph) == len(actual) and expected.digest == digest(actual):
        return
    _, only_expected, only_actual = graph_diff(expected.graph, actual)
    missing, extra = _lines(only_expected), _lines(only_actual)
    pytest.fail(
        f"{what}: not isomorphic ({len(expected.graph)} expected triples, {len(actual)} found)\n"
        f"missing ({len(missing)}):\n  " + "\n  ".join(missing[:DIFF_LINES]) + "\n"
        f"unexpected ({len(extra)}):\n  " + "\n  ".join(extra[:DIFF_LINES]),
        pytrace=False,
    )


def merged(dataset: Dataset, names: tuple[str, ...]) -> Graph:
    graph = Graph()
    for name in names:
        graph += dataset.graph(URIRef(name))
    return graph


def parsed_graphs(data: bytes, fmt: str) -> dict[str, Graph]:
    """The export parsed back: graph name -> its triples ("" for the default graph)."""
    serializer = FORMATS[fmt].rdflib
    if fmt not in NAMED_GRAPH_FORMATS:
        return {"": Graph().parse(data=data, format=serializer)}
    back = Dataset()
    back.parse(data=data, format=serializer)
    found: dict[str, Graph] = {}
    for named in back.graphs():
        if len(named):
            name = "" if named.identifier == back.default_graph.identifier else named.identifier
            graph = found.setdefault(str(name), Graph())
            for triple in named:
                graph.add(triple)
    return found


@pytest.fixture(scope="module")
def expected(dataset: Dataset) -> Callable[[tuple[str, ...]], Expected]:
    """The named graphs merged, with their digest computed once per module."""

    @cache
    def source(names: tuple[str, ...]) -> Expected:
        graph = merged(dataset, names)
        return Expected(graph, digest(graph))

    return source


@pytest.fixture(scope="module")
def exported(dataset: Dataset) -> Callable[[str, str], bytes]:
    """export(dataset, fmt, graph), computed once per module for each format and graph."""
    return cache(partial(export, dataset))


@pytest.mark.parametrize("graph", list(GRAPH_CHOICES))
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_export_parses_back_to_the_source(
    expected: Callable[[tuple[str, ...]], Expected],
    exported: Callable[[str, str], bytes],
    fmt: str,
    graph: str,
) -> None:
    names = GRAPH_CHOICES[graph]
    found = parsed_graphs(exported(fmt, graph), fmt)
    assert found, f"{fmt}/{graph} export parsed to nothing"
    if fmt in NAMED_GRAPH_FORMATS and graph == "all":
        assert set(found) == set(names), f"graph names lost or added: {sorted(found)}"
        for name in names:
            assert_same_graph(expected((name,)), found[name], f"{fmt}/{graph} <{name}>")
    else:
        everything = Graph()
        for part in found.values():
            everything += part
        assert_same_graph(expected(names), everything, f"{fmt}/{graph}")
    if fmt in ("trig", "nquads"):
        assert set(found) == set(names), f"{fmt} should keep the graph name: {sorted(found)}"


def test_every_graph_choice_has_content(dataset: Dataset) -> None:
    for graph, names in GRAPH_CHOICES.items():
        assert names, graph
        for name in names:
            assert len(dataset.graph(URIRef(name))) > 0, f"{graph}: <{name}> is empty"


# --- JSON-LD: compacted with the shipped context ---------------------------------------------


def expand(value: str, context: dict[str, Any]) -> str:
    """A compact IRI ("ivig:OffLabel") expanded with the context's prefixes."""
    prefix, _, local = value.partition(":")
    namespace = context.get(prefix)
    if isinstance(namespace, str) and not local.startswith("//"):
        return namespace + local
    return value


def nodes(document: Any) -> Iterator[dict[str, Any]]:
    """Every node object in a JSON-LD document, including those inside named graphs."""
    if isinstance(document, dict):
        if "id" in document or "@id" in document:
            yield document
        for key, value in document.items():
            if key != "@context":
                yield from nodes(value)
    elif isinstance(document, list):
        for item in document:
            yield from nodes(item)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def asserted_nodes(document: dict[str, Any], graph: str) -> list[dict[str, Any]]:
    """The node objects of the asserted graph: top level, or inside its named graph for "all"."""
    if graph != "all":
        return list(document["@graph"])
    (wrapper,) = [node for node in document["@graph"] if node.get("id") == str(ASSERTED_GRAPH)]
    return list(wrapper["@graph"])


@pytest.mark.parametrize("graph", ["asserted", "all"])
def test_jsonld_uses_the_context_keys(dataset: Dataset, asserted: Graph, graph: str) -> None:
    document = json.loads(export(dataset, "jsonld", graph))
    context = jsonld_context()
    assert document["@context"] == context
    by_id = {expand(node["id"], context): node for node in asserted_nodes(document, graph)}
    conditions = sorted(asserted.subjects(RDF.type, IVIG.Condition), key=str)
    assert len(conditions) == len(article.uses()) == 102
    with_category = 0
    for condition in conditions:
        node = by_id.get(str(condition))
        assert node is not None, f"no JSON-LD node for {condition}"
        pref_label = asserted.value(condition, SKOS.prefLabel)
        assert node["prefLabel"] == {"@language": "en", "@value": str(pref_label)}
        assert expand(node["approvalStatus"], context) == str(
            asserted.value(condition, IVIG.approvalStatus)
        )
        categories = {str(c) for c in asserted.objects(condition, IVIG.category)}
        assert isinstance(node.get("category", []), list), "category is declared a @set"
        assert {expand(c, context) for c in node.get("category", [])} == categories
        with_category += bool(categories)
        assert str(node["sourceLine"]) == str(asserted.value(condition, IVIG.sourceLine))
    assert with_category > 0


def _uncoerced_terms(context: dict[str, Any]) -> dict[str, str]:
    """Context terms without a type coercion: they fit any literal, so must always be used."""
    terms = {}
    for term, definition in context.items():
        if isinstance(definition, dict) and "@type" not in definition:
            terms[term] = expand(definition["@id"], context)
    return terms


def test_jsonld_never_spells_out_an_iri_the_context_names(dataset: Dataset) -> None:
    context = jsonld_context()
    terms = _uncoerced_terms(context)
    assert {"label", "altLabel", "editorialNote", "prefLabel"} <= set(terms)
    document = json.loads(export(dataset, "jsonld", "all"))
    spelled_out: dict[str, int] = {}
    for node in nodes(document):
        for key in node:
            if expand(key, context) in terms.values():
                spelled_out[key] = spelled_out.get(key, 0) + 1
    assert not spelled_out, f"keys that should be context terms: {spelled_out}"


# --- Determinism -------------------------------------------------------------------------------


SEEDS = ("0", "4242")
EXPORT_SCRIPT = """
import sys
from pathlib import Path
from ivig_graph.dataset.export import FORMATS, export
from ivig_graph.dataset.files import load_built

dataset = load_built(Path(sys.argv[1])).rdflib_dataset()
for fmt in FORMATS:
    Path(sys.argv[2], fmt).write_bytes(export(dataset, fmt, "all"))
"""


@pytest.fixture(scope="module")
def seeded_exports(built: BuiltDataset, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Every format exported (graph "all") by two processes, in parallel, with different seeds."""
    root = tmp_path_factory.mktemp("seeded-exports")
    runs: dict[Path, subprocess.Popen[bytes]] = {}
    for seed in SEEDS:
        out = root / f"seed-{seed}"
        out.mkdir()
        runs[out] = subprocess.Popen(
            [sys.executable, "-c", EXPORT_SCRIPT, str(built.directory), str(out)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=root,
            stderr=subprocess.PIPE,
        )
    for process in runs.values():
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr.decode()
    return list(runs)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_export_is_byte_identical_under_different_hash_seeds(
    seeded_exports: list[Path], exported: Callable[[str, str], bytes], fmt: str
) -> None:
    first, second = ((out / fmt).read_bytes() for out in seeded_exports)
    assert first, f"{fmt}: empty export"
    assert first == second, f"{fmt} differs between PYTHONHASHSEED={' and '.join(SEEDS)}"
    assert first == exported(fmt, "all"), f"{fmt} differs from this process's export"


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_two_exports_in_one_process_are_byte_identical(
    dataset: Dataset, exported: Callable[[str, str], bytes], fmt: str
) -> None:
    assert export(dataset, fmt, "all") == exported(fmt, "all")


# --- Bad arguments ----------------------------------------------------------------------------


def test_unknown_format_names_the_choices(dataset: Dataset) -> None:
    with pytest.raises(ValueError, match="'yaml'") as error:
        export(dataset, "yaml", "all")
    for fmt in FORMATS:
        assert fmt in str(error.value)


def test_unknown_graph_names_the_choices(dataset: Dataset) -> None:
    with pytest.raises(ValueError, match="'everything'") as error:
        export(dataset, "turtle", "everything")
    for graph in GRAPH_CHOICES:
        assert graph in str(error.value)
