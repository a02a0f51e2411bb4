"""Who asked, and the access log: one JSON object per request in the ``ivig_graph.access`` log."""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import UTC, datetime
from typing import Any

from flask import request

from ivig_graph.web.state import endpoint

access_log = logging.getLogger("ivig_graph.access")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id(incoming: str | None) -> str:
    """The client's request id if it is sane, else a new one."""
    if incoming and _REQUEST_ID.fullmatch(incoming):
        return incoming
    return os.urandom(16).hex()  # 32 hex digits, as uuid4().hex, in a quarter of the time


def client_of(environ: dict[str, Any], trust_proxy: bool) -> str:
    """The client, for the rate limit, the query slots and the log: the proxy's last
    X-Forwarded-For hop if the proxy is trusted, else the peer address."""
    if trust_proxy:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return str(hops[-1][:64])
    return str(environ.get("REMOTE_ADDR") or "unknown")


def client_address() -> str:
    """The client of the current request."""
    return client_of(request.environ, endpoint().config.behind_proxy)


def log_access(
    *,
    request_id: str,
    status: int,
    size: int | None,
    total_ms: float,
    query_ms: float | None,
    extras: dict[str, Any],
) -> None:
    """One JSON line in the access log for the current request."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    record: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "request_id": request_id,
        "client": client_address(),
        "method": request.method,
        "path": request.path,
        "status": status,
        "bytes": size,
        "duration_ms": round(total_ms, 2),
        "query_ms": round(query_ms, 2) if query_ms is not None else None,
        "user_agent": str(request.headers.get("User-Agent", ""))[:200],
        **extras,
    }
    access_log.info(json.dumps(record, ensure_ascii=False))
