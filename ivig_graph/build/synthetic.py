"""Synthetic graphs of the real graph's shape at N times its size, for benchmarks and tests.

Copy k of every curated record gets the slug ``<slug>-k`` and a numbered name; copy 0 is the
record itself. Everything else (sources, categories, the therapy, ICD-10-CM) is included once.
"""

from __future__ import annotations

from dataclasses import replace

from rdflib import Graph

from ivig_graph.build import icd10cm
from ivig_graph.build.records import read_article, read_conditions
from ivig_graph.build.triples import asserted_graph, condition_triples
from ivig_graph.resources import Sources


def scaled_asserted(scale: int, sources: Sources | None = None) -> Graph:
    """The asserted graph with every condition (and its indication) repeated ``scale`` times."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    sources = sources or Sources.default()
    graph = asserted_graph(sources, icd10cm.describe)
    article = read_article(sources)
    for record in read_conditions(sources):
        for copy in range(1, scale):
            twin = replace(
                record, slug=f"{record.slug}-{copy}", pref=f"{record.preferred_name} ({copy})"
            )
            graph += condition_triples(twin, article)
    return graph
