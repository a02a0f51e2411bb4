"""A SPARQL backend we script: a loopback HTTP server that records what it is asked and answers
what a test says (or forwards to a real engine), so that a remote's failures can be provoked.

``BackendDouble(respond)`` calls ``respond(seen)`` for each request; a ``Reply`` with ``stall``
holds the answer back until the client hangs up or the stall ends, recording when the client
hung up. ``close()`` stops listening: from then on, connections are refused.
"""

from __future__ import annotations

import select
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

MAX_STALL = 30.0


@dataclass
class Seen:
    """One request the double received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    hung_up_after: float | None = None  # seconds into a stall when the client went away

    @property
    def form(self) -> list[tuple[str, str]]:
        return urllib.parse.parse_qsl(self.body.decode("ascii"), keep_blank_values=True)

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.form if key == name]

    @property
    def query(self) -> str:
        (text,) = self.values("query")
        return text


@dataclass
class Reply:
    status: int = 200
    content_type: str = "application/sparql-results+xml"
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0  # hold the answer back this long, or until the client hangs up


Respond = Callable[[Seen], Reply]


class BackendDouble:
    def __init__(self, respond: Respond) -> None:
        self.respond = respond
        self.seen: list[Seen] = []
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                seen = Seen("POST", self.path, dict(self.headers.items()), body)
                double.seen.append(seen)
                reply = double.respond(seen)
                if reply.stall > 0:
                    seen.hung_up_after = _wait_for_hang_up(self.connection, reply.stall)
                    if seen.hung_up_after is not None:
                        return
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                chunks = [reply.body] if isinstance(reply.body, bytes) else reply.body
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for chunk in chunks:
                        if chunk:
                            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    pass  # the client stopped reading (a row cap), as it may

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._closed = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> BackendDouble:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _wait_for_hang_up(connection: socket.socket, seconds: float) -> float | None:
    """Seconds until the client closed the connection, or None if it waited the whole time."""
    started = time.monotonic()
    deadline = started + min(seconds, MAX_STALL)
    while (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([connection], [], [], min(left, 0.05))
        if readable:
            try:
                if connection.recv(1, socket.MSG_PEEK) == b"":
                    return time.monotonic() - started
            except OSError:
                return time.monotonic() - started
    return None


def forward_to(query_url: str, seen: Seen, timeout: float = 30.0) -> Reply:
    """Ask a real engine what ``seen`` asked; its answer as a Reply."""
    request = urllib.request.Request(
        query_url,
        data=seen.body,
        method="POST",
        headers={
            "Content-Type": seen.headers.get("Content-Type", ""),
            "Accept": seen.headers.get("Accept", "*/*"),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return Reply(answer.status, answer.headers.get("Content-Type", ""), answer.read())
    except urllib.error.HTTPError as error:
        with error:
            return Reply(error.code, error.headers.get("Content-Type", ""), error.read())
