"""The built dataset on disk: one canonical N-Quads file and a manifest, read and written here.

The build writes ``dataset.nq`` (every quad of the three named graphs, blank nodes canonically
labelled, lines sorted, so two builds are byte-identical) and ``manifest.json`` (version, counts,
statistics). ``serve``, ``query`` and ``export`` load it without reasoning again.

It also writes the N-Quads into an on-disk Oxigraph store, ``store-<version>/``, once, so that
``serve`` opens it read-only (its query workers and its pages) instead of loading the N-Quads
at every start. The directory is named by the version, so a store that does not match the
N-Quads is never opened; a dataset without one still works (``serve`` then loads a copy).

rdflib is imported where it is used: ``serve`` reads the manifest and the store's place from
here before it starts, and needs none of it (about 0.1 s of its start).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from ivig_graph.errors import DatasetNotBuilt
from ivig_graph.prefixes import PREFIXES

if TYPE_CHECKING:
    from rdflib import Dataset

NQUADS_FILE = "dataset.nq"
MANIFEST_FILE = "manifest.json"
STORE_PREFIX = "store-"
DEFAULT_DIRECTORY = Path("build") / "dataset"
DATASET_VARIABLE = "IVIG_GRAPH_DATASET"  # where the commands and the server find the dataset


def new_dataset() -> Dataset:
    """An empty dataset whose default graph is the union of its named graphs, prefixes bound."""
    from rdflib import Dataset

    dataset = Dataset(default_union=True)
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace)
    return dataset


def canonical_nquads(dataset: Dataset) -> bytes:
    """Serialise the contract's named graphs as sorted N-Quads with canonical blank node labels."""
    from rdflib import Dataset
    from rdflib.compare import to_canonical_graph

    from ivig_graph.vocab import GRAPHS

    canonical = Dataset()
    for name in GRAPHS:
        target = canonical.graph(name)
        for triple in to_canonical_graph(dataset.graph(name)):
            target.add(triple)
    return sorted_lines(canonical.serialize(format="nquads", encoding="utf-8"))


def sorted_lines(data: bytes) -> bytes:
    """N-Triples or N-Quads in canonical order: each distinct statement once, lines sorted."""
    return b"".join(sorted(set(line for line in data.splitlines(keepends=True) if line.strip())))


@dataclass(frozen=True)
class BuiltDataset:
    """A dataset written by ``ivig-graph build``: where it is and what its manifest says."""

    directory: Path
    manifest: dict[str, Any]

    @property
    def nquads_path(self) -> Path:
        return self.directory / NQUADS_FILE

    @property
    def version(self) -> str:
        """Content hash of the N-Quads: changes exactly when the data changes."""
        return str(self.manifest["version"])

    @property
    def store_path(self) -> Path:
        """Where the on-disk store of this version is (or is to be) written."""
        return self.directory / f"{STORE_PREFIX}{self.version}"

    @property
    def store_directory(self) -> Path | None:
        """The on-disk store the build wrote for this version, if there is one."""
        return self.store_path if self.store_path.is_dir() else None

    def open_store(self) -> ox.Store:
        """The dataset's named graphs in a store: the built one opened read-only, else (a
        dataset written without one) the N-Quads loaded into memory."""
        if self.store_directory is not None:
            return ox.Store.read_only(str(self.store_directory))
        store = ox.Store()
        store.bulk_load(path=str(self.nquads_path), format=ox.RdfFormat.N_QUADS)
        return store

    @cached_property
    def nquads(self) -> bytes:
        return self.nquads_path.read_bytes()

    def rdflib_dataset(self) -> Dataset:
        """The dataset as rdflib objects (default graph = union of the named graphs)."""
        dataset = new_dataset()
        dataset.parse(data=self.nquads, format="nquads")
        return dataset


def write_built(dataset: Dataset, directory: Path, manifest: dict[str, Any]) -> BuiltDataset:
    """Write the dataset and its manifest (plus version) to ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    data = canonical_nquads(dataset)
    full_manifest = {**manifest, "version": hashlib.sha256(data).hexdigest()[:16]}
    for old in directory.glob(f"{STORE_PREFIX}*"):
        if not store_in_use(old):  # a running server's workers read the one they opened
            shutil.rmtree(old, ignore_errors=True)
    (directory / NQUADS_FILE).write_bytes(data)
    (directory / MANIFEST_FILE).write_text(
        json.dumps(full_manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    built = BuiltDataset(directory, full_manifest)
    write_store(built)
    return built


def write_store(built: BuiltDataset) -> Path:
    """Load the N-Quads into an on-disk store named by the version; written to a temporary name
    and renamed when complete, so a half-written store is never opened."""
    target = built.store_path
    if target.is_dir():  # kept because a server uses it: the same version, the same quads
        return target
    partial = built.directory / f".{STORE_PREFIX}{built.version}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    store = ox.Store(str(partial))
    store.bulk_load(path=str(built.nquads_path), format=ox.RdfFormat.N_QUADS)
    store.flush()
    del store  # closes it: readers open it read-only
    partial.rename(target)
    return target


def hold_store(store: Path) -> int:
    """Mark ``store`` as in use until the returned descriptor is closed (a shared lock on the
    directory, which a build asks for before it removes an old store)."""
    fd = os.open(store, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def store_in_use(store: Path) -> bool:
    """Whether a server holds ``store`` (``hold_store``)."""
    try:
        fd = os.open(store, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # and with it the lock, if it was taken
    return False


def load_built(directory: Path = DEFAULT_DIRECTORY) -> BuiltDataset:
    """Open a built dataset, or say how to make one."""
    manifest_path = directory / MANIFEST_FILE
    if not (directory / NQUADS_FILE).is_file() or not manifest_path.is_file():
        raise DatasetNotBuilt(
            f"No built dataset in {directory}: run `ivig-graph build` (or `make build`) first, "
            "or point --dataset / IVIG_GRAPH_DATASET at a built dataset directory."
        )
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return BuiltDataset(directory, manifest)
