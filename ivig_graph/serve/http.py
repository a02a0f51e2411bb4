"""``run_server``: the endpoint on granian, a production HTTP server written in Rust.

Granian reads requests and writes answers on its own asynchronous runtime, so a slow or idle
connection costs no Python thread; the Flask app runs on ``http_threads`` threads in each of
``http_processes`` processes (one by default: a second answered 39-60% more fresh queries a
second on 2 cores but cost 183 MB and splits the per-client limits, bench/RESULTS.md). Each HTTP
process imports ``ivig_graph.web.wsgi`` and builds the app from the ``IVIG_*`` environment this
function sets; ``serve.supervisor``, which this process becomes, starts granian.

Before granian starts, the address is bound once without ``SO_REUSEPORT``: granian's own
sockets share a port with any other granian (a second ``serve`` would silently split the
traffic), and a port held by another program made it respawn workers forever. Holding the port
is an error now (``PortInUse``, exit code 9) that names the port and what to do.

With ``front="nginx"`` nginx listens on the address instead and granian on a Unix socket behind
it (serve/front.py: deadlines for request bodies, connections per client, buffered answers).
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path

from ivig_graph.dataset.files import DATASET_VARIABLE, BuiltDataset
from ivig_graph.errors import PortInUse
from ivig_graph.serve.front import write_front
from ivig_graph.serve.granian_settings import GranianSettings
from ivig_graph.web.config import ServerConfig

BACKEND_CHECK_TIMEOUT = 30.0


def check_port(host: str, port: int) -> None:
    """Raise ``PortInUse`` if something already listens on (or holds) ``host:port``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as any server does
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise PortInUse(f"Cannot listen on {host}:{port}: {error.strerror}.") from None
            raise PortInUse(
                f"Port {port} on {host} is already in use (another ivig-graph or another "
                f"program). Stop it, or choose another port: ivig-graph serve --port {port + 1}"
            ) from None


def _prepare_front(config: ServerConfig) -> Path:
    """The front's private directory with its checked configuration (serve/front.py); the
    supervisor removes it when it stops."""
    directory = Path(tempfile.mkdtemp(prefix="ivig-graph-front-"))
    try:
        write_front(config, directory)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return directory


def run_server(built: BuiltDataset, config: ServerConfig) -> None:
    """Serve ``built`` until interrupted (blocks). With a backend, first checks that it holds
    the built dataset (answers and ETags name its version)."""
    check_port(config.host, config.port)
    if config.backend is not None:
        from ivig_graph.clients.sparql_backend import Backend, check_backend

        backend = Backend(config.backend, timeout=BACKEND_CHECK_TIMEOUT)
        counts = check_backend(built, backend)
        triples = ", ".join(f"<{graph}> {count}" for graph, count in counts.items())
        print(
            f"Serving dataset {built.version} from the SPARQL backend {config.backend} "
            f"(triples per graph as built: {triples})",
            file=sys.stderr,
        )
    front = _prepare_front(config) if config.front != "none" else None
    os.environ.update(config.environment())
    os.environ[DATASET_VARIABLE] = str(built.directory.resolve())
    sys.stdout.flush()
    sys.stderr.flush()
    # granian's supervising process becomes a fresh interpreter that imports granian and the
    # configuration only (about 25 MB instead of this one's 68: rdflib, Flask, the engine).
    settings = GranianSettings.of(config, front)
    command = ["-m", "ivig_graph.serve.supervisor", *settings.arguments()]
    os.execv(sys.executable, [sys.executable, *command])
