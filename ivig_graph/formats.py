"""The one table of the formats we offer: SPARQL results, RDF graphs and datasets, and HTML.

Each ``Format`` wraps pyoxigraph's ``QueryResultsFormat`` or ``RdfFormat``, which gives it its
canonical media type, file suffix, W3C format IRI and whether it holds named graphs; we add the
names used by ``format=`` and the command line, the media types accepted as aliases, a label
and a kind:

* ``results``: SELECT and ASK answers (JSON, XML, CSV, TSV);
* ``graph``: triples (Turtle, JSON-LD, N-Triples, RDF/XML): a CONSTRUCT or DESCRIBE answer, an
  entity's description, one graph of the dataset. JSON-LD can also carry named graphs, and does
  so in one place only: the download of the whole dataset;
* ``dataset``: quads (TriG, N-Quads): named graphs kept wherever there are some;
* ``page``: HTML for people, offered beside the RDF formats on linked-data paths.

Plain data: no HTTP here (negotiation is in ``web/negotiation.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import pyoxigraph as ox

Kind = Literal["results", "graph", "dataset", "page"]
Engine = ox.RdfFormat | ox.QueryResultsFormat


@dataclass(frozen=True)
class Format:
    """One format we offer. ``name`` is its ``format=`` value and its name in ``export``."""

    name: str
    kind: Kind
    label: str
    engine: Engine | None  # None only for the HTML page
    rdflib: str = ""  # rdflib's plugin name for it ("" for the HTML page)
    aliases: tuple[str, ...] = ()  # other media types that select it
    other_names: tuple[str, ...] = ()  # other ``format=`` values
    page_media_type: str = "text/html"  # the media type of the HTML page (engine is None)

    @property
    def media_type(self) -> str:
        """The media type answered (``Content-Type`` without parameters)."""
        if self.engine is None:
            return self.page_media_type
        return self.engine.media_type.split(";")[0].strip()

    @property
    def media_types(self) -> tuple[str, ...]:
        """The canonical media type, then the aliases."""
        return (self.media_type, *self.aliases)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.other_names)

    @property
    def suffix(self) -> str:
        """The file suffix, without the dot (``ttl``, ``jsonld``, ``srj``...)."""
        return self.engine.file_extension if self.engine is not None else "html"

    @property
    def iri(self) -> str:
        """The format's IRI in the W3C's registry (https://www.w3.org/ns/formats/)."""
        if self.engine is None:
            raise ValueError(f"{self.label} has no format IRI")
        return self.engine.iri

    @property
    def supports_datasets(self) -> bool:
        """Whether the syntax can hold named graphs (TriG, N-Quads, JSON-LD)."""
        return isinstance(self.engine, ox.RdfFormat) and self.engine.supports_datasets

    @property
    def is_rdf(self) -> bool:
        return self.kind in ("graph", "dataset")


# SPARQL results. application/xml and text/xml select XML results for SELECT/ASK, as they
# select RDF/XML for graphs: which one is meant depends on the query's form.
JSON = Format(
    "json",
    "results",
    "SPARQL Results JSON",
    ox.QueryResultsFormat.JSON,
    rdflib="json",
    aliases=("application/json",),
    other_names=("srj",),
)
XML = Format(
    "xml",
    "results",
    "SPARQL Results XML",
    ox.QueryResultsFormat.XML,
    rdflib="xml",
    aliases=("application/xml", "text/xml"),
    other_names=("srx",),
)
CSV = Format("csv", "results", "SPARQL Results CSV", ox.QueryResultsFormat.CSV, rdflib="csv")
TSV = Format("tsv", "results", "SPARQL Results TSV", ox.QueryResultsFormat.TSV, rdflib="tsv")

# RDF. Turtle also answers for N3 (a Turtle document is N3); text/plain was N-Triples' type
# before RDF 1.1.
TURTLE = Format(
    "turtle",
    "graph",
    "Turtle",
    ox.RdfFormat.TURTLE,
    rdflib="turtle",
    aliases=("application/x-turtle", "text/n3"),
    other_names=("ttl", "n3"),
)
JSON_LD = Format(
    "jsonld",
    "graph",
    "JSON-LD",
    ox.RdfFormat.JSON_LD,
    rdflib="json-ld",
    aliases=("application/json",),
    other_names=("json-ld", "json"),
)
N_TRIPLES = Format(
    "ntriples",
    "graph",
    "N-Triples",
    ox.RdfFormat.N_TRIPLES,
    rdflib="nt",
    aliases=("text/plain",),
    other_names=("n-triples", "nt"),
)
RDF_XML = Format(
    "rdfxml",
    "graph",
    "RDF/XML",
    ox.RdfFormat.RDF_XML,
    rdflib="xml",
    aliases=("application/xml", "text/xml"),
    other_names=("rdf+xml", "rdf", "xml"),
)
TRIG = Format("trig", "dataset", "TriG", ox.RdfFormat.TRIG, rdflib="trig")
N_QUADS = Format(
    "nquads",
    "dataset",
    "N-Quads",
    ox.RdfFormat.N_QUADS,
    rdflib="nquads",
    other_names=("n-quads", "nq"),
)

HTML = Format("html", "page", "HTML", None, aliases=("application/xhtml+xml",))

# In order of preference when a client accepts several equally: the first is the default.
RESULTS: tuple[Format, ...] = (JSON, XML, CSV, TSV)
RDF: tuple[Format, ...] = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML, TRIG, N_QUADS)
ALL: tuple[Format, ...] = (*RESULTS, *RDF, HTML)


def by_name(value: str, offers: Iterable[Format] = ALL) -> Format | None:
    """The format named by ``value``: a name (``csv``, ``ttl``) or a media type, in ``offers``."""
    wanted = value.strip().lower()
    media_type = wanted.split(";")[0].strip()
    for fmt in offers:
        if wanted in fmt.names or media_type in fmt.media_types:
            return fmt
    return None


def by_suffix(suffix: str, offers: Iterable[Format] = RDF) -> Format | None:
    """The format whose file suffix is ``suffix`` (no dot)."""
    return next((fmt for fmt in offers if fmt.suffix == suffix), None)


def from_media_type(media_type: str, offers: Sequence[Format] = RDF) -> Format | None:
    """The format a ``Content-Type`` names (parameters ignored), canonical types first.

    pyoxigraph's ``from_media_type`` decides the engine format; among ``offers``, the one that
    has it wins, else the one that lists the type as an alias.
    """
    bare = media_type.split(";")[0].strip().lower()
    if not bare:
        return None
    engines = (ox.RdfFormat.from_media_type(bare), ox.QueryResultsFormat.from_media_type(bare))
    for fmt in offers:
        if fmt.media_type == bare:
            return fmt
    for fmt in offers:
        if bare in fmt.aliases:
            return fmt
    return next((fmt for fmt in offers if fmt.engine is not None and fmt.engine in engines), None)


def of_engine(engine: Engine) -> Format | None:
    """Our format for one of pyoxigraph's (None for one we do not offer, such as N3)."""
    return next((fmt for fmt in ALL if fmt.engine == engine), None)
