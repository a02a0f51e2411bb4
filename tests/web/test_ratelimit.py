"""Overload, per client: a token bucket answering 429 with Retry-After, keyed on the peer address
or (behind a trusted proxy) on X-Forwarded-For, and off when configured off; one limiter's
buckets are shared by the processes forked after it was created and by their threads."""

from __future__ import annotations

import logging
import multiprocessing
import sys
import threading
import time
from collections import defaultdict
from multiprocessing.queues import SimpleQueue
from multiprocessing.synchronize import Barrier

import pytest
from flask import Flask

from ivig_graph.web.ratelimit import SLOT_BYTES, WAYS, RateLimiter

from .answers import as_text, count_of
from .conftest import AppFactory

QUERY = {"query": "SELECT (3 AS ?x) {}"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate=2.0, burst=3, clock=clock)
    assert [limiter.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("a") == pytest.approx(0.5)
    assert limiter.acquire("b") == 0.0  # another client has its own bucket
    clock.now += 0.5
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("a") > 0


def test_token_bucket_forgets_the_least_recent_clients() -> None:
    limiter = RateLimiter(rate=1.0, burst=1, max_clients=2, clock=FakeClock())
    for client in ("a", "b", "c"):
        limiter.acquire(client)
    assert limiter.acquire("a") == 0.0  # "a" was forgotten, so it starts with a full bucket
    assert limiter.acquire("c") > 0


def _in_a_child(limiter: RateLimiter, index: int, start: Barrier, results: SimpleQueue) -> None:
    start.wait(timeout=30)
    shared = sum(limiter.acquire("same-client") == 0.0 for _ in range(10))
    own = [limiter.acquire(f"child-{index}") == 0.0 for _ in range(11)]
    results.put((index, shared, own))


def test_processes_forked_after_the_limiter_share_its_buckets() -> None:
    context = multiprocessing.get_context("fork")
    limiter = RateLimiter(rate=0.001, burst=10)
    start = context.Barrier(4)
    results = context.SimpleQueue()
    children = [
        context.Process(target=_in_a_child, args=(limiter, index, start, results))
        for index in range(4)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=60)
    assert [child.exitcode for child in children] == [0, 0, 0, 0]
    answers = sorted(results.get() for _ in children)
    assert sum(shared for _, shared, _ in answers) == 10  # one bucket, not 4 x 10
    for _, _, own in answers:  # each child's own client had its own full burst
        assert own == [True] * 10 + [False]
    assert limiter.acquire("same-client") > 0  # the parent sees the children's use
    assert limiter.acquire("child-0") > 0
    assert limiter.acquire("parent") == 0.0


def test_threads_share_a_bucket_exactly() -> None:
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, to let any race show
    try:
        limiter = RateLimiter(rate=1e-6, burst=100)
        start = threading.Barrier(8)
        allowed: list[int] = []

        def take() -> None:
            start.wait(timeout=30)
            allowed.append(sum(limiter.acquire("one-client") == 0.0 for _ in range(50)))

        threads = [threading.Thread(target=take) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sys.setswitchinterval(interval)
    assert len(allowed) == 8
    assert sum(allowed) == 100


def _contend(limiter: RateLimiter, start: Barrier, results: SimpleQueue) -> None:
    start.wait(timeout=30)
    results.put(sum(limiter.acquire("busy-client") == 0.0 for _ in range(2000)))


def test_processes_contending_for_one_bucket_take_exactly_its_tokens() -> None:
    """4 processes x 2000 acquires at once on one bucket of 4000: a lost update would allow
    more than 4000."""
    context = multiprocessing.get_context("fork")
    limiter = RateLimiter(rate=1e-6, burst=4000)
    start = context.Barrier(4)
    results = context.SimpleQueue()
    children = [context.Process(target=_contend, args=(limiter, start, results)) for _ in range(4)]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=60)
    assert [child.exitcode for child in children] == [0, 0, 0, 0]
    assert sum(results.get() for _ in children) == 4000


def set_of(limiter: RateLimiter, client: str) -> int:
    """The first byte of the client's set in the limiter's table (which names the set)."""
    return limiter._set_of(limiter._key(client))[0]


def filling_every_set(limiter: RateLimiter) -> list[str]:
    """Clients that fill the table exactly: as many in each set as it has slots."""
    room = dict(limiter._set_of(index) for index in range(limiter._sets))
    clients: list[str] = []
    candidates = (f"client-{i}" for i in range(1_000_000))
    while len(clients) < limiter.max_clients:
        client = next(candidates)
        start = set_of(limiter, client)
        if room[start]:
            room[start] -= 1
            clients.append(client)
    return clients


@pytest.mark.parametrize("max_clients", [1, 2, 7, 10, 64, 100])
def test_the_table_is_max_clients_slots_in_sets_of_at_most_8(max_clients: int) -> None:
    limiter = RateLimiter(rate=1e-6, burst=1, max_clients=max_clients, clock=FakeClock())
    sets = sorted(limiter._set_of(index) for index in range(limiter._sets))
    assert len(limiter._table) == max_clients * SLOT_BYTES
    assert [start for start, _ in sets] == [
        sum(ways for _, ways in sets[:i]) * SLOT_BYTES for i in range(len(sets))
    ]
    assert sum(ways for _, ways in sets) == max_clients
    assert max(ways for _, ways in sets) - min(ways for _, ways in sets) <= 1
    assert all(1 <= ways <= WAYS for _, ways in sets)
    assert len(sets) == -(-max_clients // WAYS)  # max_clients = 2 is one set of 2


@pytest.mark.parametrize("max_clients", [2, 10, 64])
def test_a_full_table_remembers_max_clients_clients(max_clients: int) -> None:
    limiter = RateLimiter(rate=1e-6, burst=1, max_clients=max_clients, clock=FakeClock())
    clients = filling_every_set(limiter)
    assert [limiter.acquire(c) for c in clients] == [0.0] * max_clients
    assert all(limiter.acquire(c) > 0 for c in clients)  # every one kept its empty bucket
    # One more client forgets the least recently seen client of its set, and no other.
    newcomer = "newcomer"
    same_set = [c for c in clients if set_of(limiter, c) == set_of(limiter, newcomer)]
    assert limiter.acquire(newcomer) == 0.0
    assert all(limiter.acquire(c) > 0 for c in clients if c != same_set[0])
    assert limiter.acquire(same_set[0]) == 0.0  # forgotten: a full bucket again


def test_clients_are_forgotten_only_from_a_full_set_least_recent_first() -> None:
    """64 clients in 64 slots, placed by the (random) hash: a set of 8 that more than 8 of them
    hash to forgets its least recently seen; every other client keeps its bucket."""
    limiter = RateLimiter(rate=1e-6, burst=1, max_clients=64, clock=FakeClock())
    clients = [f"10.0.0.{i}" for i in range(64)]
    assert [limiter.acquire(c) for c in clients] == [0.0] * 64
    in_set: dict[int, list[str]] = defaultdict(list)
    for client in clients:  # in the order they were seen
        in_set[set_of(limiter, client)].append(client)
    forgotten = {c for members in in_set.values() for c in members[: max(0, len(members) - 8)]}
    assert len(forgotten) == sum(max(0, len(m) - 8) for m in in_set.values())
    kept = [c for c in clients if c not in forgotten]
    assert all(limiter.acquire(c) > 0 for c in kept)
    assert [limiter.acquire(c) for c in clients if c in forgotten] == [0.0] * len(forgotten)


def test_a_clock_going_back_takes_no_tokens_away() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate=1.0, burst=2, clock=clock)
    assert limiter.acquire("a") == 0.0
    clock.now -= 50.0
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("a") == pytest.approx(1.0)
    clock.now += 50.0  # back where it was: no time has passed since, so no tokens came back
    assert limiter.acquire("a") == pytest.approx(1.0)


def test_each_limiter_hashes_with_its_own_random_key() -> None:
    """So that no one can pick names sharing a set (9 names taking turns in a set of 8 would
    never be limited); forked processes inherit the key with the table."""
    first, second = RateLimiter(rate=1.0, burst=1), RateLimiter(rate=1.0, burst=1)
    assert first._key("10.0.0.1") == first._key("10.0.0.1")
    assert first._key("10.0.0.1") != second._key("10.0.0.1")


@pytest.fixture(scope="module")
def limited(make_app: AppFactory) -> Flask:
    return make_app(rate_limit=0.01, rate_burst=3)


def test_429_with_retry_after_per_client(limited: Flask) -> None:
    client = limited.test_client()
    first = [
        client.get("/sparql", query_string=QUERY, environ_base={"REMOTE_ADDR": "10.0.0.1"})
        for _ in range(3)
    ]
    assert [count_of(r.data) for r in first] == [3, 3, 3]
    refused = client.get("/sparql", query_string=QUERY, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "Too many requests" in as_text(refused.data)
    other = client.get("/sparql", query_string=QUERY, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert count_of(other.data) == 3
    health = client.get("/healthz", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert health.status_code == 200  # probes are never limited


def test_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(limited: Flask) -> None:
    client = limited.test_client()
    environ = {"REMOTE_ADDR": "10.0.0.3"}
    statuses = [
        client.get(
            "/sparql",
            query_string=QUERY,
            environ_base=environ,
            headers={"X-Forwarded-For": f"192.0.2.{i}"},
        ).status_code
        for i in range(4)
    ]
    assert statuses == [200, 200, 200, 429]  # spoofed headers do not buy new buckets


def test_behind_a_trusted_proxy_clients_are_told_apart(make_app: AppFactory) -> None:
    client = make_app(rate_limit=0.01, rate_burst=1, trust_proxy=True).test_client()
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    a = [
        client.get(
            "/sparql",
            query_string=QUERY,
            environ_base=proxy,
            headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.1"},
        ).status_code
        for _ in range(2)
    ]
    b = client.get(
        "/sparql",
        query_string=QUERY,
        environ_base=proxy,
        headers={"X-Forwarded-For": "203.0.113.2"},
    )
    assert a == [200, 429]
    assert b.status_code == 200


def test_rate_limit_off(client_factory_off: Flask) -> None:
    client = client_factory_off.test_client()
    statuses = {client.get("/sparql", query_string=QUERY).status_code for _ in range(30)}
    assert statuses == {200}


@pytest.fixture(scope="module")
def client_factory_off(app: Flask) -> Flask:
    assert app.extensions["ivig_graph"].limiter is None
    return app


def test_a_lock_never_released_lets_requests_through_instead_of_hanging(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A process killed while holding the lock must not freeze every other process."""
    limiter = RateLimiter(rate=0.001, burst=1, clock=FakeClock())
    assert limiter.acquire("a") == 0.0 and limiter.acquire("a") > 0
    limiter._lock.acquire()  # as if its holder had died
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="ivig_graph.web.ratelimit"):
        assert limiter.acquire("a") == 0.0
    assert time.monotonic() - started < 2
    assert "lock not acquired" in caplog.text
