"""How to cite the graph and the article a page's facts come from, in words, from the data.

Every part comes from the dataset: the creator and the date are the ontology's ``dcterms:creator``
and ``dcterms:modified``, the version is the build's content hash, the article's title is its
``dcterms:title``; nothing the sources lack (the article's author, publisher, date, address) is
filled in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

SITE_NAME = "IVIG uses: a knowledge graph"
LICENSE = "CC BY 4.0"


@dataclass(frozen=True)
class Citation:
    graph: str  # how to cite the graph, at the resource's IRI
    article: str | None  # how to cite the article, at the resource's line


def citation(
    *,
    iri: str,
    version: str,
    creator: str | None,
    date: str | None,
    article_title: str | None,
    article_url: str,
    line: int | None,
) -> Citation:
    author = f"{creator}. " if creator else ""
    dated = f", {date}" if date else ""
    graph = f"{author}{SITE_NAME} (ivig-graph), dataset version {version}{dated}. {LICENSE}. {iri}"
    article = None
    if article_title:
        where, anchor = (f", line {line}", f"#L{line}") if line else ("", "")
        text = f"{article_url}{anchor}"
        article = f"\u201c{article_title}\u201d{where}. Text as the graph read it: {text}"
    return Citation(graph, article)


def script_json(document: bytes) -> str:
    """A JSON document made safe inside ``<script type="application/ld+json">``: every ``<``,
    ``>`` and ``&`` written as a JSON escape, so no text in it can close the element. The
    document parses to the same value."""
    text = json.dumps(json.loads(document), ensure_ascii=False, indent=2, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
