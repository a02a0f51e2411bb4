"""Fixtures for the pages: an app over the real build and its catalog (the real server is
tests/conftest.py's ``live_server``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.web.views import Catalog
from tests.servers import app_over, endpoint_config

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="session")
def catalog(dataset: Dataset, built: BuiltDataset) -> Catalog:
    return Catalog.from_dataset(dataset, built.manifest, built.version)


@pytest.fixture(scope="session")
def pages_app(built: BuiltDataset) -> Iterator[Flask]:
    """The app over the real dataset, with the real example queries and one query worker."""
    with app_over(built, endpoint_config(None, workers=1)) as app:
        yield app


@pytest.fixture
def client(pages_app: Flask) -> FlaskClient:
    return pages_app.test_client()
