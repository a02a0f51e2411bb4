"""The app as each HTTP process of ``serve`` builds it: ``app_from_environment``.

The dataset directory and the configuration come from the environment that
``serve.http.run_server`` set (``IVIG_GRAPH_DATASET`` and the ``IVIG_*`` variables), so that
granian's processes, which import this module afresh, serve exactly what the command line said.

The query workers are started first: they open the store while this process imports Flask and
builds the app, the larger part of its start (the first answer needs both).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ivig_graph.dataset.files import DATASET_VARIABLE, load_built
from ivig_graph.serve.pool import start_pool
from ivig_graph.web.config import ServerConfig

if TYPE_CHECKING:
    from flask import Flask

PARENT_CHECK_SECONDS = 0.5
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def app_from_environment() -> Flask:
    # Leave the terminal's process group: Ctrl+C then reaches granian's main process alone,
    # which stops this one with a single signal. Reaching both, the two signals raced inside
    # granian's worker and could leave it hanging (seen with granian 2.8.7). Out of the group,
    # this process must notice by itself when the main process is killed outright.
    os.setpgid(0, 0)
    # The threads started while the app is built (the parent watch below, the pool's, the
    # pages' and completions' loaders) start with SIGINT and SIGTERM blocked, so that the
    # kernel gives them to the main thread. Taken by one of those threads while granian's
    # worker waited in its main thread, the stop signal's Python handler (which only the main
    # thread runs) never ran: 2 to 8 in 12 servers stopped right after their first answer hung.
    unmasked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True).start()
        return _app()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, unmasked)


def _app() -> Flask:
    configure_logging()
    built = load_built(Path(os.environ[DATASET_VARIABLE]))
    config = ServerConfig.from_env(os.environ)
    pool = start_pool(built, config, wait=False)
    from ivig_graph.web.app import create_app  # Flask and the views, while the workers start

    app = create_app(built, config, pool=pool)
    pool.wait_until_ready()
    print(
        f"ivig-graph: serving dataset {built.version} at {config.url} "
        f"(SPARQL endpoint {config.url}sparql); press Ctrl+C to stop",
        file=sys.stderr,
        flush=True,
    )
    return app


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)  # the query workers notice in turn and exit (serve/worker.py)


def configure_logging() -> None:
    """The access log (one JSON object per line) and errors with their traces, on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    access = logging.getLogger("ivig_graph.access")
    access.handlers[:] = [handler]
    access.setLevel(logging.INFO)
    access.propagate = False
    errors = logging.StreamHandler(sys.stderr)
    errors.setFormatter(logging.Formatter("%(asctime)s [%(process)d] [%(levelname)s] %(message)s"))
    root = logging.getLogger("ivig_graph")
    if not root.handlers:
        root.addHandler(errors)
    root.setLevel(logging.INFO)
