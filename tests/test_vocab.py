"""The closed vocabulary class, the ontology file and the public contract stay in step."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.namespace import DCTERMS, SKOS

from ivig_graph import vocab
from ivig_graph.resources import Sources
from ivig_graph.vocab import IVIG, ONTOLOGY_IRI

CONTRACT = Path(__file__).parent.parent / "docs" / "vocabulary.md"
NS = str(IVIG._NS)


@pytest.fixture(scope="module")
def ontology_file() -> Graph:
    return Graph().parse(Sources.default().ontology_file, format="turtle")


def defined_terms(graph: Graph) -> set[str]:
    return {str(s)[len(NS) :] for s in graph.subjects() if str(s).startswith(NS)}


def test_vocab_class_mirrors_the_ontology(ontology_file: Graph) -> None:
    in_class = {name for name in IVIG.__annotations__ if not name.startswith("_")}
    assert in_class == defined_terms(ontology_file)


def test_vocab_class_is_closed() -> None:
    assert IVIG.mechanism == URIRef(NS + "mechanism")
    with pytest.raises(AttributeError):
        _ = IVIG.mechansim


def test_every_term_has_a_label_and_a_definition(ontology_file: Graph) -> None:
    for name in defined_terms(ontology_file):
        term = URIRef(NS + name)
        assert ontology_file.value(term, RDFS.label) is not None, name
        definition = ontology_file.value(term, SKOS.definition) or ontology_file.value(
            term, RDFS.comment
        )
        assert definition is not None, name


def test_ontology_metadata(ontology_file: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology_file
    for predicate in (
        OWL.versionIRI,
        OWL.versionInfo,
        DCTERMS.title,
        DCTERMS.description,
        DCTERMS.license,
        DCTERMS.creator,
        DCTERMS.created,
    ):
        assert ontology_file.value(ONTOLOGY_IRI, predicate) is not None, predicate


def test_schema_org_alignment_by_subclass_without_import(ontology_file: Graph) -> None:
    schema = "https://schema.org/"
    assert (IVIG.Condition, RDFS.subClassOf, URIRef(schema + "MedicalCondition")) in ontology_file
    assert (IVIG.Indication, RDFS.subClassOf, URIRef(schema + "MedicalIndication")) in ontology_file
    assert (IVIG.Category, RDFS.subClassOf, SKOS.Concept) in ontology_file
    assert not list(ontology_file.objects(None, OWL.imports))


def test_every_term_of_the_public_contract_is_defined(ontology_file: Graph) -> None:
    text = CONTRACT.read_text(encoding="utf-8")
    contract_terms = set(re.findall(r"`ivig:([A-Za-z]+)`", text))
    assert len(contract_terms) >= 15
    assert contract_terms <= defined_terms(ontology_file)


def test_v2_label_terms_are_in_the_contract_and_aligned(ontology_file: Graph) -> None:
    text = CONTRACT.read_text(encoding="utf-8")
    for term in ("Product", "LabelledIndication", "currentApprovalStatus", "labelledCondition"):
        assert f"`ivig:{term}`" in text, term
    schema = "https://schema.org/"
    assert (IVIG.Product, RDFS.subClassOf, URIRef(schema + "Drug")) in ontology_file
    assert (
        IVIG.LabelledIndication,
        RDFS.subClassOf,
        URIRef(schema + "ApprovedIndication"),
    ) in ontology_file
    # A labelled indication is a statement of its own, never one of the article's indications.
    assert (IVIG.LabelledIndication, RDFS.subClassOf, IVIG.Indication) not in ontology_file
    assert set(ontology_file.objects(IVIG.Route, OWL.oneOf)) != set()


def test_the_predeclared_prefixes_are_the_vocabulary_namespaces() -> None:
    """ivig_graph.prefixes (plain strings, for processes without rdflib) and vocab agree."""
    namespaces = {
        "ivig": IVIG._NS,
        "skos": SKOS._NS,
        "dcterms": DCTERMS._NS,
        "condition": vocab.CONDITION,
        "indication": vocab.INDICATION,
        "category": vocab.CATEGORY,
        "source": vocab.SOURCE,
        "product": vocab.PRODUCT,
        "icd10cm": vocab.ICD10CM,
        "mesh": vocab.MESH,
    }
    for prefix, namespace in namespaces.items():
        assert vocab.PREFIXES[prefix] == str(namespace), prefix


def test_a_query_worker_does_not_load_rdflib() -> None:
    """A worker only runs queries on the store: rdflib (about 19 MB) stays out of it."""
    code = (
        "import sys, ivig_graph.serve.worker\n"
        "print(sorted(m for m in sys.modules if m.startswith('rdflib')))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]", found.stdout
