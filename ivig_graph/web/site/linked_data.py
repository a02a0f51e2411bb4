"""Every IRI of the dataset resolves here: ``/id/<kind>/<slug>`` and ``/ontology`` answer a
page to browsers and RDF by ``Accept`` (``Vary: Accept``) or by a suffix (``.ttl``...)."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
from flask import Response, request

from ivig_graph import formats
from ivig_graph.formats import Format
from ivig_graph.vocab import GRAPH_TITLES, ONTOLOGY_IRI
from ivig_graph.web.errors import error_response
from ivig_graph.web.negotiation import content_type, negotiate
from ivig_graph.web.site.blueprint import pages
from ivig_graph.web.site.page_data import catalog
from ivig_graph.web.site.responses import cached, html_page, root, suffixes
from ivig_graph.web.views import Catalog
from ivig_graph.web.views.browse import (
    Selection,
    select,
)
from ivig_graph.web.views.categories import category_view
from ivig_graph.web.views.cite import Citation, citation, script_json
from ivig_graph.web.views.links import ONTOLOGY_PATH, public_iri
from ivig_graph.web.views.model import Condition

OFFERS = (*formats.RDF, formats.HTML)  # RDF first: */* (or no Accept) gets data
# /id/<kind> has no resource of its own: it is the list of its kind
LISTINGS = {"condition": "/conditions", "category": "/categories"}


@pages.get("/id/<path:rest>")
def resource(rest: str) -> Response:
    data = catalog()
    listing = LISTINGS.get(rest.rstrip("/"))
    if listing is not None:
        return Response(status=303, headers={"Location": root() + listing})
    path, representation = _split_suffix(rest)
    iri = public_iri(path)
    if iri not in data.resources:
        return not_found(data, iri, path)
    return linked_data(
        data, iri, "/id/" + path, representation, lambda: resource_page(data, iri, path)
    )


@pages.get(ONTOLOGY_PATH)
@pages.get(f"{ONTOLOGY_PATH}.<suffix>")
def ontology(suffix: str | None = None) -> Response:
    data = catalog()
    representation = formats.by_suffix(suffix) if suffix is not None else None
    if suffix is not None and representation is None:
        return error_response(404, f"No {ONTOLOGY_PATH}.{suffix}: use one of {suffixes()}.")

    def page() -> Response:
        return html_page(
            "ontology.html",
            catalog=data,
            doc=data.ontology,
            alternates=_alternates(ONTOLOGY_PATH),
            vary=True,
            jsonld=_jsonld(data, str(ONTOLOGY_IRI)),
        )

    return linked_data(data, str(ONTOLOGY_IRI), ONTOLOGY_PATH, representation, page)


def linked_data(
    data: Catalog,
    iri: str,
    page: str,
    representation: Format | None,
    html: Callable[[], Response],
) -> Response:
    """The resource as the format its suffix names, or as ``Accept`` prefers: RDF or a page."""
    if representation is not None:
        return rdf_response(data, iri, representation, negotiated=False)
    chosen = negotiate(request.headers.get("Accept"), OFFERS)
    if chosen is None:
        return _not_acceptable()
    if chosen is not formats.HTML:
        return rdf_response(data, iri, chosen, negotiated=True)
    response = html()
    response.headers["Link"] = _link_header(page)
    return response


# ---------------------------------------------------------------- resources


def resource_page(data: Catalog, iri: str, path: str) -> Response:
    description = data.description(iri)
    kind = path.split("/", 1)[0]
    context: dict[str, Any] = {
        "catalog": data,
        "iri": iri,
        "description": description,
        "graph_titles": GRAPH_TITLES,
        "alternates": _alternates("/id/" + path),
        "vary": True,
        "jsonld": _jsonld(data, iri),
    }
    condition = data.condition(path.split("/", 1)[1]) if kind == "condition" else None
    if condition is not None:
        heading, related = data.related(condition)
        return html_page(
            "condition.html",
            condition=condition,
            related_heading=heading,
            related=related,
            describe_query=describe_query(iri),
            citation=_citation(data, condition),
            **context,
        )
    category = data.category(iri) if kind == "category" else None
    if category is not None:
        by_iri = {condition.iri: condition for condition in data.conditions}
        view = category_view(category, by_iri, data.facets)
        return html_page("category.html", category=category, view=view, **context)
    product = data.label_data.product(iri) if kind == "product" else None
    if product is not None:
        return html_page("product.html", product=product, **context)
    if kind == "source" and data.source(iri) is not None:
        return html_page("source.html", source=data.source(iri), **context)
    return html_page("resource.html", **context)


def _jsonld(data: Catalog, iri: str) -> str | None:
    """The resource's JSON-LD, as its ``.jsonld`` serves it, for a ``<script>`` data block."""
    body = data.representation(iri, formats.JSON_LD.name)
    return script_json(body) if body is not None else None


def _citation(data: Catalog, condition: Condition) -> Citation:
    article = data.about.article
    return citation(
        iri=condition.iri,
        version=data.version,
        creator=data.about.creator,
        date=data.about.date,
        article_title=(article.title or article.ref.label) if article else None,
        article_url=request.host_url.rstrip("/") + root() + "/source/article",
        line=condition.source_line,
    )


def describe_query(iri: str) -> str:
    """A query for the editor: every statement about ``iri`` and the graph that holds it.

    ``iri`` is one of our resources (checked against the dataset), and pyoxigraph writes it as
    a SPARQL IRI token, so the text cannot be broken by what the IRI contains.
    """
    token = str(ox.NamedNode(iri))
    return (
        "# Every statement about this resource, and the graph it is in\n"
        "SELECT ?property ?value ?graph WHERE {\n"
        f"  GRAPH ?graph {{ {token} ?property ?value }}\n"
        "}\n"
        "ORDER BY ?graph ?property ?value\n"
    )


def rdf_response(data: Catalog, iri: str, representation: Format, *, negotiated: bool) -> Response:
    body = data.representation(iri, representation.name)
    if body is None:
        return error_response(404, f"No resource <{iri}> in this dataset.")
    response = Response(body)
    response.headers["Content-Type"] = content_type(representation.media_type)
    page = _page_path(iri)
    if negotiated:
        response.vary.add("Accept")
        response.headers["Content-Location"] = f"{root()}{page}.{representation.suffix}"
    response.headers["Link"] = _link_header(page)
    return cached(response, data, f"{iri}\x00{representation.name}")


def not_found(data: Catalog, iri: str, path: str) -> Response:
    """404: a page that says what exists and what was probably meant, or plain text."""
    if negotiate(request.headers.get("Accept"), OFFERS) is not formats.HTML:
        return error_response(
            404, f"No resource <{iri}> in this dataset; the conditions are listed at /conditions."
        )
    slug = path.rsplit("/", 1)[-1].split(".", 1)[0]
    words = " ".join(slug.replace("-", " ").split())[:80]
    # Conditions with a name containing the slug's words (an old name: "wegener"), then slugs
    # spelled nearly the same.
    named = [hit.condition.ref for hit in select(data.conditions, Selection((), words or None))]
    close = difflib.get_close_matches(slug, list(data.by_slug), n=5, cutoff=0.5)
    suggestions = list(dict.fromkeys([*named, *(data.by_slug[match].ref for match in close)]))[:8]
    response = html_page(
        "not_found.html", catalog=data, iri=iri, suggestions=suggestions, words=words, status=404
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _split_suffix(rest: str) -> tuple[str, Format | None]:
    """``condition/x.ttl`` -> (``condition/x``, Turtle); slugs never contain a dot."""
    head, dot, suffix = rest.rpartition(".")
    fmt = formats.by_suffix(suffix) if dot and "/" not in suffix else None
    return (head, fmt) if fmt is not None else (rest, None)


def _page_path(iri: str) -> str:
    if iri == str(ONTOLOGY_IRI):
        return ONTOLOGY_PATH
    return "/id/" + iri.removeprefix(public_iri(""))


def _alternates(page: str) -> list[tuple[Format, str]]:
    return [(fmt, f"{root()}{page}.{fmt.suffix}") for fmt in formats.RDF]


def _link_header(page: str) -> str:
    return ", ".join(
        f'<{url}>; rel="alternate"; type="{r.media_type}"' for r, url in _alternates(page)
    )


def _not_acceptable() -> Response:
    offered = ", ".join(fmt.media_type for fmt in OFFERS)
    return error_response(406, f"None of the media types in Accept is offered here: {offered}.")
