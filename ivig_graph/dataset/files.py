"""The built dataset on disk: one canonical N-Quads file and a manifest, read and written here.

The build writes ``dataset.nq`` (every quad of the three named graphs, blank nodes canonically
labelled, lines sorted, so two builds are byte-identical) and ``manifest.json`` (version, counts,
statistics). ``serve``, ``query`` and ``export`` load it without reasoning again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph
from rdflib.compare import to_canonical_graph

from ivig_graph.errors import DatasetNotBuilt
from ivig_graph.vocab import GRAPHS, PREFIXES

NQUADS_FILE = "dataset.nq"
MANIFEST_FILE = "manifest.json"
DEFAULT_DIRECTORY = Path("build") / "dataset"


def new_dataset() -> Dataset:
    """An empty dataset whose default graph is the union of its named graphs, prefixes bound."""
    dataset = Dataset(default_union=True)
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace)
    return dataset


def canonical_nquads(dataset: Dataset) -> bytes:
    """Serialise the contract's named graphs as sorted N-Quads with canonical blank node labels."""
    canonical = Dataset()
    for name in GRAPHS:
        target = canonical.graph(name)
        for triple in to_canonical_graph(dataset.graph(name)):
            target.add(triple)
    text = canonical.serialize(format="nquads", encoding="utf-8")
    lines = sorted(set(text.splitlines(keepends=True)))
    return b"".join(line for line in lines if line.strip())


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

    @cached_property
    def nquads(self) -> bytes:
        return self.nquads_path.read_bytes()

    def rdflib_dataset(self) -> Dataset:
        """The dataset as rdflib objects (default graph = union of the named graphs)."""
        dataset = new_dataset()
        dataset.parse(data=self.nquads, format="nquads")
        return dataset

    def graph(self, name: str) -> Graph:
        """One named graph as a plain rdflib Graph (prefixes bound)."""
        graph = Graph()
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        for triple in self.rdflib_dataset().graph(name):
            graph.add(triple)
        return graph


def write_built(dataset: Dataset, directory: Path, manifest: dict[str, Any]) -> BuiltDataset:
    """Write the dataset and its manifest (plus version) to ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    data = canonical_nquads(dataset)
    full_manifest = {**manifest, "version": hashlib.sha256(data).hexdigest()[:16]}
    (directory / NQUADS_FILE).write_bytes(data)
    (directory / MANIFEST_FILE).write_text(
        json.dumps(full_manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return BuiltDataset(directory, full_manifest)


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
