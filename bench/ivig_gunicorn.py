"""``python bench/ivig_gunicorn.py DATASET PORT``: ivig-graph's Flask app under gunicorn gthread.

Bench only: ``ivig-graph serve`` runs granian; this serves the very same app
(``ivig_graph.web.app.create_app``, configured from the ``IVIG_*`` environment) through gunicorn's
embedding API, one process with 16 threads by default (``IVIG_HTTP_PROCESSES``,
``IVIG_HTTP_THREADS``), so that bench/run.py can compare the two HTTP servers on the same app.
The app is built in each gunicorn worker after the fork (its query pool holds threads).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from ivig_graph.dataset.files import load_built
from ivig_graph.web.app import create_app
from ivig_graph.web.config import ServerConfig


class IvigOnGunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, dataset: Path, options: dict[str, Any]) -> None:
        self.dataset = dataset
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return create_app(load_built(self.dataset), ServerConfig.from_env(os.environ))


def main(argv: list[str]) -> None:
    dataset, port = Path(argv[0]), int(argv[1])
    config = ServerConfig.from_env(os.environ)
    options = {
        "bind": f"127.0.0.1:{port}",
        "workers": config.http_processes,
        "worker_class": "gthread",
        "threads": config.http_threads,
        "accesslog": None,
    }
    IvigOnGunicorn(dataset, options).run()


if __name__ == "__main__":
    main(sys.argv[1:])
