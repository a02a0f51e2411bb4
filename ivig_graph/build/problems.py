"""How a curation file's problems are reported: collected over all its records, raised together.

Shared by every reader of data/*.toml (``records``, ``xrefs``, ``label_checks``), so a curator
sees one message listing each record and the rule it breaks.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ivig_graph.errors import CurationError


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


def read_toml(path: Path) -> dict[str, Any]:
    """The document in ``path``; CurationError if it is not valid TOML."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CurationError(f"{path} is not valid TOML: {error}") from error
