"""Content negotiation, the one rule for every route: which offered format an ``Accept`` prefers.

Werkzeug parses the header (``parse_accept_header`` into a ``MIMEAccept``: q-values, malformed
entries dropped, ranges sorted most specific first) and matches media ranges. On top of it, one
rule, the same on ``/sparql`` and on linked-data paths:

* a format's quality is that of the most specific range matching any of its media types, so
  ``application/sparql-results+json;q=0`` is not undone by ``*/*`` matching its alias
  ``application/json``;
* the highest quality wins; then the format matched by the more specific range (``text/html``
  beats ``*/*``); then the one matched by its own media type rather than an alias (``text/*``
  means CSV, not XML results as ``text/xml``); then the order offered, which puts RDF before
  HTML so that ``*/*`` (or no ``Accept``) gets data and a browser gets a page.

Media-type parameters other than ``q`` are ignored (``text/turtle;charset=utf-8`` is Turtle).
"""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from ivig_graph import formats
from ivig_graph.errors import NotAcceptable, UnknownFormat
from ivig_graph.formats import Format

Rank = tuple[float, int, bool, int]


def _accept(header: str | None) -> MIMEAccept:
    if header is None or not header.strip():
        return MIMEAccept([("*/*", 1)])
    parsed = parse_accept_header(header, MIMEAccept)
    return MIMEAccept([(value.split(";")[0].strip(), quality) for value, quality in parsed])


def _specificity(media_range: str) -> int:
    main, _, sub = media_range.partition("/")
    return 0 if main == "*" else 1 if sub == "*" else 2


def _rank(accept: MIMEAccept, fmt: Format, position: int) -> Rank | None:
    """How much the client wants ``fmt``, or None if not at all (see the module's rule)."""
    best: tuple[int, bool, float] | None = None
    for index, media_type in enumerate(fmt.media_types):
        found = accept.find(media_type)  # the most specific matching range: accept is sorted
        if found < 0:
            continue
        media_range, quality = accept[found]
        match = (_specificity(media_range), index == 0, quality)
        if best is None or match[:2] > best[:2]:
            best = match
    if best is None or best[2] <= 0:
        return None
    specificity, canonical, quality = best
    return quality, specificity, canonical, -position


def negotiate(accept_header: str | None, offers: Sequence[Format]) -> Format | None:
    """The offered format the client prefers, or None if it accepts none of them."""
    accept = _accept(accept_header)
    ranked = [
        (rank, fmt)
        for position, fmt in enumerate(offers)
        if (rank := _rank(accept, fmt, position)) is not None
    ]
    return max(ranked, key=lambda pair: pair[0])[1] if ranked else None


def negotiate_or_refuse(accept_header: str | None, offers: Sequence[Format]) -> Format:
    """``negotiate``, raising ``NotAcceptable`` (naming what is offered) when nothing is."""
    chosen = negotiate(accept_header, offers)
    if chosen is None:
        raise NotAcceptable(
            "None of the media types in Accept can represent this answer; this endpoint offers "
            + ", ".join(fmt.media_type for fmt in offers)
            + "."
        )
    return chosen


def by_format_parameter(
    value: str, offered: Sequence[Format], known: Sequence[Format] = formats.ALL
) -> Format:
    """The format named by ``format=`` (a short name such as ``csv`` or a media type)."""
    chosen = formats.by_name(value, offered)
    if chosen is not None:
        return chosen
    if formats.by_name(value, known) is not None:
        raise NotAcceptable(
            f"format={value!r} cannot represent this answer; use one of "
            + ", ".join(fmt.name for fmt in offered)
            + "."
        )
    raise UnknownFormat(
        f"Unknown format={value!r}; use one of "
        + ", ".join(sorted(fmt.name for fmt in known))
        + " or a media type."
    )


def content_type(media_type: str) -> str:
    """The ``Content-Type`` of an answer in ``media_type``: text says its charset (UTF-8)."""
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type
