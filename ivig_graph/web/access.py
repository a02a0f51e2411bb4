"""Who asked, and the access log: shared by the Flask hooks and the answer memo.

One JSON object per request in the ``ivig_graph.access`` log, whichever path answered it.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import threading
import uuid
from datetime import UTC, datetime
from typing import Any, TextIO

access_log = logging.getLogger("ivig_graph.access")

# Set in the WSGI environ when the response is a SPARQL answer: its access-log fields.
ANSWERED = "ivig_graph.answered"

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class _Ids:
    """A random prefix per process (made again in a forked child) and a counter."""

    def __init__(self) -> None:
        self.renew()

    def renew(self) -> None:
        self.prefix = uuid.uuid4().hex[:20]
        self.counter = itertools.count()

    def next(self) -> str:
        return f"{self.prefix}{next(self.counter) & 0xFFFFFFFFFFFF:012x}"


_ids = _Ids()
os.register_at_fork(after_in_child=_ids.renew)


def request_id(incoming: str | None) -> str:
    """The client's request id if it is sane, else a new one unique to this process's run (a
    random prefix and a counter: a fresh UUID per request read the system's random source)."""
    if incoming and _REQUEST_ID.fullmatch(incoming):
        return incoming
    return _ids.next()


def client_of(environ: dict[str, Any], trust_proxy: bool) -> str:
    """The client, for the rate limit and the log: the proxy's last X-Forwarded-For hop if the
    proxy is trusted, else the peer address."""
    if trust_proxy:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return str(hops[-1][:64])
    return str(environ.get("REMOTE_ADDR") or "unknown")


def log_access(
    environ: dict[str, Any],
    *,
    request_id: str,
    client: str,
    status: int,
    size: int | None,
    total_ms: float,
    query_ms: float | None,
    extras: dict[str, Any],
) -> None:
    """One JSON line in the access log: for answers from Flask and from the answer memo alike."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    record: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "request_id": request_id,
        "client": client,
        "method": environ.get("REQUEST_METHOD"),
        "path": environ.get("PATH_INFO"),
        "status": status,
        "bytes": size,
        "duration_ms": round(total_ms, 2),
        "query_ms": round(query_ms, 2) if query_ms is not None else None,
        "user_agent": str(environ.get("HTTP_USER_AGENT", ""))[:200],
        **extras,
    }
    access_log.info(json.dumps(record, ensure_ascii=False))


class BatchedLines(logging.Handler):
    """Writes formatted records to ``stream`` in batches, from a thread of its own.

    A request thread only appends its line to a list; every ``interval`` seconds the writer
    swaps the list for an empty one and writes it out with one call. Writing from every request
    thread made them queue on the handler's lock during the write, and a queue with a listener
    woke the listener for every line: each was a fifth to a third of the time of a cached
    answer (py-spy, bench/RESULTS.md). Lines reach the stream at most ``interval`` late.
    """

    def __init__(self, stream: TextIO, interval: float = 0.2) -> None:
        super().__init__()
        self.stream = stream
        self.interval = interval
        self._lines: list[str] = []
        self._stop = threading.Event()
        self._writer = threading.Thread(target=self._write_periodically, daemon=True)
        self._writer.name = "access-log"
        self._writer.start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self._lines.append(line)  # under the handler's lock (Handler.handle)

    def flush(self) -> None:
        self.acquire()  # the lock Handler.handle holds while emit appends
        try:
            lines, self._lines = self._lines, []
        finally:
            self.release()
        if lines:
            self.stream.write("\n".join(lines) + "\n")
            self.stream.flush()

    def close(self) -> None:
        self._stop.set()
        self.flush()
        super().close()

    def _write_periodically(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()
