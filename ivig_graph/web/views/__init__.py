"""What people see of the graph, as plain data: the pure core behind the HTML pages.

``Catalog.load`` reads a built dataset once and turns it into view data: condition summaries
(with ``explain``), categories and sources, the filtered and searched condition list, the charts'
counts (from the manifest), the ontology's documentation with usage counts, and every resource's
description split into asserted and inferred statements. Nothing here imports Flask; the
blueprint in ``ivig_graph.web.site`` only renders what this package returns.
"""

from ivig_graph.web.views.catalog import Catalog

__all__ = ["Catalog"]
