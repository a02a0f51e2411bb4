"""The pages that present the graph: home, the condition list (and its CSV), categories, the
source article, the products."""

from __future__ import annotations

from flask import Response, current_app, request, url_for

from ivig_graph import formats
from ivig_graph.web import service_description
from ivig_graph.web.errors import error_response
from ivig_graph.web.negotiation import content_type
from ivig_graph.web.querying import endpoint_url
from ivig_graph.web.site.blueprint import pages
from ivig_graph.web.site.page_data import EXTENSION, PageData, catalog
from ivig_graph.web.site.responses import cached, html_page
from ivig_graph.web.state import endpoint
from ivig_graph.web.views import Catalog
from ivig_graph.web.views.article import ArticleText
from ivig_graph.web.views.browse import SORTS, Selection, ordered, select, to_csv
from ivig_graph.web.views.categories import category_rows
from ivig_graph.web.views.cite import script_json
from ivig_graph.web.views.search import normalize, suggest

LIST_ARGUMENTS = ("status", "category", "mechanism", "intent", "q", "sort")


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
    state = endpoint()
    url = endpoint_url(state, url_for("sparql.sparql_endpoint", _external=True))
    examples_url = url.rsplit("/", 1)[0] + "/queries"
    graph = service_description.describe(state.dataset, url, state.examples, examples_url)
    return service_description.serialize(graph, formats.JSON_LD)


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
    response.headers["Content-Type"] = content_type("text/csv")
    filename = f"ivig-conditions-{data.version}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return cached(response, data, f"csv\x00{request.full_path}")


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
    response.headers["Content-Type"] = content_type("text/plain")
    return cached(response, data, "article.txt")


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
