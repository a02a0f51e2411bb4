"""Pages for people and linked data for machines: every IRI of the dataset resolves here.

Routes (see docs/endpoint.md): ``/`` (what the graph is, charts, downloads), ``/conditions``
(the filterable, searchable list), ``/id/<kind>/<slug>`` (each condition, category, source and
indication), ``/ontology`` (the ontology's documentation) and ``/downloads/ivig-graph.<suffix>``.
A resource's path answers HTML to browsers and Turtle, JSON-LD, N-Triples, RDF/XML, TriG or
N-Quads by ``Accept`` (``Vary: Accept``), or by a suffix (``.ttl``, ``.jsonld``, ``.nt``,
``.rdf``, ``.trig``, ``.nq``) for links.

The view data comes from ``ivig_graph.web.views.Catalog``, loaded once per process in a
background thread at start-up (``page_data``) so the server answers at once; a page asked for
before it is ready waits for it. No request runs SPARQL built from its input: pages only read
the catalog. The routes, all on one blueprint (``blueprint``): ``browsing`` (the pages that
present the graph), ``linked_data`` (``/id/…`` and ``/ontology``), ``downloads``; what every
response carries is in ``responses``.
"""

from __future__ import annotations

from flask import Flask

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.web.site import browsing, downloads, linked_data  # noqa: F401  (their routes)
from ivig_graph.web.site.blueprint import pages
from ivig_graph.web.site.page_data import EXTENSION, PageData, catalog
from ivig_graph.web.site.responses import html_page

__all__ = ["catalog", "html_page", "register_pages"]


def register_pages(app: Flask, built: BuiltDataset) -> None:
    """Serve the pages of ``built`` from ``app``."""
    app.extensions[EXTENSION] = PageData(built)
    app.register_blueprint(pages)
