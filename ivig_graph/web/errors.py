"""Error responses: plain text naming the problem, like Oxigraph's server; never cached."""

from __future__ import annotations

from flask import Response


def error_response(status: int, message: str, *, retry_after: int | None = None) -> Response:
    response = Response(message.rstrip() + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response
