"""A per-client token bucket (``rate`` requests a second on average, bursts up to ``burst``)
shared by every HTTP process of the endpoint.

gunicorn forks its HTTP worker processes from the master; a ``RateLimiter`` created in the master
before the fork keeps its state in anonymous shared memory (``mmap.mmap(-1, size)``, which is
``MAP_SHARED | MAP_ANONYMOUS`` on Linux and survives ``fork``) behind one process-shared lock, so
a client is limited once, exactly, whichever process (and thread) answers it.
"""

from __future__ import annotations

import hashlib
import logging
import math
import mmap
import multiprocessing
import os
import struct
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

LOCK_TIMEOUT = 0.5
WAYS = 8
"""Slots per set, at most: a lookup or an eviction looks at no more than this many."""

_SLOT = struct.Struct("<Qdd")  # key (0 = empty), tokens, last update (clock seconds)
SLOT_BYTES = _SLOT.size  # 24


class RateLimiter:
    """Token buckets for up to ``max_clients`` clients, shared by processes forked after it is
    created and safe for threads in each of them.

    The state is a fixed table of ``max_clients`` slots of 24 bytes (a 64-bit client key and two
    doubles: tokens, last update) in one anonymous shared memory mapping: 2.4 MB for the default
    100,000 clients, allocated once and shared by all the forked processes, never grown, with
    no Python object per client. The table is set-associative: the slots are grouped in sets of
    at most ``WAYS`` (8; fewer when ``max_clients`` is small), and a client's key, a keyed
    BLAKE2b hash of its name, chooses its set. In its set, a client finds its own slot, else an
    empty one, else takes the slot of the least recently seen client of that set, which is
    forgotten (it starts again with a full bucket). Each set is kept in order of recency, most
    recent first, so there are no timestamps to compare and no ties.

    So a client is forgotten only when more than 8 other clients hashed to its set have been seen
    since it was (not, as with one global order, only after ``max_clients`` others). With
    clients spread evenly by the hash, about 0.8% of the most recent ``max_clients / 2`` clients
    and 14% of the most recent ``max_clients`` are forgotten early; set ``max_clients`` to about
    twice the number of clients that must be remembered. The hash key is random, drawn when the
    limiter is created (and inherited by the forked processes), so that clients cannot choose
    names that share a set and push each other out: with a known hash, 9 addresses taking turns
    would never be limited. Two names with the same 64-bit key (chance 2**-64 a pair) share
    a bucket.

    One ``multiprocessing`` lock (a POSIX semaphore, shared after ``fork``) guards the
    read-modify-write of one set, a few microseconds. The clock must be the same in every process:
    ``time.monotonic`` (``CLOCK_MONOTONIC``) is. Only processes forked from the creator share the
    limiter; in any other process it is a new, separate object.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_clients < 1:
            raise ValueError(f"max_clients must be at least 1, not {max_clients}")
        self.rate = rate
        self.burst = max(burst, 1)
        self.max_clients = max_clients
        self._clock = clock
        self._secret = os.urandom(16)
        # max_clients slots in _sets sets of _ways or _ways + 1 slots (the first _longer sets
        # have one more), never more than WAYS, so that max_clients = 2 is one set of 2.
        self._sets = -(-max_clients // WAYS)
        self._ways, self._longer = divmod(max_clients, self._sets)
        self._keys = {  # the keys of a set of n slots, in one unpack
            n: struct.Struct("<" + f"Q{SLOT_BYTES - 8}x" * n) for n in {self._ways, self._ways + 1}
        }
        self._table = mmap.mmap(-1, max_clients * SLOT_BYTES)  # zeroed: every slot empty
        self._lock = multiprocessing.get_context("fork").Lock()

    def _key(self, client: str) -> int:
        """The client's 64-bit key, never 0 (an empty slot)."""
        digest = hashlib.blake2b(
            client.encode("utf-8", "surrogatepass"), digest_size=8, key=self._secret
        ).digest()
        return int.from_bytes(digest, "little") or 1

    def _set_of(self, key: int) -> tuple[int, int]:
        """The set of a key: its first byte in the table and its number of slots."""
        index = key % self._sets
        first_slot = index * self._ways + min(index, self._longer)
        ways = self._ways + 1 if index < self._longer else self._ways
        return first_slot * SLOT_BYTES, ways

    def acquire(self, client: str) -> float:
        """Take a token for ``client``: 0.0 if allowed, else seconds until one is available."""
        key = self._key(client)
        start, ways = self._set_of(key)
        keys_of_set = self._keys[ways]
        table = self._table
        burst = float(self.burst)
        if not self._lock.acquire(timeout=LOCK_TIMEOUT):
            # Only if a process died holding the lock (it is held for microseconds): serve
            # rather than hang every request of every process.
            log.error("rate limiter lock not acquired in %.1f s; request allowed", LOCK_TIMEOUT)
            return 0.0
        try:
            now = self._clock()
            keys = keys_of_set.unpack_from(table, start)
            if key in keys:
                position = keys.index(key)
                _, tokens, last = _SLOT.unpack_from(table, start + position * SLOT_BYTES)
                tokens = min(burst, tokens + max(0.0, now - last) * self.rate)
                now = max(now, last)
            else:  # a new client takes the last slot: empty (they are last), else the oldest
                position = ways - 1
                tokens = burst
            if tokens >= 1.0:
                tokens -= 1.0
                wait = 0.0
            else:
                wait = (1.0 - tokens) / self.rate
            # Most recent first: the slots before ``position`` move one down, over it.
            if position:
                table.move(start + SLOT_BYTES, start, position * SLOT_BYTES)
            _SLOT.pack_into(table, start, key, tokens, now)
        finally:
            self._lock.release()
        return wait


def retry_after_seconds(wait: float) -> int:
    return max(1, math.ceil(wait))
