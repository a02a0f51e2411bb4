"""The per-client rate limit, with Flask-Limiter (over the ``limits`` library).

``IVIG_RATE_LIMIT`` is a limit in Flask-Limiter's notation (default ``100 per 5 seconds``: bursts
of 100, 20 a second sustained), counted per client (``access.client_address``) on the SPARQL
endpoint and the example queries, in a moving window. The counts live in this process
(``memory://``); several HTTP processes or replicas share one count through a storage URI
such as ``redis://host:6379`` or ``memcached://host:11211`` (``IVIG_RATE_LIMIT_STORAGE``,
docs/deploy.md).
Over the limit a client gets 429 with Retry-After.
"""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter

from ivig_graph.web.access import client_address
from ivig_graph.web.config import ServerConfig

LIMITED_PREFIXES = ("/sparql", "/queries")


def install_rate_limit(app: Flask, config: ServerConfig) -> Limiter | None:
    if not config.rate_limited:
        return None
    return Limiter(
        client_address,
        app=app,
        default_limits=[config.rate_limit],
        default_limits_exempt_when=_exempt,
        storage_uri=config.rate_limit_storage,
        strategy="moving-window",
        headers_enabled=True,
        key_prefix="ivig-graph",
    )


def _exempt() -> bool:
    return request.method == "OPTIONS" or not request.path.startswith(LIMITED_PREFIXES)
