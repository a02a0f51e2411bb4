"""The source article's text, served as it was read by the build, line by line.

The file is the one the build read (``Sources.article``); it is served only when its SHA-256 is
the one the built dataset's manifest records, so that "line 18" on a condition page is line 18
here. The article has no address of its own (see its source page), so this copy is the only way
to read a line in context.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ArticleText:
    text: str
    sha256: str

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(self.text.splitlines())


def load_article(path: Path, manifest: Mapping[str, Any]) -> ArticleText | None:
    """The article at ``path`` if it is the one the dataset was built from, else None."""
    expected = (manifest.get("source") or {}).get("sha256")
    try:
        data = path.read_bytes()
    except OSError:
        return None
    digest = hashlib.sha256(data).hexdigest()
    if expected is None or digest != expected:
        return None
    return ArticleText(data.decode("utf-8"), digest)
