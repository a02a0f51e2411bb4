"""Bar charts of the uses by approval status, category and mechanism, from the manifest's counts.

Only geometry and words are computed here; the SVG is written by a template. Each bar links to
the condition list filtered to exactly the conditions it counts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ivig_graph.web.views.browse import NONE

MANIFEST_KEY = "(none)"
# manifest section, list filter, title, what "(none)" means there
CHARTS: tuple[tuple[str, str, str, str], ...] = (
    ("per_status", "status", "Uses by approval status", "No status"),
    ("per_category", "category", "Uses by category (the source's group headings)", "No category"),
    ("per_mechanism", "mechanism", "Uses by mechanism", "Not stated (unclear)"),
)
MAX_BAR = 80.0  # percent of the width the longest bar takes; the rest is left for its count


@dataclass(frozen=True)
class Bar:
    key: str  # the list filter's value
    label: str
    count: int
    width: float  # percent of the chart's width

    @property
    def description(self) -> str:
        return f"{self.label}: {self.count} condition{'s' if self.count != 1 else ''}"


@dataclass(frozen=True)
class Chart:
    facet: str  # the list filter each bar sets
    title: str
    bars: tuple[Bar, ...]

    @property
    def total(self) -> int:
        return sum(bar.count for bar in self.bars)

    @property
    def summary(self) -> str:
        return "; ".join(bar.description for bar in self.bars) + "."


def charts(
    counts: Mapping[str, Mapping[str, int]], label_of: Callable[[str, str], str]
) -> tuple[Chart, ...]:
    """One chart per facet; ``label_of(facet, key)`` names a bar, largest bars first."""
    result = []
    for section, facet, title, none_label in CHARTS:
        values = dict(counts.get(section, {}))
        if not values:
            continue
        largest = max(values.values()) or 1
        ordered = sorted(values.items(), key=lambda item: (item[0] == MANIFEST_KEY, -item[1]))
        bars = tuple(
            Bar(
                key=NONE if key == MANIFEST_KEY else key,
                label=none_label if key == MANIFEST_KEY else label_of(facet, key),
                count=count,
                width=round(MAX_BAR * count / largest, 2),
            )
            for key, count in ordered
        )
        result.append(Chart(facet, title, bars))
    return tuple(result)
