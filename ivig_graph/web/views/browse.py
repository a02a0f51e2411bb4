"""The condition list: facets (status, category, mechanism, intent), filters and name search.

Filter values are the keys the build's manifest counts by (``FDAApproved``, ``blood-disorders``,
``ImmuneSuppression``, ``Treatment``), and ``none`` for conditions without a category or without a
mechanism, so a chart bar and a list filter name the same set. Search matches any name of a
condition (preferred, the article's wording, other names such as old eponyms), ignoring case,
accents and the kind of apostrophe: "wegener" finds granulomatosis with polyangiitis.

When no name contains the text, search forgives (``ivig_graph.web.views.search``).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ivig_graph.web.views.model import Condition, Ref
from ivig_graph.web.views.search import Hit, matching

NONE = "none"
MAX_SEARCH_LENGTH = 200


@dataclass(frozen=True)
class Option:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Facet:
    name: str  # the URL parameter
    label: str
    options: tuple[Option, ...]

    def label_of(self, key: str) -> str:
        return next((option.label for option in self.options if option.key == key), key)


# parameter, heading, what a condition has for it, the label of "none" (None: every one has one)
FacetSpec = tuple[str, str, Callable[[Condition], Sequence[Ref]], str | None]
FACETS: tuple[FacetSpec, ...] = (
    ("status", "Approval status", lambda c: (c.status,) if c.status else (), None),
    ("category", "Category", lambda c: c.categories, "No category"),
    ("mechanism", "Mechanism", lambda c: c.mechanisms, "Not stated (unclear)"),
    ("intent", "Intent", lambda c: (c.intent,) if c.intent else (), None),
)


def facets(
    conditions: Sequence[Condition], order: Mapping[str, int] | None = None
) -> tuple[Facet, ...]:
    """Every facet with its values and how many conditions have each; ``order`` ranks keys."""
    result = []
    for name, label, values_of, none_label in FACETS:
        counts: Counter[str] = Counter()
        labels: dict[str, str] = {}
        for condition in conditions:
            values = values_of(condition)
            for ref in values:
                counts[ref.key] += 1
                labels[ref.key] = ref.label
            if not values and none_label is not None:
                counts[NONE] += 1
                labels[NONE] = none_label
        rank = order or {}
        keys = sorted(counts, key=lambda k: (k == NONE, rank.get(k, 1_000_000), labels[k]))
        options = tuple(Option(key, labels[key], counts[key]) for key in keys)
        result.append(Facet(name, label, options))
    return tuple(result)


# The orders the list can be sorted in: URL value, heading of the column it sorts
SORTS: tuple[tuple[str, str], ...] = (
    ("name", "Condition"),
    ("status", "Approval status"),
    ("category", "Category"),
    ("mechanism", "Mechanism"),
)
DEFAULT_SORT = "name"


@dataclass(frozen=True)
class Selection:
    """What the list is filtered by: a key per facet (or None), the search text, the order."""

    filters: tuple[tuple[str, str], ...]  # (facet, key), in FACETS order
    text: str | None
    sort: str = DEFAULT_SORT

    @classmethod
    def from_args(
        cls, args: Mapping[str, str], known: Sequence[Facet]
    ) -> tuple[Selection, list[str]]:
        """The selection in URL arguments, and a message for each value that names nothing (the
        selection leaves it out)."""
        problems: list[str] = []
        filters: list[tuple[str, str]] = []
        for facet in known:
            value = (args.get(facet.name) or "").strip()
            if not value:
                continue
            if any(option.key == value for option in facet.options):
                filters.append((facet.name, value))
            else:
                problems.append(f"No {facet.label.lower()} {value!r}.")
        text = " ".join((args.get("q") or "").split())[:MAX_SEARCH_LENGTH] or None
        sort = (args.get("sort") or "").strip() or DEFAULT_SORT
        if sort not in dict(SORTS):
            problems.append(f"No order {sort!r}: use one of {', '.join(dict(SORTS))}.")
            sort = DEFAULT_SORT
        return cls(tuple(filters), text, sort), problems

    def summary(self, known: Sequence[Facet]) -> str:
        """In words, for titles: "Approval status: FDA-approved · Name: wegener"."""
        labels = {facet.name: facet for facet in known}
        parts = [
            f"{labels[name].label}: {labels[name].label_of(key)}"
            for name, key in self.filters
            if name in labels
        ]
        if self.text is not None:
            parts.append(f"Name: \u201c{self.text}\u201d")
        return " \u00b7 ".join(parts)

    def value(self, facet: str) -> str | None:
        return dict(self.filters).get(facet)

    @property
    def empty(self) -> bool:
        return not self.filters and self.text is None

    def without(self, facet: str) -> dict[str, str]:
        """URL arguments of this selection with one filter (or ``q``, or ``sort``) removed."""
        args = {name: key for name, key in self.filters if name != facet}
        if self.text is not None and facet != "q":
            args["q"] = self.text
        if self.sort != DEFAULT_SORT and facet != "sort":
            args["sort"] = self.sort
        return args

    def sorted_by(self, sort: str) -> dict[str, str]:
        """URL arguments of this selection in another order."""
        args = self.without("sort")
        if sort != DEFAULT_SORT:
            args["sort"] = sort
        return args

    @property
    def args(self) -> dict[str, str]:
        """URL arguments of this selection."""
        return self.sorted_by(self.sort)


def select(conditions: Iterable[Condition], selection: Selection) -> list[Hit]:
    """The conditions that pass every filter and whose names match the search text: names that
    contain it, else names whose initials are it or that are spelled like it."""
    wanted = dict(selection.filters)
    passing = [
        condition
        for condition in conditions
        if all(_passes(condition, facet, key) for facet, key in wanted.items())
    ]
    if not selection.text:
        return [Hit(condition, None) for condition in passing]
    return matching(passing, selection.text)


def ordered(hits: Sequence[Hit], sort: str, known: Sequence[Facet]) -> list[Hit]:
    """``hits`` (in name order) sorted by ``sort``: a facet's values in the order the filters list
    them, conditions without a value last, ties by name."""
    if sort == DEFAULT_SORT:
        return list(hits)
    facet = next(f for f in known if f.name == sort)
    rank = {option.key: index for index, option in enumerate(facet.options)}
    values_of = next(spec[2] for spec in FACETS if spec[0] == sort)
    last = len(rank)

    def key(hit: Hit) -> tuple[int, ...]:
        values = values_of(hit.condition)
        return tuple(sorted(rank.get(ref.key, last) for ref in values)) or (rank.get(NONE, last),)

    return sorted(hits, key=key)


def _passes(condition: Condition, facet: str, key: str) -> bool:
    values_of = next(spec[2] for spec in FACETS if spec[0] == facet)
    keys = {ref.key for ref in values_of(condition)}
    return not keys if key == NONE else key in keys


CSV_COLUMNS = (
    "condition",
    "iri",
    "approval_status",
    "categories",
    "mechanisms",
    "intent",
    "matched",
)


def to_csv(hits: Iterable[Hit]) -> str:
    """The listed conditions as CSV (RFC 4180, a header row): one row per condition, several
    categories or mechanisms joined by "; ", the reason a search listed it in ``matched``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for hit in hits:
        c = hit.condition
        writer.writerow(
            (
                c.name,
                c.iri,
                c.status.label if c.status else "",
                "; ".join(ref.label for ref in c.categories),
                "; ".join(ref.label for ref in c.mechanisms),
                c.intent.label if c.intent else "",
                hit.reason or "",
            )
        )
    return out.getvalue()
