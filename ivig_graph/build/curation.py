"""data/ -> the asserted graph: curated records compiled to triples, one record per source line.

``data/conditions.toml`` holds the records, ``data/icd10cm.toml`` their ICD-10-CM
cross-references and ``data/*.ttl`` the small fixed parts (sources, categories, the therapy).
Every structural rule a record can break is checked here and reported naming the record and the
rule; semantic rules live in ontology/shapes.ttl and ontology/checks/ (see ``validate``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from ivig_graph.errors import CurationError
from ivig_graph.resources import Sources
from ivig_graph.vocab import CATEGORY, CONDITION, ICD10CM, INDICATION, IVIG, SOURCE

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
MATCHES: Mapping[str, URIRef] = {
    "exact": SKOS.exactMatch,
    "close": SKOS.closeMatch,
    "broad": SKOS.broadMatch,
    "narrow": SKOS.narrowMatch,
}
ICD10CM_SCHEME = URIRef("http://purl.bioontology.org/ontology/ICD10CM")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LIST_MARKER = re.compile(r"^- ")

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


@dataclass(frozen=True)
class IcdMatch:
    code: str
    match: str


@dataclass(frozen=True)
class IcdXref:
    slug: str
    matches: tuple[IcdMatch, ...] = ()
    note: str | None = None


@dataclass
class Problems:
    """Curation problems collected over all records, reported together."""

    items: list[str] = field(default_factory=list)

    def add(self, where: str, rule: str, fix: str) -> None:
        self.items.append(f"{where}: {rule}. {fix}")

    def raise_if_any(self, source: Path) -> None:
        if self.items:
            listing = "\n".join(f"  - {item}" for item in self.items)
            raise CurationError(f"{source} breaks {len(self.items)} curation rule(s):\n{listing}")


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
    try:
        raw_records = tomllib.loads(path.read_text(encoding="utf-8")).get("condition", [])
    except tomllib.TOMLDecodeError as error:
        raise CurationError(f"{path} is not valid TOML: {error}") from error
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


def read_icd10cm(sources: Sources, slugs: Iterable[str]) -> tuple[str, list[IcdXref]]:
    """Read data/icd10cm.toml: the release and one cross-reference entry per condition."""
    path = sources.data / "icd10cm.toml"
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CurationError(f"{path} is not valid TOML: {error}") from error
    problems = Problems()
    known = set(slugs)
    xrefs: list[IcdXref] = []
    for index, raw in enumerate(document.get("xref", [])):
        where = f"xref #{index + 1} (slug {raw.get('slug', '?')!r})"
        slug = raw.get("slug")
        if slug not in known:
            problems.add(where, "slug names no condition", "Use a slug from conditions.toml.")
            continue
        matches = tuple(
            IcdMatch(m.get("code", ""), m.get("match", "")) for m in raw.get("matches", [])
        )
        for match in matches:
            if match.match not in MATCHES:
                problems.add(
                    where, f"unknown match '{match.match}'", f"Use one of {sorted(MATCHES)}."
                )
        if bool(matches) == bool(raw.get("note")):
            problems.add(
                where,
                "needs either matches or a note, not both",
                "Say why no code fits, or give codes.",
            )
        xrefs.append(IcdXref(slug, matches, raw.get("note")))
    missing = known - {x.slug for x in xrefs}
    for slug in sorted(missing):
        problems.add(f"condition {slug!r}", "has no ICD-10-CM entry", f"Add an [[xref]] to {path}.")
    release = document.get("release")
    if not isinstance(release, str) or not release:
        problems.add(str(path), "missing 'release'", "Name the ICD-10-CM release checked against.")
    problems.raise_if_any(path)
    return str(release), xrefs


def condition_triples(record: ConditionRecord, article: list[str]) -> Graph:
    """The triples one record asserts about its condition and its indication."""
    graph = Graph()
    condition = record.iri
    source_list, status = LISTS[record.list]
    graph.add((condition, RDF.type, IVIG.Condition))
    for key in record.kinds:
        graph.add((condition, RDF.type, KINDS[key]))
    name = Literal(record.preferred_name, lang="en")
    graph.add((condition, SKOS.prefLabel, name))
    graph.add((condition, RDFS.label, name))
    graph.add((condition, SKOS.notation, Literal(record.slug)))
    graph.add((condition, IVIG.sourceLabel, Literal(record.wording)))
    for alt in (record.wording, *record.alt):
        if alt != record.preferred_name:
            graph.add((condition, SKOS.altLabel, Literal(alt, lang="en")))
    if record.gloss:
        graph.add((condition, SKOS.definition, Literal(record.gloss, lang="en")))
    if record.scope_note:
        graph.add((condition, SKOS.scopeNote, Literal(record.scope_note, lang="en")))
    for note in record.notes:
        graph.add((condition, SKOS.editorialNote, Literal(note, lang="en")))
    if record.mechanism_note:
        note = Literal(record.mechanism_note, lang="en")
        graph.add((condition, IVIG.mechanismNote, note))
        graph.add((condition, SKOS.editorialNote, note))
    graph.add((condition, IVIG.approvalStatus, status))
    graph.add((condition, IVIG.intent, INTENTS[record.intent]))
    for key in record.categories:
        graph.add((condition, IVIG.category, CATEGORY[key]))
    graph.add((condition, PROV.wasDerivedFrom, source_list))
    graph.add((condition, IVIG.sourceLine, Literal(record.line, datatype=XSD.integer)))
    source_text = LIST_MARKER.sub("", article[record.line - 1])
    graph.add((condition, IVIG.sourceText, Literal(source_text)))

    indication = INDICATION[record.slug]
    graph.add((indication, RDF.type, IVIG.Indication))
    graph.add((indication, RDFS.label, Literal(f"IVIG for {record.preferred_name}", lang="en")))
    graph.add((indication, IVIG.therapy, IVIG.IVIG))
    graph.add((indication, IVIG.condition, condition))
    graph.add((indication, PROV.wasDerivedFrom, source_list))
    return graph


def icd10cm_triples(release: str, xrefs: Iterable[IcdXref], describe: Any) -> Graph:
    """Cross-reference triples; ``describe(code)`` gives the official description of a code."""
    graph = Graph()
    graph.add((ICD10CM_SCHEME, RDF.type, SKOS.ConceptScheme))
    graph.add((ICD10CM_SCHEME, SKOS.prefLabel, Literal("ICD-10-CM", lang="en")))
    graph.add((ICD10CM_SCHEME, RDFS.label, Literal("ICD-10-CM", lang="en")))
    graph.add((ICD10CM_SCHEME, IVIG.icd10cmRelease, Literal(release)))
    graph.add((ICD10CM_SCHEME, DCTERMS.hasVersion, Literal(release)))
    for xref in xrefs:
        condition = CONDITION[xref.slug]
        if xref.note:
            graph.add(
                (condition, SKOS.editorialNote, Literal(f"ICD-10-CM: {xref.note}", lang="en"))
            )
        for match in xref.matches:
            code = ICD10CM[match.code]
            graph.add((condition, MATCHES[match.match], code))
            graph.add((code, SKOS.notation, Literal(match.code)))
            graph.add((code, SKOS.prefLabel, Literal(describe(match.code), lang="en")))
            graph.add((code, RDFS.label, Literal(describe(match.code), lang="en")))
            graph.add((code, SKOS.inScheme, ICD10CM_SCHEME))
    return graph


def asserted_graph(sources: Sources, describe_icd: Any) -> Graph:
    """Compile everything in data/ into the asserted graph."""
    graph = Graph()
    for turtle in sorted(sources.data.glob("*.ttl")):
        try:
            graph.parse(turtle, format="turtle")
        except Exception as error:  # rdflib raises several parser exception types
            raise CurationError(f"{turtle} is not valid Turtle: {error}") from error
    article = read_article(sources)
    records = read_conditions(sources)
    for record in records:
        graph += condition_triples(record, article)
    release, xrefs = read_icd10cm(sources, (r.slug for r in records))
    graph += icd10cm_triples(release, xrefs, describe_icd)
    return graph
