"""Publishing over the Graph Store HTTP Protocol, against a small in-process store on loopback.

The real engines (Oxigraph, Virtuoso) are in tests/integration/; this fake answers in the ways a
store can fail (401 without credentials, 415, 500 with an HTML page, a slow answer) in well under
a second.
"""

from __future__ import annotations

import base64
import contextlib
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from ivig_graph.clients.gsp import Credentials, GraphStore, excerpt
from ivig_graph.clients.publish import AUTH_ENV, publish, publish_from_args, verify_store
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.errors import PublishFailed, StoreDiffers, StoreRefused, StoreUnreachable
from ivig_graph.vocab import ASSERTED_GRAPH, GRAPHS, IVIG

USER, PASSWORD = "curator", "s3cret:with:colons"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
SLOW_SECONDS = 1.0
ERROR_PAGE = b"<html><body><h1>Internal error</h1><p>disk   full</p></body></html>"


class FakeGraphStore(ThreadingHTTPServer):
    """Graphs kept as the bytes and media type each PUT sent; paths choose the behaviour."""

    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.graphs: dict[str, tuple[str, bytes]] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeGraphStore

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _answer(self, status: int, body: bytes = b"", media_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _refusal(self) -> bool:
        path = urllib.parse.urlsplit(self.path).path
        if path == "/basic" and self.headers.get("Authorization") != BASIC:
            self._answer(401, b"who are you?")
        elif path == "/picky":
            self._answer(415, b"Unsupported media type: text/turtle. Send RDF/XML.")
        elif path == "/broken":
            self._answer(500, ERROR_PAGE, "text/html")
        elif path == "/slow":
            time.sleep(SLOW_SECONDS)
            with contextlib.suppress(ConnectionError):  # the client has given up by now
                self._answer(204)
        else:
            return False
        return True

    def _graph(self) -> str:
        (graph,) = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["graph"]
        return graph

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if not self._refusal():
            created = self._graph() not in self.server.graphs
            self.server.graphs[self._graph()] = (self.headers.get_content_type(), body)
            self._answer(201 if created else 204)

    def do_GET(self) -> None:
        if not self._refusal():
            if self._graph() not in self.server.graphs:
                self._answer(404, b"no such graph")
            else:
                media_type, body = self.server.graphs[self._graph()]
                self._answer(200, body, media_type)


@pytest.fixture
def fake() -> Iterator[FakeGraphStore]:
    server = FakeGraphStore()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def small_graph() -> Graph:
    graph = Graph()
    blank = BNode()
    graph.add((URIRef("https://w3id.org/ivig/id/condition/x"), IVIG.sourceLine, Literal(7)))
    graph.add((blank, IVIG.sourceText, Literal("naïve “quotes” \\ and\nnewline", lang="en")))
    graph.add((URIRef("https://w3id.org/ivig/id/condition/x"), IVIG.mechanism, blank))
    return graph


def test_replace_then_read_round_trips_a_graph_with_blank_nodes(fake: FakeGraphStore) -> None:
    store = GraphStore(f"{fake.url}/store")
    store.replace(ASSERTED_GRAPH, small_graph())
    media_type, _ = fake.graphs[str(ASSERTED_GRAPH)]
    assert media_type == "text/turtle"
    back = store.read(ASSERTED_GRAPH)
    assert back is not None
    assert isomorphic(back, small_graph())


def test_reading_a_graph_the_store_lacks_answers_none(fake: FakeGraphStore) -> None:
    assert GraphStore(f"{fake.url}/store").read(ASSERTED_GRAPH) is None


def test_the_graph_iri_joins_the_endpoints_own_query_string() -> None:
    store = GraphStore("http://127.0.0.1:9/repositories/ivig/rdf-graphs/service?infer=false")
    query = urllib.parse.urlsplit(store.graph_url(ASSERTED_GRAPH)).query
    assert urllib.parse.parse_qs(query) == {"infer": ["false"], "graph": [str(ASSERTED_GRAPH)]}


def test_publish_puts_each_graph_and_verifies_it(
    fake: FakeGraphStore, built: BuiltDataset, dataset: Dataset
) -> None:
    report = publish(built, GraphStore(f"{fake.url}/store"))
    assert set(fake.graphs) == {str(name) for name in GRAPHS}
    for outcome in report.graphs:
        ours = dataset.graph(outcome.graph)
        assert outcome.sent == outcome.verified == len(ours)
        _, body = fake.graphs[str(outcome.graph)]
        assert isomorphic(Graph().parse(data=body, format="turtle"), ours)
    assert report.text().splitlines()[0] == f"Published dataset {built.version} to {fake.url}/store"
    assert f"<{ASSERTED_GRAPH}>: {len(dataset.graph(ASSERTED_GRAPH))} triples sent" in report.text()


def test_publishing_twice_leaves_the_same_store(fake: FakeGraphStore, built: BuiltDataset) -> None:
    store = GraphStore(f"{fake.url}/store")
    publish(built, store)
    first = {
        name: Graph().parse(data=body, format="turtle") for name, (_, body) in fake.graphs.items()
    }
    publish(built, store)
    assert fake.graphs.keys() == first.keys()
    for name, (_, body) in fake.graphs.items():
        again = Graph().parse(data=body, format="turtle")
        assert len(again) == len(first[name])
        assert isomorphic(again, first[name])


def test_unverified_publish_says_so(fake: FakeGraphStore, built: BuiltDataset) -> None:
    report = publish(built, GraphStore(f"{fake.url}/store"), verify=False)
    assert not report.verified
    assert report.text().count("not verified") == len(GRAPHS)


def test_a_triple_removed_behind_our_back_is_reported(
    fake: FakeGraphStore, dataset: Dataset
) -> None:
    store = GraphStore(f"{fake.url}/store")
    ours = {name: dataset.graph(name) for name in GRAPHS}
    for name, graph in ours.items():
        store.replace(name, graph)
    fewer = Graph()
    fewer += ours[ASSERTED_GRAPH]
    fewer.remove(next(iter(fewer.triples((None, IVIG.sourceLine, None)))))
    store.replace(ASSERTED_GRAPH, fewer)
    with pytest.raises(StoreDiffers) as caught:
        verify_store(store, ours)
    assert caught.value.differences == {str(ASSERTED_GRAPH): (1, 0)}
    assert f"graph <{ASSERTED_GRAPH}>: 1 triples missing, 0 extra" in str(caught.value)
    assert "sourceLine" in str(caught.value)


def test_basic_credentials_are_sent_up_front(fake: FakeGraphStore) -> None:
    store = GraphStore(f"{fake.url}/basic", Credentials.parse(f"{USER}:{PASSWORD}"))
    store.replace(ASSERTED_GRAPH, small_graph())
    assert str(ASSERTED_GRAPH) in fake.graphs


def test_credentials_come_from_the_environment_unless_given(
    fake: FakeGraphStore, built: BuiltDataset
) -> None:
    environ = {AUTH_ENV: f"{USER}:{PASSWORD}"}
    assert publish_from_args(built, f"{fake.url}/basic", None, "basic", environ=environ).verified
    with pytest.raises(StoreRefused) as caught:
        publish_from_args(built, f"{fake.url}/basic", f"{USER}:wrong", "basic", environ=environ)
    assert caught.value.status == 401
    assert "refused the credentials (basic authentication)" in str(caught.value)


def test_no_credentials_for_a_store_that_wants_them(fake: FakeGraphStore) -> None:
    with pytest.raises(StoreRefused) as caught:
        GraphStore(f"{fake.url}/basic").replace(ASSERTED_GRAPH, small_graph())
    assert caught.value.status == 401
    assert caught.value.exit_code == 7
    message = str(caught.value)
    assert f"refused PUT {fake.url}/basic?graph=" in message
    assert "It said: who are you?" in message
    assert "--auth USER:PASSWORD" in message and AUTH_ENV in message


def test_an_unsupported_media_type_is_refused_with_the_servers_words(
    fake: FakeGraphStore,
) -> None:
    with pytest.raises(StoreRefused) as caught:
        GraphStore(f"{fake.url}/picky").replace(ASSERTED_GRAPH, small_graph())
    assert caught.value.status == 415
    assert "HTTP 415" in str(caught.value)
    assert "Send RDF/XML." in str(caught.value)


def test_a_server_error_shows_its_page_as_text(fake: FakeGraphStore) -> None:
    with pytest.raises(StoreRefused) as caught:
        GraphStore(f"{fake.url}/broken").read(ASSERTED_GRAPH)
    assert caught.value.status == 500
    assert "It said: Internal error disk full" in str(caught.value)
    assert "see its log" in str(caught.value)


def test_a_slow_store_times_out_as_unreachable(fake: FakeGraphStore) -> None:
    store = GraphStore(f"{fake.url}/slow", timeout=SLOW_SECONDS / 4)
    started = time.monotonic()
    with pytest.raises(StoreUnreachable) as caught:
        store.replace(ASSERTED_GRAPH, small_graph())
    assert time.monotonic() - started < SLOW_SECONDS
    assert f"no answer within {SLOW_SECONDS / 4:g} s" in str(caught.value)


def test_nothing_listening_is_unreachable(built: BuiltDataset) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/store"  # the port was free, and nothing listens on it now
    with pytest.raises(StoreUnreachable) as caught:
        publish_from_args(built, url, None, "basic", environ={}, timeout=5)
    assert caught.value.url == url
    assert caught.value.exit_code == 6
    assert f"Cannot reach the triple store at {url}: connection refused" in str(caught.value)


@pytest.mark.parametrize("url", ["127.0.0.1:7878/store", "ftp://example.org/store", "store"])
def test_to_must_be_an_http_url(url: str) -> None:
    with pytest.raises(PublishFailed, match="not an http"):
        GraphStore(url)


def test_credentials_keep_colons_in_the_password_and_hide_it() -> None:
    credentials = Credentials.parse(f"{USER}:{PASSWORD}", "digest")
    assert (credentials.user, credentials.password, credentials.scheme) == (
        USER,
        PASSWORD,
        "digest",
    )
    assert PASSWORD not in repr(credentials)


@pytest.mark.parametrize(
    ("text", "scheme"), [("no-colon", "basic"), (":pw", "basic"), ("u:p", "ntlm")]
)
def test_bad_credentials_say_what_is_expected(text: str, scheme: str) -> None:
    with pytest.raises(PublishFailed, match=r"USER:PASSWORD|auth scheme"):
        Credentials.parse(text, scheme)


def test_an_excerpt_is_one_short_line() -> None:
    assert excerpt(b"<p>a\n\n  b</p>" + b"x" * 1000, limit=20) == "a b " + "x" * 15 + "…"
