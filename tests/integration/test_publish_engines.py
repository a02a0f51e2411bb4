"""Publishing to real triple stores: Oxigraph's server and Virtuoso, on loopback.

Each test reads the store's answer back (Graph Store GET, SPARQL over HTTP) and compares it with
the built dataset, graph by graph, or with rdflib's answer to the same query.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.query import Result

from ivig_graph.clients.gsp import Credentials, GraphStore
from ivig_graph.clients.publish import (
    AUTH_ENV,
    PublishReport,
    publish,
    publish_from_args,
    verify_store,
)
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.errors import StoreDiffers, StoreRefused
from ivig_graph.query.command import run
from ivig_graph.resources import example_queries
from ivig_graph.vocab import ASSERTED_GRAPH, GRAPHS, INFERRED_GRAPH, IVIG
from tests.integration.conftest import graph_store
from tests.integration.engines import RunningEngine
from tests.integration.sparql_http import ask_endpoint, solutions

pytestmark = pytest.mark.slow

# DESCRIBE is implementation-defined (each engine chooses what to describe): not compared.
COMPARED_FORMS = ("SELECT", "ASK", "CONSTRUCT")
COUNT_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def assert_same_graph(ours: Graph, theirs: Graph | None, name: object) -> None:
    assert theirs is not None, f"the store has no graph <{name}>"
    if not isomorphic(ours, theirs):
        _, missing, extra = graph_diff(to_isomorphic(ours), to_isomorphic(theirs))
        pytest.fail(
            f"graph <{name}> differs: {len(missing)} missing, {len(extra)} extra\n"
            f"missing:\n{missing.serialize(format='nt')}\nextra:\n{extra.serialize(format='nt')}"
        )


def triples_per_graph(engine: RunningEngine) -> dict[str, int]:
    """Counted by the engine's own SPARQL, over every graph it has, ours picked out."""
    result = ask_endpoint(engine.query_url, COUNT_PER_GRAPH, graphs=())
    assert isinstance(result, Result)
    rows = ({str(k): v for k, v in binding.items()} for binding in result.bindings)
    counts = {str(row["g"]): int(str(row["n"])) for row in rows}
    return {str(name): counts.get(str(name), 0) for name in GRAPHS}


def manifest_counts(built: BuiltDataset) -> dict[str, int]:
    return {str(name): built.manifest["graphs"][str(name)]["triples"] for name in GRAPHS}


def test_publish_sends_and_verifies_every_graph(
    published: PublishReport, built: BuiltDataset, engine: RunningEngine
) -> None:
    assert published.endpoint == engine.store_url
    assert published.version == built.version
    assert [outcome.graph for outcome in published.graphs] == list(GRAPHS)
    expected = manifest_counts(built)
    for outcome in published.graphs:
        assert outcome.sent == outcome.verified == expected[str(outcome.graph)]
    text = published.text()
    for name in GRAPHS:
        assert f"<{name}>: {expected[str(name)]} triples sent, {expected[str(name)]} verified" in (
            text
        )


def test_store_holds_each_graph_as_built(
    published: PublishReport, engine: RunningEngine, dataset: Dataset
) -> None:
    store = graph_store(engine)
    for name in GRAPHS:
        assert_same_graph(dataset.graph(name), store.read(name), name)


def test_publishing_twice_replaces_rather_than_appends(
    published: PublishReport, engine: RunningEngine, built: BuiltDataset
) -> None:
    expected = manifest_counts(built)
    assert triples_per_graph(engine) == expected
    again = publish(built, graph_store(engine))
    assert [outcome.verified for outcome in again.graphs] == list(expected.values())
    assert triples_per_graph(engine) == expected


QUERIES = [path for path in example_queries()]


def test_example_queries_found() -> None:
    assert len(QUERIES) >= 10


@pytest.mark.parametrize("path", QUERIES, ids=[path.stem for path in QUERIES])
def test_example_query_answers_as_rdflib_does(
    path: Path, published: PublishReport, engine: RunningEngine, dataset: Dataset
) -> None:
    text = path.read_text(encoding="utf-8")
    ours = run(dataset, text)
    if ours.type not in COMPARED_FORMS:
        assert ours.type == "DESCRIBE"
        return
    theirs = ask_endpoint(engine.query_url, text, GRAPHS, answers_graph=ours.type == "CONSTRUCT")
    if ours.type == "CONSTRUCT":
        assert isinstance(ours.graph, Graph) and isinstance(theirs, Graph)
        assert len(ours.graph) > 0
        assert_same_graph(ours.graph, theirs, f"CONSTRUCT of {path.name}")
        return
    assert isinstance(theirs, Result)
    expected = solutions(ours)
    assert sum(expected.values()) > 0, f"{path.name} has no answer to compare"
    assert solutions(theirs) == expected


@pytest.fixture
def restored(engine: RunningEngine, built: BuiltDataset) -> Iterator[GraphStore]:
    """The engine's store, published again afterwards (for tests that change it)."""
    store = graph_store(engine)
    yield store
    publish(built, store)


def test_a_store_that_ended_up_different_is_named(
    published: PublishReport, restored: GraphStore, dataset: Dataset
) -> None:
    ours = {name: dataset.graph(name) for name in GRAPHS}
    asserted = Graph()
    asserted += ours[ASSERTED_GRAPH]
    dropped = next(iter(asserted.triples((None, IVIG.sourceLine, None))))
    asserted.remove(dropped)
    inferred = Graph()
    inferred += ours[INFERRED_GRAPH]
    inferred.add((URIRef("https://example.org/intruder"), IVIG.sourceLine, Literal(1)))
    restored.replace(ASSERTED_GRAPH, asserted)  # behind publish's back
    restored.replace(INFERRED_GRAPH, inferred)

    with pytest.raises(StoreDiffers) as caught:
        verify_store(restored, ours)

    assert caught.value.differences == {str(ASSERTED_GRAPH): (1, 0), str(INFERRED_GRAPH): (0, 1)}
    message = str(caught.value)
    assert f"graph <{ASSERTED_GRAPH}>: 1 triples missing, 0 extra" in message
    assert f"graph <{INFERRED_GRAPH}>: 0 triples missing, 1 extra" in message
    assert "https://example.org/intruder" in message
    assert caught.value.exit_code == 8


def test_a_graph_the_store_does_not_have_is_all_missing(
    published: PublishReport, engine: RunningEngine, asserted: Graph
) -> None:
    never = URIRef("https://w3id.org/ivig/graph/never-published")
    with pytest.raises(StoreDiffers) as caught:
        verify_store(graph_store(engine), {never: asserted})
    assert caught.value.differences == {str(never): (len(asserted), 0)}
    assert f"graph <{never}>" in str(caught.value)


def test_credentials_from_the_environment(
    published: PublishReport, engine: RunningEngine, built: BuiltDataset
) -> None:
    secret = engine.credentials
    environ = {AUTH_ENV: f"{secret.user}:{secret.password}"} if secret else {}
    scheme = secret.scheme if secret else "basic"
    report = publish_from_args(built, engine.store_url, None, scheme, environ=environ)
    assert report.verified
    assert [o.verified for o in report.graphs] == list(manifest_counts(built).values())


def test_virtuoso_refuses_a_wrong_password(virtuoso_server: RunningEngine) -> None:
    store = GraphStore(virtuoso_server.store_url, Credentials("dba", "wrong", "digest"))
    with pytest.raises(StoreRefused) as caught:
        store.replace(ASSERTED_GRAPH, Graph())
    assert caught.value.status == 401
    assert caught.value.exit_code == 7
    assert "HTTP 401" in str(caught.value)
    assert "refused the credentials (digest authentication)" in str(caught.value)


def test_virtuoso_says_to_use_digest_when_sent_basic(virtuoso_server: RunningEngine) -> None:
    store = GraphStore(virtuoso_server.store_url, Credentials("dba", "dba", "basic"))
    with pytest.raises(StoreRefused) as caught:
        store.read(ASSERTED_GRAPH)
    assert caught.value.status == 401
    assert "refused the credentials (basic authentication)" in str(caught.value)
    assert "use --auth-scheme digest" in str(caught.value)


def test_virtuoso_refuses_anonymous_updates(
    virtuoso_server: RunningEngine, built: BuiltDataset
) -> None:
    anonymous = GraphStore(f"{virtuoso_server.base_url}/sparql-graph-crud")
    with pytest.raises(StoreRefused) as caught:
        publish(built, anonymous)
    assert caught.value.status == 403
    message = str(caught.value)
    assert "Permission denied" in message  # Virtuoso's own words, from its HTML error page
    assert "/sparql-graph-crud-auth" in message
