"""The U.S. product labels as the pages show them: products, their labelled indications, the
pages they come from, and the conditions whose current status is not the article's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS
from rdflib.term import Node

from ivig_graph.vocab import IVIG
from ivig_graph.web.views.links import key_of
from ivig_graph.web.views.model import Ref

SCHEMA = Namespace("https://schema.org/")
RefMaker = Callable[[Node], Ref]


@dataclass(frozen=True)
class LabelSource:
    """A public page a label fact comes from."""

    ref: Ref
    url: str | None
    publisher: str | None
    date: str | None  # as precise as the page states it


@dataclass(frozen=True)
class LabelledUse:
    """One indication on one product's label."""

    ref: Ref
    product: Ref
    condition: Ref | None
    intent: Ref | None
    population: str | None
    approved: str | None  # when FDA approved it for this product, as precise as the source
    definition: str | None
    sources: tuple[LabelSource, ...]
    intravenous: bool  # whether its product is given intravenously (only then is it IVIG)


@dataclass(frozen=True)
class Product:
    ref: Ref
    slug: str
    manufacturer: str | None
    routes: tuple[Ref, ...]
    concentration: str | None
    first_licensed: str | None
    sources: tuple[LabelSource, ...]
    uses: tuple[LabelledUse, ...]
    notes: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.ref.label


@dataclass(frozen=True)
class StatusChange:
    """A condition whose current status (by the labels) is not what the article says."""

    condition: Ref
    article_status: Ref
    current_status: Ref
    uses: tuple[LabelledUse, ...]  # the intravenous labels behind a current FDA approval


@dataclass(frozen=True)
class Labels:
    products: tuple[Product, ...]  # by name
    changes: tuple[StatusChange, ...]  # by condition name
    current: dict[str, Ref]  # condition IRI -> its current approval status

    def product(self, iri: str) -> Product | None:
        return next((p for p in self.products if p.ref.iri == iri), None)

    def uses_for(self, condition: str) -> tuple[LabelledUse, ...]:
        return tuple(
            use
            for product in self.products
            for use in product.uses
            if use.condition is not None and use.condition.iri == condition
        )

    def change_for(self, condition: str) -> StatusChange | None:
        return next((c for c in self.changes if c.condition.iri == condition), None)

    def search(self, needle: str, normalize: Callable[[str], str]) -> tuple[Product, ...]:
        wanted = normalize(needle)
        return tuple(p for p in self.products if wanted in normalize(p.name))


def _text(graph: Graph, node: Node, predicate: URIRef) -> str | None:
    value = graph.value(node, predicate)
    return str(value) if isinstance(value, Literal) else None


def _source(graph: Graph, node: Node, ref: RefMaker) -> LabelSource:
    url = graph.value(node, SCHEMA.url)
    return LabelSource(
        ref=ref(node),
        url=str(url) if url is not None else None,
        publisher=_text(graph, node, DCTERMS.publisher),
        date=_text(graph, node, DCTERMS.date),
    )


def _sources(graph: Graph, node: Node, ref: RefMaker) -> tuple[LabelSource, ...]:
    found = {_source(graph, s, ref) for s in graph.objects(node, PROV.wasDerivedFrom)}
    return tuple(sorted(found, key=lambda s: s.ref.iri))


def _use(graph: Graph, node: Node, ref: RefMaker) -> LabelledUse:
    product = graph.value(node, IVIG.product)
    condition = graph.value(node, IVIG.labelledCondition)
    intent = graph.value(node, IVIG.intent)
    assert product is not None  # the shapes require exactly one ivig:product
    return LabelledUse(
        ref=ref(node),
        product=ref(product),
        condition=ref(condition) if condition is not None else None,
        intent=ref(intent) if intent is not None else None,
        population=_text(graph, node, IVIG.population),
        approved=_text(graph, node, DCTERMS.date),
        definition=_text(graph, node, SKOS.definition),
        sources=_sources(graph, node, ref),
        intravenous=(product, IVIG.route, IVIG.Intravenous) in graph,
    )


def label_view(asserted: Graph, union: Graph, ref: RefMaker) -> Labels:
    """Everything the label pages show, read once from the built graphs."""
    uses = [
        _use(asserted, node, ref) for node in asserted.subjects(RDF.type, IVIG.LabelledIndication)
    ]
    products = [
        _product(asserted, node, uses, ref)
        for node in set(asserted.subjects(RDF.type, IVIG.Product))
    ]
    current: dict[str, Ref] = {}
    changes = []
    for condition in set(asserted.subjects(RDF.type, IVIG.Condition)):
        status = union.value(condition, IVIG.currentApprovalStatus)
        article = asserted.value(condition, IVIG.approvalStatus)
        if status is None:
            continue
        current[str(condition)] = ref(status)
        if article is not None and article != status:
            behind = tuple(
                use
                for use in uses
                if use.intravenous and use.condition and use.condition.iri == str(condition)
            )
            changes.append(StatusChange(ref(condition), ref(article), ref(status), behind))
    return Labels(
        products=tuple(sorted(products, key=lambda p: (p.name.casefold(), p.ref.iri))),
        changes=tuple(sorted(changes, key=lambda c: c.condition.label.casefold())),
        current=current,
    )


def _product(graph: Graph, node: Node, uses: list[LabelledUse], ref: RefMaker) -> Product:
    """One product, with its labelled indications (``uses``: all of them, of every product)."""
    maker = graph.value(node, SCHEMA.manufacturer)
    mine = [use for use in uses if use.product.iri == str(node)]
    return Product(
        ref=ref(node),
        slug=key_of(str(node)),
        manufacturer=_text(graph, maker, SCHEMA.name) if maker is not None else None,
        routes=tuple(
            sorted((ref(r) for r in graph.objects(node, IVIG.route)), key=lambda r: r.iri)
        ),
        concentration=_text(graph, node, IVIG.concentration),
        first_licensed=_text(graph, node, IVIG.firstLicensed),
        sources=_sources(graph, node, ref),
        uses=tuple(
            sorted(mine, key=lambda u: (u.condition.label if u.condition else "~", u.ref.iri))
        ),
        notes=tuple(sorted(str(n) for n in graph.objects(node, SKOS.editorialNote))),
    )
