"""Two replicas of ``ivig-graph serve`` behind nginx on loopback: identical answers and ETags;
then, under load, one replica is killed outright (SIGKILL to all its processes) and no request
is lost beyond those in flight at that moment, and the survivor keeps answering.

Accounting: every request records when it started and ended (monotonic clock), its status, its
body and nginx's ``X-Upstream`` (the replicas it tried, in order). The kill lasts from the SIGKILL
until the killed replica's process is reaped; a request is *in flight at the kill* if it started
before the kill ended and ended after it began. The test requires that every request answered
wrongly or not at all was in flight at the kill and was sent to the killed replica, that every
request sent after the kill was answered correctly by the survivor, and it reports how many
in-flight requests nginx moved to the survivor (``proxy_next_upstream``).
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.resources import example_queries
from tests.integration.balancer import Replica, nginx, start_replica
from tests.integration.engines import EngineUnavailable
from tests.servers import free_port, serve_arguments

pytestmark = pytest.mark.slow

CLIENTS = 4
LOAD_SECONDS = 5.0
KILL_AFTER = 2.0
LABEL = (
    "SELECT ?label WHERE {{ <https://w3id.org/ivig/id/condition/{slug}> skos:prefLabel ?label }}"
)
SLUGS = (
    "kawasaki-disease",
    "myasthenia-gravis",
    "multiple-sclerosis",
    "dermatomyositis",
    "immune-thrombocytopenic-purpura",
)


@dataclass
class Sent:
    index: int
    started: float
    ended: float
    status: int | None  # None: no HTTP answer at all
    body: bytes
    upstream: str  # nginx's X-Upstream: "A" or "A, B" when it moved on to B
    error: str = ""


@dataclass
class Cluster:
    url: str
    replicas: list[Replica]

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        return _request(self.url, method, path, body, headers)


def _request(
    url: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        connection.close()


@pytest.fixture(scope="module")
def cluster(
    engines_installed: None, built: BuiltDataset, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    directory = tmp_path_factory.mktemp("replicas")
    public_port = free_port()  # only to name the public URL; nginx gets its own port
    env = {
        "IVIG_RATE_LIMIT": "off",  # one machine sends all the load
        # ... from one address: it may use every slot, and wait in the queue as it likes
        "IVIG_CLIENT_SHARE": "2",
        "IVIG_CLIENT_QUEUE": "32",
        "IVIG_CLIENT_BODIES": "8",
        "IVIG_BASE_URL": f"http://ivig.example:{public_port}/sparql",  # the public IRI
        "IVIG_TRUST_PROXY": "1",
    }
    command = serve_arguments(built.directory, "--workers", "2", "--timeout", "5")
    replicas: list[Replica] = []
    try:
        for name in ("a", "b"):
            replicas.append(start_replica(command, env, directory / f"replica-{name}.log"))
        try:
            with nginx(directory / "nginx", [r.address for r in replicas]) as url:
                yield Cluster(url, replicas)
        except EngineUnavailable as error:
            pytest.fail(str(error), pytrace=False)
    finally:
        for replica in replicas:
            replica.stop()


def label_query(index: int) -> str:
    return LABEL.format(slug=SLUGS[index % len(SLUGS)])


def test_replicas_give_identical_answers_and_etags(cluster: Cluster) -> None:
    paths = ["/sparql?" + urlencode({"query": label_query(0)})]
    paths += [
        "/sparql?" + urlencode({"query": path.read_text(encoding="utf-8")})
        for path in example_queries()[:3]
    ]
    paths += [
        "/sparql?" + urlencode({"query": "CONSTRUCT WHERE { ?s a ivig:Condition }"}),
        "/sparql?" + urlencode({"query": "ASK { ?s a ivig:Condition }", "format": "xml"}),
        "/sparql",  # the service description
    ]
    assert len(paths) == 7
    for path in paths:
        answers = [
            _request(f"http://{replica.address}", "GET", path, headers={"Accept": "*/*"})
            for replica in cluster.replicas
        ]
        (status_a, headers_a, body_a), (status_b, headers_b, body_b) = answers
        assert status_a == status_b == 200, body_a
        assert headers_a["etag"] == headers_b["etag"], path
        assert body_a == body_b, path
        # Through nginx, whichever replica answers: the same ETag, and 304 for it.
        for _ in range(2):
            status, headers, body = cluster.request("GET", path)
            assert (status, headers["etag"], body) == (200, headers_a["etag"], body_a)
        status, _, body = cluster.request("GET", path, headers={"If-None-Match": headers_a["etag"]})
        assert (status, body) == (304, b"")


def _send(cluster: Cluster, index: int) -> Sent:
    query = label_query(index)
    started = time.monotonic()
    try:
        if index % 2:
            status, headers, body = cluster.request(
                "POST",
                "/sparql",
                body=urlencode({"query": query}).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        else:
            status, headers, body = cluster.request("GET", "/sparql?" + urlencode({"query": query}))
    except (OSError, http.client.HTTPException) as error:
        return Sent(index, started, time.monotonic(), None, b"", "", repr(error))
    return Sent(index, started, time.monotonic(), status, body, headers.get("x-upstream", ""))


def _label_answers(replica: Replica) -> dict[str, bytes]:
    """The body each label query gets from ``replica`` directly, by slug."""
    return {
        slug: _request(
            f"http://{replica.address}",
            "GET",
            "/sparql?" + urlencode({"query": label_query(n)}),
        )[2]
        for n, slug in enumerate(SLUGS)
    }


def _load_killing(cluster: Cluster, victim: Replica) -> tuple[list[Sent], float, float]:
    """CLIENTS clients send label queries through nginx for LOAD_SECONDS; ``victim`` is killed
    KILL_AFTER seconds in. Returns what was sent and when the kill began and ended."""
    sent: list[Sent] = []
    lock = threading.Lock()
    counter = iter(range(1_000_000))
    stop = time.monotonic() + LOAD_SECONDS

    def client() -> None:
        while time.monotonic() < stop:
            with lock:
                index = next(counter)
            result = _send(cluster, index)
            with lock:
                sent.append(result)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(KILL_AFTER)
    kill_began = time.monotonic()
    victim.kill()
    kill_ended = time.monotonic()
    for thread in threads:
        thread.join(timeout=LOAD_SECONDS + 60)
    assert not any(thread.is_alive() for thread in threads)
    return sent, kill_began, kill_ended


def test_killing_a_replica_under_load_loses_only_what_was_in_flight_on_it(
    cluster: Cluster,
) -> None:
    victim, survivor = cluster.replicas
    expected = _label_answers(survivor)
    assert all(b'"label"' in body for body in expected.values())
    sent, kill_began, kill_ended = _load_killing(cluster, victim)

    def correct(result: Sent) -> bool:
        wanted = expected[SLUGS[result.index % len(SLUGS)]]
        return result.status == 200 and result.body == wanted

    before = [r for r in sent if r.ended < kill_began]
    in_flight = [r for r in sent if r.started < kill_ended and r.ended > kill_began]
    after = [r for r in sent if r.started >= kill_ended]
    lost = [r for r in sent if not correct(r)]
    rescued = [r for r in in_flight if correct(r) and r.upstream.startswith(victim.address + ",")]
    report = (
        f"{len(sent)} requests: {len(before)} before the kill, {len(in_flight)} in flight at it "
        f"({len(rescued)} moved by nginx from the killed replica to the survivor), "
        f"{len(after)} after; lost: {[(r.status, r.upstream, r.error) for r in lost]}"
    )
    print(report)
    # Both replicas took load before the kill.
    assert {r.upstream for r in before} == {victim.address, survivor.address}, report
    # Whatever went wrong was in flight at the kill, and on the killed replica.
    assert all(r in in_flight for r in lost), report
    assert len(lost) <= len(in_flight), report
    assert all(r.status is None or r.upstream.startswith(victim.address) for r in lost), report
    # Everything sent after the kill was answered, correctly, by the survivor.
    assert len(after) >= 20, report
    assert all(correct(r) for r in after), report
    assert all(r.upstream.endswith(survivor.address) for r in after), report
    # And it keeps answering, directly and through nginx.
    status, _, body = cluster.request("GET", "/sparql?" + urlencode({"query": label_query(1)}))
    assert (status, body) == (200, expected[SLUGS[1]])
    status, _, _ = _request(f"http://{survivor.address}", "GET", "/readyz")
    assert status == 200


def test_the_killed_replica_is_gone(cluster: Cluster, tmp_path: Path) -> None:
    victim = cluster.replicas[0]
    assert victim.process.poll() is not None
    with pytest.raises(OSError):
        _request(f"http://{victim.address}", "GET", "/healthz")
