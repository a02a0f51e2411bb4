"""Fixtures: Oxigraph's server and Virtuoso, each started once on loopback for these tests.

Package-scoped: both stop as soon as tests/integration/ is done, not at the end of the session.
A missing engine is installed by scripts/engines/install.sh (pip and apt-get, as root); if that
fails the tests fail, saying why: they never skip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from ivig_graph.clients.gsp import GraphStore
from ivig_graph.clients.publish import PublishReport, publish
from ivig_graph.dataset.files import BuiltDataset
from tests.integration import engines
from tests.integration.engines import EngineUnavailable, RunningEngine

ENGINES: dict[str, Callable[[Path], AbstractContextManager[RunningEngine]]] = {
    "oxigraph": engines.oxigraph,
    "virtuoso": engines.virtuoso,
}


@pytest.fixture(scope="package")
def engines_installed() -> None:
    try:
        engines.ensure_installed()
    except EngineUnavailable as error:
        pytest.fail(str(error), pytrace=False)


def _serve(name: str, factory: pytest.TempPathFactory) -> Iterator[RunningEngine]:
    try:
        with ENGINES[name](factory.mktemp(name)) as engine:
            yield engine
    except EngineUnavailable as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="package")
def oxigraph_server(
    engines_installed: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningEngine]:
    yield from _serve("oxigraph", tmp_path_factory)


@pytest.fixture(scope="package")
def virtuoso_server(
    engines_installed: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningEngine]:
    yield from _serve("virtuoso", tmp_path_factory)


@pytest.fixture(scope="package", params=list(ENGINES))
def engine(request: pytest.FixtureRequest) -> RunningEngine:
    """Each engine in turn (tests using it run once per engine)."""
    server = request.getfixturevalue(f"{request.param}_server")
    assert isinstance(server, RunningEngine)
    return server


def graph_store(engine: RunningEngine) -> GraphStore:
    return GraphStore(engine.store_url, engine.credentials, timeout=30)


@pytest.fixture(scope="package")
def published(engine: RunningEngine, built: BuiltDataset) -> PublishReport:
    """The built dataset, published once to the engine (tests that change the store restore it)."""
    return publish(built, graph_store(engine))
