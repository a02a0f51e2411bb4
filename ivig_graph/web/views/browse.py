"""The condition list: facets (status, category, mechanism, intent), filters and name search.

Filter values are the keys the build's manifest counts by (``FDAApproved``, ``blood-disorders``,
``ImmuneSuppression``, ``Treatment``), and ``none`` for conditions without a category or without a
mechanism, so a chart bar and a list filter name the same set. Search matches any name of a
condition (preferred, the article's wording, other names such as old eponyms), ignoring case,
accents and the kind of apostrophe: "wegener" finds granulomatosis with polyangiitis.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ivig_graph.web.views.model import Condition, Ref

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


@dataclass(frozen=True)
class Selection:
    """What the list is filtered by: a key per facet (or None), and the search text."""

    filters: tuple[tuple[str, str], ...]  # (facet, key), in FACETS order
    text: str | None

    @classmethod
    def from_args(
        cls, args: Mapping[str, str], known: Sequence[Facet]
    ) -> tuple[Selection, list[str]]:
        """The selection in URL arguments, and a message for each value that names nothing."""
        problems: list[str] = []
        filters: list[tuple[str, str]] = []
        for facet in known:
            value = (args.get(facet.name) or "").strip()
            if not value:
                continue
            if any(option.key == value for option in facet.options):
                filters.append((facet.name, value))
            else:
                problems.append(f"No {facet.label.lower()} {value!r}: that filter was ignored.")
        text = " ".join((args.get("q") or "").split())[:MAX_SEARCH_LENGTH] or None
        return cls(tuple(filters), text), problems

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
        """URL arguments of this selection with one filter (or ``q``) removed."""
        args = {name: key for name, key in self.filters if name != facet}
        if self.text is not None and facet != "q":
            args["q"] = self.text
        return args


@dataclass(frozen=True)
class Hit:
    condition: Condition
    matched_name: str | None  # the name the search matched, when it is not the preferred one


def select(conditions: Iterable[Condition], selection: Selection) -> list[Hit]:
    """The conditions that pass every filter and whose names match the search text."""
    wanted = dict(selection.filters)
    needle = normalize(selection.text) if selection.text else None
    hits = []
    for condition in conditions:
        if not all(_passes(condition, facet, key) for facet, key in wanted.items()):
            continue
        if needle is None:
            hits.append(Hit(condition, None))
            continue
        matched = next((name for name in condition.names if needle in normalize(name)), None)
        if matched is not None:
            shown = None if matched == condition.name else matched
            hits.append(Hit(condition, shown))
    return hits


def _passes(condition: Condition, facet: str, key: str) -> bool:
    values_of = next(spec[2] for spec in FACETS if spec[0] == facet)
    keys = {ref.key for ref in values_of(condition)}
    return not keys if key == NONE else key in keys


def normalize(text: str) -> str:
    """Case, accents, apostrophes and dashes folded: "Wegener's" (any apostrophe) and "wegeners"
    compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        if char in "'\u2018\u2019\u02bc`":
            continue
        kept.append(" " if unicodedata.category(char) == "Pd" else char)
    return " ".join("".join(kept).split())
