"""A client for the SPARQL 1.1 Graph Store HTTP Protocol: replace a named graph, read it back.

``GraphStore(endpoint)`` talks to a store's Graph Store endpoint (Oxigraph ``/store``, Virtuoso
``/sparql-graph-crud-auth``, Fuseki ``/DATASET/data``, GraphDB
``/repositories/REPO/rdf-graphs/service``) with the protocol's indirect graph identification,
``?graph=IRI``: ``PUT`` replaces the graph, ``GET`` reads it. Every request has a timeout.

Only the standard library (urllib) is used: two verbs, two auth schemes (``clients/http_auth.py``)
and one body format need no HTTP dependency. Failures are ``StoreUnreachable`` (no answer) or
``StoreRefused`` (an HTTP error status), each naming the URL and what to try next.
"""

from __future__ import annotations

import http.client
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from typing import Literal

from rdflib import Graph, URIRef

from ivig_graph import formats
from ivig_graph.clients.http_auth import (
    DigestAnsweredOnce,
    authorize_up_front,
    basic_authorization,
)
from ivig_graph.errors import PublishFailed, StoreRefused, StoreUnreachable

AuthScheme = Literal["basic", "digest"]
AUTH_SCHEMES: tuple[AuthScheme, ...] = ("basic", "digest")
DEFAULT_TIMEOUT = 60.0

# The body is N-Triples, sent as text/turtle: N-Triples is a subset of Turtle, and text/turtle is
# the one upload type every Graph Store server accepts. N-Triples has no prefixes or nesting for a
# server's Turtle parser to disagree about.
UPLOAD_FORMAT = formats.N_TRIPLES
UPLOAD_TYPE = formats.TURTLE.media_type

# What we can read back: a graph, in any of the graph formats (by its media type or an alias:
# text/plain is N-Triples' type before RDF 1.1; text/n3 is read as N3, which Turtle is part of).
READ_FORMATS = tuple(fmt for fmt in formats.RDF if fmt.kind == "graph")
ACCEPT = ", ".join(
    [
        formats.N_TRIPLES.media_type,
        f"{formats.TURTLE.media_type};q=0.9",
        f"{formats.RDF_XML.media_type};q=0.5",
    ]
)

EXCERPT_CHARS = 300


@dataclass(frozen=True)
class Credentials:
    """A user and password for HTTP basic or digest authentication (the password never printed)."""

    user: str
    password: str = field(repr=False)
    scheme: AuthScheme = "basic"

    @classmethod
    def parse(cls, text: str, scheme: str = "basic") -> Credentials:
        """``USER:PASSWORD`` (the password may itself contain colons)."""
        user, colon, password = text.partition(":")
        if not colon or not user:
            raise PublishFailed(
                "Credentials must be USER:PASSWORD (from --auth or IVIG_GRAPH_PUBLISH_AUTH)."
            )
        if scheme not in AUTH_SCHEMES:
            raise PublishFailed(
                f"Unknown auth scheme {scheme!r}: use one of {', '.join(AUTH_SCHEMES)}."
            )
        return cls(user, password, scheme)


@dataclass(frozen=True)
class Response:
    status: int
    headers: Message
    body: bytes


class GraphStore:
    """One Graph Store endpoint, with optional credentials and a timeout for every request."""

    def __init__(
        self,
        endpoint: str,
        credentials: Credentials | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        parts = urllib.parse.urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise PublishFailed(
                f"{endpoint!r} is not an http(s) URL: give the store's Graph Store endpoint, "
                "e.g. http://127.0.0.1:7878/store (Oxigraph)."
            )
        self.endpoint = endpoint
        self.timeout = timeout
        self._scheme = credentials.scheme if credentials is not None else None
        self._headers: dict[str, str] = {}
        handlers: list[urllib.request.BaseHandler] = []
        if credentials is not None and credentials.scheme == "basic":
            # Sent up front: some servers answer 403 or 404, not a 401 challenge, without it.
            self._headers["Authorization"] = basic_authorization(
                credentials.user, credentials.password
            )
        self._digest: DigestAnsweredOnce | None = None
        if credentials is not None and credentials.scheme != "basic":
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, endpoint, credentials.user, credentials.password)
            self._digest = DigestAnsweredOnce(passwords)
            handlers.append(self._digest)
        self._opener = urllib.request.build_opener(*handlers)

    def graph_url(self, graph: URIRef) -> str:
        """The endpoint with ``graph=IRI`` added to its query string."""
        parts = urllib.parse.urlsplit(self.endpoint)
        query = [*urllib.parse.parse_qsl(parts.query, keep_blank_values=True)]
        query.append(("graph", str(graph)))
        return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))

    def replace(self, graph: URIRef, content: Graph) -> None:
        """PUT: the store's graph ``graph`` becomes exactly ``content`` (created if need be)."""
        body = content.serialize(format=UPLOAD_FORMAT.rdflib, encoding="utf-8")
        url = self.graph_url(graph)
        response = self._send("PUT", url, body, {"Content-Type": UPLOAD_TYPE})
        if not 200 <= response.status < 300:
            raise _refused("PUT", url, response, self._scheme)

    def read(self, graph: URIRef) -> Graph | None:
        """GET: the store's graph ``graph``, or None if the store has no such graph (404)."""
        url = self.graph_url(graph)
        response = self._send("GET", url, None, {"Accept": ACCEPT})
        if response.status == 404:
            return None
        if not 200 <= response.status < 300:
            raise _refused("GET", url, response, self._scheme)
        result = Graph()
        if not response.body.strip():
            return result
        media_type = response.headers.get_content_type()
        rdf_format = formats.from_media_type(media_type, READ_FORMATS)
        if rdf_format is None:
            raise PublishFailed(
                f"The store answered GET {url} with {media_type}, which ivig-graph cannot read "
                f"(it asked for {ACCEPT}). Is --to the store's Graph Store endpoint?"
            )
        try:
            # N3 only where the server said so: rdflib's N3 parser reads Turtle, not the reverse.
            parser = "n3" if media_type == "text/n3" else rdf_format.rdflib
            result.parse(data=response.body, format=parser)
        except Exception as error:  # rdflib's parsers raise many kinds of exception
            raise PublishFailed(
                f"The store answered GET {url} with {media_type} that does not parse: {error}"
            ) from error
        return result

    def _send(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Response:
        request = urllib.request.Request(
            url, data=body, method=method, headers={**self._headers, **headers}
        )
        try:
            if body and self._digest is not None:
                authorize_up_front(self._digest, request, self._headers, self.timeout)
            with self._opener.open(request, timeout=self.timeout) as answer:
                return Response(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as error:
            with error:
                return Response(error.code, error.headers, _read_quietly(error))
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            raise StoreUnreachable(
                f"Cannot reach the triple store at {self.endpoint}: {self._reason(error)}. "
                "Check that the server is running and listening there, and that --to is its "
                "Graph Store endpoint (e.g. http://127.0.0.1:7878/store for Oxigraph).",
                url=self.endpoint,
            ) from error

    def _reason(self, error: BaseException) -> str:
        cause = error.reason if isinstance(error, urllib.error.URLError) else error
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused (nothing is listening on that port)"
        if isinstance(cause, TimeoutError | socket.timeout):
            return f"no answer within {self.timeout:g} s"
        if isinstance(cause, socket.gaierror):
            return f"unknown host ({cause.strerror})"
        if isinstance(cause, http.client.RemoteDisconnected | ConnectionResetError):
            return "the server closed the connection without answering"
        return str(cause) or type(cause).__name__


def _read_quietly(error: urllib.error.HTTPError) -> bytes:
    try:
        return error.read()
    except (OSError, http.client.HTTPException):
        return b""


def excerpt(body: bytes, limit: int = EXCERPT_CHARS) -> str:
    """The start of an error body as one line of text (HTML tags dropped)."""
    text = body.decode("utf-8", errors="replace")
    text = re.sub(r"<[^>]*>", " ", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _advice(method: str, response: Response, sent: AuthScheme | None) -> str:
    status = response.status
    if status == 401:
        return _credentials_advice(response, sent)
    if status == 403:
        return (
            "The account may not write here: use an account with update rights (Virtuoso: the "
            "/sparql-graph-crud-auth endpoint with a dba account, or GRANT SPARQL_UPDATE)."
        )
    if status == 404:
        return "Nothing answers at that path: --to must be the store's Graph Store endpoint."
    if status == 405:
        return (
            f"The server does not allow {method} there: --to must be the Graph Store endpoint "
            "(e.g. Oxigraph /store, Fuseki /DATASET/data), not the query endpoint."
        )
    if status == 413:
        return "The store limits the size of uploads: raise its limit for request bodies."
    if status == 415:
        return f"The store does not accept {UPLOAD_TYPE} uploads at that path."
    if 300 <= status < 400:
        location = response.headers.get("Location", "?")
        return f"The server redirects to {location}: use that URL as --to."
    if status >= 500:
        return "The store failed: see its log."
    return "See the server's answer above."


def _credentials_advice(response: Response, sent: AuthScheme | None) -> str:
    challenge = response.headers.get("WWW-Authenticate", "")
    asked = challenge.split(" ", 1)[0].lower() if challenge else None
    if sent is None:
        advice = (
            "The store wants credentials: pass --auth USER:PASSWORD or set IVIG_GRAPH_PUBLISH_AUTH."
        )
        if asked in AUTH_SCHEMES and asked != "basic":
            advice += f" It asks for {asked} authentication: add --auth-scheme {asked}."
        return advice
    advice = (
        f"The store refused the credentials ({sent} authentication): check the USER:PASSWORD "
        "given with --auth or IVIG_GRAPH_PUBLISH_AUTH."
    )
    if asked in AUTH_SCHEMES and asked != sent:
        return advice + f" It asks for {asked} authentication: use --auth-scheme {asked}."
    other = "basic" if sent == "digest" else "digest"
    return advice + (
        f" If the store uses {other} authentication (Virtuoso's /sparql-graph-crud-auth uses "
        f"digest), use --auth-scheme {other}."
    )


def _refused(method: str, url: str, response: Response, sent: AuthScheme | None) -> StoreRefused:
    answer = excerpt(response.body)
    said = f" It said: {answer}" if answer else ""
    return StoreRefused(
        f"The triple store refused {method} {url} (HTTP {response.status}).{said} "
        + _advice(method, response, sent),
        url=url,
        status=response.status,
    )
