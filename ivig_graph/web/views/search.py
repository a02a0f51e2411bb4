"""Name search that forgives: what a condition's names match, and "did you mean".

A name matches when it contains the text (case, accents and the kind of apostrophe folded:
``normalize``); when none does, a short word is tried as the initials of each name ("GBS":
Guillain-Barré syndrome; derived mechanically, only for matching, never shown as a name the
data has), then as a misspelling of a name or of a run of its words ("kawasky": Kawasaki
disease, by difflib's similarity ratio). ``suggest`` names the closest conditions when even that
finds nothing.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from ivig_graph.web.views.model import Condition

SPELLING_CUTOFF = 0.75  # difflib ratio for a misspelling to count as a match ("kawasky": 0.8)
SUGGESTION_CUTOFF = 0.5  # and for a "did you mean" when nothing matches
MAX_SUGGESTIONS = 5
MIN_FUZZY_LENGTH = 4  # shorter text is only matched as written or as initials
INITIALISM_LENGTH = range(2, 9)
MINOR_WORDS = frozenset({"a", "an", "and", "by", "for", "in", "of", "or", "the", "to", "with"})
# How a hit matched: a name contains the text, its initials are the text, or it is spelled like it
CONTAINS, INITIALS, SPELLING = "contains", "initials", "spelling"


@dataclass(frozen=True)
class Hit:
    condition: Condition
    matched_name: str | None  # the name the search matched, when it is not the preferred one
    how: str = CONTAINS  # CONTAINS, INITIALS or SPELLING
    name: str | None = None  # the name matched (any, the preferred one too)

    @property
    def reason(self) -> str | None:
        """Why a row is listed, when the preferred name does not say it."""
        if self.how == INITIALS:
            return f"initials of \u201c{self.name}\u201d"
        if self.how == SPELLING:
            return f"spelled like \u201c{self.name}\u201d"
        return f"matched \u201c{self.matched_name}\u201d" if self.matched_name else None


def matching(conditions: list[Condition], text: str) -> list[Hit]:
    """The conditions whose names contain ``text``, else whose initials are it, else that are
    spelled like it."""
    needle = normalize(text)
    found = [hit for hit in (_contains(c, needle) for c in conditions) if hit is not None]
    if found or not needle:
        return found
    by_initials = [hit for hit in (_initials(c, needle) for c in conditions) if hit is not None]
    if by_initials:
        return by_initials
    if len(needle) < MIN_FUZZY_LENGTH:
        return []
    scored = [(_closest(c, needle), c) for c in conditions]
    return [
        Hit(condition, _other(condition, name), SPELLING, name)
        for (score, name), condition in scored
        if score >= SPELLING_CUTOFF
    ]


def suggest(conditions: Iterable[Condition], text: str) -> list[Condition]:
    """The conditions whose names are spelled most like ``text``, closest first."""
    needle = normalize(text)
    if not needle:
        return []
    scored = [(_closest(condition, needle)[0], condition) for condition in conditions]
    ranked = sorted(
        ((score, c) for score, c in scored if score >= SUGGESTION_CUTOFF),
        key=lambda item: (-item[0], item[1].name.casefold()),
    )
    return [condition for _, condition in ranked[:MAX_SUGGESTIONS]]


def _other(condition: Condition, name: str) -> str | None:
    return None if name == condition.name else name


def _contains(condition: Condition, needle: str) -> Hit | None:
    matched = next((name for name in condition.names if needle in normalize(name)), None)
    if matched is None:
        return None
    return Hit(condition, _other(condition, matched), CONTAINS, matched)


def _initials(condition: Condition, needle: str) -> Hit | None:
    if len(needle) not in INITIALISM_LENGTH or not needle.isalnum():
        return None
    for name in condition.names:
        if needle in initialisms(name):
            return Hit(condition, _other(condition, name), INITIALS, name)
    return None


def initialisms(name: str) -> set[str]:
    """The initials of a name, with and without its minor words: "Guillain-Barré syndrome" ->
    {"gbs"}; "granulomatosis with polyangiitis" -> {"gwp", "gp"}. Only ever used to match."""
    words = [word for word in normalize(name).replace("/", " ").split() if word[:1].isalnum()]
    every = "".join(word[0] for word in words)
    major = "".join(word[0] for word in words if word not in MINOR_WORDS)
    return {every, major} if len(words) > 1 else set()


def _closest(condition: Condition, needle: str) -> tuple[float, str]:
    """The best similarity of ``needle`` to any name of ``condition`` or any run of as many of
    its words, and that name."""
    width = len(needle.split())
    best = (0.0, condition.name)
    for name in condition.names:
        words = normalize(name).split()
        runs = {" ".join(words[i : i + width]) for i in range(max(len(words) - width + 1, 1))}
        runs.add(" ".join(words))
        for run in runs:
            score = difflib.SequenceMatcher(None, needle, run).ratio()
            if score > best[0]:
                best = (score, name)
    return best


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
