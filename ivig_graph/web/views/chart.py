"""Bar charts of the uses by approval status, category and mechanism, from the manifest's counts.

Only geometry and words are computed here; the SVG is written by a template. Each bar links to
the condition list filtered to exactly the conditions it counts. Charts shown side by side share
one scale (``Axis``), so that 96 and 39 never draw as bars of the same length, and each draws
that axis with its ticks.
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
PLOT_WIDTH = 85.0  # percent of the chart's width the axis spans; the rest is left for counts
MAX_TICKS = 6


@dataclass(frozen=True)
class Bar:
    key: str  # the list filter's value
    label: str
    count: int
    width: float  # percent of the chart's width

    @property
    def description(self) -> str:
        return f"{self.label}: {self.count} condition{'s' if self.count != 1 else ''}"

    @property
    def accessible_name(self) -> str:
        """The words on the bar, then what the number counts (the visible text comes first, as
        WCAG's "label in name" asks)."""
        return f"{self.label} {self.count} condition{'s' if self.count != 1 else ''}"


@dataclass(frozen=True)
class Tick:
    value: int
    position: float  # percent of the chart's width


@dataclass(frozen=True)
class Axis:
    """A count axis from 0 to ``maximum``, spanning ``PLOT_WIDTH`` percent of a chart."""

    maximum: int
    ticks: tuple[Tick, ...]

    @classmethod
    def up_to(cls, largest: int) -> Axis:
        """The axis for counts up to ``largest``: ticks at a round step (1, 2 or 5 times a power
        of ten), the last tick at or above ``largest``."""
        step = 1
        while -(-max(largest, 1) // step) > MAX_TICKS - 1:
            step = _next_round(step)
        top = -(-max(largest, 1) // step) * step
        ticks = tuple(Tick(v, round(PLOT_WIDTH * v / top, 2)) for v in range(0, top + 1, step))
        return cls(top, ticks)

    def position(self, count: int) -> float:
        return round(PLOT_WIDTH * count / self.maximum, 2)


def _next_round(step: int) -> int:
    """1, 2, 5, 10, 20, 50, ..."""
    return step * 5 // 2 if str(step).startswith("2") else step * 2


@dataclass(frozen=True)
class Chart:
    facet: str  # the list filter each bar sets
    title: str
    bars: tuple[Bar, ...]
    axis: Axis
    filters: tuple[tuple[str, str], ...] = ()  # list filters every bar keeps (a category's)

    def args(self, bar: Bar) -> dict[str, str]:
        """The list filters of the conditions ``bar`` counts."""
        return {**dict(self.filters), self.facet: bar.key}

    @property
    def total(self) -> int:
        return sum(bar.count for bar in self.bars)

    @property
    def summary(self) -> str:
        return "; ".join(bar.description for bar in self.bars) + "."


def charts(
    counts: Mapping[str, Mapping[str, int]],
    label_of: Callable[[str, str], str],
    filters: tuple[tuple[str, str], ...] = (),
) -> tuple[Chart, ...]:
    """One chart per facet counted, all on one axis; ``label_of(facet, key)`` names a bar,
    largest bars first; every bar links to the list with ``filters`` and its own."""
    sections = [(spec, dict(counts.get(spec[0], {}))) for spec in CHARTS]
    sections = [(spec, values) for spec, values in sections if values]
    axis = Axis.up_to(max((max(values.values()) for _, values in sections), default=1))
    return tuple(
        chart(values, facet, title, none_label, label_of, axis, filters)
        for (_, facet, title, none_label), values in sections
    )


def chart(
    values: Mapping[str, int],
    facet: str,
    title: str,
    none_label: str,
    label_of: Callable[[str, str], str],
    axis: Axis | None = None,
    filters: tuple[tuple[str, str], ...] = (),
) -> Chart:
    """A chart of ``values`` (keyed as the manifest keys them) on ``axis``, or on its own."""
    axis = axis or Axis.up_to(max(values.values(), default=1))
    ordered = sorted(values.items(), key=lambda item: (item[0] == MANIFEST_KEY, -item[1]))
    bars = tuple(
        Bar(
            key=NONE if key == MANIFEST_KEY else key,
            label=none_label if key == MANIFEST_KEY else label_of(facet, key),
            count=count,
            width=axis.position(count),
        )
        for key, count in ordered
    )
    return Chart(facet, title, bars, axis, filters)
