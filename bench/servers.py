"""The servers bench/run.py loads, started on free ports of 127.0.0.1 and stopped with their
whole process group: ``ivig-graph serve`` (granian), the same app under gunicorn
(``ivig_gunicorn.py``), Oxigraph's server, rdflib-endpoint and the constant Flask route (the
Python ceiling) under gunicorn and under granian."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from load import CONNECTIONS

from ivig_graph.dataset.files import BuiltDataset

BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PEERS = BENCH / ".venv-peers" / "bin"
ACCEPT_RESULTS = "application/sparql-results+json"
PROBE = "ASK { <https://w3id.org/ivig/id/condition/myasthenia-gravis> ?p ?o }"
# Every process of a server up before a load begins (a keep-alive connection stays where it
# first landed).
SETTLE_SECONDS = 2.0
# The load is one client (127.0.0.1) on CONNECTIONS (16), standing for many: the per-client
# limits would refuse most of it or hold it to one worker: the rate limit; its places in the
# queue (IVIG_CLIENT_QUEUE, by default as many as its one slot: 14 of 16 requests 429 at once);
# the large answers (over 64 KiB) it may receive at once (2 by default, 4 in all: 429 / 503);
# its share of the query workers (IVIG_CLIENT_SHARE: all but one, so 1 of 2, which left one
# worker idle all along: bench/RESULTS.md, 2026-12-02 06:00). As the issue asks for the rate
# limit, they are opened for the load, so that what is measured is the answering, not the
# refusing; the variant "IVIG_CLIENT_SHARE=1" measures one client held to its share.
IVIG_LOAD_ENV = {
    "IVIG_RATE_LIMIT": "off",
    "IVIG_CLIENT_SHARE": str(CONNECTIONS),
    "IVIG_CLIENT_QUEUE": str(CONNECTIONS),
    "IVIG_CLIENT_STREAMS": str(CONNECTIONS),
    "IVIG_STREAMS": str(CONNECTIONS),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    name: str
    port: int
    query_path: str
    process: subprocess.Popen[bytes]
    log: Path
    started: float  # time.perf_counter() at launch

    def path_for(self, query: str) -> str:
        return f"{self.query_path}?{urlencode({'query': query})}"

    def get(self, path: str, accept: str, timeout: float = 120) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path, headers={"Accept": accept})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def pids(self) -> list[int]:
        return descendants(self.process.pid)

    def memory_mb(self) -> dict[str, Any]:
        """RSS and PSS summed over the server and all its descendants (PSS shares each page
        among the processes that map it, so shared libraries and the store count once), and
        the RSS of each process, the server's own first."""
        rss = pss = 0
        each = []
        for pid in self.pids():
            rss += _status_kb(pid, "VmRSS:")
            pss += _rollup_kb(pid, "Pss:")
            each.append(round(_status_kb(pid, "VmRSS:") / 1024, 1))
        return {"rss_mb": round(rss / 1024, 1), "pss_mb": round(pss / 1024, 1), "each_rss_mb": each}


def statuses_in_log(log: Path) -> dict[str, int]:
    """HTTP statuses other than 200 in ivig-graph's access log (JSON lines), with their
    error codes: what wrk counts as errors, by kind."""
    found: dict[str, int] = {}
    for line in log.read_text(errors="replace").splitlines():
        if not line.startswith('{"time"'):
            continue
        entry = json.loads(line)
        if entry.get("status") != 200:
            kind = f"{entry.get('status')} {entry.get('outcome') or ''}".strip()
            found[kind] = found.get(kind, 0) + 1
    return found


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _status_kb(pid: int, key: str) -> int:
    return _field_kb(Path(f"/proc/{pid}/status"), key)


def _rollup_kb(pid: int, key: str) -> int:
    return _field_kb(Path(f"/proc/{pid}/smaps_rollup"), key)


def _field_kb(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def launch(
    name: str, command: list[str], query_path: str, work: Path, env: dict[str, str] | None = None
) -> Server:
    port = free_port()
    command = [part.replace("{port}", str(port)) for part in command]
    log = work / f"{name.replace(' ', '_').replace('/', '_')}-{port}.log"
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    return Server(name, port, query_path, process, log, started)


def stop(server: Server) -> None:
    """SIGTERM to every process of the server (granian moves its HTTP processes into process
    groups of their own), then SIGKILL to what is left after 15 s."""
    pids = server.pids()
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        server.process.wait(timeout=15)
    for pid in pids:
        _signal(pid, signal.SIGKILL)
    server.process.wait()


def _signal(pid: int, sig: int) -> None:
    with suppress(ProcessLookupError):
        os.kill(pid, sig)


def wait_until_answering(server: Server, deadline: float = 300) -> float:
    """Seconds from launch until the probe is answered ``true``."""
    while time.perf_counter() - server.started < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited: see {server.log}")
        try:
            status, body = server.get(server.path_for(PROBE), ACCEPT_RESULTS, timeout=5)
            if status == 200 and b"true" in body:
                return time.perf_counter() - server.started
        except OSError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"{server.name} did not answer within {deadline} s: see {server.log}")


@contextmanager
def running(server: Server, settle: float = SETTLE_SECONDS) -> Iterator[Server]:
    try:
        wait_until_answering(server)
        time.sleep(settle)
        yield server
    finally:
        stop(server)


def ivig(
    built: BuiltDataset, work: Path, env: dict[str, str] | None = None, name: str = ""
) -> Server:
    """``ivig-graph serve`` (granian) with its defaults, the rate limit off, ``env`` on top."""
    command = [str(BIN / "ivig-graph"), "serve", "--dataset", str(built.directory)]
    command += ["--port", "{port}"]
    return launch(name or "ivig-graph", command, "/sparql", work, {**IVIG_LOAD_ENV, **(env or {})})


def ivig_gunicorn(built: BuiltDataset, work: Path, name: str = "ivig-graph on gunicorn") -> Server:
    """The same Flask app under gunicorn gthread (one process, 16 threads), for comparison."""
    command = [sys.executable, str(BENCH / "ivig_gunicorn.py"), str(built.directory), "{port}"]
    return launch(name, command, "/sparql", work, IVIG_LOAD_ENV)


def oxigraph_location(built: BuiltDataset, work: Path) -> tuple[Path, float]:
    """Oxigraph's store loaded from the built N-Quads, and the seconds ``oxigraph load`` took."""
    location = work / f"oxigraph-{built.directory.name}-{built.version}"
    started = time.perf_counter()
    if not location.exists():
        command = [str(BIN / "oxigraph"), "load", "--location", str(location)]
        subprocess.run(
            [*command, "--file", str(built.nquads_path)],
            check=True,
            capture_output=True,
        )
    return location, time.perf_counter() - started


def oxigraph(location: Path, work: Path) -> Server:
    command = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(location)]
    command += ["--bind", "127.0.0.1:{port}", "--union-default-graph"]
    return launch("oxigraph", command, "/query", work)


def rdflib_endpoint(built: BuiltDataset, work: Path) -> Server:
    command = [str(PEERS / "rdflib-endpoint"), "serve", str(built.nquads_path)]
    command += ["--host", "127.0.0.1", "--port", "{port}"]
    return launch("rdflib-endpoint", command, "/", work)


CEILINGS = {
    "ceiling: Flask constant, granian 1 process, 16 threads": [
        str(BIN / "granian"),
        *("--interface", "wsgi", "--workers", "1", "--blocking-threads", "16"),
        *("--host", "127.0.0.1", "--port", "{port}", "--working-dir", str(BENCH)),
        "ceiling_app:app",
    ],
    "ceiling: Flask constant, granian 2 processes, 16 threads each": [
        str(BIN / "granian"),
        *("--interface", "wsgi", "--workers", "2", "--blocking-threads", "16"),
        *("--host", "127.0.0.1", "--port", "{port}", "--working-dir", str(BENCH)),
        "ceiling_app:app",
    ],
    "ceiling: Flask constant, gunicorn 1 gthread process, 16 threads": [
        str(BIN / "gunicorn"),
        *("-w", "1", "-k", "gthread", "--threads", "16", "-b", "127.0.0.1:{port}"),
        *("--chdir", str(BENCH), "ceiling_app:app"),
    ],
    "ceiling: Flask constant, gunicorn 2 sync processes": [
        str(BIN / "gunicorn"),
        *("-w", "2", "-k", "sync", "-b", "127.0.0.1:{port}"),
        *("--chdir", str(BENCH), "ceiling_app:app"),
    ],
}


def ceiling(name: str, work: Path) -> Server:
    return launch(name, CEILINGS[name], "/", work)


def wait_for_ceiling(server: Server, deadline: float = 30) -> None:
    while time.perf_counter() - server.started < deadline:
        try:
            if server.get("/", "text/plain", timeout=2)[0] == 200:
                time.sleep(SETTLE_SECONDS)
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{server.name} did not answer: see {server.log}")
