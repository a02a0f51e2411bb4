"""The web endpoint: ``create_app(dataset, config)`` builds the Flask app over a built dataset.

Blueprints: ``sparql`` (the SPARQL 1.1 Protocol endpoint and its service description),
``ops`` (health checks, example queries) and ``pages`` (HTML pages and linked data). ``hooks``
adds what every response carries (request id, timing, CORS, compression, access log) and the
per-client rate limit. Queries run in worker processes (``ivig_graph.query_pool``) so that a
runaway query can be killed.
"""

from __future__ import annotations

import atexit
from pathlib import Path

from flask import Flask

from ..query_pool import PoolSettings, QueryPool
from ..resources import example_queries
from ..store import BuiltDataset
from .config import ServerConfig
from .hooks import install_hooks
from .ops import ops
from .pages import register_pages
from .ratelimit import RateLimiter
from .result_cache import ResultCache
from .sparql import sparql
from .state import Endpoint

__all__ = ["Endpoint", "ServerConfig", "create_app"]


def create_app(
    dataset: BuiltDataset, config: ServerConfig, *, pool: QueryPool | None = None
) -> Flask:
    """The endpoint for ``dataset``; starts the query workers unless ``pool`` is given."""
    if pool is None:
        pool = start_pool(dataset, config)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    examples = _examples(config)
    limiter = RateLimiter(config.rate_limit, config.rate_burst) if config.rate_limited else None
    results = ResultCache(config.result_cache_mb * 1024 * 1024)
    app.extensions["ivig_graph"] = Endpoint(dataset, config, pool, limiter, examples, results)
    install_hooks(app)
    app.register_blueprint(sparql)
    app.register_blueprint(ops)
    register_pages(app, dataset)
    return app


def start_pool(dataset: BuiltDataset, config: ServerConfig) -> QueryPool:
    pool = QueryPool(
        dataset.nquads_path,
        PoolSettings(
            size=config.workers,
            timeout=config.timeout,
            queue_limit=config.queue_limit,
            queue_wait=config.queue_wait,
            memory_limit_bytes=config.worker_memory_mb * 1024 * 1024,
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
