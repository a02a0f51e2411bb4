"""Shared fixtures: one real build of the dataset per test session."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from ivig_graph.build.pipeline import build
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.resources import Sources
from ivig_graph.vocab import ASSERTED_GRAPH, GRAPHS, INFERRED_GRAPH, ONTOLOGY_GRAPH

REPO = Path(__file__).parent.parent


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltDataset:
    """The real dataset, built once from ontology/ and data/ into a temporary directory."""
    return build(tmp_path_factory.mktemp("built") / "dataset")


@pytest.fixture(scope="session")
def dataset(built: BuiltDataset) -> Dataset:
    return built.rdflib_dataset()


@pytest.fixture(scope="session")
def asserted(dataset: Dataset) -> Graph:
    return dataset.graph(ASSERTED_GRAPH)


@pytest.fixture(scope="session")
def inferred(dataset: Dataset) -> Graph:
    return dataset.graph(INFERRED_GRAPH)


@pytest.fixture(scope="session")
def ontology(dataset: Dataset) -> Graph:
    return dataset.graph(ONTOLOGY_GRAPH)


@pytest.fixture(scope="session")
def union(dataset: Dataset) -> Graph:
    graph = Graph()
    for name in GRAPHS:
        graph += dataset.graph(name)
    return graph


@pytest.fixture
def canary() -> Iterator[socket.socket]:
    """A listening loopback socket: any connection to it means the server went out."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener


@pytest.fixture
def sources_copy(tmp_path: Path) -> Sources:
    """A private copy of ontology/, data/ and queries/ that a test may break on purpose."""
    for folder in ("ontology", "data", "queries"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, tmp_path / folder)
    return Sources.at(tmp_path)
