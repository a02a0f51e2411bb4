"""The endpoint's configuration: defaults, environment variables (``IVIG_*``), CLI overrides.

Every field is documented in docs/endpoint.md; ``ENV_VARS`` is the single list of the variables.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..remote import check_backend_url

STORES = ("oxigraph",)


class ConfigError(ValueError):
    """An environment variable or option with a value that cannot be used."""


@dataclass(frozen=True)
class ServerConfig:
    # Where and how gunicorn listens.
    host: str = "127.0.0.1"
    port: int = 8000
    # HTTP worker processes (gunicorn gthread), each with http_threads threads.
    http_processes: int = field(default_factory=lambda: max(os.cpu_count() or 1, 1))
    http_threads: int = 16
    # The query engine and its worker processes.
    store: str = "oxigraph"
    backend: str | None = None  # a remote engine's SPARQL query endpoint, instead of the store
    workers: int = field(default_factory=lambda: max(os.cpu_count() or 1, 1))
    timeout: float = 10.0  # seconds a query may run before its worker is killed
    queue_limit: int = 32  # queries that may wait for a free worker; more are refused (503)
    queue_wait: float = 1.0  # seconds a query may wait for a free worker before 503
    worker_memory_mb: int = 2048  # address-space limit of each query worker; 0 = none
    # A request a worker evaluated within this many ms runs in the HTTP process the next times.
    inline_query_ms: float = 1.0
    # Limits on what a client may send or receive.
    max_body_bytes: int = 512 * 1024
    max_query_length: int = 64 * 1024
    max_depth: int = 64
    max_rows: int = 10_000
    # Per-client rate limit (token bucket); rate 0 turns it off.
    rate_limit: float = 20.0  # requests per second, sustained
    rate_burst: int = 100
    trust_proxy: bool = False  # take the client address from X-Forwarded-For (last hop)
    # Answers kept in memory for repeated queries (bytes bounded; 0 turns the cache off).
    result_cache_mb: int = 64
    # HTTP niceties.
    cache_max_age: int = 300
    gzip_min_bytes: int = 1024
    base_url: str | None = None  # public URL of /sparql, when it differs from what clients send
    queries_dir: str | None = None  # example queries linked from the service description

    def __post_init__(self) -> None:
        if self.store not in STORES:
            raise ConfigError(
                f"Unknown store {self.store!r}: this endpoint offers {', '.join(STORES)}."
            )
        if self.backend is not None:
            try:
                check_backend_url(self.backend)
            except ValueError as error:
                raise ConfigError(str(error)) from None
        positive = ("port", "http_processes", "http_threads", "workers", "max_body_bytes")
        for name in (*positive, "max_query_length", "max_depth", "max_rows"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, not {getattr(self, name)}.")
        if not (0 < self.timeout < math.inf):
            raise ConfigError(f"timeout must be a positive number of seconds, not {self.timeout}.")
        non_negative = ("queue_limit", "queue_wait", "worker_memory_mb", "rate_limit", "rate_burst")
        for name in (*non_negative, "inline_query_ms", "result_cache_mb"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative.")

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
    def rate_limited(self) -> bool:
        return self.rate_limit > 0


ENV_VARS: dict[str, str] = {
    "host": "IVIG_HOST",
    "port": "IVIG_PORT",
    "http_processes": "IVIG_HTTP_PROCESSES",
    "http_threads": "IVIG_HTTP_THREADS",
    "store": "IVIG_STORE",
    "backend": "IVIG_BACKEND",
    "workers": "IVIG_WORKERS",
    "timeout": "IVIG_QUERY_TIMEOUT",
    "queue_limit": "IVIG_QUEUE_LIMIT",
    "queue_wait": "IVIG_QUEUE_WAIT",
    "worker_memory_mb": "IVIG_WORKER_MEMORY_MB",
    "inline_query_ms": "IVIG_INLINE_QUERY_MS",
    "max_body_bytes": "IVIG_MAX_BODY_BYTES",
    "max_query_length": "IVIG_MAX_QUERY_LENGTH",
    "max_depth": "IVIG_MAX_DEPTH",
    "max_rows": "IVIG_MAX_ROWS",
    "rate_limit": "IVIG_RATE_LIMIT",
    "rate_burst": "IVIG_RATE_BURST",
    "trust_proxy": "IVIG_TRUST_PROXY",
    "result_cache_mb": "IVIG_RESULT_CACHE_MB",
    "cache_max_age": "IVIG_CACHE_MAX_AGE",
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
