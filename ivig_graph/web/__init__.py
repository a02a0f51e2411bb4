"""The web endpoint: ``create_app(dataset, config)`` builds the Flask app over a built dataset.

Blueprints: ``sparql`` (the SPARQL 1.1 Protocol endpoint and its service description),
``ops`` (health checks, example queries) and ``pages`` (HTML pages and linked data). ``hooks``
adds what every response carries (request id, timing, CORS, compression, access log),
``limits`` the per-client rate limit, ``metrics`` the counters at ``/metrics``, ``errors``
the one mapping of errors to statuses. Queries run in worker processes
(``ivig_graph.serve.pool``) so that a runaway query can be killed.
"""

from __future__ import annotations

import atexit
from pathlib import Path

from flask import Flask

from ..resources import example_queries
from ..serve.pool import PoolSettings, QueryPool
from ..store import BuiltDataset
from .config import ServerConfig
from .errors import register_error_handlers
from .hooks import install_hooks
from .limits import install_rate_limit
from .metrics import install_metrics
from .ops import ops
from .pages import register_pages
from .sparql import sparql
from .state import Endpoint

__all__ = ["Endpoint", "ServerConfig", "create_app"]


def create_app(
    dataset: BuiltDataset, config: ServerConfig, *, pool: QueryPool | None = None
) -> Flask:
    """The endpoint for ``dataset``; starts its query workers unless ``pool`` is given."""
    if pool is None:
        pool = start_pool(dataset, config)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    state = Endpoint(dataset, config, pool, _examples(config))
    app.extensions["ivig_graph"] = state
    install_metrics(app, state)
    install_hooks(app)
    install_rate_limit(app, config)
    register_error_handlers(app)
    app.register_blueprint(sparql)
    app.register_blueprint(ops)
    register_pages(app, dataset)
    return app


def start_pool(dataset: BuiltDataset, config: ServerConfig) -> QueryPool:
    """The query workers, one for each of the ``config.workers`` slots."""
    pool = QueryPool(
        dataset.nquads_path,
        PoolSettings(
            size=config.workers,
            timeout=config.timeout,
            queue_limit=config.queue_limit,
            queue_wait=config.queue_wait,
            memory_limit_bytes=config.worker_memory_mb * 1024 * 1024,
            client_share=config.client_share,
            backend=config.backend,
        ),
    )
    pool.start()
    atexit.register(pool.close)
    return pool


def _examples(config: ServerConfig) -> dict[str, str]:
    """The example queries, read once at start-up (no request reads files)."""
    if config.queries_dir is not None:
        paths = sorted(Path(config.queries_dir).glob("*.rq"))
    else:
        paths = example_queries()
    return {path.name: path.read_text(encoding="utf-8") for path in paths}
