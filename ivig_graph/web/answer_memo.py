"""The answer memo: a repeated GET of a query is answered without running Flask at all.

The dataset never changes while it is served, so the response to ``GET /sparql?query=...`` is
a function of the query string and of the few request headers it depends on: ``Accept``
(the format), ``Accept-Encoding`` (gzip), and the host, scheme and script root (the endpoint's
own IRI is the base of relative IRIs). The first time, Flask answers as usual and marks a SPARQL
answer in the WSGI environ (``access.ANSWERED``); this middleware keeps its status, headers and
body. An identical request later gets them back straight from the WSGI layer, with only what
belongs to each request made afresh: the request id, ``Server-Timing``, ``X-Cache: HIT``, the
access-log line, and the client's rate limit charged as before (a client over its limit goes
on to Flask, which answers 429).

Measured (bench/RESULTS.md): Flask's request pipeline was two thirds of the time of a cached
answer; a memo hit costs less than Flask answering a constant.

What the memo does not see goes to Flask: other methods and paths, requests without a query,
conditional requests (``If-None-Match``: Flask answers 304), errors. Answers shown as a page
(``format=html``) are answers too, and kept alike.
It is bounded in bytes, least recently used out first (``ResultCache``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .access import ANSWERED, client_of, log_access, request_id
from .ratelimit import RateLimiter
from .result_cache import ResultCache

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

MEMO_PATH = "/sparql"
# What the response depends on besides the query string (werkzeug builds the base URL from the
# host, or the server name and port, the scheme and the script root).
KEY_FIELDS = (
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_ENCODING",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.url_scheme",
    "SCRIPT_NAME",
)
# Headers made afresh for every request.
PER_REQUEST = frozenset({"x-request-id", "server-timing", "x-cache"})

MemoKey = tuple[str, ...]


@dataclass(frozen=True)
class Memo:
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    log_fields: dict[str, Any]


def memo_key(environ: Environ) -> MemoKey | None:
    """The key of a request the memo may answer, or None."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return None
    if environ.get("PATH_INFO") != MEMO_PATH or "HTTP_IF_NONE_MATCH" in environ:
        return None
    query_string = environ.get("QUERY_STRING", "")
    if not query_string:
        return None
    return (query_string, *(str(environ.get(name, "")) for name in KEY_FIELDS))


class AnswerMemo:
    """WSGI middleware in front of the Flask app (``app.wsgi_app``)."""

    def __init__(
        self,
        app: WSGIApp,
        capacity_bytes: int,
        *,
        limiter: RateLimiter | None,
        trust_proxy: bool,
    ) -> None:
        self.app = app
        self.memos: ResultCache[MemoKey, Memo] = ResultCache(capacity_bytes)
        self.limiter = limiter
        self.trust_proxy = trust_proxy

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        key = memo_key(environ)
        if key is None:
            return self.app(environ, start_response)
        memo = self.memos.get(key)
        if memo is None:
            return self._answer_and_keep(key, environ, start_response)
        return self._replay(memo, environ, start_response)

    def _answer_and_keep(
        self, key: MemoKey, environ: Environ, start_response: StartResponse
    ) -> Iterable[bytes]:
        seen: list[tuple[str, list[tuple[str, str]]]] = []

        def capture(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            seen.append((status, headers))
            return start_response(status, headers, *exc_info)

        answer = self.app(environ, capture)
        log_fields: dict[str, Any] | None = environ.get(ANSWERED)
        keep = environ["REQUEST_METHOD"] == "GET" and seen and seen[-1][0].startswith("200 ")
        if log_fields is None or not keep:
            return answer
        try:
            body = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        status, headers = seen[-1]
        kept = tuple((name, value) for name, value in headers if name.lower() not in PER_REQUEST)
        self.memos.put(key, Memo(status, kept, body, dict(log_fields)))
        return [body]

    def _replay(
        self, memo: Memo, environ: Environ, start_response: StartResponse
    ) -> Iterable[bytes]:
        started = time.perf_counter()
        client = client_of(environ, self.trust_proxy)
        if self.limiter is not None and self.limiter.acquire(client) > 0:
            return self.app(environ, start_response)  # Flask answers 429
        ident = request_id(environ.get("HTTP_X_REQUEST_ID"))
        total_ms = (time.perf_counter() - started) * 1000
        start_response(
            memo.status,
            [
                *memo.headers,
                ("X-Cache", "HIT"),
                ("X-Request-Id", ident),
                ("Server-Timing", f"total;dur={total_ms:.1f}, query;dur=0.0"),
            ],
        )
        log_access(
            environ,
            request_id=ident,
            client=client,
            status=int(memo.status[:3]),
            size=len(memo.body),
            total_ms=total_ms,
            query_ms=0.0,
            extras=memo.log_fields,
        )
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [memo.body]
