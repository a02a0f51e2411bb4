"""The one place where errors become HTTP answers, as Oxigraph's server maps them.

The core raises the classes of ``ivig_graph.errors``; ``STATUS`` gives each its status (the
most specific class listed in its MRO wins). Bodies name the problem, never cached, never a
trace: an exception that is not an ``IvigGraphError`` is a bug, answered 500 with the request id
and logged with its trace.

One body for machines and one for people, chosen by the one negotiator (``negotiation``): plain
text by default (``*/*``, curl, SPARQL clients), JSON for a client that asks for
``application/json``, and a page in the site's layout for a browser (``text/html``), on every
route.
"""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from ivig_graph import errors, formats
from ivig_graph.formats import Format
from ivig_graph.web.negotiation import negotiate

log = logging.getLogger(__name__)

STATUS: dict[type[errors.IvigGraphError], int] = {
    errors.Malformed: 400,
    errors.ForbiddenFeature: 400,
    errors.UpdateRefused: 403,
    errors.NotAcceptable: 406,
    errors.TooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.ClientOverShare: 429,
    errors.BackendFailed: 502,
    errors.Unavailable: 503,
    errors.TimedOut: 504,
    errors.DatasetNotBuilt: 503,
    errors.QueryError: 400,
}

HTTP_MESSAGES = {
    404: "Not found: the SPARQL endpoint is at /sparql.",
    405: "Method not allowed: the endpoint answers GET, HEAD, POST (and OPTIONS for CORS).",
    413: "The request body is larger than this endpoint accepts.",
}


def status_of(error: errors.IvigGraphError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


# The bodies an error can have, for the negotiator; plain text first: the default.
TEXT = Format("text", "page", "plain text", None, page_media_type="text/plain")
JSON = Format("json", "page", "JSON", None, page_media_type="application/json")
ERROR_OFFERS = (TEXT, JSON, formats.HTML)


def error_response(status: int, message: str, *, retry_after: int | None = None) -> Response:
    """The error as the client prefers it: plain text, JSON or a page."""
    chosen = negotiate(request.headers.get("Accept"), ERROR_OFFERS) or TEXT
    response = _error_page(status, message) if chosen is formats.HTML else None
    if response is None and chosen is JSON:
        body = {"status": status, "error": _title(status), "message": message.rstrip()}
        response = Response(json.dumps(body, ensure_ascii=False) + "\n", status=status)
        response.headers["Content-Type"] = JSON.media_type
    if response is None:
        response = Response(message.rstrip() + "\n", status=status, mimetype="text/plain")
    response.vary.add("Accept")
    response.headers["Cache-Control"] = "no-store"
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _title(status: int) -> str:
    return HTTP_STATUS_CODES.get(status, "Error")


def _error_page(status: int, message: str) -> Response | None:
    """The error in the pages' layout, or None if the pages cannot be drawn (their view of
    the dataset failed to load): the plain text then."""
    from ivig_graph.web.site import catalog, html_page

    try:
        data = catalog()
        return html_page(
            "error.html",
            catalog=data,
            status=status,
            title=_title(status),
            message=message.rstrip(),
            path=request.path,
            cache=False,
        )
    except Exception:
        log.exception("could not draw the error page; answering plain text")
        return None


def answer_for(error: errors.IvigGraphError) -> Response:
    """The response for an error of the taxonomy (also used where a page shows it in place)."""
    g.outcome = type(error).__name__
    retry_after = error.retry_after if isinstance(error, errors.Unavailable) else None
    return error_response(status_of(error), str(error), retry_after=retry_after)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(errors.IvigGraphError, answer_for)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 400
    message = HTTP_MESSAGES.get(status, error.description or error.name)
    if status == 429:  # Flask-Limiter's description is the limit itself
        message = (
            f"Too many requests from this client (the limit is {error.description}); retry "
            "after the seconds in Retry-After."
        )
    response = error_response(status, message)
    for header in ("Allow", "Retry-After"):
        value = error.get_response().headers.get(header)
        if value:
            response.headers[header] = value
    return response


def _unexpected(error: Exception) -> Response:
    log.error(
        "unexpected error answering request %s",
        getattr(g, "request_id", "?"),
        exc_info=(type(error), error, error.__traceback__),
    )
    g.outcome = "bug"
    return error_response(
        500,
        "The server could not answer this request; the error was logged with request id "
        f"{getattr(g, 'request_id', '?')} (X-Request-Id).",
    )
