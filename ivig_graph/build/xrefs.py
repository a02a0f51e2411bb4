"""data/icd10cm.toml and data/mesh.toml -> checked cross-references of the curated conditions.

Each condition has one entry per vocabulary: matches (ICD-10-CM codes, MeSH descriptor UIs, each
with its SKOS match kind) or a note saying why none fits. Each MeSH descriptor carries its heading;
both are verified against the installed descriptor list when there is one (``mesh``). ``triples``
compiles the entries to SKOS mappings.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ivig_graph.build import mesh
from ivig_graph.build.problems import Problems, read_toml
from ivig_graph.resources import Sources
from ivig_graph.vocab import MATCHES

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
    xrefs: list[IcdXref] = []
    known = set(slugs)
    for where, slug, raw in _entries(document, known, problems, "code"):
        matches = tuple(
            IcdMatch(m.get("code", ""), m.get("match", "")) for m in raw.get("matches", [])
        )
        for match in matches:
            _check_match(match.match, where, problems)
        xrefs.append(IcdXref(slug, matches, raw.get("note")))
    missing = known - {x.slug for x in xrefs}
    release, curated = _close(document, path, problems, "ICD-10-CM", missing)
    return release, xrefs, curated


def read_mesh(
    sources: Sources, slugs: Iterable[str], descriptors: mesh.DescriptorList | None
) -> tuple[str, list[MeshXref], dt.date | None]:
    """Read data/mesh.toml: the release, one entry per condition and the curation date. Each
    descriptor's UI and heading is verified against ``descriptors`` (the installed list), or
    only for its form if the list is not installed (None)."""
    path = sources.data / "mesh.toml"
    document = read_toml(path)
    problems = Problems()
    xrefs: list[MeshXref] = []
    known = set(slugs)
    for where, slug, raw in _entries(document, known, problems, "descriptor"):
        matches = _mesh_matches(raw.get("matches", []), where, descriptors, problems)
        xrefs.append(MeshXref(slug, tuple(matches), raw.get("note")))
    missing = known - {x.slug for x in xrefs}
    release, curated = _close(document, path, problems, "MeSH", missing)
    return release, xrefs, curated


def _entries(
    document: Mapping[str, Any], known: set[str], problems: Problems, term: str
) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """Each ``[[xref]]`` entry of a known condition, once, with where it is (for messages):
    the rules every mapping file shares (a known slug, one entry each, matches or a note)."""
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
        if bool(raw.get("matches")) == bool(raw.get("note")):
            problems.add(
                where,
                "needs either matches or a note, not both",
                f"Say why no {term} fits, or give {term}s.",
            )
        yield where, slug, raw


def _check_match(match: str, where: str, problems: Problems) -> None:
    if match not in MATCHES:
        problems.add(where, f"unknown match '{match}'", f"Use one of {sorted(MATCHES)}.")


def _close(
    document: Mapping[str, Any],
    path: Path,
    problems: Problems,
    vocabulary: str,
    missing: set[str],
) -> tuple[str, dt.date | None]:
    """The end every mapping file shares: name the conditions with no entry (``missing``), read
    ``release`` and ``curated``, and raise every problem found. Returns (release, curated)."""
    for slug in sorted(missing):
        problems.add(
            f"condition {slug!r}", f"has no {vocabulary} entry", f"Add an [[xref]] to {path}."
        )
    release = document.get("release")
    if not isinstance(release, str) or not release:
        problems.add(
            str(path), "missing 'release'", f"Name the {vocabulary} release checked against."
        )
    curated = _curated(document, path, problems)
    problems.raise_if_any(path)
    return str(release), curated


def _mesh_matches(
    items: Iterable[Mapping[str, Any]],
    where: str,
    descriptors: mesh.DescriptorList | None,
    problems: Problems,
) -> list[MeshMatch]:
    """One entry's descriptors, each listed once with its heading, verified against the
    installed list when there is one."""
    matches: list[MeshMatch] = []
    for item in items:
        ui, match = str(item.get("descriptor", "")), str(item.get("match", ""))
        heading = item.get("heading")
        _check_match(match, where, problems)
        if not DESCRIPTOR_UI.match(ui):
            problems.add(
                where,
                f"descriptor {ui!r} is not a MeSH descriptor UI",
                "Give the UI of a MeSH descriptor (D followed by 6 or 9 digits), or a note.",
            )
        elif not isinstance(heading, str) or not heading:
            problems.add(
                where,
                f"descriptor {ui!r} has no heading",
                "Give its preferred heading as the MeSH descriptor list has it.",
            )
        elif ui in {m.descriptor for m in matches}:
            problems.add(where, f"descriptor {ui!r} is listed twice", "List it once.")
        elif descriptors is None or _verified(ui, heading, where, descriptors, problems):
            matches.append(MeshMatch(ui, match, heading))
    return matches


def _verified(
    ui: str, heading: str, where: str, descriptors: mesh.DescriptorList, problems: Problems
) -> bool:
    """Whether the list has descriptor ``ui`` under this ``heading`` (a problem if not)."""
    listed = descriptors.headings.get(ui)
    if listed is None:
        problems.add(
            where,
            f"descriptor {ui!r} is not in the MeSH descriptor list ({descriptors.label})",
            "Give the UI of a MeSH descriptor, or a note.",
        )
        return False
    if listed != heading:
        problems.add(
            where,
            f"the heading of descriptor {ui!r} is {heading!r}, but the MeSH descriptor list "
            f"({descriptors.label}) has {listed!r}",
            "Give the list's heading.",
        )
        return False
    return True


def _curated(document: Mapping[str, Any], path: Path, problems: Problems) -> dt.date | None:
    """The ``curated`` date of a mapping file (when its mappings were last curated)."""
    curated = document.get("curated")
    if curated is not None and not isinstance(curated, dt.date):
        problems.add(str(path), "'curated' must be a TOML date", "e.g. curated = 2026-12-01")
        return None
    return curated
