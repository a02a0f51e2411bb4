"""The category pages: each category's conditions with their status and mechanism, and charts of
them; and the list of every category.

Counts are taken from the conditions the catalog holds (the same ones the condition list filters),
so a category page, its charts and ``/conditions?category=<key>`` always agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from ivig_graph.web.views.browse import Facet
from ivig_graph.web.views.chart import MANIFEST_KEY, Chart, charts
from ivig_graph.web.views.model import Category, Condition


@dataclass(frozen=True)
class CategoryView:
    category: Category
    conditions: tuple[Condition, ...]  # its members, by name
    charts: tuple[Chart, ...]  # by approval status and by mechanism, on one axis
    query: str  # a SPARQL query listing them, for the editor

    @property
    def key(self) -> str:
        return self.category.ref.key


def category_view(
    category: Category, by_iri: Mapping[str, Condition], known: Sequence[Facet]
) -> CategoryView:
    members = tuple(by_iri[ref.iri] for ref in category.members if ref.iri in by_iri)
    counts = {
        "per_status": _count(members, lambda c: (c.status.key,) if c.status else ()),
        "per_mechanism": _count(members, lambda c: tuple(ref.key for ref in c.mechanisms)),
    }
    filters = (("category", category.ref.key),)
    return CategoryView(
        category,
        members,
        charts(counts, _labeller(known), filters),
        members_query(category.ref.iri),
    )


def _count(
    conditions: Sequence[Condition], keys_of: Callable[[Condition], tuple[str, ...]]
) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for condition in conditions:
        counts.update(keys_of(condition) or (MANIFEST_KEY,))
    return dict(counts)


def _labeller(known: Sequence[Facet]) -> Callable[[str, str], str]:
    def label_of(facet: str, key: str) -> str:
        found = next((f for f in known if f.name == facet), None)
        return found.label_of(key) if found else key

    return label_of


def members_query(iri: str) -> str:
    """A query for the editor: the category's conditions, with status and mechanism.

    ``iri`` is one of our categories (checked against the dataset), written as a SPARQL IRI
    token by pyoxigraph, so the text cannot be broken by what it contains.
    """
    token = str(ox.NamedNode(iri))
    return (
        "# The conditions in this category, with their approval status and mechanism\n"
        "PREFIX ivig: <https://w3id.org/ivig/ontology#>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n\n"
        "SELECT ?condition ?name ?status ?mechanism WHERE {\n"
        f"  ?condition a ivig:Condition ;\n    ivig:category {token} ;\n"
        "    skos:prefLabel ?name .\n"
        "  OPTIONAL { ?condition ivig:approvalStatus ?status }\n"
        "  OPTIONAL { ?condition ivig:mechanism ?mechanism }\n"
        "}\n"
        "ORDER BY ?name ?mechanism\n"
    )


@dataclass(frozen=True)
class CategoryRow:
    """A line of the list of categories."""

    category: Category
    count: int
    per_status: tuple[tuple[str, str, int], ...]  # (key, label, count), in the filters' order


def category_rows(
    categories: Sequence[Category], by_iri: Mapping[str, Condition], known: Sequence[Facet]
) -> tuple[CategoryRow, ...]:
    status = next(f for f in known if f.name == "status")
    rows = []
    for category in categories:
        members = [by_iri[ref.iri] for ref in category.members if ref.iri in by_iri]
        counts = Counter(c.status.key for c in members if c.status)
        rows.append(
            CategoryRow(
                category,
                len(members),
                tuple((o.key, o.label, counts[o.key]) for o in status.options if counts[o.key]),
            )
        )
    return tuple(rows)
