"""The ontology's terms as a closed namespace, plus the IRIs of the dataset's graphs and data.

``IVIG`` mirrors ontology/ivig.ttl term for term (tests/test_vocab.py keeps the two in step):
a typo such as ``IVIG.mechansim`` raises at the line that makes it.
"""

from collections.abc import Mapping

from rdflib import Namespace, URIRef
from rdflib.namespace import SKOS, DefinedNamespace

from ivig_graph.prefixes import PREFIXES as PREFIXES  # predeclared in every query


class IVIG(DefinedNamespace):
    """https://w3id.org/ivig/ontology# -- the IVIG uses ontology."""

    _NS = Namespace("https://w3id.org/ivig/ontology#")
    _fail = True

    # Classes of the contract
    Therapy: URIRef
    Condition: URIRef
    Indication: URIRef
    Category: URIRef
    Mechanism: URIRef
    ApprovalStatus: URIRef
    Intent: URIRef
    # Provenance classes
    SourceDocument: URIRef
    SourceList: URIRef
    # Kinds of condition
    AutoimmuneDisorder: URIRef
    AlloimmuneDisorder: URIRef
    TransplantImmuneComplication: URIRef
    Immunodeficiency: URIRef
    InfectionRisk: URIRef
    InfectiousDisease: URIRef
    Malignancy: URIRef
    InflammatoryDisorder: URIRef
    GeneticDisorder: URIRef
    # Fixed individuals
    IVIG: URIRef
    ImmuneSuppression: URIRef
    ImmuneBoosting: URIRef
    FDAApproved: URIRef
    OffLabel: URIRef
    Treatment: URIRef
    Prevention: URIRef
    # Object properties
    approvalStatus: URIRef
    category: URIRef
    intent: URIRef
    mechanism: URIRef
    therapy: URIRef
    condition: URIRef
    indication: URIRef
    # Datatype and annotation properties
    sourceLabel: URIRef
    sourceText: URIRef
    sourceLine: URIRef
    mechanismNote: URIRef
    mechanismBasis: URIRef
    icd10cmRelease: URIRef
    donorCountLowerBound: URIRef
    mainImmunoglobulinClass: URIRef
    infusionIntervalMinWeeks: URIRef
    infusionIntervalMaxWeeks: URIRef
    preparedFrom: URIRef
    approvedUseScope: URIRef
    # v2: U.S. product labels
    Product: URIRef
    LabelledIndication: URIRef
    Route: URIRef
    Intravenous: URIRef
    Subcutaneous: URIRef
    IntravenousLabelledCondition: URIRef
    LabelledImmunodeficiency: URIRef
    product: URIRef
    labelledCondition: URIRef
    labelledIndication: URIRef
    route: URIRef
    productRoute: URIRef
    labelledRoute: URIRef
    currentApprovalStatus: URIRef
    indicationKind: URIRef
    labelledKind: URIRef
    concentration: URIRef
    firstLicensed: URIRef
    population: URIRef
    documentKind: URIRef


ONTOLOGY_IRI = URIRef("https://w3id.org/ivig/ontology")

# The dataset's named graphs; the default graph is their union.
ONTOLOGY_GRAPH = URIRef("https://w3id.org/ivig/graph/ontology")
ASSERTED_GRAPH = URIRef("https://w3id.org/ivig/graph/asserted")
INFERRED_GRAPH = URIRef("https://w3id.org/ivig/graph/inferred")
GRAPHS = (ONTOLOGY_GRAPH, ASSERTED_GRAPH, INFERRED_GRAPH)
# What each holds, in a few words: the pages' headings and the service description's titles.
GRAPH_TITLES: Mapping[URIRef, str] = {
    ONTOLOGY_GRAPH: "Ontology: the vocabulary itself",
    ASSERTED_GRAPH: "Asserted: curated from the source",
    INFERRED_GRAPH: "Inferred: added by OWL 2 RL reasoning",
}

# Data: conditions, categories, sources and indications.
ID = Namespace("https://w3id.org/ivig/id/")
CONDITION = Namespace("https://w3id.org/ivig/id/condition/")
INDICATION = Namespace("https://w3id.org/ivig/id/indication/")
CATEGORY = Namespace("https://w3id.org/ivig/id/category/")
SOURCE = Namespace("https://w3id.org/ivig/id/source/")
PRODUCT = Namespace("https://w3id.org/ivig/id/product/")
LABELLED_INDICATION = Namespace("https://w3id.org/ivig/id/labelled-indication/")
ORGANIZATION = Namespace("https://w3id.org/ivig/id/organization/")
CATEGORY_SCHEME = URIRef("https://w3id.org/ivig/id/scheme/categories")

ICD10CM = Namespace("http://purl.bioontology.org/ontology/ICD10CM/")
MESH = Namespace("http://id.nlm.nih.gov/mesh/")


def key_of(iri: str) -> str:
    """The last segment of an IRI (after ``#`` or ``/``): the keys the manifest counts by and
    the slugs of the pages' paths."""
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


# The mapping relations a cross-reference may state, by the name the curation files use, in the
# order the pages list them.
MATCHES: Mapping[str, URIRef] = {
    "exact": SKOS.exactMatch,
    "close": SKOS.closeMatch,
    "broad": SKOS.broadMatch,
    "narrow": SKOS.narrowMatch,
}
