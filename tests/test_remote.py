"""The SPARQL backend client (``ivig_graph.clients.sparql_backend`` and its ``backend_*``
modules) against a scripted backend on loopback: what it sends, how it reads Virtuoso's quirks,
the row cap, and how each failure of the remote becomes a clear status for our client. Real
engines: tests/integration/test_backend.py."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from ivig_graph.clients.backend_answers import PLAIN_BNODE, VIRTUOSO_BNODE, Replacing
from ivig_graph.clients.sparql_backend import Backend, check_backend, execute_remote
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.errors import QueryError, StoreDiffers, StoreRefused, StoreUnreachable
from ivig_graph.query.engine import QueryRequest
from ivig_graph.vocab import GRAPHS, PREFIXES
from ivig_graph.web.config import ConfigError, ServerConfig
from ivig_graph.web.errors import status_of
from tests.backend_double import BackendDouble, Reply, Seen

GRAPH_IRIS = [str(name) for name in GRAPHS]
BASE = "http://example.org/sparql"
XML = "application/sparql-results+xml"

# Recorded from Virtuoso 7.2 (Debian's virtuoso-opensource-7), answering through /sparql.
VIRTUOSO_ASK_TRUE = b"""<sparql xmlns="http://www.w3.org/2005/sparql-results#">
 <head>
  <variable name="__ASK_RETVAL"/>
 </head>
 <results distinct="false" ordered="true">
  <result>
   <binding name="__ASK_RETVAL"><literal
datatype="http://www.w3.org/2001/XMLSchema#integer">1</literal></binding>
  </result>
 </results>
</sparql>"""
VIRTUOSO_ASK_FALSE = b"""<sparql xmlns="http://www.w3.org/2005/sparql-results#">
 <head>
  <variable name="__ASK_RETVAL"/>
 </head>
 <results distinct="false" ordered="true">
 </results>
</sparql>"""
VIRTUOSO_BNODES = b"""<sparql xmlns="http://www.w3.org/2005/sparql-results#">
 <head>
  <variable name="s"/>
  <variable name="o"/>
 </head>
 <results distinct="false" ordered="true">
  <result>
   <binding name="s"><bnode>nodeID://b10002</bnode></binding>
   <binding name="o"><literal>&lt;bnode&gt;nodeID://not-a-node</literal></binding>
  </result>
  <result>
   <binding name="s"><bnode>nodeID://b10002</bnode></binding>
   <binding name="o"><bnode>nodeID://b10015</bnode></binding>
  </result>
 </results>
</sparql>"""


def results_xml(query: str) -> bytes:
    """The answer of pyoxigraph (a standard engine) over a tiny store, as SPARQL XML."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("x")))
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions | ox.QueryBoolean)
    return result.serialize(format=ox.QueryResultsFormat.XML) or b""


ONE_ROW = results_xml("SELECT ?s WHERE { ?s ?p ?o }")


@pytest.fixture
def double() -> Iterator[BackendDouble]:
    with BackendDouble(lambda seen: Reply(body=ONE_ROW)) as running:
        yield running


def ask(backend: BackendDouble, query: str, fmt: str = "json", **kwargs: object) -> bytes:
    request = QueryRequest(query, fmt, base_iri=BASE, **kwargs)  # type: ignore[arg-type]
    return execute_remote(Backend(backend.url, timeout=5), request).body


def failure(backend: BackendDouble | str, query: str, timeout: float = 5) -> QueryError:
    url = backend.url if isinstance(backend, BackendDouble) else backend
    with pytest.raises(QueryError) as caught:
        execute_remote(Backend(url, timeout=timeout), QueryRequest(query, "json", base_iri=BASE))
    return caught.value


# ---------------------------------------------------------------- what is sent


def test_sends_the_query_over_our_three_graphs_with_what_the_endpoint_predeclares(
    double: BackendDouble,
) -> None:
    query = "SELECT ?c WHERE { ?c a ivig:Condition ; <rel> ?x }"
    answer = json.loads(ask(double, query))
    assert answer["results"]["bindings"] == [{"s": {"type": "uri", "value": "http://e/a"}}]
    (seen,) = double.seen
    assert seen.values("default-graph-uri") == GRAPH_IRIS
    assert seen.values("named-graph-uri") == GRAPH_IRIS
    assert seen.headers["Accept"].startswith(XML)
    assert seen.headers["Content-Type"] == "application/x-www-form-urlencoded"
    prologue, _, rest = seen.query.partition(query)
    assert rest == "" and "\n" not in prologue  # the query as sent, after one line
    assert prologue.startswith(f"BASE <{BASE}> ")
    for prefix, namespace in PREFIXES.items():
        assert f"PREFIX {prefix}: <{namespace}> " in prologue
    # The remote resolves as we do: the prologue is SPARQL our parser reads the same way.
    store = ox.Store()
    store.add(
        ox.Quad(
            ox.NamedNode("https://w3id.org/ivig/id/condition/x"),
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode(PREFIXES["ivig"] + "Condition"),
        )
    )
    assert len(list(store.query(seen.query.replace("<rel> ?x", "")))) == 1  # type: ignore[arg-type]


def test_declarations_in_the_query_are_not_repeated(double: BackendDouble) -> None:
    query = (
        "BASE <http://other.example/> PREFIX ivig: <http://other.example/ivig#>\n"
        "PREFIXskos:<http://other.example/skos#> SELECT * WHERE { ?s a ivig:X ; skos:y 1 }"
    )
    ask(double, query)
    prologue = double.seen[0].query.removesuffix(query)
    assert "BASE" not in prologue
    assert "PREFIX ivig:" not in prologue and "PREFIX skos:" not in prologue
    assert "PREFIX condition:" in prologue


def test_the_clients_dataset_or_the_querys_own_is_passed_on_as_given(
    double: BackendDouble,
) -> None:
    ask(double, "SELECT * WHERE { ?s ?p ?o }", default_graphs=("http://a/",), named_graphs=())
    ask(double, "SELECT * WHERE { ?s ?p ?o }", default_graphs=(), named_graphs=("http://b/",))
    ask(double, "SELECT * FROM <http://c/> WHERE { ?s ?p ?o }")
    ask(double, "SELECT * FROM NAMED <http://d/> WHERE { GRAPH ?g { ?s ?p ?o } }")
    sent = [(s.values("default-graph-uri"), s.values("named-graph-uri")) for s in double.seen]
    assert sent == [(["http://a/"], []), ([], ["http://b/"]), ([], []), ([], [])]


@pytest.mark.parametrize(
    "query",
    ["SELECT * WHERE { ?s ?p ", "SELECT * WHERE { ?s undeclared:p ?o }", "DEFINE x SELECT 1 {}"],
)
def test_what_our_parser_refuses_never_reaches_the_backend(
    double: BackendDouble, query: str
) -> None:
    refused = failure(double, query)
    assert status_of(refused) == 400
    assert str(refused).startswith("SPARQL syntax error at line 1, column ")
    assert double.seen == []


# ---------------------------------------------------------------- reading answers


@pytest.mark.parametrize(
    ("body", "truth"), [(VIRTUOSO_ASK_TRUE, True), (VIRTUOSO_ASK_FALSE, False)]
)
def test_virtuosos_ask_table_is_answered_as_a_boolean(body: bytes, truth: bool) -> None:
    with BackendDouble(lambda seen: Reply(body=body)) as virtuoso:
        assert json.loads(ask(virtuoso, "ASK { ?s ?p ?o }")) == {"head": {}, "boolean": truth}


def test_a_select_with_virtuosos_ask_variable_stays_a_table() -> None:
    with BackendDouble(lambda seen: Reply(body=VIRTUOSO_ASK_TRUE)) as virtuoso:
        answer = json.loads(ask(virtuoso, "SELECT ?__ASK_RETVAL WHERE {}"))
    assert answer["head"]["vars"] == ["__ASK_RETVAL"]


def test_virtuosos_blank_node_labels_are_read_and_literals_left_alone() -> None:
    with BackendDouble(lambda seen: Reply(body=VIRTUOSO_BNODES)) as virtuoso:
        rows = json.loads(ask(virtuoso, "SELECT ?s ?o WHERE { ?s ?p ?o }"))["results"]["bindings"]
    assert rows[0]["s"] == rows[1]["s"] == {"type": "bnode", "value": "b10002"}
    assert rows[0]["o"] == {"type": "literal", "value": "<bnode>nodeID://not-a-node"}
    assert rows[1]["o"] == {"type": "bnode", "value": "b10015"}


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 16, 17, 1000])
def test_the_blank_node_repair_works_across_any_read_boundary(chunk: int) -> None:
    class Trickle(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = data

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            piece, self.data = self.data[:chunk], self.data[chunk:]
            return piece

    repaired = Replacing(Trickle(VIRTUOSO_BNODES), VIRTUOSO_BNODE, PLAIN_BNODE).read()  # type: ignore[arg-type]
    assert repaired == VIRTUOSO_BNODES.replace(VIRTUOSO_BNODE, PLAIN_BNODE)


def test_rows_past_the_cap_are_not_read_and_the_answer_says_truncated() -> None:
    head = b'<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="n"/>'
    row = b'<result><binding name="n"><literal>%d</literal></binding></result>'

    def many() -> Iterator[bytes]:
        yield head + b"</head><results>"
        for block in range(1000):  # 200,000 rows, far more than the client reads
            yield b"".join(row % (block * 200 + n) for n in range(200))
        yield b"</results></sparql>"

    with BackendDouble(lambda seen: Reply(body=many())) as backend:
        started = time.monotonic()
        request = QueryRequest("SELECT ?n WHERE { ?s ?p ?n }", "tsv", max_rows=5)
        answer = execute_remote(Backend(backend.url), request)
    assert answer.truncated and answer.rows == 5
    assert answer.body == b"?n\n" + b"".join(b'"%d"\n' % n for n in range(5))
    assert time.monotonic() - started < 2.0


def test_a_graph_is_read_as_n_triples_and_written_in_the_format_asked() -> None:
    triples = b'<http://e/a> <http://e/p> "x"@en .\n_:b1 <http://e/p> <http://e/a> .\n'
    reply = Reply(content_type="application/n-triples; charset=UTF-8", body=triples)
    with BackendDouble(lambda seen: reply) as backend:
        body = ask(backend, "CONSTRUCT WHERE { ?s ?p ?o }", "turtle")
        assert double_accepts(backend.seen[0]).startswith("application/n-triples")
    ours = Graph().parse(data=body, format="turtle")
    assert len(ours) == 2
    assert len(Graph().parse(data=triples, format="nt") ^ ours) == 2  # blank nodes relabelled


def double_accepts(seen: Seen) -> str:
    return seen.headers["Accept"]


# ---------------------------------------------------------------- failures


@pytest.mark.parametrize(
    ("reply", "status", "words"),
    [
        (
            Reply(400, "text/plain", b"Virtuoso 37000 Error SP031: not implemented"),
            400,
            "The SPARQL backend refused the query: Virtuoso 37000 Error SP031",
        ),
        (
            Reply(500, "text/html", b"<h1>Internal</h1> boom"),
            502,
            "failed (HTTP 500): Internal boom",
        ),
        (Reply(503, "text/plain", b"busy"), 503, "overloaded"),
        (Reply(401, "text/plain", b""), 502, "misconfigured"),
        (Reply(404, "text/html", b"no"), 502, "misconfigured"),
        (Reply(200, "text/html", b"<html></html>"), 502, "text/html, not SPARQL results"),
        (Reply(200, XML, b"<sparql><head>"), 502, "could not be read"),
        (Reply(200, XML, ONE_ROW, {"X-SQL-State": "S1TAT"}), 504, "incomplete results"),
    ],
    ids=["400", "500", "503", "401", "404", "html", "garbage", "virtuoso-anytime"],
)
def test_a_remote_failure_is_a_clear_status(reply: Reply, status: int, words: str) -> None:
    with BackendDouble(lambda seen: reply) as backend:
        refused = failure(backend, "SELECT * WHERE { ?s ?p ?o }")
    assert status_of(refused) == status
    assert words in str(refused)
    assert "127.0.0.1" not in str(refused)  # the remote's address is logged, not told


def test_a_backend_that_is_down_is_502_at_once() -> None:
    with BackendDouble(lambda seen: Reply()) as backend:
        url = backend.url
    started = time.monotonic()
    refused = failure(url, "ASK {}")
    assert status_of(refused) == 502
    assert "could not be reached: connection refused" in str(refused)
    assert time.monotonic() - started < 1.0


def test_a_backend_that_does_not_answer_in_time_is_504() -> None:
    with BackendDouble(lambda seen: Reply(stall=10)) as backend:
        started = time.monotonic()
        refused = failure(backend, "ASK {}", timeout=0.5)
        assert status_of(refused) == 504
        assert time.monotonic() - started < 2.0
        deadline = time.monotonic() + 5
        while backend.seen[0].hung_up_after is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert backend.seen[0].hung_up_after is not None  # we did not leave it waiting


# ---------------------------------------------------------------- start-up check


def counts_reply(counts: dict[str, int]) -> Reply:
    store = ox.Store()
    for graph, count in counts.items():
        for n in range(count):
            store.add(
                ox.Quad(
                    ox.NamedNode(f"http://e/{n}"),
                    ox.NamedNode("http://e/p"),
                    ox.Literal(str(n)),
                    ox.NamedNode(graph),
                )
            )
    result = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    assert isinstance(result, ox.QuerySolutions)
    return Reply(body=result.serialize(format=ox.QueryResultsFormat.XML) or b"")


def expected_counts(built: BuiltDataset) -> dict[str, int]:
    return {g: built.manifest["graphs"][g]["triples"] for g in GRAPH_IRIS}


def test_start_up_check_counts_each_graph(built: BuiltDataset) -> None:
    counts = expected_counts(built)
    with BackendDouble(lambda seen: counts_reply(counts)) as backend:
        assert check_backend(built, Backend(backend.url)) == counts
        (seen,) = backend.seen
    assert seen.values("named-graph-uri") == GRAPH_IRIS


def test_start_up_check_refuses_a_backend_holding_something_else(built: BuiltDataset) -> None:
    counts = {**expected_counts(built), GRAPH_IRIS[2]: 3}
    with (
        BackendDouble(lambda seen: counts_reply(counts)) as backend,
        pytest.raises(StoreDiffers) as caught,
    ):
        check_backend(built, Backend(backend.url))
    message = str(caught.value)
    assert f"does not hold dataset {built.version}: <{GRAPH_IRIS[2]}>: 3 triples" in message
    assert "ivig-graph publish" in message
    assert caught.value.exit_code == 8


def test_start_up_check_says_when_the_backend_is_down_or_refuses(built: BuiltDataset) -> None:
    with BackendDouble(lambda seen: Reply(405, "text/plain", b"use GET")) as backend:
        with pytest.raises(StoreRefused, match=r"HTTP 405\): use GET"):
            check_backend(built, Backend(backend.url))
        url = backend.url
    with pytest.raises(StoreUnreachable, match="connection refused"):
        check_backend(built, Backend(url))


def test_cli_serve_refuses_a_backend_it_cannot_reach(built: BuiltDataset) -> None:
    from ivig_graph.cli import main

    with BackendDouble(lambda seen: Reply()) as backend:
        url = backend.url
    assert main(["serve", "--dataset", str(built.directory), "--backend", url]) == 6


# ---------------------------------------------------------------- configuration


def test_backend_setting_from_environment_and_option(tmp_path: Path) -> None:
    env = {"IVIG_BACKEND": "http://127.0.0.1:7878/query"}
    assert ServerConfig.from_env(env).backend == "http://127.0.0.1:7878/query"
    assert ServerConfig.from_env({}).backend is None
    overridden = ServerConfig.from_env(env, backend="https://sparql.example/q")
    assert overridden.backend == "https://sparql.example/q"
    with pytest.raises(ConfigError, match="not an http"):
        ServerConfig(backend="file:///etc/passwd")
