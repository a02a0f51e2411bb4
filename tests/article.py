"""An independent reading of the source article's lists, for tests to compare the graph against.

It follows only the article's own structure (section sentences, group headings, "- " items) and
shares no code with ivig_graph.build.records, so a curation mistake cannot hide in both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ARTICLE = Path(__file__).parent.parent / "data" / "source" / "ivig-article.txt"

FDA_INTRO = "FDA-approved IVIG uses are for the treatment of following immune-related disorders:"
GUIDELINE_INTRO = "has outlined off-label IVIG uses that include:"
USEFUL_INTRO = (
    "Other conditions for which intravenous immunoglobulin therapy has been useful include:"
)
GUIDELINE_HEADINGS = {
    "Blood disorders": "blood-disorders",
    "Infections": "infections",
    "Neurological disorders": "neurological-disorders",
    "Rheumatologic conditions": "rheumatologic-conditions",
    "Pulmonary conditions": "pulmonary-conditions",
    "Other conditions": "other-conditions",
}
SUBLIST_HEADINGS = {"Blistering skin diseases such as:": "blistering-skin-diseases"}
NOT_ITEMS = {"Prevention of infection in conditions such as:"}
# Words by which an item says it is an infection ("Parvovirus infection", "middle ear infection") or
# names its pathogen ("Streptococcal toxic shock syndrome"). "Endotoxemia (toxins in the blood)"
# says neither, and "reactive arthritis from certain infections" is arthritis after an infection.
INFECTION_WORDS = re.compile(r"\b(?:infection|streptococcal)\b")


@dataclass(frozen=True)
class Use:
    line: int
    text: str  # the item, "- " removed
    list: str  # fda-approved | guideline-off-label | reported-useful
    category: str | None


def lines() -> list[str]:
    return ARTICLE.read_text(encoding="utf-8").splitlines()


def uses() -> list[Use]:
    """Every use the article lists, in order, with its list and group heading."""
    found: list[Use] = []
    current_list: str | None = None
    category: str | None = None
    for number, raw in enumerate(lines(), start=1):
        text = raw[2:] if raw.startswith("- ") else raw
        if raw == FDA_INTRO:
            current_list, category = "fda-approved", None
        elif raw.endswith(GUIDELINE_INTRO):
            current_list, category = "guideline-off-label", None
        elif raw == USEFUL_INTRO:
            current_list, category = "reported-useful", None
        elif current_list == "guideline-off-label" and text in GUIDELINE_HEADINGS:
            category = GUIDELINE_HEADINGS[text]
        elif current_list == "reported-useful" and text in SUBLIST_HEADINGS:
            category = SUBLIST_HEADINGS[text]
        elif raw.startswith("What "):
            current_list, category = None, None  # a new section of the article
        elif raw.startswith("- ") and text not in NOT_ITEMS and current_list is not None:
            found.append(Use(number, text, current_list, category))
    return found


def supports_boosting(use: Use) -> bool:
    """Whether the article's own words tie this use to boosting the immune system.

    Line 11 names boosting "in people with immune deficiencies" and line 3 says immunoglobulins
    "protect people from infections": so an item that names an immune deficiency, is filed under
    the "Infections" heading, or names an infection or its pathogen. Line 2 ("increases a patient's
    immune response") is not a basis: lines 7-10 contradict it.
    """
    text = use.text.lower()
    return (
        use.category == "infections"
        or "immunodeficiency" in text
        or INFECTION_WORDS.search(text) is not None
    )
