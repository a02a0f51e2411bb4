"""Fixtures for the pages: an app over the real build, its catalog, and a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.web import create_app
from ivig_graph.web.views import Catalog
from tests.web.conftest import RunningServer, endpoint_config, start_server, stop_server

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="session")
def catalog(dataset: Dataset, built: BuiltDataset) -> Catalog:
    return Catalog.from_dataset(dataset, built.manifest, built.version)


@pytest.fixture(scope="session")
def pages_app(built: BuiltDataset) -> Iterator[Flask]:
    """The app over the real dataset, with the real example queries and one query worker."""
    app = create_app(built, endpoint_config(None, workers=1))
    app.testing = True
    yield app
    app.extensions["ivig_graph"].pool.close()


@pytest.fixture
def client(pages_app: Flask) -> FlaskClient:
    return pages_app.test_client()


@pytest.fixture(scope="session")
def live_server(
    built: BuiltDataset, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """``ivig-graph serve`` on a free loopback port, as a person would start it."""
    log = tmp_path_factory.mktemp("live") / "server.log"
    command = ["-m", "ivig_graph.cli", "serve", "--dataset", str(built.directory), "--workers", "1"]
    server = start_server(built, log, {"IVIG_RATE_LIMIT": "0"}, command=command)
    yield server
    stop_server(server)
