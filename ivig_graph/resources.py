"""Where the hand-edited inputs live: ontology/, data/ and queries/.

In a wheel they are shipped inside the package (``_resources/``, see pyproject.toml); in a source
checkout or an editable install they are read from the repository root.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
