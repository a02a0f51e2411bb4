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
from tests.servers import RunningServer, serve_arguments, serving

REPO = Path(__file__).parent.parent


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltDataset:
    """The real dataset, built once from ontology/ and data/ into a temporary directory."""
    return build(tmp_path_factory.mktemp("built") / "dataset")


@pytest.fixture(scope="session")
def live_server(
    built: BuiltDataset, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """``ivig-graph serve`` over the real build with one query worker and no rate limit, on a
    free loopback port, as a person would start it (the pages' browser tests, the clients)."""
    log = tmp_path_factory.mktemp("live") / "server.log"
    command = serve_arguments(built.directory, "--workers", "1")
    with serving(built, log, {"IVIG_RATE_LIMIT": "off"}, command=command) as server:
        yield server


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


LABEL_FIXTURE = REPO / "tests" / "data" / "products" / "products.toml"


def labelled_sources(root: Path) -> Sources:
    """A copy of the inputs whose data/products.toml is the fictitious test fixture."""
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(REPO / folder, root / folder)
    shutil.copyfile(LABEL_FIXTURE, root / "data" / "products.toml")
    return Sources.at(root)


@pytest.fixture(scope="session")
def labelled_built(tmp_path_factory: pytest.TempPathFactory) -> BuiltDataset:
    """A dataset built from the real data plus the fixture labels (tests/data/products/)."""
    root = tmp_path_factory.mktemp("labelled")
    return build(root / "dataset", labelled_sources(root))


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
