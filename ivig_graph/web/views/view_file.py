"""The pages' view as the build writes it beside the N-Quads: ``pages-<version>.pickle``.

A pickle: it is the build's own output, as trusted as the N-Quads beside it, and never read from
anywhere else. It carries a hash of this package's code (``code_stamp``), so a file pickled by
other code (an upgrade, a change to a view class) is not read: the view is computed again, as the
N-Quads' version alone would not tell.
"""

from __future__ import annotations

import hashlib
import pickle
from functools import cache
from pathlib import Path

from ivig_graph.dataset.files import BuiltDataset

VIEW_PREFIX = "pages-"


def view_path(built: BuiltDataset) -> Path:
    return built.directory / f"{VIEW_PREFIX}{built.version}.pickle"


def write_pickled(built: BuiltDataset, view: object) -> Path:
    """Write ``view`` for ``built``, replacing any view of an earlier build."""
    path = view_path(built)
    for old in built.directory.glob(f"{VIEW_PREFIX}*.pickle"):
        old.unlink()
    path.write_bytes(pickle.dumps((code_stamp(), view), protocol=pickle.HIGHEST_PROTOCOL))
    return path


def read_view(path: Path) -> object | None:
    """The view in ``path`` if this code wrote it, else None."""
    try:
        with path.open("rb") as file:
            stamp, view = pickle.load(file)
    except (OSError, ValueError, TypeError, EOFError, pickle.UnpicklingError, AttributeError):
        return None  # none, or not in this code's shape
    return view if stamp == code_stamp() else None


@cache
def code_stamp() -> str:
    """A hash of the code of the views (this package), which the pickled objects belong to."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
