"""Answers on their way to the client: written by a worker to a file, streamed from it.

A worker writes the answer it serialised to a file in the pool's spool directory
(``Spool``) and hands back a ``SpooledAnswer``, which says where the file is and what is in
it; its query slot is free again then. The HTTP process reads small answers whole and streams
large ones in chunks (``AnswerStream``), so an answer nobody reads is held on disk, not in the
HTTP process. The file is unlinked as soon as it is opened: it is gone when the stream closes,
also when the client disconnects or the process dies.

Granian writes an iterated WSGI body from the app thread that returned it, one chunk ahead of
the client (its channel to the connection holds one chunk), so a client that stops reading
holds that thread. ``Senders`` counts the large answers being sent, per client and in all,
and refuses one more at once beyond them (429 or 503), so that readers that never read hold a
bounded number of threads and no memory.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import quoteattr

from ivig_graph.errors import ClientOverShare, Overloaded
from ivig_graph.query.engine import QueryAnswer, QueryRequest

CHUNK_BYTES = 64 * 1024  # what the HTTP process reads at once; smaller answers are read whole
TRUNCATION_LINK = "https://w3id.org/ivig/endpoint#results-truncated"
JSON_VARS = b'{"head":{"vars":['


@dataclass(frozen=True)
class AnswerJob:
    """A query for a worker, and where and how to write its answer."""

    request: QueryRequest
    path: str
    gzip_min_bytes: int = 0  # compress an answer at least this long; 0: never


@dataclass(frozen=True)
class SpooledAnswer:
    """An answer in a spool file: ``size`` bytes, gzip-compressed if ``gzipped``; or, once
    the result cache holds it (``serve.answer_cache``), in ``body`` and no file.

    Every answer passes here, so its path is a ``str`` and the file is opened and unlinked
    without ``pathlib``, whose objects cost about 15 us per answer (bench/RESULTS.md).
    """

    path: str
    size: int
    media_type: str
    kind: str
    rows: int | None
    truncated: bool
    bytes_capped: bool = False
    gzipped: bool = False
    body: bytes | None = None

    def open(self) -> BinaryIO:
        """The file, unlinked: it is removed when the returned file is closed."""
        if self.body is not None:
            return io.BytesIO(self.body)
        file = open(self.path, "rb")  # noqa: SIM115, PTH123 (closed by whoever streams it)
        self.discard()
        return file

    def read(self) -> bytes:
        """The whole answer, uncompressed (for the query page, whose answers are small)."""
        with self.open() as file:
            data = file.read()
        return gzip.decompress(data) if self.gzipped else data

    def discard(self) -> None:
        if self.body is not None:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)  # noqa: PTH108


def write_answer(answer: QueryAnswer, job: AnswerJob) -> SpooledAnswer:
    """Write ``answer`` (in a worker) where ``job`` says, with the truncation link."""
    body = with_truncation_link(answer)
    gzipped = bool(job.gzip_min_bytes) and len(body) >= job.gzip_min_bytes
    if gzipped:
        body = gzip.compress(body, compresslevel=5, mtime=0)
    with open(job.path, "wb") as file:  # noqa: PTH123
        file.write(body)
    return SpooledAnswer(
        job.path,
        len(body),
        answer.media_type,
        answer.kind,
        answer.rows,
        answer.truncated,
        answer.bytes_capped,
        gzipped,
    )


def with_truncation_link(answer: QueryAnswer) -> bytes:
    """Say in the results themselves (``head.link``) that they were cut short."""
    if not answer.truncated or answer.kind != "results":
        return answer.body
    if answer.media_type == "application/sparql-results+json":
        # The engine writes ``{"head":{"vars":[...]}``, and names cannot hold ``]``: the link goes
        # after the list, without parsing megabytes of results to add a few bytes.
        start = answer.body.find(JSON_VARS)
        end = answer.body.find(b"]", start) + 1
        if start != 0 or end == 0:
            raise ValueError("unexpected start of SPARQL JSON results")
        link = b',"link":' + json.dumps([TRUNCATION_LINK]).encode()
        return answer.body[:end] + link + answer.body[end:]
    if answer.media_type == "application/sparql-results+xml":
        link = f"<link href={quoteattr(TRUNCATION_LINK)}/></head>".encode()
        return answer.body.replace(b"</head>", link, 1)
    return answer.body


class Spool:
    """A temporary directory for answers, removed by ``close``."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="ivig-graph-answers-"))
        self._prefix = f"{self.directory}{os.sep}"

    def new_path(self) -> str:
        """A new file name in the directory: 128 random bits, as a UUID4 has 122 of."""
        return self._prefix + os.urandom(16).hex()

    def close(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


class AnswerStream:
    """A WSGI body: ``file`` in chunks; ``close`` (called by the server at the end, for HEAD,
    and when the client disconnects) closes it and calls ``on_close`` once."""

    def __init__(self, file: BinaryIO, on_close: Callable[[], None]) -> None:
        self.file = file
        self._on_close: Callable[[], None] | None = on_close

    def __iter__(self) -> AnswerStream:
        return self

    def __next__(self) -> bytes:
        chunk = self.file.read(CHUNK_BYTES)
        if not chunk:
            raise StopIteration
        return chunk

    def close(self) -> None:
        self.file.close()
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close()

    def __del__(self) -> None:  # a response dropped unsent (an error after the view) must
        self.close()  # give its permit back too


class Senders:
    """How many large answers are being sent at once, per client and in all."""

    def __init__(self, per_client: int, total: int) -> None:
        self.per_client = per_client
        self.total = total
        self.sending = 0
        self._by_client: Counter[str] = Counter()
        self._lock = threading.Lock()

    def enter(self, client: str) -> None:
        """Count one more answer for ``client``, or raise ``ClientOverShare``/``Overloaded``."""
        with self._lock:
            if self._by_client[client] >= self.per_client:
                raise ClientOverShare(
                    f"This client is already receiving {self._by_client[client]} large "
                    "answers, as many as one client may at once; read them first.",
                    retry_after=1,
                )
            if self.sending >= self.total:
                raise Overloaded(
                    "The endpoint is busy sending other large answers. Retry later.",
                    retry_after=1,
                )
            self._by_client[client] += 1
            self.sending += 1

    def leave(self, client: str) -> None:
        with self._lock:
            self.sending -= 1
            self._by_client[client] -= 1
            if self._by_client[client] <= 0:
                del self._by_client[client]
