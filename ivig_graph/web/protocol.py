"""The SPARQL 1.1 Protocol's query operation: what a request asks, read strictly.

Three ways to send a query (GET ``?query=``, POST form, POST ``application/sparql-query``),
exactly one query, the dataset parameters, and the format asked for by name: ``format=``, or
``output=`` and ``results=`` as other endpoints spell it. Clients repeat them (SPARQLWrapper sends
``format=tsv&format=text/tab-separated-values&output=tsv&...``), so all are kept, in order;
whether they agree depends on the query's form (``xml`` is XML results or RDF/XML), so
``web/sparql.py`` decides. Bytes are decoded with the
charset the request declares (UTF-8 by default, strictly); SPARQL's own media type is UTF-8 by
definition, so a UTF-16 body is refused rather than misread. Updates are refused (403) whatever
way they come.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from ivig_graph.errors import Malformed, TooLarge, UnsupportedMediaType, UpdateRefused

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
DATASET_PARAMETERS = ("default-graph-uri", "named-graph-uri")
MAX_DATASET_GRAPHS = 64
FORMAT_PARAMETERS = ("format", "output", "results")


FormatParameters = tuple[tuple[str, str], ...]  # (parameter, value) in the order given


@dataclass(frozen=True)
class ProtocolRequest:
    query: str | None
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    formats: FormatParameters = ()  # format=, output=, results=; empty values left out

    @property
    def dataset_given(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)

    @property
    def format(self) -> str | None:
        """The first format value given (``formats`` holds them all)."""
        return self.formats[0][1] if self.formats else None


Params = list[tuple[str, str]]


def media_type_and_charset(content_type: str | None) -> tuple[str, str | None]:
    """``("application/sparql-query", "utf-16")`` from a Content-Type header."""
    if not content_type:
        return "", None
    media, *params = (part.strip() for part in content_type.split(";"))
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.lower(), charset


def codec_for(charset: str | None) -> str:
    """The codec to decode a body with; only charsets that keep ASCII as ASCII are accepted
    (SPARQL text and URL-encoding are ASCII at heart; UTF-16 and UTF-32 are not)."""
    if charset is None:
        return "utf-8"
    try:
        info = codecs.lookup(charset)
    except LookupError:
        raise UnsupportedMediaType(f"Unsupported charset {charset!r}; send UTF-8.") from None
    if info.name.startswith(("utf-16", "utf-32", "utf-7")) or info.name in {"rot-13", "hex"}:
        raise UnsupportedMediaType(
            f"Unsupported charset {charset!r}: SPARQL requests must be UTF-8 (or ASCII)."
        )
    try:
        if "ASK".encode(info.name) != b"ASK":
            raise UnsupportedMediaType(f"Unsupported charset {charset!r}; send UTF-8.")
    except (UnicodeError, LookupError, TypeError):
        raise UnsupportedMediaType(f"Unsupported charset {charset!r}; send UTF-8.") from None
    return info.name


def decode(data: bytes, codec: str, what: str) -> str:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        raise Malformed(f"The {what} is not valid {codec}.") from None


def parse_urlencoded(data: bytes, codec: str, what: str) -> Params:
    """Decode ``a=1&b=2`` strictly (``parse_qsl`` would replace bad bytes silently)."""
    params: Params = []
    for field in data.split(b"&"):
        if not field:
            continue
        name, _, value = field.partition(b"=")
        params.append(
            (
                decode(unquote_to_bytes(name.replace(b"+", b" ")), codec, what),
                decode(unquote_to_bytes(value.replace(b"+", b" ")), codec, what),
            )
        )
    return params


def read_query_request(
    method: str,
    query_string: bytes,
    content_type: str | None,
    body: bytes | None,
    max_graphs: int = MAX_DATASET_GRAPHS,
) -> ProtocolRequest:
    """Interpret one request to the endpoint; ``body`` is None for GET and HEAD. At most
    ``max_graphs`` graph IRIs (``default-graph-uri`` and ``named-graph-uri`` together)."""
    url_params = parse_urlencoded(query_string, "utf-8", "query string")
    body_params, direct_query = _read_body(content_type, body) if body is not None else ([], None)
    params = url_params + body_params
    names = [name for name, _ in params]
    if "update" in names:
        raise UpdateRefused("This endpoint is read-only: SPARQL Update is not accepted.")
    queries = [value for name, value in params if name == "query"]
    if direct_query is not None:
        queries.append(direct_query)
    if len(queries) > 1:
        raise Malformed(f"Exactly one query per request, not {len(queries)}.")
    graphs = sum(1 for name in names if name in DATASET_PARAMETERS)
    if graphs > max_graphs:
        raise TooLarge(
            f"The request names {graphs} graphs (default-graph-uri and named-graph-uri); this "
            f"endpoint accepts at most {max_graphs}. The dataset holds three named graphs."
        )
    return ProtocolRequest(
        query=queries[0] if queries else None,
        default_graphs=tuple(v for n, v in params if n == "default-graph-uri"),
        named_graphs=tuple(v for n, v in params if n == "named-graph-uri"),
        formats=tuple(
            (name, value.strip())
            for name, value in params
            if name in FORMAT_PARAMETERS and value.strip()
        ),
    )


def _read_body(content_type: str | None, body: bytes) -> tuple[Params, str | None]:
    """A POST body, read by its media type: the form's parameters, or the query sent directly."""
    media, charset = media_type_and_charset(content_type)
    if media == SPARQL_UPDATE:
        raise UpdateRefused("This endpoint is read-only: SPARQL Update is not accepted.")
    if media == FORM:
        return parse_urlencoded(body, codec_for(charset), "request body"), None
    if media == SPARQL_QUERY:
        return [], decode(body, codec_for(charset), "request body")
    if not media:
        raise UnsupportedMediaType(
            "A POST needs a Content-Type: application/sparql-query or "
            "application/x-www-form-urlencoded.",
        )
    raise UnsupportedMediaType(
        f"Unsupported Content-Type {media!r}; send application/sparql-query or "
        "application/x-www-form-urlencoded.",
    )
