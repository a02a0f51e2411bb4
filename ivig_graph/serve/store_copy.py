"""``StoreCopy``: the on-disk store the query workers open read-only."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ivig_graph.query.engine import load_store


class StoreCopy:
    """The store the workers open read-only: ``built`` (the build's, kept), or else the
    N-Quads loaded once into a temporary directory that ``close`` removes."""

    def __init__(self, nquads_path: Path, built: Path | None = None) -> None:
        self.temporary = built is None
        self.directory = built or Path(tempfile.mkdtemp(prefix="ivig-graph-store-"))
        if self.temporary:
            load_store(nquads_path, self.directory).flush()  # closed: workers open it read-only

    def close(self) -> None:
        if self.temporary:
            shutil.rmtree(self.directory, ignore_errors=True)
