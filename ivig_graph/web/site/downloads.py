"""The files to download: the whole dataset in each RDF format, SSSOM, the JSON-LD context."""

from __future__ import annotations

from flask import Response, request

from ivig_graph import formats
from ivig_graph.dataset.export import context_document
from ivig_graph.dataset.sssom import FILE_SUFFIX as SSSOM_SUFFIX
from ivig_graph.dataset.sssom import MEDIA_TYPE as SSSOM_MEDIA_TYPE
from ivig_graph.web.errors import error_response
from ivig_graph.web.negotiation import content_type
from ivig_graph.web.site.blueprint import pages
from ivig_graph.web.site.page_data import catalog
from ivig_graph.web.site.responses import cached, suffixes
from ivig_graph.web.state import endpoint


@pages.get("/context.jsonld")
def context() -> Response:
    """The JSON-LD context every JSON-LD answer here is compacted with (and embeds)."""
    response = Response(context_document(), mimetype=formats.JSON_LD.media_type)
    response.add_etag()  # a strong ETag: the file's own hash, whatever the dataset's version
    max_age = endpoint().config.cache_max_age
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.make_conditional(request)
    return response


@pages.get("/downloads/ivig-graph.<suffix>")
def download(suffix: str) -> Response:
    data = catalog()
    representation = formats.by_suffix(suffix)
    if representation is None:
        return error_response(404, f"No such download: use one of {suffixes()}.")
    response = Response(data.download(representation.name), mimetype=representation.media_type)
    response.headers["Content-Type"] = content_type(representation.media_type)
    filename = f"ivig-graph-{data.version}.{representation.suffix}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return cached(response, data, f"download:{suffix}")


@pages.get(f"/downloads/ivig-graph.{SSSOM_SUFFIX}")
def download_sssom() -> Response:
    """The cross-references as an SSSOM/TSV mapping set (ivig_graph.dataset.sssom)."""
    data = catalog()
    response = Response(data.sssom(), mimetype=SSSOM_MEDIA_TYPE)
    response.headers["Content-Type"] = content_type(SSSOM_MEDIA_TYPE)
    filename = f"ivig-graph-{data.version}.{SSSOM_SUFFIX}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return cached(response, data, "download:sssom")
