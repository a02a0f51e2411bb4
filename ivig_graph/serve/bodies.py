"""``BodyReader``: how many request bodies may be arriving at once, per client and in all.

Granian calls the WSGI app as soon as a request's headers are in, and the app's read of the
body blocks its thread until the whole body has arrived, with no timeout (granian 2.8.7 and
2.8.9 have a header read timeout, none for bodies, and ``read(n)`` too waits for the whole
body). A read cannot be given a deadline from Python either: left reading in a thread of its
own while the app answered 408, granian stopped answering every connection until that body
ended (seen with granian 2.8.7). So a body costs a thread while it arrives, and the reads are
counted, and refused at once beyond:

* ``per_client`` bodies arriving from one client at once (``ClientOverShare``: 429), so that one
  client, however many connections it opens, holds at most that many threads;
* ``total`` bodies arriving at once (``Overloaded``: 503).

A thread that waits for a body computes nothing and costs little memory, so granian is given
``WAITING_BODIES`` threads beyond the app's (``serve.supervisor``), and ``total`` is those plus half
the app's threads: 100 POSTs trickling in from 100 clients then leave the app's threads to
everyone else (with 8 in all, every other client's POST was refused 503).

A body that the client declared but does not send holds its thread until the client sends it
or closes the connection; these counts bound how many threads that can be.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Protocol

from ivig_graph.errors import ClientOverShare, Overloaded

WAITING_BODIES = 128  # threads beyond the app's that may wait for request bodies


def total_bodies(http_threads: int) -> int:
    """How many bodies may be arriving at once in an HTTP process with ``http_threads``."""
    return WAITING_BODIES + max(http_threads // 2, 1)


class Readable(Protocol):
    def read(self) -> bytes: ...


class BodyReader:
    def __init__(self, per_client: int, total: int) -> None:
        self.per_client = per_client
        self.total = total
        self.arriving = 0
        self._by_client: Counter[str] = Counter()
        self._lock = threading.Lock()

    def read(self, stream: Readable, client: str) -> bytes:
        """The whole of ``stream`` (the server's ``wsgi.input`` of a request whose
        Content-Length was checked against the limit: granian ends it there), or raise
        ``ClientOverShare`` or ``Overloaded`` without reading."""
        self._enter(client)
        try:
            return stream.read()
        finally:
            self._leave(client)

    def _enter(self, client: str) -> None:
        with self._lock:
            if self._by_client[client] >= self.per_client:
                raise ClientOverShare(
                    f"This client is already sending {self._by_client[client]} request "
                    "bodies, as many as one client may at once; finish them first.",
                )
            if self.arriving >= self.total:
                raise Overloaded("The endpoint is busy receiving other requests. Retry later.")
            self._by_client[client] += 1
            self.arriving += 1

    def _leave(self, client: str) -> None:
        with self._lock:
            self.arriving -= 1
            self._by_client[client] -= 1
            if self._by_client[client] <= 0:
                del self._by_client[client]
