"""Pages for people and linked data for machines: every IRI of the dataset resolves here.

Routes (see docs/endpoint.md): ``/`` (what the graph is, charts, downloads), ``/conditions``
(the filterable, searchable list), ``/id/<kind>/<slug>`` (each condition, category, source and
indication), ``/ontology`` (the ontology's documentation) and ``/downloads/ivig-graph.<suffix>``.
A resource's path answers HTML to browsers and Turtle, JSON-LD, N-Triples, RDF/XML, TriG or
N-Quads by ``Accept`` (``Vary: Accept``), or by a suffix (``.ttl``, ``.jsonld``, ``.nt``,
``.rdf``, ``.trig``, ``.nq``) for links.

The view data comes from ``ivig_graph.web.views.Catalog``, loaded once per process in a background
thread at start-up so the server answers at once; a page asked for before it is ready waits for
it. No request runs SPARQL built from its input: pages only read the catalog.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for

from ivig_graph import formats
from ivig_graph.dataset.export import context_document
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.dataset.sssom import FILE_SUFFIX as SSSOM_SUFFIX
from ivig_graph.dataset.sssom import MEDIA_TYPE as SSSOM_MEDIA_TYPE
from ivig_graph.formats import Format
from ivig_graph.resources import Sources
from ivig_graph.vocab import ONTOLOGY_IRI
from ivig_graph.web import assets, service_description
from ivig_graph.web.errors import error_response
from ivig_graph.web.negotiation import negotiate
from ivig_graph.web.querying import endpoint_url
from ivig_graph.web.views import Catalog
from ivig_graph.web.views.article import ArticleText, load_article
from ivig_graph.web.views.browse import (
    SORTS,
    Selection,
    normalize,
    ordered,
    select,
    suggest,
    to_csv,
)
from ivig_graph.web.views.categories import category_rows, category_view
from ivig_graph.web.views.cite import Citation, citation, script_json
from ivig_graph.web.views.describe import GRAPH_TITLES
from ivig_graph.web.views.links import ONTOLOGY_PATH, href, public_iri
from ivig_graph.web.views.model import Condition
from ivig_graph.web.views.results import from_rdflib

log = logging.getLogger(__name__)
pages = Blueprint("pages", __name__)

EXTENSION = "ivig_graph.web.views"
LOAD_TIMEOUT = 60.0
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
OFFERS = (*formats.RDF, formats.HTML)  # RDF first: */* (or no Accept) gets data


class PageData:
    """The catalog, loaded in a background thread so that start-up is not held up by it."""

    def __init__(self, built: BuiltDataset) -> None:
        self._built = built
        self._loaded = threading.Event()
        self._catalog: Catalog | None = None
        self._error: BaseException | None = None
        self._article: ArticleText | None = None
        self._article_read = False
        self._article_lock = threading.Lock()
        threading.Thread(target=self._load, name="ivig-pages-load", daemon=True).start()

    def _load(self) -> None:
        try:
            self._catalog = Catalog.load(self._built)
        except BaseException as error:  # kept and raised to every page that asks
            log.exception("could not load the pages' view of the dataset")
            self._error = error
        finally:
            self._loaded.set()

    def article(self, manifest: Mapping[str, Any]) -> ArticleText | None:
        """The source article (read once), if it is the one the dataset was built from."""
        with self._article_lock:
            if not self._article_read:
                self._article = load_article(Sources.default().article, manifest)
                self._article_read = True
        return self._article

    def get(self) -> Catalog:
        if not self._loaded.wait(LOAD_TIMEOUT):
            raise RuntimeError("the pages' view of the dataset is still loading")
        if self._catalog is None:
            raise RuntimeError(
                "the pages' view of the dataset could not be loaded"
            ) from self._error
        return self._catalog


def register_pages(app: Flask, built: BuiltDataset) -> None:
    """Serve the pages of ``built`` from ``app``."""
    app.extensions[EXTENSION] = PageData(built)
    app.register_blueprint(pages)


def catalog() -> Catalog:
    data: PageData = current_app.extensions[EXTENSION]
    return data.get()


# ---------------------------------------------------------------- pages


@pages.get("/")
def home() -> Response:
    data = catalog()
    downloads = [(fmt.media_type, fmt) for fmt in formats.RDF]
    return html_page(
        "home.html",
        catalog=data,
        charts=data.charts(),
        downloads=downloads,
        jsonld=script_json(_service_description_jsonld()),
    )


def _service_description_jsonld() -> bytes:
    """The endpoint's service description, as ``GET /sparql`` serves it as JSON-LD."""
    state = current_app.extensions["ivig_graph"]
    url = endpoint_url(state, url_for("sparql.sparql_endpoint", _external=True))
    examples_url = url.rsplit("/", 1)[0] + "/queries"
    graph = service_description.describe(state.dataset, url, state.examples, examples_url)
    return service_description.serialize(graph, formats.JSON_LD)


# /id/<kind> has no resource of its own: it is the list of its kind
LISTINGS = {"condition": "/conditions", "category": "/categories"}
LIST_ARGUMENTS = ("status", "category", "mechanism", "intent", "q", "sort")


@pages.get("/conditions")
def conditions() -> Response:
    if request.args.get("format") == "csv":
        return conditions_csv()
    data = catalog()
    args = {name: request.args.get(name, "") for name in LIST_ARGUMENTS}
    selection, problems = Selection.from_args(args, data.facets)
    hits = ordered(select(data.conditions, selection), selection.sort, data.facets)
    found = data.label_data.search(selection.text, normalize) if selection.text else ()
    suggestions = suggest(data.conditions, selection.text) if selection.text and not hits else []
    return html_page(
        "conditions.html",
        catalog=data,
        selection=selection,
        hits=hits,
        problems=problems,
        product_hits=found,
        suggestions=suggestions,
        sorts=SORTS,
    )


@pages.get("/conditions.csv")
def conditions_csv() -> Response:
    """The list as filtered, searched and sorted by the same arguments, as CSV."""
    data = catalog()
    args = {name: request.args.get(name, "") for name in LIST_ARGUMENTS}
    selection, problems = Selection.from_args(args, data.facets)
    if problems:
        return error_response(400, "No list written. " + " ".join(problems))
    hits = ordered(select(data.conditions, selection), selection.sort, data.facets)
    response = Response(to_csv(hits), mimetype="text/csv")
    response.headers["Content-Type"] = _content_type("text/csv")
    filename = f"ivig-conditions-{data.version}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _cached(response, data, f"csv\x00{request.full_path}")


@pages.get("/categories")
def categories() -> Response:
    data = catalog()
    by_iri = {condition.iri: condition for condition in data.conditions}
    uncategorised = sum(1 for condition in data.conditions if not condition.categories)
    chart = next((c for c in data.charts() if c.facet == "category"), None)
    return html_page(
        "categories.html",
        catalog=data,
        rows=category_rows(data.categories, by_iri, data.facets),
        uncategorised=uncategorised,
        chart=chart,
    )


@pages.get("/source/article")
def article() -> Response:
    """The article the facts come from, one anchored line each (``#L18``)."""
    data = catalog()
    text = _article(data)
    if text is None:
        return _no_article()
    return html_page("article.html", catalog=data, article=text)


@pages.get("/source/article.txt")
def article_text() -> Response:
    """The article as the build read it, byte for byte."""
    data = catalog()
    text = _article(data)
    if text is None:
        return _no_article()
    response = Response(text.text, mimetype="text/plain")
    response.headers["Content-Type"] = _content_type("text/plain")
    return _cached(response, data, "article.txt")


def _article(data: Catalog) -> ArticleText | None:
    pages_data: PageData = current_app.extensions[EXTENSION]
    return pages_data.article(data.manifest)


def _no_article() -> Response:
    return error_response(
        404, "The source article's text is not available here (it is not the one built from)."
    )


@pages.get("/products")
def products() -> Response:
    data = catalog()
    return html_page("products.html", catalog=data, products=data.label_data.products)


@pages.get("/id/<path:rest>")
def resource(rest: str) -> Response:
    data = catalog()
    listing = LISTINGS.get(rest.rstrip("/"))
    if listing is not None:
        return Response(status=303, headers={"Location": _root() + listing})
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
        return error_response(404, f"No {ONTOLOGY_PATH}.{suffix}: use one of {_suffixes()}.")

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


@pages.get("/context.jsonld")
def context() -> Response:
    """The JSON-LD context every JSON-LD answer here is compacted with (and embeds)."""
    response = Response(context_document(), mimetype=formats.JSON_LD.media_type)
    response.add_etag()  # a strong ETag: the file's own hash, whatever the dataset's version
    max_age = current_app.extensions["ivig_graph"].config.cache_max_age
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.make_conditional(request)
    return response


@pages.get("/downloads/ivig-graph.<suffix>")
def download(suffix: str) -> Response:
    data = catalog()
    representation = formats.by_suffix(suffix)
    if representation is None:
        return error_response(404, f"No such download: use one of {_suffixes()}.")
    response = Response(data.download(representation.name), mimetype=representation.media_type)
    response.headers["Content-Type"] = _content_type(representation.media_type)
    filename = f"ivig-graph-{data.version}.{representation.suffix}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _cached(response, data, f"download:{suffix}")


@pages.get(f"/downloads/ivig-graph.{SSSOM_SUFFIX}")
def download_sssom() -> Response:
    """The cross-references as an SSSOM/TSV mapping set (ivig_graph.dataset.sssom)."""
    data = catalog()
    response = Response(data.sssom(), mimetype=SSSOM_MEDIA_TYPE)
    response.headers["Content-Type"] = _content_type(SSSOM_MEDIA_TYPE)
    filename = f"ivig-graph-{data.version}.{SSSOM_SUFFIX}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _cached(response, data, "download:sssom")


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
        article_url=request.host_url.rstrip("/") + _root() + "/source/article",
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
    response.headers["Content-Type"] = _content_type(representation.media_type)
    page = _page_path(iri)
    if negotiated:
        response.vary.add("Accept")
        response.headers["Content-Location"] = f"{_root()}{page}.{representation.suffix}"
    response.headers["Link"] = _link_header(page)
    return _cached(response, data, f"{iri}\x00{representation.name}")


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
    return [(fmt, f"{_root()}{page}.{fmt.suffix}") for fmt in formats.RDF]


def _link_header(page: str) -> str:
    return ", ".join(
        f'<{url}>; rel="alternate"; type="{r.media_type}"' for r, url in _alternates(page)
    )


def _suffixes() -> str:
    return ", ".join("." + fmt.suffix for fmt in formats.RDF)


def _not_acceptable() -> Response:
    offered = ", ".join(fmt.media_type for fmt in OFFERS)
    return error_response(406, f"None of the media types in Accept is offered here: {offered}.")


# ---------------------------------------------------------------- responses


def _root() -> str:
    return request.script_root


def _content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


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
        return _cached(response, data, f"page\x00{request.full_path}\x00{assets.linked()}")
    return response


def _cached(response: Response, data: Catalog, key: str) -> Response:
    """A weak ETag from the dataset version and what was asked; 304 when it matches."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:20]
    response.set_etag(f"{data.version}-{digest}", weak=True)
    max_age = current_app.extensions["ivig_graph"].config.cache_max_age
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.make_conditional(request)
    return response


@pages.app_template_filter("href")
def href_filter(target: Any) -> str | None:
    """The link for a Ref, a Cell or an IRI: our paths under this app's root, others as they are."""
    value = href(target) if isinstance(target, str) else getattr(target, "href", None)
    if value is None:
        return None
    return _root() + value if value.startswith("/") else value


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
    return f"{_root()}/conditions" + (f"?{urlencode(dict(args))}" if args else "")
