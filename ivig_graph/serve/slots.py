"""``Slots``: at most ``size`` queries at once, ``queue_limit`` waiting, a fair share per client.

A query that finds no free slot waits, in arrival order, for at most ``queue_wait`` seconds.
When a slot comes free, only the first waiter whose client is under its share is woken (each
waiter has an event of its own): waking every waiter at each answer, for all but one to wait
again, was a fifth of the HTTP process's time under load (bench/RESULTS.md). A client holds at
most ``share`` slots and ``queue_share`` places in the queue; beyond the queue the answer is 503
at once, beyond its own share 429.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

from ivig_graph.errors import ClientOverShare, Overloaded, QueryError


class SlotSettings(Protocol):
    @property
    def size(self) -> int: ...
    @property
    def share(self) -> int: ...
    @property
    def queue_share(self) -> int: ...
    @property
    def queue_limit(self) -> int: ...
    @property
    def queue_wait(self) -> float: ...


@dataclass
class _Waiter:
    client: str
    woken: threading.Event = field(default_factory=threading.Event)


class Slots:
    def __init__(self, settings: SlotSettings) -> None:
        self.settings = settings
        self.running = 0
        self._held: Counter[str] = Counter()
        self._queue: list[_Waiter] = []
        self._lock = threading.Lock()

    @property
    def waiting(self) -> int:
        return len(self._queue)

    def enter(self, client: str) -> None:
        """Take a slot for ``client``, waiting for one if need be; or raise ``Overloaded`` /
        ``ClientOverShare``."""
        retry_after = max(1, round(self.settings.queue_wait))
        with self._lock:
            if self._free(client) and not any(self._free(w.client) for w in self._queue):
                self._take(client)
                return
            self._check_room(client, retry_after)
            waiter = _Waiter(client)
            self._queue.append(waiter)
        self._wait(waiter, retry_after)

    def leave(self, client: str) -> None:
        with self._lock:
            self.running -= 1
            self._held[client] -= 1
            if self._held[client] <= 0:
                del self._held[client]
            self._wake_next()

    def _wait(self, waiter: _Waiter, retry_after: int) -> None:
        deadline = time.monotonic() + self.settings.queue_wait
        while True:
            remaining = deadline - time.monotonic()
            woken = remaining > 0 and waiter.woken.wait(remaining)
            with self._lock:
                if self._free(waiter.client):
                    self._queue.remove(waiter)
                    self._take(waiter.client)
                    self._wake_next()  # another slot may be free for someone behind
                    return
                waiter.woken.clear()
                if not woken:
                    self._queue.remove(waiter)
                    self._wake_next()  # a wake-up it may have missed goes on
                    raise self._refusal(waiter.client, retry_after)

    def _check_room(self, client: str, retry_after: int) -> None:
        if len(self._queue) >= self.settings.queue_limit:
            raise Overloaded(
                "The endpoint is busy: too many queries are running or waiting. Retry later.",
                retry_after=retry_after,
            )
        waiting = sum(1 for w in self._queue if w.client == client)
        if waiting >= self.settings.queue_share:
            raise ClientOverShare(
                f"This client already has {self._held[client]} queries running and {waiting} "
                "waiting, as many as one client may; wait for one to finish.",
                retry_after=retry_after,
            )

    def _take(self, client: str) -> None:
        self.running += 1
        self._held[client] += 1

    def _wake_next(self) -> None:
        for waiter in self._queue:
            if self._free(waiter.client):
                waiter.woken.set()
                return

    def _free(self, client: str) -> bool:
        return self.running < self.settings.size and self._held[client] < self.settings.share

    def _refusal(self, client: str, retry_after: int) -> QueryError:
        if self._held[client] >= self.settings.share:
            return ClientOverShare(
                f"This client already has {self._held[client]} queries running, as many as "
                "one client may; wait for one to finish.",
                retry_after=retry_after,
            )
        return Overloaded(
            f"The endpoint is busy: no query worker became free within "
            f"{self.settings.queue_wait:g} s. Retry later.",
            retry_after=retry_after,
        )
