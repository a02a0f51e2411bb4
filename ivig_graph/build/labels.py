"""data/products.toml -> triples: U.S. product labels as dated, sourced statements.

The file holds three kinds of record (its header comment documents every field): ``[[source]]``
(a public page actually read), ``[[product]]`` (a licensed immune globulin brand) and
``[[indication]]`` (one indication on one product's label, linked to the article's condition it
matches). ``read_products`` checks every record and raises one ``CurationError`` naming each
record and the rule it breaks; ``product_triples`` compiles checked records with ``Graph.add``.

Nothing here touches what the graph says the article says: labels use ``ivig:labelledCondition``
and the build derives ``ivig:currentApprovalStatus`` from them (see ``reason``).
"""

from __future__ import annotations

import datetime
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS, Namespace

from ivig_graph.build.curation import INTENTS, SLUG, ConditionRecord, Problems
from ivig_graph.errors import CurationError
from ivig_graph.resources import Sources
from ivig_graph.vocab import CONDITION, IVIG, LABELLED_INDICATION, ORGANIZATION, PRODUCT, SOURCE

SCHEMA = Namespace("https://schema.org/")
FILE_NAME = "products.toml"

ROUTES: Mapping[str, URIRef] = {
    "intravenous": IVIG.Intravenous,
    "subcutaneous": IVIG.Subcutaneous,
}
DOCUMENT_KINDS = frozenset({"label", "fda", "manufacturer", "news"})
# Kinds of condition a label's indication may state (``kind = ...``); each has a class in the
# ontology (ivig:Labelled...) through which OWL 2 RL applies the article's mechanism rule.
INDICATION_KINDS: Mapping[str, URIRef] = {"immunodeficiency": IVIG.Immunodeficiency}
URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
DATE_FORMATS = (
    # (pattern, datatype): as precise as the source gives it
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), XSD.date),
    (re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"), XSD.gYearMonth),
    (re.compile(r"^\d{4}$"), XSD.gYear),
)

# field -> (accepted Python types, required)
SOURCE_FIELDS: Mapping[str, tuple[tuple[type, ...], bool]] = {
    "slug": ((str,), True),
    "url": ((str,), True),
    "title": ((str,), True),
    "publisher": ((str,), True),
    "date": ((str, datetime.date), False),  # only where the page states one; else a note
    "kind": ((str,), True),
    "note": ((str,), False),
}
PRODUCT_FIELDS: Mapping[str, tuple[tuple[type, ...], bool]] = {
    "slug": ((str,), True),
    "name": ((str,), True),
    "manufacturer": ((str,), False),
    "route": ((str, list), True),
    "concentration": ((str,), False),
    "first_licensed": ((str, int, datetime.date), False),
    "sources": ((list,), True),
    "note": ((str,), False),
}
INDICATION_FIELDS: Mapping[str, tuple[tuple[type, ...], bool]] = {
    "product": ((str,), True),
    "condition": ((str,), False),
    "intent": ((str,), True),
    "population": ((str,), False),
    "approved": ((str, int, datetime.date), False),
    "definition": ((str,), True),
    "sources": ((list,), True),
    "kind": ((str,), False),
    "note": ((str,), False),
}


@dataclass(frozen=True)
class SourceRecord:
    slug: str
    url: str
    title: str
    publisher: str
    date: Literal | None  # None: the page states no date (its note says so)
    kind: str
    note: str | None = None

    @property
    def iri(self) -> URIRef:
        return SOURCE[self.slug]


@dataclass(frozen=True)
class ProductRecord:
    slug: str
    name: str
    routes: tuple[str, ...]
    sources: tuple[str, ...]
    manufacturer: str | None = None
    concentration: str | None = None
    first_licensed: Literal | None = None
    note: str | None = None

    @property
    def iri(self) -> URIRef:
        return PRODUCT[self.slug]


@dataclass(frozen=True)
class IndicationRecord:
    iri: URIRef
    product: str
    intent: str
    definition: str
    sources: tuple[str, ...]
    condition: str | None = None
    population: str | None = None
    approved: Literal | None = None
    kind: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class ProductData:
    """The checked records of data/products.toml (all empty when it has none)."""

    sources: tuple[SourceRecord, ...] = ()
    products: tuple[ProductRecord, ...] = ()
    indications: tuple[IndicationRecord, ...] = ()


def dated(value: object) -> Literal | None:
    """A date as precise as given: xsd:date, xsd:gYearMonth or xsd:gYear; None if malformed."""
    if isinstance(value, datetime.datetime):
        return None
    if isinstance(value, datetime.date):
        return Literal(value.isoformat(), datatype=XSD.date)
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str):
        return None
    for pattern, datatype in DATE_FORMATS:
        if pattern.match(text):
            if datatype == XSD.date:
                try:
                    datetime.date.fromisoformat(text)
                except ValueError:
                    return None
            return Literal(text, datatype=datatype)
    return None


def _check_fields(
    raw: Mapping[str, Any],
    fields: Mapping[str, tuple[tuple[type, ...], bool]],
    where: str,
    problems: Problems,
) -> bool:
    ok = True
    for name, (_, required) in fields.items():
        if required and name not in raw:
            problems.add(where, f"missing field '{name}'", f"Add {name} = ... to the record.")
            ok = False
    for name, value in raw.items():
        if name not in fields:
            known = ", ".join(fields)
            problems.add(where, f"unknown field '{name}'", f"Use one of: {known}.")
            ok = False
            continue
        kinds = fields[name][0]
        if isinstance(value, bool) or not isinstance(value, kinds):
            names = " or ".join(kind.__name__ for kind in kinds)
            problems.add(where, f"field '{name}' must be a {names}", "Fix its value.")
            ok = False
        elif isinstance(value, list) and not all(isinstance(item, str) for item in value):
            problems.add(where, f"field '{name}' must be a list of strings", "Fix its items.")
            ok = False
        elif isinstance(value, str) and not value.strip():
            problems.add(where, f"field '{name}' is empty", "Give a value or leave it out.")
            ok = False
    return ok


def _date_field(raw: Mapping[str, Any], name: str, where: str, problems: Problems) -> Any:
    if name not in raw:
        return None
    value = dated(raw[name])
    if value is None:
        problems.add(
            where,
            f"bad date {name} = {raw[name]!r}",
            "Write it as the source gives it: 'YYYY-MM-DD', 'YYYY-MM' or 'YYYY'.",
        )
    return value


def _check_slug(slug: str, where: str, seen: dict[str, str], problems: Problems) -> None:
    if not SLUG.match(slug):
        problems.add(where, "slug must be lowercase words joined by hyphens", "e.g. 'privigen'.")
    if slug in seen:
        problems.add(where, "duplicate slug", f"{seen[slug]} has it already.")
    seen.setdefault(slug, where)


def _slugs(raw_records: list[Any], key: str = "slug") -> frozenset[str]:
    """Every slug the file names, broken records included (so one error is reported once)."""
    return frozenset(raw[key] for raw in raw_records if isinstance(raw.get(key), str))


def _check_cited(
    cited: Iterable[str], known: frozenset[str], where: str, problems: Problems
) -> tuple[str, ...]:
    cited = tuple(cited)
    if not cited:
        problems.add(where, "cites no source", "List the [[source]] slugs it comes from.")
    for slug in cited:
        if slug not in known:
            problems.add(where, f"unknown source slug '{slug}'", "Add a [[source]] with it.")
    return cited


def _read_sources(raw_records: list[Any], problems: Problems) -> dict[str, SourceRecord]:
    records: dict[str, SourceRecord] = {}
    seen: dict[str, str] = {}
    for index, raw in enumerate(raw_records):
        where = f"source #{index + 1} (slug {raw.get('slug', '?')!r})"
        if not _check_fields(raw, SOURCE_FIELDS, where, problems):
            continue
        _check_slug(raw["slug"], where, seen, problems)
        if not URL.match(raw["url"]):
            problems.add(where, f"bad url {raw['url']!r}", "Give the http(s) address read.")
        if raw["kind"] not in DOCUMENT_KINDS:
            problems.add(
                where, f"unknown kind '{raw['kind']}'", f"Use one of {sorted(DOCUMENT_KINDS)}."
            )
        date = _date_field(raw, "date", where, problems)
        if "date" not in raw and not raw.get("note"):
            problems.add(
                where, "has no date and no note", "Say in a note that the page states none."
            )
        if date is not None or "date" not in raw:
            fields = {k: raw[k] for k in ("slug", "url", "title", "publisher", "kind")}
            records[raw["slug"]] = SourceRecord(**fields, date=date, note=raw.get("note"))
    return records


def _read_product_records(
    raw_records: list[Any], known_sources: frozenset[str], problems: Problems
) -> dict[str, ProductRecord]:
    records: dict[str, ProductRecord] = {}
    seen: dict[str, str] = {}
    for index, raw in enumerate(raw_records):
        where = f"product #{index + 1} (slug {raw.get('slug', '?')!r})"
        if not _check_fields(raw, PRODUCT_FIELDS, where, problems):
            continue
        _check_slug(raw["slug"], where, seen, problems)
        routes = (raw["route"],) if isinstance(raw["route"], str) else tuple(raw["route"])
        if not routes:
            problems.add(where, "gives no route", f"Use one or more of {sorted(ROUTES)}.")
        for route in routes:
            if route not in ROUTES:
                problems.add(where, f"bad route '{route}'", f"Use one of {sorted(ROUTES)}.")
        cited = _check_cited(raw["sources"], known_sources, where, problems)
        records[raw["slug"]] = ProductRecord(
            slug=raw["slug"],
            name=raw["name"],
            routes=routes,
            sources=cited,
            manufacturer=raw.get("manufacturer"),
            concentration=raw.get("concentration"),
            first_licensed=_date_field(raw, "first_licensed", where, problems),
            note=raw.get("note"),
        )
    return records


def _indication_iri(product: str, condition: str | None, taken: Counter[str]) -> URIRef:
    """``…/labelled-indication/<product>/<condition>``; repeats and unmatched ones are numbered."""
    stem = f"{product}/{condition or 'unmatched'}"
    taken[stem] += 1
    if condition is not None and taken[stem] == 1:
        return LABELLED_INDICATION[stem]
    return LABELLED_INDICATION[f"{stem}-{taken[stem]}"]


def _read_indications(
    raw_records: list[Any],
    products: frozenset[str],
    known_sources: frozenset[str],
    conditions: frozenset[str],
    problems: Problems,
) -> list[IndicationRecord]:
    records: list[IndicationRecord] = []
    taken: Counter[str] = Counter()
    for index, raw in enumerate(raw_records):
        where = (
            f"indication #{index + 1} (product {raw.get('product', '?')!r}, "
            f"condition {raw.get('condition', '-')!r})"
        )
        if not _check_fields(raw, INDICATION_FIELDS, where, problems):
            continue
        if raw["product"] not in products:
            problems.add(where, f"unknown product slug '{raw['product']}'", "Add the [[product]].")
        condition = raw.get("condition")
        if condition is not None and condition not in conditions:
            problems.add(
                where,
                f"unknown condition slug '{condition}'",
                "Use a slug from data/conditions.toml, or omit condition and say why in a note.",
            )
        if condition is None and "note" not in raw:
            problems.add(where, "has no condition and no note", "Say why no condition matches.")
        if raw["intent"] not in INTENTS:
            problems.add(
                where, f"unknown intent '{raw['intent']}'", f"Use one of {sorted(INTENTS)}."
            )
        kind = raw.get("kind")
        if kind is not None and kind not in INDICATION_KINDS:
            problems.add(where, f"unknown kind '{kind}'", f"Use one of {sorted(INDICATION_KINDS)}.")
        cited = _check_cited(raw["sources"], known_sources, where, problems)
        records.append(
            IndicationRecord(
                iri=_indication_iri(raw["product"], condition, taken),
                product=raw["product"],
                intent=raw["intent"],
                definition=raw["definition"],
                sources=cited,
                condition=condition,
                population=raw.get("population"),
                approved=_date_field(raw, "approved", where, problems),
                kind=kind,
                note=raw.get("note"),
            )
        )
    return records


def read_products(sources: Sources, conditions: Iterable[str]) -> ProductData:
    """Read and check data/products.toml against the conditions' slugs (no file: no products)."""
    path: Path = sources.data / FILE_NAME
    if not path.is_file():
        return ProductData()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CurationError(f"{path} is not valid TOML: {error}") from error
    problems = Problems()
    for table in sorted(set(document) - {"source", "product", "indication"}):
        problems.add(
            str(path), f"unknown table '{table}'", "Use [[source]], [[product]] or [[indication]]."
        )
    raw_sources, raw_products = document.get("source", []), document.get("product", [])
    source_records = _read_sources(raw_sources, problems)
    products = _read_product_records(raw_products, _slugs(raw_sources), problems)
    indications = _read_indications(
        document.get("indication", []),
        _slugs(raw_products),
        _slugs(raw_sources),
        frozenset(conditions),
        problems,
    )
    problems.raise_if_any(path)
    return ProductData(tuple(source_records.values()), tuple(products.values()), tuple(indications))


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
