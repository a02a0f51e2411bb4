"""Content negotiation: a serialization from ``Accept`` (q-values, wildcards) or ``format=``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..engine import ResultFormat
from ..errors import NotAcceptable, UnknownFormat


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    quality: float

    def specificity(self, media_type: str) -> int:
        """-1 if this range does not match ``media_type``; else 0 (*/*), 1 (type/*) or 2."""
        main, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0 if self.subtype == "*" else -1
        if self.type != main:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; malformed entries are skipped, none means */*."""
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    ranges = []
    for entry in header.split(","):
        media, *params = (part.strip() for part in entry.split(";"))
        main, slash, sub = media.lower().partition("/")
        if not slash or not main or not sub:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranges.append(MediaRange(main, sub, quality))
    return ranges


def _match(ranges: Sequence[MediaRange], media_type: str) -> tuple[int, float]:
    """(specificity, quality) of the most specific range matching ``media_type``, or (-1, 0)."""
    best = (-1, 0.0)
    for media_range in ranges:
        specificity = media_range.specificity(media_type)
        if specificity >= 0:
            best = max(best, (specificity, media_range.quality))
    return best


def _preference(ranges: Sequence[MediaRange], fmt: ResultFormat) -> tuple[float, bool]:
    """The client's quality for a format, and whether it came from the format's own media type.

    The quality is decided by the most specific range naming any of the format's media types,
    so ``application/sparql-results+json;q=0`` is not undone by ``*/*``; at equal quality a
    format matched by its canonical type beats one matched by an alias (``text/*`` means CSV,
    not XML results as ``text/xml``).
    """
    matches = [
        (*_match(ranges, media_type), index == 0)
        for index, media_type in enumerate(fmt.media_types)
    ]
    specificity, quality, canonical = max(matches)
    if specificity < 0:
        return 0.0, False
    return quality, canonical


def negotiate(accept: str | None, offered: Sequence[ResultFormat]) -> ResultFormat:
    """The offered format the client prefers; ties go to the order of ``offered``."""
    ranges = parse_accept(accept)
    best: ResultFormat | None = None
    best_preference = (0.0, False)
    for fmt in offered:
        preference = _preference(ranges, fmt)
        if preference[0] > 0 and preference > best_preference:
            best, best_preference = fmt, preference
    if best is None:
        raise NotAcceptable(
            "None of the media types in Accept can represent this answer; this endpoint offers "
            + ", ".join(fmt.media_type for fmt in offered)
            + "."
        )
    return best


def by_format_parameter(
    value: str, offered: Sequence[ResultFormat], known: Sequence[ResultFormat]
) -> ResultFormat:
    """The format named by ``format=`` (a short name such as ``csv`` or a media type)."""
    wanted = value.strip().lower()
    media_type = wanted.split(";")[0].strip()

    def matches(fmt: ResultFormat) -> bool:
        return wanted in fmt.names or media_type in fmt.media_types

    for fmt in offered:
        if matches(fmt):
            return fmt
    if any(matches(fmt) for fmt in known):
        raise NotAcceptable(
            f"format={value!r} cannot represent this answer; use one of "
            + ", ".join(fmt.names[0] for fmt in offered)
            + "."
        )
    raise UnknownFormat(
        f"Unknown format={value!r}; use one of "
        + ", ".join(sorted({name for fmt in known for name in fmt.names[:1]}))
        + " or a media type."
    )
