"""What every page response carries: the layout, security headers, ETags, the template
filters."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Response, render_template, request

from ivig_graph import formats
from ivig_graph.web import assets
from ivig_graph.web.site.blueprint import pages
from ivig_graph.web.state import endpoint
from ivig_graph.web.views import Catalog
from ivig_graph.web.views.links import href
from ivig_graph.web.views.results import from_rdflib

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def root() -> str:
    return request.script_root


def html_page(
    template: str, *, status: int = 200, vary: bool = False, cache: bool = True, **context: Any
) -> Response:
    """A page rendered with the site's layout, with headers every page carries."""
    body = render_template(template, **context)
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Referrer-Policy"] = "same-origin"
    if vary:
        response.vary.add("Accept")
    data = context.get("catalog")
    if cache and status == 200 and isinstance(data, Catalog):
        return cached(response, data, f"page\x00{request.full_path}\x00{assets.linked()}")
    return response


def cached(response: Response, data: Catalog, key: str) -> Response:
    """A weak ETag from the dataset version and what was asked; 304 when it matches."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:20]
    response.set_etag(f"{data.version}-{digest}", weak=True)
    max_age = endpoint().config.cache_max_age
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.make_conditional(request)
    return response


@pages.app_template_filter("href")
def href_filter(target: Any) -> str | None:
    """The link for a Ref, a Cell or an IRI: our paths under this app's root, others as they are."""
    value = href(target) if isinstance(target, str) else getattr(target, "href", None)
    if value is None:
        return None
    return root() + value if value.startswith("/") else value


@pages.app_template_filter("sentence")
def sentence(text: str) -> str:
    """The first letter in upper case, the rest as written (unlike Jinja's ``capitalize``)."""
    return text[:1].upper() + text[1:]


@pages.app_template_global("cell")
def cell(node: Any) -> Any:
    """An rdflib term as a table cell."""
    return from_rdflib(node)


@pages.app_template_global("query_url")
def query_url(args: Mapping[str, str]) -> str:
    """The condition list with these filters."""
    return f"{root()}/conditions" + (f"?{urlencode(dict(args))}" if args else "")


def suffixes() -> str:
    return ", ".join("." + fmt.suffix for fmt in formats.RDF)
