"""Fixtures for the endpoint: a small dataset of known content and apps over it (the helpers that
build apps and start real servers are in tests/servers.py).

The small dataset (``small_built``) has the three named graphs with content chosen so that
answers are known exactly: CONDITIONS conditions in the asserted graph (each with a label, an
approval status and an index), a mechanism for every even one in the inferred graph, and a tiny
ontology. The real build (``built``, from tests/conftest.py) is used only where the example
queries are run.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import RDF, RDFS, XSD, Literal
from rdflib.namespace import OWL, SKOS

from ivig_graph.build.stats import graph_statistics
from ivig_graph.dataset.files import BuiltDataset, new_dataset, write_built
from ivig_graph.vocab import ASSERTED_GRAPH, CONDITION, GRAPHS, INFERRED_GRAPH, IVIG, ONTOLOGY_GRAPH

# The helpers moved to tests/servers.py; these names stay importable from here for test modules
# written against their old home.
from tests.servers import REPO as REPO
from tests.servers import Answer as Answer
from tests.servers import RunningServer as RunningServer
from tests.servers import app_over, endpoint_config
from tests.servers import call as call
from tests.servers import descendants as descendants
from tests.servers import free_port as free_port
from tests.servers import start_server as start_server
from tests.servers import stop_server as stop_server

CONDITIONS = 300
GUILLAIN_BARRE = "Guillain\u2013Barr\u00e9 syndrome"  # an en dash and an e acute


def condition(index: int) -> Any:
    return CONDITION[f"condition-{index:03d}"]


def make_small_dataset() -> Any:
    dataset = new_dataset()
    ontology = dataset.graph(ONTOLOGY_GRAPH)
    for cls in (IVIG.Condition, IVIG.Indication, IVIG.Mechanism):
        ontology.add((cls, RDF.type, OWL.Class))
        ontology.add((cls, RDFS.label, Literal(cls.split("#")[-1], lang="en")))
    ontology.add((IVIG.mechanism, RDF.type, OWL.ObjectProperty))
    asserted = dataset.graph(ASSERTED_GRAPH)
    inferred = dataset.graph(INFERRED_GRAPH)
    for index in range(CONDITIONS):
        node = condition(index)
        asserted.add((node, RDF.type, IVIG.Condition))
        asserted.add((node, SKOS.prefLabel, Literal(f"Condition {index}", lang="en")))
        status = IVIG.FDAApproved if index % 10 == 0 else IVIG.OffLabel
        asserted.add((node, IVIG.approvalStatus, status))
        asserted.add((node, IVIG.sourceLine, Literal(index, datatype=XSD.integer)))
        if index % 2 == 0:
            inferred.add((node, IVIG.mechanism, IVIG.ImmuneSuppression))
    # Terms that serializers must get right: a language-tagged label with quotes, tabs and a
    # newline, and a non-ASCII label.
    asserted.add((condition(0), SKOS.altLabel, Literal('Say "IVIG"\tthen\nstop', lang="en")))
    asserted.add((condition(1), SKOS.altLabel, Literal(GUILLAIN_BARRE, lang="fr")))
    return dataset


@pytest.fixture(scope="session")
def small_built(tmp_path_factory: pytest.TempPathFactory) -> BuiltDataset:
    dataset = make_small_dataset()
    manifest = {"graphs": {str(name): graph_statistics(dataset.graph(name)) for name in GRAPHS}}
    return write_built(dataset, tmp_path_factory.mktemp("small") / "dataset", manifest)


@pytest.fixture(scope="session")
def queries_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("queries")
    (directory / "01-conditions.rq").write_text(
        "PREFIX ivig: <https://w3id.org/ivig/ontology#>\n"
        "SELECT ?c WHERE { ?c a ivig:Condition } ORDER BY ?c LIMIT 3\n",
        encoding="utf-8",
    )
    return directory


AppFactory = Callable[..., Flask]


@pytest.fixture(scope="session")
def make_app(small_built: BuiltDataset, queries_dir: Path) -> Iterator[AppFactory]:
    """Build apps with config overrides; their query workers are stopped at the end."""
    with ExitStack() as apps:

        def factory(**overrides: Any) -> Flask:
            config = endpoint_config(queries_dir, **overrides)
            return apps.enter_context(app_over(small_built, config))

        yield factory


@pytest.fixture(scope="session")
def app(make_app: AppFactory) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def assert_never_contacted(listener: socket.socket) -> None:
    """Fails if anything connected to ``listener`` (connections wait in its backlog)."""
    listener.settimeout(0.3)
    with pytest.raises(TimeoutError):
        connection, _ = listener.accept()
        connection.close()


def canary_url(listener: socket.socket) -> str:
    host, port = listener.getsockname()
    return f"http://{host}:{port}/data.ttl"
