"""Admission: at most ``slots`` queries run at once and ``queue_limit`` more wait, counted across
every HTTP process of the endpoint.

The HTTP processes are forked by gunicorn's master; an ``Admission`` made in the master before
the fork keeps its counts in shared memory (a process-shared semaphore for the slots and,
under one lock beside it, who holds each slot and how many wait), so the cap is one cap,
whichever process a query arrives at. (A ``multiprocessing.Condition`` did the same job, but
its notify handshake cost a third of the throughput of cheap queries: bench/RESULTS.md.)

Each HTTP process has a worker for every slot, so a query that is admitted never waits for its
own process's workers while another process's sit idle (a runaway query holds one slot,
anywhere; every other slot keeps answering).

Each running query's slot records the process holding it. If an HTTP process dies while it
holds slots (killed, out of memory), the master gives them back (``reclaim``, from gunicorn's
``child_exit`` hook), so capacity is not lost for good. (A process killed between taking the
semaphore and recording its slot, a window of microseconds, would still leave one slot short.)
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

log = logging.getLogger(__name__)

LOCK_TIMEOUT = 5.0  # only reached if a process died inside the few-microsecond critical section


class AdmissionRefused(Exception):
    """No slot: the queue is full (``waited`` False) or none freed up in time (``waited`` True)."""

    def __init__(self, waited: bool) -> None:
        super().__init__("queue full" if not waited else "no slot in time")
        self.waited = waited


@dataclass(frozen=True)
class AdmissionStats:
    running: int
    waiting: int


class Admission:
    """A semaphore of ``slots`` for the running queries, and beside it, under one lock, which
    process holds each slot and how many queries wait (all in shared memory)."""

    def __init__(self, slots: int, queue_limit: int) -> None:
        if slots < 1:
            raise ValueError(f"slots must be at least 1, not {slots}")
        context = multiprocessing.get_context("fork")
        self.slots = slots
        self.queue_limit = queue_limit
        self._free = context.Semaphore(slots)
        self._owners = context.RawArray(ctypes.c_int, slots)  # pid holding each slot, 0: free
        self._waiting = context.RawValue(ctypes.c_int, 0)  # queries between the checks
        self._lock = context.Lock()

    def enter(self, wait: float) -> int:
        """Take a slot, waiting at most ``wait`` seconds: its number, for ``leave``."""
        with self._locked():
            if self._running() + self._waiting.value >= self.slots + self.queue_limit:
                raise AdmissionRefused(waited=False)
            self._waiting.value += 1
        got = self._free.acquire(timeout=wait)
        with self._locked():
            self._waiting.value -= 1
            if got:
                slot = self._owners[:].index(0)  # the semaphore says one is free
                self._owners[slot] = os.getpid()
                return slot
        raise AdmissionRefused(waited=True)

    def leave(self, slot: int) -> None:
        with self._locked():
            self._owners[slot] = 0
        self._free.release()

    def reclaim(self, pid: int) -> int:
        """Free the slots a dead process held; how many there were."""
        with self._locked():
            held = [slot for slot in range(self.slots) if self._owners[slot] == pid]
            for slot in held:
                self._owners[slot] = 0
        for _ in held:
            self._free.release()
        return len(held)

    def stats(self) -> AdmissionStats:
        return AdmissionStats(running=self._running(), waiting=self._waiting.value)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        if not self._lock.acquire(timeout=LOCK_TIMEOUT):
            # A process died inside the few-microsecond critical section: nothing can be
            # counted any more. Say so loudly; the operator restarts the server.
            log.critical("the admission lock was not released; restart the server")
            raise AdmissionRefused(waited=True)
        try:
            yield
        finally:
            self._lock.release()

    def _running(self) -> int:
        return self.slots - self._owners[:].count(0)
