"""data/conditions.toml -> checked condition records, one record per line of the source article.

Every structural rule a record can break is checked here and reported naming the record and the
rule; semantic rules live in ontology/shapes.ttl and ontology/checks/ (see ``validate``).
``triples`` compiles the checked records to the asserted graph.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rdflib import URIRef

from ivig_graph.build.problems import Problems, read_toml
from ivig_graph.resources import Sources
from ivig_graph.vocab import CONDITION, IVIG, SOURCE

LISTS: Mapping[str, tuple[URIRef, URIRef]] = {
    # list key -> (source list resource, approval status)
    "fda-approved": (SOURCE["fda-approved-uses"], IVIG.FDAApproved),
    "guideline-off-label": (SOURCE["guideline-off-label-uses"], IVIG.OffLabel),
    "reported-useful": (SOURCE["reported-useful"], IVIG.OffLabel),
}
INTENTS: Mapping[str, URIRef] = {"treatment": IVIG.Treatment, "prevention": IVIG.Prevention}
KINDS: Mapping[str, URIRef] = {
    "autoimmune": IVIG.AutoimmuneDisorder,
    "alloimmune": IVIG.AlloimmuneDisorder,
    "transplant-immune": IVIG.TransplantImmuneComplication,
    "immunodeficiency": IVIG.Immunodeficiency,
    "infection-risk": IVIG.InfectionRisk,
    "infection": IVIG.InfectiousDisease,
    "malignancy": IVIG.Malignancy,
    "inflammatory": IVIG.InflammatoryDisorder,
    "genetic": IVIG.GeneticDisorder,
}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

REQUIRED = {"line": int, "slug": str, "list": str, "categories": list, "wording": str}
OPTIONAL = {
    "gloss": str,
    "pref": str,
    "alt": list,
    "intent": str,
    "kinds": list,
    "mechanism_note": str,
    "scope_note": str,
    "notes": list,
}


@dataclass(frozen=True)
class ConditionRecord:
    """One curated line of the source, as read from data/conditions.toml."""

    line: int
    slug: str
    list: str
    categories: tuple[str, ...]
    wording: str
    gloss: str | None = None
    pref: str | None = None
    alt: tuple[str, ...] = ()
    intent: str = "treatment"
    kinds: tuple[str, ...] = ()
    mechanism_note: str | None = None
    scope_note: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def iri(self) -> URIRef:
        return CONDITION[self.slug]

    @property
    def preferred_name(self) -> str:
        return self.pref or self.wording


def _where(raw: Mapping[str, Any], index: int) -> str:
    slug = raw.get("slug", "?")
    line = raw.get("line", "?")
    return f"record #{index + 1} (slug {slug!r}, source line {line})"


def _check_types(raw: Mapping[str, Any], where: str, problems: Problems) -> bool:
    ok = True
    for name, kind in REQUIRED.items():
        if name not in raw:
            problems.add(where, f"missing field '{name}'", f"Add {name} = ... to the record.")
            ok = False
        elif not isinstance(raw[name], kind):
            problems.add(where, f"field '{name}' must be a {kind.__name__}", "Fix its value.")
            ok = False
    for name, value in raw.items():
        expected = REQUIRED.get(name) or OPTIONAL.get(name)
        if expected is None:
            known = ", ".join(sorted({*REQUIRED, *OPTIONAL}))
            problems.add(where, f"unknown field '{name}'", f"Use one of: {known}.")
            ok = False
        elif not isinstance(value, expected):
            problems.add(where, f"field '{name}' must be a {expected.__name__}", "Fix its value.")
            ok = False
        elif isinstance(value, list) and not all(isinstance(item, str) for item in value):
            problems.add(where, f"field '{name}' must be a list of strings", "Fix its items.")
            ok = False
    return ok


def _check_record(
    record: ConditionRecord, where: str, article: list[str], problems: Problems
) -> None:
    if not SLUG.match(record.slug):
        problems.add(
            where, "slug must be lowercase words joined by hyphens", "e.g. 'myasthenia-gravis'."
        )
    if record.list not in LISTS:
        problems.add(where, f"unknown list '{record.list}'", f"Use one of {sorted(LISTS)}.")
    if record.intent not in INTENTS:
        problems.add(where, f"unknown intent '{record.intent}'", f"Use one of {sorted(INTENTS)}.")
    for key in record.kinds:
        if key not in KINDS:
            problems.add(where, f"unknown kind '{key}'", f"Use one of {sorted(KINDS)}.")
    if len(set(record.categories)) != len(record.categories):
        problems.add(where, "a category is listed twice", "List each category once.")
    if not 1 <= record.line <= len(article):
        problems.add(
            where,
            f"source line {record.line} is outside the article (1-{len(article)})",
            "Cite the line the record comes from.",
        )
        return
    text = article[record.line - 1]
    if not text.startswith("- "):
        problems.add(where, "the cited source line is not a list item", "Cite a '- ' line.")
    for name in ("wording", "gloss"):
        value = getattr(record, name)
        if value is not None and value not in text:
            problems.add(
                where,
                f"{name} {value!r} does not occur verbatim on source line {record.line}",
                "Copy it exactly from data/source/ivig-article.txt (including curly quotes).",
            )


def read_article(sources: Sources) -> list[str]:
    return sources.article.read_text(encoding="utf-8").splitlines()


def read_conditions(sources: Sources) -> list[ConditionRecord]:
    """Read and check data/conditions.toml; CurationError lists every problem found."""
    path = sources.data / "conditions.toml"
    raw_records = read_toml(path).get("condition", [])
    article = read_article(sources)
    problems = Problems()
    records: list[ConditionRecord] = []
    seen_slugs: dict[str, str] = {}
    seen_lines: dict[int, str] = {}
    for index, raw in enumerate(raw_records):
        where = _where(raw, index)
        if not _check_types(raw, where, problems):
            continue
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
        record = ConditionRecord(**values)
        _check_record(record, where, article, problems)
        if record.slug in seen_slugs:
            problems.add(where, "duplicate slug", f"{seen_slugs[record.slug]} has it already.")
        if record.line in seen_lines:
            problems.add(where, "duplicate source line", f"{seen_lines[record.line]} cites it.")
        seen_slugs.setdefault(record.slug, where)
        seen_lines.setdefault(record.line, where)
        records.append(record)
    if not raw_records:
        problems.add(str(path), "no [[condition]] records", "Add the curated records.")
    problems.raise_if_any(path)
    return records
