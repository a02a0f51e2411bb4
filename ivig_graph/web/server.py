"""``run_server``: the endpoint on gunicorn (a production WSGI server, not Flask's).

``http_processes`` gunicorn worker processes (gthread, ``http_threads`` threads each) speak HTTP;
one process per core, because Python runs one thread at a time per process and the HTTP work
(parsing, negotiation, logging, cache hits) is what limits a cheap query's throughput
(bench/RESULTS.md). Each HTTP process has a query worker process for each of the
``config.workers`` query slots.

What must hold across processes is created in the gunicorn master before it forks the HTTP
processes, in shared memory: the per-client rate limit (``ratelimit.RateLimiter``: a client is
limited once, whichever process answers it) and the admission of queries
(``admission.Admission``: at most ``config.workers`` queries run at once in all, and
``config.queue_limit`` wait). When an HTTP process dies, the master frees the query slots it
held.

``python -m ivig_graph.web.server --dataset DIR`` runs it with configuration from ``IVIG_*``
environment variables only (the CLI, ``ivig-graph serve``, adds its options on top).
"""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import socket
import sys
import threading
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from ..errors import IvigGraphError
from ..remote import Backend, check_backend
from ..store import BuiltDataset, load_built
from . import create_app, new_admission, new_limiter
from .access import BatchedLines
from .config import ServerConfig

BACKEND_CHECK_TIMEOUT = 30.0
HTTP_THREAD_STACK_BYTES = 64 * 1024 * 1024  # address space; only the pages used are memory


def gunicorn_options(config: ServerConfig) -> dict[str, Any]:
    host = f"[{config.host}]" if ":" in config.host else config.host
    return {
        "bind": [f"{host}:{config.port}"],
        "workers": config.http_processes,
        "worker_class": "gthread",
        "threads": config.http_threads,
        # gunicorn's own watchdog: gthread workers heartbeat from their main loop, so this only
        # fires if the HTTP process itself hangs; queries are bounded by config.timeout.
        "timeout": max(30, int(config.timeout * 3)),
        "graceful_timeout": max(5, int(config.timeout) + 2),
        "keepalive": 5,
        # The app caps query length (413) and body size; 0 lets long GET queries reach it
        # (gunicorn still stops reading at 1 MiB).
        "limit_request_line": 0,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        "accesslog": None,  # the app writes its own structured access log
        "errorlog": "-",
        "loglevel": "info",
        "preload_app": False,  # each HTTP process starts its own query workers after the fork
        "proc_name": "ivig-graph",
        "control_socket_disable": True,  # gunicorn's control socket would live in $HOME
        "reuse_port": True,  # so that each HTTP process can listen beside the shared socket
        "post_worker_init": listen_in_this_process,
    }


def listen_in_this_process(worker: Any) -> None:
    """Give this HTTP process a listening socket of its own on the same address, beside the one
    the master shares (``SO_REUSEPORT``), so that the kernel spreads new connections evenly over
    the processes. On the shared socket alone, whichever process woke first accepted a burst of
    connections, and with keep-alive those stayed with it: a run could find one process with
    13 of 16 connections, at the throughput of one core (bench/RESULTS.md)."""
    own = []
    for shared in worker.sockets:
        if shared.family not in (socket.AF_INET, socket.AF_INET6):
            continue
        listener = socket.socket(shared.family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as gunicorn's own
        listener.bind(shared.getsockname())
        listener.listen(worker.cfg.backlog)
        own.append(listener)
    worker.sockets = [*worker.sockets, *own]


class EndpointApplication(BaseApplication):
    """gunicorn's embedding API: the options above, and the app built in each HTTP process.

    Runs in the master: the rate limiter made here is inherited, shared, by every HTTP process.
    """

    def __init__(self, built: BuiltDataset, config: ServerConfig) -> None:
        self.built = built
        self.config = config
        self.limiter = new_limiter(config)
        self.admission = new_admission(config)
        super().__init__()

    def load_config(self) -> None:
        for key, value in gunicorn_options(self.config).items():
            if key in self.cfg.settings:  # control_socket_disable is new in gunicorn 24+
                self.cfg.set(key, value)
        self.cfg.set("child_exit", self.http_process_exited)

    def http_process_exited(self, _arbiter: object, worker: Any) -> None:
        """In the master: the query slots a dead HTTP process held are free again."""
        freed = self.admission.reclaim(worker.pid)
        if freed:
            print(
                f"HTTP process {worker.pid} exited holding {freed} query slots; freed",
                file=sys.stderr,
            )

    def load(self) -> Flask:
        configure_access_log()
        # gunicorn starts its request threads after this: give them room for the engine's
        # recursion on known-cheap queries run in place (query_pool.KnownCheap).
        threading.stack_size(HTTP_THREAD_STACK_BYTES)
        return create_app(self.built, self.config, limiter=self.limiter, admission=self.admission)


def configure_access_log() -> None:
    """One JSON object per line on standard error, as the app writes them, in batches
    (``access.BatchedLines``)."""
    access = logging.getLogger("ivig_graph.access")
    for handler in list(access.handlers):
        access.removeHandler(handler)
    lines = BatchedLines(sys.stderr)
    lines.setFormatter(logging.Formatter("%(message)s"))
    access.addHandler(lines)
    access.setLevel(logging.INFO)
    access.propagate = False
    atexit.register(lines.close)  # writes what is still waiting when the process exits


def run_server(built: BuiltDataset, config: ServerConfig) -> None:
    """Serve ``built`` until interrupted (blocks).

    With a backend, first checks that it holds the built dataset (``StoreUnreachable``,
    ``StoreRefused`` or ``StoreDiffers`` otherwise): answers and ETags name its version.
    """
    if config.backend is not None:
        backend = Backend(config.backend, timeout=BACKEND_CHECK_TIMEOUT)
        counts = check_backend(built, backend)
        triples = ", ".join(f"<{graph}> {count}" for graph, count in counts.items())
        print(
            f"Serving dataset {built.version} from the SPARQL backend {config.backend} "
            f"(triples per graph as built: {triples})",
            file=sys.stderr,
        )
    EndpointApplication(built, config).run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ivig_graph.web.server")
    parser.add_argument("--dataset", required=True, help="built dataset directory")
    args = parser.parse_args(argv)
    try:
        run_server(load_built(Path(args.dataset)), ServerConfig.from_env(os.environ))
    except IvigGraphError as error:
        print(f"ivig-graph server: {error}", file=sys.stderr)
        sys.exit(error.exit_code)


if __name__ == "__main__":
    main()
