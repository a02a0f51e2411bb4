"""``StoreCopy``: the on-disk store the query workers open read-only."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ivig_graph.dataset.files import hold_store
from ivig_graph.query.engine import load_store


class StoreCopy:
    """The store the workers open read-only: ``built`` (the build's, held so that a rebuild
    beside it keeps it while it is read), or else the N-Quads loaded once into a temporary
    directory that ``close`` removes."""

    def __init__(self, nquads_path: Path, built: Path | None = None) -> None:
        self.temporary = built is None
        self.directory = built or Path(tempfile.mkdtemp(prefix="ivig-graph-store-"))
        self._held: int | None = None
        if self.temporary:
            load_store(nquads_path, self.directory).flush()  # closed: workers open it read-only
        else:
            self._held = hold_store(self.directory)

    def close(self) -> None:
        if self._held is not None:
            os.close(self._held)
            self._held = None
        if self.temporary:
            shutil.rmtree(self.directory, ignore_errors=True)
