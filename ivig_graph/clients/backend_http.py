"""The HTTP side of the SPARQL backend client: one POST to the remote engine, and its failures.

``post`` sends a form (no proxy: the remote is named by the operator, never by a request) and
answers the open response or raises ``HttpStatus`` (the remote answered an error status) or
``Unanswered`` (no usable answer: refused, unknown host, closed, timed out). ``refusal`` turns
an error status into the ``ivig_graph.errors`` class our client should get.
"""

from __future__ import annotations

import http.client
import logging
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import cast

from ivig_graph.clients.gsp import excerpt
from ivig_graph.errors import BackendFailed, Overloaded, QueryError, QueryFailed, TimedOut, TooLarge

# The client logs under one name, its entry module's, wherever the line is written.
log = logging.getLogger("ivig_graph.clients.sparql_backend")

RESULTS_ACCEPT = "application/sparql-results+xml, application/sparql-results+json;q=0.9"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"
FORM = "application/x-www-form-urlencoded"
USER_AGENT = "ivig-graph (SPARQL backend client)"
CHUNK = 64 * 1024


class Unanswered(Exception):
    """The remote gave no usable HTTP answer; ``timed_out`` tells a timeout from the rest."""

    def __init__(self, reason: str, *, timed_out: bool) -> None:
        super().__init__(reason)
        self.timed_out = timed_out


class HttpStatus(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def post(
    url: str, form: list[tuple[str, str]], accept: str, timeout: float
) -> http.client.HTTPResponse:
    """POST the form; the open response (2xx) or ``HttpStatus``/``Unanswered``."""
    body = urllib.parse.urlencode(form).encode("ascii")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": FORM, "Accept": accept, "User-Agent": USER_AGENT},
    )
    try:
        response = _OPENER.open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        with error:
            try:
                data = error.read(CHUNK)
            except (OSError, http.client.HTTPException):
                data = b""
        raise HttpStatus(error.code, data) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        raise _unanswered(error, timeout) from None
    return cast(http.client.HTTPResponse, response)


def _unanswered(error: BaseException, timeout: float) -> Unanswered:
    cause = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(cause, TimeoutError | socket.timeout):
        return Unanswered(f"no answer within {timeout:g} s", timed_out=True)
    if isinstance(cause, ConnectionRefusedError):
        return Unanswered("connection refused", timed_out=False)
    if isinstance(cause, socket.gaierror):
        return Unanswered("unknown host", timed_out=False)
    if isinstance(cause, http.client.RemoteDisconnected | ConnectionResetError):
        return Unanswered("it closed the connection without answering", timed_out=False)
    reason = short(cause) if isinstance(cause, BaseException) else str(cause)
    return Unanswered(reason, timed_out=False)


def refusal(url: str, error: HttpStatus) -> QueryError:
    """The error our client gets for the remote's error status (logged with the remote's URL)."""
    said = excerpt(error.body)
    log.warning("SPARQL backend %s answered HTTP %d: %s", url, error.status, said)
    detail = f": {said}" if said else "."
    if error.status == 400:
        return QueryFailed(f"The SPARQL backend refused the query{detail}")
    if error.status in (413, 414):
        return TooLarge(f"The query is too large for the SPARQL backend{detail}")
    if error.status in (429, 503):
        return Overloaded(f"The SPARQL backend is overloaded (HTTP {error.status}); retry later.")
    if error.status == 504:
        return TimedOut("The SPARQL backend timed out (HTTP 504).")
    if error.status >= 500:
        return BackendFailed(f"The SPARQL backend failed (HTTP {error.status}){detail}")
    return BackendFailed(
        f"The SPARQL backend refused this endpoint's request (HTTP {error.status}); the "
        "endpoint is misconfigured, see its log."
    )


def short(error: BaseException) -> str:
    """An error as at most 200 characters of text."""
    text = str(error) or type(error).__name__
    return text if len(text) <= 200 else text[:199] + "…"
