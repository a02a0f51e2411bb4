"""Checked label records -> triples: products, their sources and their labelled indications.

``labelled_graph`` reads data/products.toml (``label_checks``) and compiles the records with
``Graph.add``; ``triples`` adds the result to the asserted graph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS, Namespace

from ivig_graph.build.label_checks import read_products
from ivig_graph.build.label_records import (
    INDICATION_KINDS,
    ROUTES,
    IndicationRecord,
    ProductData,
    ProductRecord,
    SourceRecord,
)
from ivig_graph.build.records import INTENTS, ConditionRecord
from ivig_graph.resources import Sources
from ivig_graph.vocab import CONDITION, IVIG, ORGANIZATION, PRODUCT, SOURCE

SCHEMA = Namespace("https://schema.org/")


def organization_slug(name: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", name.lower()))


def _source_triples(graph: Graph, record: SourceRecord) -> None:
    source = record.iri
    graph.add((source, RDF.type, IVIG.SourceDocument))
    graph.add((source, RDF.type, SCHEMA.WebPage))
    graph.add((source, RDFS.label, Literal(record.title, lang="en")))
    graph.add((source, DCTERMS.title, Literal(record.title, lang="en")))
    graph.add((source, SCHEMA.url, URIRef(record.url)))
    graph.add((source, DCTERMS.publisher, Literal(record.publisher)))
    if record.date is not None:
        graph.add((source, DCTERMS.date, record.date))
    graph.add((source, IVIG.documentKind, Literal(record.kind)))
    if record.note:
        graph.add((source, SKOS.editorialNote, Literal(record.note, lang="en")))


def _product_triples(graph: Graph, record: ProductRecord) -> None:
    product = record.iri
    graph.add((product, RDF.type, IVIG.Product))
    graph.add((product, SCHEMA.name, Literal(record.name)))
    graph.add((product, RDFS.label, Literal(record.name, lang="en")))
    graph.add((product, SKOS.notation, Literal(record.slug)))
    for route in record.routes:
        graph.add((product, IVIG.route, ROUTES[route]))
    if record.manufacturer:
        maker = ORGANIZATION[organization_slug(record.manufacturer)]
        graph.add((product, SCHEMA.manufacturer, maker))
        graph.add((maker, RDF.type, SCHEMA.Organization))
        graph.add((maker, SCHEMA.name, Literal(record.manufacturer)))
        graph.add((maker, RDFS.label, Literal(record.manufacturer, lang="en")))
    if record.concentration:
        graph.add((product, IVIG.concentration, Literal(record.concentration)))
    if record.first_licensed is not None:
        graph.add((product, IVIG.firstLicensed, record.first_licensed))
    for slug in record.sources:
        graph.add((product, PROV.wasDerivedFrom, SOURCE[slug]))
    if record.note:
        graph.add((product, SKOS.editorialNote, Literal(record.note, lang="en")))


def _indication_triples(
    graph: Graph, record: IndicationRecord, product_name: str, condition_names: Mapping[str, str]
) -> None:
    indication = record.iri
    graph.add((indication, RDF.type, IVIG.LabelledIndication))
    graph.add((indication, IVIG.product, PRODUCT[record.product]))
    if record.condition is not None:
        graph.add((indication, IVIG.labelledCondition, CONDITION[record.condition]))
        name = condition_names.get(record.condition, record.condition)
        label = f"{product_name} label: {name}"
    else:
        label = f"{product_name} label: an indication matching no condition of the article"
    graph.add((indication, RDFS.label, Literal(label, lang="en")))
    graph.add((indication, IVIG.intent, INTENTS[record.intent]))
    graph.add((indication, SKOS.definition, Literal(record.definition, lang="en")))
    if record.population:
        graph.add((indication, IVIG.population, Literal(record.population)))
    if record.approved is not None:
        graph.add((indication, DCTERMS.date, record.approved))
    if record.kind is not None:
        graph.add((indication, IVIG.indicationKind, INDICATION_KINDS[record.kind]))
    for slug in record.sources:
        graph.add((indication, PROV.wasDerivedFrom, SOURCE[slug]))
    if record.note:
        graph.add((indication, SKOS.editorialNote, Literal(record.note, lang="en")))


def product_triples(data: ProductData, condition_names: Mapping[str, str]) -> Graph:
    """The triples of the checked records; ``condition_names`` maps slugs to preferred names."""
    graph = Graph()
    for source in data.sources:
        _source_triples(graph, source)
    names = {product.slug: product.name for product in data.products}
    for product in data.products:
        _product_triples(graph, product)
    for indication in data.indications:
        _indication_triples(graph, indication, names[indication.product], condition_names)
    return graph


def labelled_graph(sources: Sources, conditions: Iterable[ConditionRecord]) -> Graph:
    """data/products.toml, checked against the curated conditions, as triples."""
    names = {record.slug: record.preferred_name for record in conditions}
    return product_triples(read_products(sources, names), names)
