"""data/icd10cm.toml and data/mesh.toml -> checked cross-references of the curated conditions.

Each condition has one entry per vocabulary: matches (ICD-10-CM codes, MeSH descriptor UIs, each
with its SKOS match kind) or a note saying why none fits. MeSH descriptors are checked against
the shipped descriptor list (``mesh``); ``triples`` compiles the entries to SKOS mappings.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import URIRef
from rdflib.namespace import SKOS

from ivig_graph.build import mesh
from ivig_graph.build.problems import Problems, read_toml
from ivig_graph.resources import Sources

MATCHES: Mapping[str, URIRef] = {
    "exact": SKOS.exactMatch,
    "close": SKOS.closeMatch,
    "broad": SKOS.broadMatch,
    "narrow": SKOS.narrowMatch,
}
DESCRIPTOR_UI = re.compile(r"^D[0-9]{6}(?:[0-9]{3})?$")


@dataclass(frozen=True)
class IcdMatch:
    code: str
    match: str


@dataclass(frozen=True)
class IcdXref:
    slug: str
    matches: tuple[IcdMatch, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class MeshMatch:
    descriptor: str  # the descriptor UI, e.g. D009157
    match: str
    heading: str  # its preferred heading in the shipped list


@dataclass(frozen=True)
class MeshXref:
    slug: str
    matches: tuple[MeshMatch, ...] = ()
    note: str | None = None


def read_icd10cm(
    sources: Sources, slugs: Iterable[str]
) -> tuple[str, list[IcdXref], dt.date | None]:
    """Read data/icd10cm.toml: the release, one cross-reference entry per condition, and the
    date the mappings were curated."""
    path = sources.data / "icd10cm.toml"
    document = read_toml(path)
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
    curated = _curated(document, path, problems)
    problems.raise_if_any(path)
    return str(release), xrefs, curated


def read_mesh(
    sources: Sources, slugs: Iterable[str], heading: Callable[[str], str | None]
) -> tuple[str, list[MeshXref], dt.date | None]:
    """Read data/mesh.toml: the release and one entry per condition; ``heading(ui)`` is the
    descriptor's preferred heading in the shipped list, or None if the list has no such UI."""
    path = sources.data / "mesh.toml"
    document = read_toml(path)
    problems = Problems()
    known = set(slugs)
    xrefs: list[MeshXref] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(document.get("xref", [])):
        where = f"xref #{index + 1} (slug {raw.get('slug', '?')!r})"
        slug = raw.get("slug")
        if slug not in known:
            problems.add(where, "slug names no condition", "Use a slug from conditions.toml.")
            continue
        if slug in seen:
            problems.add(where, "a second entry for the condition", f"{seen[slug]} has it already.")
            continue
        seen[slug] = where
        matches = _mesh_matches(raw.get("matches", []), where, heading, problems)
        if bool(raw.get("matches")) == bool(raw.get("note")):
            problems.add(
                where,
                "needs either matches or a note, not both",
                "Say why no descriptor fits, or give descriptors.",
            )
        xrefs.append(MeshXref(slug, tuple(matches), raw.get("note")))
    for slug in sorted(known - set(seen)):
        problems.add(f"condition {slug!r}", "has no MeSH entry", f"Add an [[xref]] to {path}.")
    release = document.get("release")
    if not isinstance(release, str) or not release:
        problems.add(str(path), "missing 'release'", "Name the MeSH list checked against.")
    curated = _curated(document, path, problems)
    problems.raise_if_any(path)
    return str(release), xrefs, curated


def _mesh_matches(
    items: Iterable[Mapping[str, Any]],
    where: str,
    heading: Callable[[str], str | None],
    problems: Problems,
) -> list[MeshMatch]:
    """One entry's descriptors, each checked against the shipped list (and listed once)."""
    matches: list[MeshMatch] = []
    for item in items:
        ui, match = str(item.get("descriptor", "")), str(item.get("match", ""))
        found = heading(ui) if DESCRIPTOR_UI.match(ui) else None
        if match not in MATCHES:
            problems.add(where, f"unknown match '{match}'", f"Use one of {sorted(MATCHES)}.")
        if found is None:
            problems.add(
                where,
                f"descriptor {ui!r} is not in the MeSH descriptor list ({mesh.PACKAGE} "
                f"{mesh.PINNED_VERSION})",
                "Give the UI of a MeSH descriptor (D followed by 6 or 9 digits), or a note.",
            )
        elif ui in {m.descriptor for m in matches}:
            problems.add(where, f"descriptor {ui!r} is listed twice", "List it once.")
        else:
            matches.append(MeshMatch(ui, match, found))
    return matches


def _curated(document: dict[str, Any], path: Path, problems: Problems) -> dt.date | None:
    """The ``curated`` date of a mapping file (when its mappings were last curated)."""
    curated = document.get("curated")
    if curated is not None and not isinstance(curated, dt.date):
        problems.add(str(path), "'curated' must be a TOML date", "e.g. curated = 2026-12-01")
        return None
    return curated
