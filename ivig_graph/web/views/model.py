"""The view data the pages show: plain frozen dataclasses, no RDF objects."""

from __future__ import annotations

from dataclasses import dataclass

from ivig_graph.dataset.explain import Explanation
from ivig_graph.web.views.links import compact, href, key_of


@dataclass(frozen=True)
class Ref:
    """A resource to link to: its IRI and what to call it."""

    iri: str
    label: str

    @property
    def key(self) -> str:
        """The last segment of the IRI: ``FDAApproved``, ``blood-disorders``."""
        return key_of(self.iri)

    @property
    def href(self) -> str | None:
        return href(self.iri)

    @property
    def compact(self) -> str:
        return compact(self.iri)


@dataclass(frozen=True)
class CrossReference:
    """A SKOS mapping to an ICD-10-CM code, with the code's official description."""

    relation: str  # exact | close | broad | narrow
    code: str
    description: str
    iri: str

    @property
    def relation_label(self) -> str:
        return {
            "exact": "Exact match",
            "close": "Close match",
            "broad": "Broader code",
            "narrow": "Narrower code",
        }[self.relation]


@dataclass(frozen=True)
class Condition:
    """Everything a person reads about one condition."""

    ref: Ref
    slug: str
    other_names: tuple[str, ...]  # every name but the preferred one: the article's, old eponyms
    source_label: str | None  # the article's own wording
    source_text: str | None  # the whole line of the article, verbatim
    source_line: int | None
    definition: str | None
    status: Ref | None
    intent: Ref | None
    categories: tuple[Ref, ...]
    mechanisms: tuple[Ref, ...]  # asserted or inferred
    kinds: tuple[Ref, ...]  # the asserted kinds of condition
    explanation: Explanation
    sources: tuple[Ref, ...]  # the lists of the source it came from
    cross_references: tuple[CrossReference, ...]
    cross_reference_notes: tuple[str, ...]  # why no (or which) ICD-10-CM code fits
    notes: tuple[str, ...]  # other editorial notes
    scope_notes: tuple[str, ...]
    indication: Ref | None
    names: tuple[str, ...]  # every name, for search

    @property
    def name(self) -> str:
        return self.ref.label

    @property
    def iri(self) -> str:
        return self.ref.iri


@dataclass(frozen=True)
class Category:
    ref: Ref
    scope_note: str | None
    source: Ref | None
    source_line: int | None
    members: tuple[Ref, ...]  # its conditions, by name


@dataclass(frozen=True)
class SourceList:
    """The source document, or one of its lists of uses."""

    ref: Ref
    title: str | None
    description: str | None
    part_of: Ref | None
    source_line: int | None
    members: tuple[Ref, ...]  # the conditions curated from it, by name


@dataclass(frozen=True)
class Fact:
    """One statement shown to a person: a property and a value, said in words."""

    property: Ref
    value: str
    link: Ref | None = None
