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

from ..admission import Admission
from ..query_pool import PoolSettings, QueryPool
from ..resources import example_queries
from ..store import BuiltDataset
from .answer_memo import AnswerMemo
from .config import ServerConfig
from .hooks import install_hooks
from .ops import ops
from .pages import register_pages
from .ratelimit import RateLimiter
from .result_cache import AnswerCache
from .sparql import sparql
from .state import Endpoint

__all__ = ["Endpoint", "ServerConfig", "create_app"]


def create_app(
    dataset: BuiltDataset,
    config: ServerConfig,
    *,
    pool: QueryPool | None = None,
    limiter: RateLimiter | None = None,
    admission: Admission | None = None,
) -> Flask:
    """The endpoint for ``dataset``.

    Starts its query workers unless ``pool`` is given. The rate limiter and the admission of
    queries are its own unless ones shared by several HTTP processes are given
    (``new_limiter``, ``new_admission``, made before gunicorn forks).
    """
    if pool is None:
        pool = start_pool(dataset, config, admission)
    if limiter is None:
        limiter = new_limiter(config)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    examples = _examples(config)
    # Half the result cache's bytes for answers by query, half for whole responses (the memo).
    cache_bytes = config.result_cache_mb * 1024 * 1024 // 2
    results = AnswerCache(cache_bytes)
    app.extensions["ivig_graph"] = Endpoint(dataset, config, pool, limiter, examples, results)
    install_hooks(app)
    app.register_blueprint(sparql)
    app.register_blueprint(ops)
    register_pages(app, dataset)
    if cache_bytes > 0:
        app.wsgi_app = AnswerMemo(  # type: ignore[method-assign]
            app.wsgi_app, cache_bytes, limiter=limiter, trust_proxy=config.trust_proxy
        )
    return app


def new_limiter(config: ServerConfig) -> RateLimiter | None:
    """The per-client rate limiter, or None when the limit is off. Made before gunicorn forks,
    it is shared by every HTTP process."""
    return RateLimiter(config.rate_limit, config.rate_burst) if config.rate_limited else None


def new_admission(config: ServerConfig) -> Admission:
    """The cap on queries running (``config.workers``) and waiting (``config.queue_limit``);
    made before gunicorn forks, it is shared by every HTTP process."""
    return Admission(config.workers, config.queue_limit)


def start_pool(
    dataset: BuiltDataset, config: ServerConfig, admission: Admission | None = None
) -> QueryPool:
    """This HTTP process's query workers, one for each of the ``config.workers`` slots."""
    pool = QueryPool(
        dataset.nquads_path,
        PoolSettings(
            size=config.workers,
            timeout=config.timeout,
            queue_limit=config.queue_limit,
            queue_wait=config.queue_wait,
            memory_limit_bytes=config.worker_memory_mb * 1024 * 1024,
            backend=config.backend,
            inline_seconds=config.inline_query_ms / 1000,
        ),
        admission,
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
