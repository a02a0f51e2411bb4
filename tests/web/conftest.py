"""Fixtures for the endpoint: a small dataset of known content, apps over it, a real server.

The small dataset (``small_built``) has the three named graphs with content chosen so that
answers are known exactly: CONDITIONS conditions in the asserted graph (each with a label, an
approval status and an index), a mechanism for every even one in the inferred graph, and a tiny
ontology. The real build (``built``, from tests/conftest.py) is used only where the example
queries are run.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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
from ivig_graph.web import create_app
from ivig_graph.web.config import ServerConfig

CONDITIONS = 300
GUILLAIN_BARRE = "Guillain\u2013Barr\u00e9 syndrome"  # an en dash and an e acute
REPO = Path(__file__).resolve().parents[2]


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


def endpoint_config(queries_dir: Path | None, **overrides: Any) -> ServerConfig:
    """Fast, predictable settings for tests: 2 workers, a 3 s budget, no rate limit."""
    values: dict[str, Any] = {
        "workers": 2,
        "timeout": 3.0,
        "rate_limit": "off",
        "queries_dir": str(queries_dir) if queries_dir else None,
    }
    values.update(overrides)
    return ServerConfig(**values)


AppFactory = Callable[..., Flask]


@pytest.fixture(scope="session")
def make_app(small_built: BuiltDataset, queries_dir: Path) -> Iterator[AppFactory]:
    """Build apps with config overrides; their query workers are stopped at the end."""
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        app = create_app(small_built, endpoint_config(queries_dir, **overrides))
        app.testing = True
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["ivig_graph"].pool.close()


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


# ---------------------------------------------------------------- a real server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    host: str
    port: int
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@dataclass
class Answer:
    """One HTTP answer of a running server: status, headers (names in lower case), body."""

    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float = 0.0

    @property
    def media_type(self) -> str:
        return (self.headers.get("content-type") or "").split(";")[0].strip()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def call(
    server: RunningServer,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Answer:
    """One request to a running server over a fresh connection, timed."""
    started = time.monotonic()
    connection = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        found = {k.lower(): v for k, v in response.getheaders()}
        return Answer(response.status, found, data, time.monotonic() - started)
    finally:
        connection.close()


def start_server(
    dataset: BuiltDataset,
    log_path: Path,
    env: dict[str, str],
    startup_timeout: float = 20.0,
    command: list[str] | None = None,
) -> RunningServer:
    """``ivig-graph serve`` (granian) on a free loopback port, once ready; ``command``
    replaces the arguments after the interpreter (the port is in IVIG_PORT)."""
    port = free_port()
    environment = {
        **os.environ,
        "IVIG_HOST": "127.0.0.1",
        "IVIG_PORT": str(port),
        "PYTHONPATH": str(REPO),
        **env,
    }
    log_file = log_path.open("wb")
    arguments = command or ["-m", "ivig_graph.cli", "serve", "--dataset", str(dataset.directory)]
    process = subprocess.Popen(
        [sys.executable, *arguments],
        env=environment,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        cwd=REPO,
    )
    server = RunningServer(process, "127.0.0.1", port, log_path)
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited during start-up:\n{server.log()}")
        try:
            with socket.create_connection((server.host, port), timeout=0.5) as sock:
                sock.sendall(
                    b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                )
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return server
        except OSError:
            pass
        time.sleep(0.1)
    stop_server(server)
    raise RuntimeError(f"server not ready within {startup_timeout} s:\n{server.log()}")


def stop_server(server: RunningServer) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=5)
