"""``AnswerCache``: the last small answers, in memory, for a query asked again.

The dataset a store-backed endpoint serves never changes while it runs, so the same request
(``QueryRequest``: text, format, dataset, base IRI, caps; and whether the answer is gzipped)
always has the same answer. A request answered here takes no query slot and no worker; a
request it has not seen costs a dictionary lookup. Only entries that weigh, answer and key
together, at most ``max_entry_bytes`` (64 KiB: answers the HTTP process reads whole anyway, and
not the longest query texts, which are seldom asked twice and would churn the allocator) are
kept, at most ``max_bytes`` in all, least recently used first out (``cachetools.LRUCache``
weighs each entry). Refusals and errors are never kept. With a remote engine
(``IVIG_BACKEND``), whose data may change, the endpoint keeps no cache (``web.state``).

bench/RESULTS.md ("the result cache") measures what it earns a repeated query and costs a
fresh one.
"""

from __future__ import annotations

import dataclasses
import threading
from operator import attrgetter
from typing import NamedTuple

from cachetools import LRUCache

from ivig_graph.query.engine import QueryRequest
from ivig_graph.serve.spool import SpooledAnswer

CacheKey = tuple[QueryRequest, int]  # the request, and the gzip threshold it was answered with


class _Entry(NamedTuple):
    answer: SpooledAnswer
    weight: int  # the answer's bytes and its key's: a key may be larger than its answer


class AnswerCache:
    def __init__(self, max_bytes: int, max_entry_bytes: int) -> None:
        self.max_entry_bytes = max_entry_bytes
        self.hits = 0
        self._answers: LRUCache[CacheKey, _Entry] = LRUCache(
            maxsize=max_bytes, getsizeof=attrgetter("weight")
        )
        self._lock = threading.Lock()

    def get(self, key: CacheKey) -> SpooledAnswer | None:
        with self._lock:
            found = self._answers.get(key)
            if found is None:
                return None
            self.hits += 1
            return found.answer

    def keep(self, key: CacheKey, answer: SpooledAnswer) -> SpooledAnswer:
        """``answer`` as the caller should use it: if small enough, read into memory (its file
        removed) and kept for ``key``; else as it was, still in its file."""
        weight = answer.size + _key_size(key[0])
        if weight > min(self.max_entry_bytes, self._answers.maxsize):
            return answer
        with answer.open() as file:
            held = dataclasses.replace(answer, path="", body=file.read())
        with self._lock:
            self._answers[key] = _Entry(held, weight)
        return held

    @property
    def bytes(self) -> int:
        return int(self._answers.currsize)


def _key_size(request: QueryRequest) -> int:
    """About what a key holds: its texts (a query may be 64 KiB, its graph IRIs many more)."""
    graphs = (*(request.default_graphs or ()), *(request.named_graphs or ()))
    return len(request.query) + len(request.base_iri or "") + sum(map(len, graphs)) + 256
