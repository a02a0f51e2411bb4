"""The endpoint's configuration: defaults, environment variables (``IVIG_*``), CLI overrides.

Every field is documented in docs/endpoint.md; ``ENV_VARS`` is the single list of the variables.
"""

from __future__ import annotations

import dataclasses
import math
import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from limits import parse_many

FRONTS = ("none", "nginx")
# The numeric settings, by what they may be.
AT_LEAST_ONE = (
    *("port", "http_processes", "http_threads", "workers", "max_body_bytes"),
    *("max_query_length", "max_depth", "max_rows", "max_answer_bytes", "max_dataset_graphs"),
    *("max_path_steps", "max_optionals", "max_triple_patterns", "max_expression_terms"),
    *("max_connections", "client_bodies", "client_streams", "client_connections"),
)
SECONDS = ("timeout", "body_timeout")
NOT_NEGATIVE = (
    *("queue_limit", "queue_wait", "worker_memory_mb", "client_share", "client_queue"),
    *("streams", "result_cache_mb"),
)


class ConfigError(ValueError):
    """An environment variable or option with a value that cannot be used."""


@dataclass(frozen=True)
class ServerConfig:
    # Where granian listens, and how: HTTP processes, and threads each for the app.
    host: str = "127.0.0.1"
    port: int = 8000
    http_processes: int = 1
    http_threads: int = 16
    max_connections: int = 1024  # open connections per HTTP process; more wait to be accepted
    # A buffering front that serve starts before granian (serve/front.py): "none" or "nginx".
    front: str = "none"
    client_connections: int = 32  # with the front: requests one client may have open at once
    body_timeout: float = 10.0  # with the front: seconds a request body may pause between reads
    client_bodies: int = 4  # request bodies one client may be sending at once (429 beyond)
    client_streams: int = 2  # large answers one client may be receiving at once (429 beyond)
    streams: int = 0  # large answers being sent at once, in all (503 beyond); 0: threads / 4
    # The query engine and its worker processes.
    backend: str | None = None  # a remote engine's SPARQL query endpoint, instead of the store
    workers: int = field(default_factory=lambda: max(os.cpu_count() or 1, 1))
    timeout: float = 10.0  # seconds a query may run before its worker is killed
    queue_limit: int = 32  # queries that may wait for a free worker; more are refused (503)
    queue_wait: float = 1.0  # seconds a query may wait for a free worker before 503
    worker_memory_mb: int = 768  # address-space limit of each query worker; 0 = none
    client_share: int = 0  # query slots one client may hold; 0 = all but one
    client_queue: int = 0  # places in the queue one client may hold; 0 = its share
    # Limits on what a client may send or receive.
    max_body_bytes: int = 512 * 1024
    max_query_length: int = 64 * 1024
    max_depth: int = 64
    max_rows: int = 10_000
    max_answer_bytes: int = 8 * 1024 * 1024  # bytes of one answer (then truncated, and said so)
    max_dataset_graphs: int = 64  # default-graph-uri plus named-graph-uri in one request
    # The guard's cost limits (query.guard.GuardLimits): what one query may contain.
    max_path_steps: int = 64
    max_optionals: int = 128
    max_triple_patterns: int = 1024
    max_expression_terms: int = 512
    # Per-client rate limit (Flask-Limiter notation); "" or "off" turns it off.
    rate_limit: str = "100 per 5 seconds"
    rate_limit_storage: str = "memory://"
    trust_proxy: bool = False  # take the client address from X-Forwarded-For (last hop)
    # HTTP niceties.
    cache_max_age: int = 300
    result_cache_mb: int = 1  # small answers kept for the same request asked again; 0 = none
    gzip_min_bytes: int = 1024
    base_url: str | None = None  # public URL of /sparql, when it differs from what clients send
    queries_dir: str | None = None  # example queries linked from the service description

    def __post_init__(self) -> None:
        self._check_numbers()
        self._check_backend()
        self._check_front()
        self._check_rate_limit()

    def _check_numbers(self) -> None:
        for name in AT_LEAST_ONE:
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, not {getattr(self, name)}.")
        for name in SECONDS:
            if not (0 < getattr(self, name) < math.inf):
                raise ConfigError(
                    f"{name} must be a positive number of seconds, not {getattr(self, name)}."
                )
        for name in NOT_NEGATIVE:
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative.")

    def _check_backend(self) -> None:
        if self.backend is not None:
            parts = urllib.parse.urlsplit(self.backend)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigError(
                    f"{self.backend!r} is not an http(s) URL: give the remote engine's SPARQL "
                    "query endpoint, e.g. http://127.0.0.1:7878/query (Oxigraph)."
                )

    def _check_front(self) -> None:
        if self.front not in FRONTS:
            raise ConfigError(
                f"front {self.front!r} is not one of {', '.join(FRONTS)}: 'nginx' puts nginx in "
                "front of granian (deadlines for request bodies, connections per client)."
            )
        if self.front != "none" and self.trust_proxy:
            raise ConfigError(
                "front and trust_proxy together: the front takes each client from its own "
                "connection. Behind a proxy of your own, let that proxy set the limits instead "
                "(docs/deploy.md), and serve without a front."
            )

    def _check_rate_limit(self) -> None:
        if self.rate_limited:
            try:
                parse_many(self.rate_limit)
            except ValueError:
                raise ConfigError(
                    f"rate_limit {self.rate_limit!r} is not a limit such as '100 per 5 seconds' "
                    "or '20/second;600/minute'."
                ) from None

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> ServerConfig:
        """Defaults, then ``IVIG_*`` variables from ``environ``, then non-None ``overrides``."""
        values: dict[str, Any] = {}
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for name, variable in ENV_VARS.items():
            raw = environ.get(variable)
            if raw is not None and raw.strip() != "":
                values[name] = _convert(variable, raw.strip(), fields[name].type)
        for name, value in overrides.items():
            if name not in fields:
                raise ConfigError(f"Unknown server option {name!r}.")
            if value is not None:
                values[name] = value
        return cls(**values)

    @property
    def url(self) -> str:
        """Where the server answers: ``http://host:port/`` (IPv6 hosts in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def behind_proxy(self) -> bool:
        """Whether the client comes from X-Forwarded-For: a trusted proxy's, or our front's."""
        return self.trust_proxy or self.front != "none"

    @property
    def rate_limited(self) -> bool:
        return self.rate_limit.strip().lower() not in ("", "off", "0")

    def environment(self) -> dict[str, str]:
        """This configuration as ``IVIG_*`` variables: how the HTTP processes receive it."""
        values = {}
        for name, variable in ENV_VARS.items():
            value = getattr(self, name)
            if value is not None:
                values[variable] = str(value).lower() if isinstance(value, bool) else str(value)
        return values


ENV_VARS: dict[str, str] = {
    "host": "IVIG_HOST",
    "port": "IVIG_PORT",
    "http_processes": "IVIG_HTTP_PROCESSES",
    "http_threads": "IVIG_HTTP_THREADS",
    "max_connections": "IVIG_MAX_CONNECTIONS",
    "client_bodies": "IVIG_CLIENT_BODIES",
    "client_streams": "IVIG_CLIENT_STREAMS",
    "streams": "IVIG_STREAMS",
    "front": "IVIG_FRONT",
    "client_connections": "IVIG_CLIENT_CONNECTIONS",
    "body_timeout": "IVIG_BODY_TIMEOUT",
    "backend": "IVIG_BACKEND",
    "workers": "IVIG_WORKERS",
    "timeout": "IVIG_QUERY_TIMEOUT",
    "queue_limit": "IVIG_QUEUE_LIMIT",
    "queue_wait": "IVIG_QUEUE_WAIT",
    "worker_memory_mb": "IVIG_WORKER_MEMORY_MB",
    "client_share": "IVIG_CLIENT_SHARE",
    "client_queue": "IVIG_CLIENT_QUEUE",
    "max_body_bytes": "IVIG_MAX_BODY_BYTES",
    "max_query_length": "IVIG_MAX_QUERY_LENGTH",
    "max_depth": "IVIG_MAX_DEPTH",
    "max_rows": "IVIG_MAX_ROWS",
    "max_answer_bytes": "IVIG_MAX_ANSWER_BYTES",
    "max_dataset_graphs": "IVIG_MAX_DATASET_GRAPHS",
    "max_path_steps": "IVIG_MAX_PATH_STEPS",
    "max_optionals": "IVIG_MAX_OPTIONALS",
    "max_triple_patterns": "IVIG_MAX_TRIPLE_PATTERNS",
    "max_expression_terms": "IVIG_MAX_EXPRESSION_TERMS",
    "rate_limit": "IVIG_RATE_LIMIT",
    "rate_limit_storage": "IVIG_RATE_LIMIT_STORAGE",
    "trust_proxy": "IVIG_TRUST_PROXY",
    "cache_max_age": "IVIG_CACHE_MAX_AGE",
    "result_cache_mb": "IVIG_RESULT_CACHE_MB",
    "gzip_min_bytes": "IVIG_GZIP_MIN_BYTES",
    "base_url": "IVIG_BASE_URL",
    "queries_dir": "IVIG_QUERIES_DIR",
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _convert(variable: str, raw: str, annotation: object) -> Any:
    kind = str(annotation)
    try:
        if kind == "bool":
            if raw.lower() in _TRUE | _FALSE:
                return raw.lower() in _TRUE
            raise ValueError(raw)
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        raise ConfigError(f"{variable}={raw!r} is not a valid {kind}.") from None
    return raw
