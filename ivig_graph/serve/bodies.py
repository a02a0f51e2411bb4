"""``BodyReader``: how many request bodies may be arriving at once, per client and in all.

Granian hands the WSGI app a body that it reads from the connection on demand: a read blocks
the app thread until the bytes arrive, with no timeout (granian 2.8 has a header read timeout,
none for bodies). At a byte a second, 16 POSTs held every app thread and starved every client.
A read cannot be given a deadline from Python either: left reading in a thread of its own
while the app answered 408, granian stopped answering every connection until that body ended
(seen with granian 2.8.7). So the reads are counted instead, and refused at once beyond:

* ``per_client`` bodies arriving from one client at once (``ClientOverShare``: 429), so that one
  client, however many connections it opens, holds at most that many app threads;
* ``total`` bodies arriving at once (``Overloaded``: 503; half the app threads by default), so
  that GETs, and the pages, always find a thread while POSTs trickle in.

A body that the client declared but does not send holds its thread until the client sends it
or closes the connection; these counts bound how many threads that can be.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Protocol

from ivig_graph.errors import ClientOverShare, Overloaded


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
