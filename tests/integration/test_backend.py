"""``ivig-graph serve --backend URL`` on real engines: the built dataset published to Oxigraph's
server and to Virtuoso, our endpoint (granian, loopback) started on each, and its answers
compared with the embedded store's, query by query and format by format.

DESCRIBE is implementation-defined (SPARQL 1.1, 16.4): Oxigraph describes a resource by the
triples it is the subject of, Virtuoso adds those it is the object of. On Oxigraph's server the
answer must equal the embedded one; on any engine it must hold the embedded answer and nothing
that is not in the dataset.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from rdflib import Dataset, Graph

from ivig_graph.clients.publish import PublishReport
from ivig_graph.clients.sparql_backend import Backend, check_backend
from ivig_graph.dataset.files import BuiltDataset, write_built
from ivig_graph.resources import example_queries
from ivig_graph.vocab import ASSERTED_GRAPH, GRAPHS, INFERRED_GRAPH, ONTOLOGY_GRAPH
from ivig_graph.web.config import ServerConfig
from tests.integration.endpoint_http import (
    Answer,
    assert_same_graph,
    assert_same_rows,
    call,
    embedded,
    get,
    graph,
    rows,
)
from tests.integration.engines import RunningEngine
from tests.servers import RunningServer, app_over, serve_arguments, start_server, stop_server
from tests.web.answers import GRAPH_TYPES, RESULT_TYPES
from tests.web.conftest import assert_never_contacted

pytestmark = pytest.mark.slow

QUERIES = example_queries()
BASE_URL = "http://ivig.example/sparql"  # both endpoints' public IRI: same base, same ETags
MAX_ROWS = 1000  # below the dataset's ~4000 triples, above every example's answer
# Virtuoso orders strings by their first characters only ("Prevention of infection in surgery"
# may come before "... in low birth weight infants"): its order is checked on those.
VIRTUOSO_ORDERED_CHARACTERS = 20
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
SELECT = (
    "SELECT ?c ?label ?line WHERE { ?c a ivig:Condition ; skos:prefLabel ?label ; "
    "ivig:sourceLine ?line } ORDER BY ?line ?c LIMIT 25"
)
CONSTRUCT = (
    "CONSTRUCT { ?c skos:prefLabel ?label ; ivig:mechanism ?m } WHERE { ?c a ivig:Condition ; "
    "skos:prefLabel ?label OPTIONAL { ?c ivig:mechanism ?m } }"
)


def string_prefix(engine: RunningEngine) -> int | None:
    return VIRTUOSO_ORDERED_CHARACTERS if engine.name == "virtuoso" else None


def config() -> dict[str, str]:
    return {
        "IVIG_RATE_LIMIT": "off",
        "IVIG_CLIENT_SHARE": "8",  # every test client has the same loopback address
        "IVIG_BASE_URL": BASE_URL,
        "IVIG_MAX_ROWS": str(MAX_ROWS),
    }


def serve_command(dataset: Path, backend: str, workers: int = 2, timeout: float = 5) -> list[str]:
    options = ("--backend", backend, "--workers", str(workers), "--timeout", str(timeout))
    return serve_arguments(dataset, *options)


@pytest.fixture(scope="module")
def server(
    engine: RunningEngine,
    published: PublishReport,
    built: BuiltDataset,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningServer]:
    log = tmp_path_factory.mktemp(f"serve-{engine.name}") / "server.log"
    command = serve_command(built.directory, engine.query_url)
    running = start_server(built, log, config(), startup_timeout=40, command=command)
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def reference(built: BuiltDataset) -> Iterator[FlaskClient]:
    """The same endpoint on the embedded store, in-process."""
    config = ServerConfig(workers=1, rate_limit="off", base_url=BASE_URL, max_rows=MAX_ROWS)
    with app_over(built, config) as app:
        yield app.test_client()


def both(
    server: RunningServer,
    reference: FlaskClient,
    params: list[tuple[str, str]],
    headers: dict[str, str] | None = None,
) -> tuple[Answer, Answer]:
    path = "/sparql?" + urlencode(params)
    ours = call(server, "GET", path, headers=headers)
    theirs = embedded(reference, "GET", path, headers=headers)
    return ours, theirs


def test_start_up_said_which_backend_and_what_it_holds(
    server: RunningServer, engine: RunningEngine, built: BuiltDataset
) -> None:
    expected = f"Serving dataset {built.version} from the SPARQL backend {engine.query_url}"
    assert expected in server.log()
    ready = call(server, "GET", "/readyz")
    assert ready.status == 200


def test_there_are_example_queries() -> None:
    assert len(QUERIES) >= 10


@pytest.mark.parametrize("path", QUERIES, ids=[p.name for p in QUERIES])
def test_every_example_query_answers_as_on_the_embedded_store(
    server: RunningServer,
    reference: FlaskClient,
    engine: RunningEngine,
    dataset: Dataset,
    path: Path,
) -> None:
    text = path.read_text(encoding="utf-8")
    body = text.encode()
    headers = {"Content-Type": "application/sparql-query"}
    ours = call(server, "POST", "/sparql", body=body, headers=headers)
    theirs = embedded(reference, "POST", "/sparql", body=body, headers=headers)
    assert ours.status == theirs.status == 200, ours.text
    assert ours.media_type == theirs.media_type
    assert "x-sparql-maxrows" not in ours.headers  # complete answers
    if re.search(r"^\s*DESCRIBE", text, re.MULTILINE | re.IGNORECASE):
        assert_describes(graph(ours), graph(theirs), dataset, engine)
    elif ours.media_type.startswith("application/sparql-results"):
        answer = rows(ours)
        assert answer, "an example query should find something"
        assert_same_rows(ours, theirs, text, string_prefix(engine))
    else:
        assert len(graph(ours)) > 0
        assert_same_graph(graph(ours), graph(theirs))


def assert_describes(ours: Graph, theirs: Graph, dataset: Dataset, engine: RunningEngine) -> None:
    if engine.name == "oxigraph":
        assert_same_graph(ours, theirs)
        return
    union = Graph()
    for name in GRAPHS:
        union += dataset.graph(name)
    assert theirs and all(triple in ours for triple in theirs), "the embedded description"
    invented = [triple for triple in ours if triple not in union]
    assert not invented, invented


@pytest.mark.parametrize("accept", RESULT_TYPES)
def test_select_in_every_results_format(
    server: RunningServer, reference: FlaskClient, engine: RunningEngine, accept: str
) -> None:
    ours, theirs = both(server, reference, [("query", SELECT)], {"Accept": accept})
    assert ours.status == 200 and ours.media_type == accept
    assert len(rows(ours)) == 25
    assert_same_rows(ours, theirs, SELECT, string_prefix(engine))


@pytest.mark.parametrize("accept", RESULT_TYPES[:2])
@pytest.mark.parametrize("query", ["ASK { ?c a ivig:Condition }", "ASK { ?c a ivig:Nothing }"])
def test_ask_in_json_and_xml(
    server: RunningServer, reference: FlaskClient, accept: str, query: str
) -> None:
    ours, theirs = both(server, reference, [("query", query)], {"Accept": accept})
    assert ours.status == 200 and ours.media_type == accept
    assert rows(ours) == rows(theirs) == [(("ask", rows(theirs)[0][0][1]),)]


@pytest.mark.parametrize("accept", GRAPH_TYPES)
def test_construct_in_every_rdf_format(
    server: RunningServer, reference: FlaskClient, accept: str
) -> None:
    ours, theirs = both(server, reference, [("query", CONSTRUCT)], {"Accept": accept})
    assert ours.status == 200 and ours.media_type == accept
    assert len(graph(ours)) > 102
    assert_same_graph(graph(ours), graph(theirs))


def test_negotiation_is_ours(server: RunningServer, reference: FlaskClient) -> None:
    for params, headers in [
        ([("query", SELECT)], {"Accept": "text/turtle"}),
        ([("query", CONSTRUCT)], {"Accept": "text/csv"}),
        ([("query", SELECT), ("format", "nonsense")], {}),
        ([("query", SELECT), ("format", "csv")], {"Accept": "application/json"}),
    ]:
        ours, theirs = both(server, reference, params, headers)
        assert (ours.status, ours.media_type) == (theirs.status, theirs.media_type)
        assert ours.status in (200, 400, 406)


DATASETS: list[list[tuple[str, str]]] = [
    [("query", COUNT)],
    [("query", COUNT), ("default-graph-uri", str(ASSERTED_GRAPH))],
    [("query", PER_GRAPH), ("named-graph-uri", str(INFERRED_GRAPH))],
    [("query", COUNT), ("named-graph-uri", str(INFERRED_GRAPH))],
    [
        ("query", PER_GRAPH),
        ("default-graph-uri", str(ONTOLOGY_GRAPH)),
        ("named-graph-uri", str(ASSERTED_GRAPH)),
        ("named-graph-uri", str(ONTOLOGY_GRAPH)),
    ],
    [("query", f"SELECT (COUNT(*) AS ?n) FROM <{ASSERTED_GRAPH}> WHERE {{ ?s ?p ?o }}")],
    [
        (
            "query",
            f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{INFERRED_GRAPH}> "
            "WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
        )
    ],
    [("query", "SELECT (COUNT(*) AS ?n) FROM <http://ivig.example/none> WHERE { ?s ?p ?o }")],
    [("query", "SELECT ?x WHERE { BIND(<relative> AS ?x) }")],
]


@pytest.mark.parametrize("params", DATASETS, ids=[str(n) for n in range(len(DATASETS))])
def test_the_dataset_a_query_sees_is_the_embedded_stores(
    server: RunningServer,
    reference: FlaskClient,
    engine: RunningEngine,
    params: list[tuple[str, str]],
) -> None:
    ours, theirs = both(server, reference, params)
    assert ours.status == theirs.status == 200, ours.text
    assert_same_rows(ours, theirs, params[0][1], string_prefix(engine))


def test_a_dataset_in_both_the_query_and_the_parameters_is_refused_not_guessed(
    server: RunningServer, reference: FlaskClient
) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{ASSERTED_GRAPH}> WHERE {{ ?s ?p ?o }}"
    params = [("query", query), ("default-graph-uri", str(INFERRED_GRAPH))]
    ours, theirs = both(server, reference, params)
    assert theirs.status == 200  # the embedded store lets the parameters win, as it should
    assert ours.status == 400
    assert "either in the query (FROM, FROM NAMED) or as default-graph-uri" in ours.text


def test_service_is_refused_and_never_requested(
    server: RunningServer, canary: socket.socket
) -> None:
    host, port = canary.getsockname()
    for query in (
        f"SELECT * {{ SERVICE <http://{host}:{port}/sparql> {{ ?s ?p ?o }} }}",
        f"PREFIX e: <http://{host}:{port}/> SELECT * {{ SERVICEe:x {{ ?s ?p ?o }} }}",
    ):
        answer = get(server, {"query": query})
        assert answer.status == 400
        assert "SERVICE" in answer.text
    assert_never_contacted(canary)


def test_updates_are_refused_and_the_backend_is_unchanged(
    server: RunningServer, engine: RunningEngine, built: BuiltDataset
) -> None:
    drop = f"DROP GRAPH <{ASSERTED_GRAPH}>"
    refused = [
        get(server, {"update": drop}),
        get(server, {"query": drop}),
        call(
            server,
            "POST",
            "/sparql",
            body=f"INSERT DATA {{ GRAPH <{ASSERTED_GRAPH}> {{ <s:a> <s:b> <s:c> }} }}".encode(),
            headers={"Content-Type": "application/sparql-update"},
        ),
        call(
            server,
            "POST",
            "/sparql",
            body=urlencode({"query": f"CLEAR GRAPH <{INFERRED_GRAPH}>"}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
    ]
    assert [answer.status for answer in refused] == [403] * 4
    assert all("read-only" in answer.text for answer in refused)
    expected = {g: built.manifest["graphs"][g]["triples"] for g in map(str, GRAPHS)}
    assert check_backend(built, Backend(engine.query_url)) == expected


def test_a_malformed_query_is_400_with_the_position(
    server: RunningServer, reference: FlaskClient
) -> None:
    ours, theirs = both(server, reference, [("query", "SELECT * WHERE { ?s ?p }")])
    assert ours.status == theirs.status == 400
    assert ours.text == theirs.text
    assert ours.text.startswith("SPARQL syntax error at line 1, column 24:")


def test_the_row_cap_is_ours_and_said(server: RunningServer, reference: FlaskClient) -> None:
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    ours, theirs = both(server, reference, [("query", query)])
    assert ours.status == 200
    assert len(rows(ours)) == len(rows(theirs)) == MAX_ROWS
    assert ours.headers["x-sparql-maxrows"] == str(MAX_ROWS)
    assert "Results truncated" in ours.headers["warning"]
    assert b"results-truncated" in ours.body


def test_etags_are_the_embedded_stores_and_304_without_asking(
    server: RunningServer, reference: FlaskClient, built: BuiltDataset
) -> None:
    ours, theirs = both(server, reference, [("query", SELECT)])
    assert ours.headers["etag"] == theirs.headers["etag"]
    assert built.version in ours.headers["etag"]
    again = call(
        server,
        "GET",
        "/sparql?" + urlencode({"query": SELECT}),
        headers={"If-None-Match": ours.headers["etag"]},
    )
    assert again.status == 304 and again.body == b""


def test_the_service_description_is_the_embedded_stores(
    server: RunningServer, reference: FlaskClient
) -> None:
    headers = {"Accept": "text/turtle"}
    ours = call(server, "GET", "/sparql", headers=headers)
    theirs = embedded(reference, "GET", "/sparql", headers=headers)
    assert ours.status == 200
    assert_same_graph(graph(ours), graph(theirs))


def test_start_up_refuses_a_backend_holding_another_dataset(
    engine: RunningEngine,
    published: PublishReport,
    built: BuiltDataset,
    tmp_path: Path,
) -> None:
    other = Dataset()
    for name in GRAPHS:
        for triple in built.rdflib_dataset().graph(name):
            other.graph(name).add(triple)
            break  # one triple per graph: a different dataset of the same shape
    different = write_built(
        other, tmp_path / "other", {"graphs": {str(g): {"triples": 1} for g in GRAPHS}}
    )
    log = tmp_path / "refused.log"
    with pytest.raises(RuntimeError, match="server exited during start-up"):
        start_server(
            different, log, config(), command=serve_command(different.directory, engine.query_url)
        )
    text = log.read_text()
    assert f"does not hold dataset {different.version}" in text
    assert "ivig-graph publish" in text
