"""``run_server``: the endpoint on gunicorn (a production WSGI server, not Flask's).

One gunicorn worker process with ``http_threads`` threads speaks HTTP; it owns the pool of query
worker processes (``config.workers``) that evaluate SPARQL. One HTTP process keeps the rate
limit and the cap on concurrent queries exact (they are counted in one place); the HTTP work
itself is light (bytes in, bytes out), the queries run on every core in the workers.

``python -m ivig_graph.web.server --dataset DIR`` runs it with configuration from ``IVIG_*``
environment variables only (the CLI, ``ivig-graph serve``, adds its options on top).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from ..errors import IvigGraphError
from ..remote import Backend, check_backend
from ..store import BuiltDataset, load_built
from .config import ServerConfig

HTTP_PROCESSES = 1
BACKEND_CHECK_TIMEOUT = 30.0


def gunicorn_options(config: ServerConfig) -> dict[str, Any]:
    host = f"[{config.host}]" if ":" in config.host else config.host
    return {
        "bind": [f"{host}:{config.port}"],
        "workers": HTTP_PROCESSES,
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
        "preload_app": False,  # each HTTP process starts its own query workers
        "proc_name": "ivig-graph",
        "control_socket_disable": True,  # gunicorn's control socket would live in $HOME
    }


class EndpointApplication(BaseApplication):
    """gunicorn's embedding API: the options above, and the app built in the worker."""

    def __init__(self, built: BuiltDataset, config: ServerConfig) -> None:
        self.built = built
        self.config = config
        super().__init__()

    def load_config(self) -> None:
        for key, value in gunicorn_options(self.config).items():
            if key in self.cfg.settings:  # control_socket_disable is new in gunicorn 24+
                self.cfg.set(key, value)

    def load(self) -> Flask:
        from . import create_app

        return create_app(self.built, self.config)


def configure_access_log() -> None:
    """One JSON object per line on standard error, as the app writes them."""
    access = logging.getLogger("ivig_graph.access")
    if not access.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.propagate = False


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
    configure_access_log()
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
