"""Choosing between HTML for people and RDF for machines, by ``Accept`` or by a file suffix.

The rule: the offered representation with the highest quality in ``Accept`` wins; at equal
quality the one named most specifically (``text/html`` beats ``*/*``); then the order offered,
which puts RDF first so that a client sending ``*/*`` (or nothing) gets data, not a page. A
browser (``text/html,...,*/*;q=0.8``) gets HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

from .negotiation import parse_accept

HTML_TYPES = ("text/html", "application/xhtml+xml")

Offer = tuple[str, tuple[str, ...]]  # a key and the media types that select it


def choose(accept: str | None, offered: Sequence[Offer]) -> str | None:
    """The key of the offered representation the client prefers, or None if none is acceptable."""
    ranges = parse_accept(accept)
    best: tuple[float, int, int] | None = None
    chosen: str | None = None
    for position, (key, media_types) in enumerate(offered):
        for media_type in media_types:
            matches = [
                (r.specificity(media_type), r.quality)
                for r in ranges
                if r.specificity(media_type) >= 0
            ]
            if not matches:
                continue
            specificity, quality = max(matches)  # the most specific range decides the quality
            if quality <= 0:
                continue
            rank = (quality, specificity, -position)
            if best is None or rank > best:
                best, chosen = rank, key
    return chosen


def prefers_html(accept: str | None, alternatives: Sequence[Offer]) -> bool:
    """Whether the client prefers HTML to every one of ``alternatives``."""
    return choose(accept, [*alternatives, ("html", HTML_TYPES)]) == "html"
