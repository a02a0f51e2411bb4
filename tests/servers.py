"""Apps and real servers for every test that needs one: an app over a built dataset
(``app_over``), ``ivig-graph serve`` on a free loopback port (``start_server``/``serving``), one
request to it (``call``, ``get_query``) and the processes below it (``descendants``).

The fixtures over these live in tests/conftest.py (``live_server``) and tests/web/conftest.py
(``make_app``, ``app``); tests import the helpers from here.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.web.app import create_app
from ivig_graph.web.config import ServerConfig

REPO = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------- an app in the test process


def endpoint_config(queries_dir: Path | None, **overrides: Any) -> ServerConfig:
    """Fast, predictable settings for tests: 2 workers, a 3 s budget, no rate limit."""
    values: dict[str, Any] = {
        "workers": 2,
        "timeout": 3.0,
        "rate_limit": "off",
        "queries_dir": str(queries_dir) if queries_dir else None,
    }
    values.update(overrides)
    return ServerConfig(**values)


@contextmanager
def app_over(dataset: BuiltDataset, config: ServerConfig) -> Iterator[Flask]:
    """The app over ``dataset`` in testing mode; its query workers are stopped on leaving."""
    app = create_app(dataset, config)
    app.testing = True
    try:
        yield app
    finally:
        app.extensions["ivig_graph"].pool.close()


# ---------------------------------------------------------------- a real server


def free_ports(count: int) -> list[int]:
    """Distinct loopback ports free right now (held open together so they differ)."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


def free_port() -> int:
    (port,) = free_ports(1)
    return port


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    host: str
    port: int
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@dataclass
class Answer:
    """One HTTP answer of a running server: status, headers (names in lower case), body."""

    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float = 0.0

    @property
    def media_type(self) -> str:
        return (self.headers.get("content-type") or "").split(";")[0].strip()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def call(
    server: RunningServer,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Answer:
    """One request to a running server over a fresh connection, timed."""
    started = time.monotonic()
    connection = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        found = {k.lower(): v for k, v in response.getheaders()}
        return Answer(response.status, found, data, time.monotonic() - started)
    finally:
        connection.close()


def get_query(
    server: RunningServer, query: str, headers: dict[str, str] | None = None, **params: str
) -> Answer:
    """``GET /sparql?query=…`` (and ``params``), as a browser or curl sends it."""
    return call(server, "GET", "/sparql?" + urlencode({"query": query, **params}), headers=headers)


def post_query(server: RunningServer, query: str, headers: dict[str, str] | None = None) -> Answer:
    """``POST /sparql`` with the query as an ``application/sparql-query`` body."""
    sent = {"Content-Type": "application/sparql-query", **(headers or {})}
    return call(server, "POST", "/sparql", body=query.encode(), headers=sent)


def serve_arguments(dataset: Path, *options: str) -> list[str]:
    """The interpreter's arguments for ``ivig-graph serve --dataset DATASET OPTIONS…``."""
    return ["-m", "ivig_graph.cli", "serve", "--dataset", str(dataset), *options]


def serve_environment(port: int, env: dict[str, str]) -> dict[str, str]:
    """This process's environment for a server on 127.0.0.1:``port``, with ``env`` on top."""
    return {
        **os.environ,
        "IVIG_HOST": "127.0.0.1",
        "IVIG_PORT": str(port),
        "PYTHONPATH": str(REPO),
        **env,
    }


def start_server(
    dataset: BuiltDataset,
    log_path: Path,
    env: dict[str, str],
    startup_timeout: float = 20.0,
    command: list[str] | None = None,
) -> RunningServer:
    """``ivig-graph serve`` (granian) on a free loopback port, once ready; ``command``
    replaces the arguments after the interpreter (the port is in IVIG_PORT)."""
    port = free_port()
    log_file = log_path.open("wb")
    arguments = command or serve_arguments(dataset.directory)
    process = subprocess.Popen(
        [sys.executable, *arguments],
        env=serve_environment(port, env),
        stdout=log_file,
        stderr=subprocess.STDOUT,
        cwd=REPO,
    )
    log_file.close()  # the child has its own copy
    server = RunningServer(process, "127.0.0.1", port, log_path)
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited during start-up:\n{server.log()}")
        if _is_ready(server):
            return server
        time.sleep(0.1)
    stop_server(server)
    raise RuntimeError(f"server not ready within {startup_timeout} s:\n{server.log()}")


def _is_ready(server: RunningServer) -> bool:
    try:
        with socket.create_connection((server.host, server.port), timeout=0.5) as sock:
            sock.sendall(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            return sock.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def stop_server(server: RunningServer) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=5)


@contextmanager
def serving(
    dataset: BuiltDataset, log_path: Path, env: dict[str, str], **options: Any
) -> Iterator[RunningServer]:
    """``start_server`` (same arguments), stopped on leaving however the block ends."""
    server = start_server(dataset, log_path, env, **options)
    try:
        yield server
    finally:
        stop_server(server)


# ---------------------------------------------------------------- its processes


def _children_table() -> dict[int, list[int]]:
    """Every process's children, from /proc (processes that vanish meanwhile are skipped)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    return children


def command_line(pid: int) -> str:
    """The command line of ``pid``, its arguments joined by spaces ("" once it has gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    return _children_table().get(pid, [])


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children, ...), from /proc."""
    table = _children_table()
    found, todo = [], [pid]
    while todo:
        for child in table.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found
