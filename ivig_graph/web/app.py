"""The web endpoint: ``create_app(dataset, config)`` builds the Flask app over a built dataset.

Blueprints: ``sparql`` (the SPARQL 1.1 Protocol endpoint and its service description),
``ops`` (health checks, example queries) and ``pages`` (HTML pages and linked data); ``assets``
serves the static files with fingerprinted URLs. ``hooks``
adds what every response carries (request id, timing, CORS, compression, access log),
``limits`` the per-client rate limit, ``metrics`` the counters at ``/metrics``, ``errors``
the one mapping of errors to statuses. Queries run in worker processes
(``ivig_graph.serve.pool``) so that a runaway query can be killed.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.resources import example_queries
from ivig_graph.serve.pool import QueryPool, start_pool
from ivig_graph.web.assets import install_assets
from ivig_graph.web.completions import register_completions
from ivig_graph.web.config import ServerConfig
from ivig_graph.web.csp import install_csp_nonce
from ivig_graph.web.errors import register_error_handlers
from ivig_graph.web.hooks import install_hooks
from ivig_graph.web.limits import install_rate_limit
from ivig_graph.web.metrics import install_metrics
from ivig_graph.web.ops import ops
from ivig_graph.web.site import register_pages
from ivig_graph.web.sparql import sparql
from ivig_graph.web.state import Endpoint

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
    install_assets(app)
    install_csp_nonce(app)
    install_metrics(app, state)
    install_hooks(app)
    install_rate_limit(app, config)
    register_error_handlers(app)
    app.register_blueprint(sparql)
    app.register_blueprint(ops)
    register_pages(app, dataset)
    register_completions(app, dataset)
    return app


def _examples(config: ServerConfig) -> dict[str, str]:
    """The example queries, read once at start-up (no request reads files)."""
    if config.queries_dir is not None:
        paths = sorted(Path(config.queries_dir).glob("*.rq"))
    else:
        paths = example_queries()
    return {path.name: path.read_text(encoding="utf-8") for path in paths}
