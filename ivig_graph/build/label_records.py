"""The records of data/products.toml: U.S. product labels as dated, sourced statements.

The file holds three kinds of record (its header comment documents every field): ``[[source]]``
(a public page actually read), ``[[product]]`` (a licensed immune globulin brand) and
``[[indication]]`` (one indication on one product's label, linked to the article's condition it
matches). This module holds their fields and record types; ``label_checks`` reads and checks
them, ``label_triples`` compiles them.

Nothing here touches what the graph says the article says: labels use ``ivig:labelledCondition``
and the build derives ``ivig:currentApprovalStatus`` from them (see ``reason``).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass

from rdflib import XSD, Literal, URIRef

from ivig_graph.vocab import IVIG, PRODUCT, SOURCE

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
