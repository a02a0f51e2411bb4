"""Answers kept in memory by request, so a repeated query skips the worker pool entirely.

The dataset never changes while it is served, so an answer never goes stale; keys hold the
whole ``QueryRequest`` (query text, format, base, dataset, row cap) and the cache belongs to one
dataset version. It is bounded in bytes, least recently used out first; an answer larger than an
eighth of the capacity is not kept, so one big CONSTRUCT cannot flush everything else.

The same structure keeps whole HTTP responses for the answer memo (``answer_memo``): any value
with a ``body`` of bytes, keyed by anything hashable.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, Protocol, TypeVar

from ..engine import QueryAnswer, QueryRequest


class HasBody(Protocol):
    @property
    def body(self) -> bytes: ...


K = TypeVar("K", bound=Hashable)
V = TypeVar("V", bound=HasBody)


class ResultCache(Generic[K, V]):
    def __init__(self, capacity_bytes: int) -> None:
        self.capacity = capacity_bytes
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    @property
    def size_bytes(self) -> int:
        return self._size

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        with self._lock:
            answer = self._entries.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: K, answer: V) -> None:
        size = len(answer.body)
        if not self.enabled or size > self.capacity // 8:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._size -= len(previous.body)
            self._entries[key] = answer
            self._size += size
            while self._size > self.capacity:
                _, evicted = self._entries.popitem(last=False)
                self._size -= len(evicted.body)


AnswerCache = ResultCache[QueryRequest, QueryAnswer]
