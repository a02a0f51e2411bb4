"""Read the endpoint's answers with parsers independent of its engine (stdlib and rdflib)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from typing import Any

from rdflib import Graph

SRX = "{http://www.w3.org/2005/sparql-results#}"
RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}

Row = dict[str, str]


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip()


def json_rows(body: bytes) -> list[Row]:
    """Bindings as {variable: value} (IRIs and literals by their lexical value)."""
    data = json.loads(body)
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


def json_vars(body: bytes) -> list[str]:
    return list(json.loads(body)["head"]["vars"])


def xml_rows(body: bytes) -> list[Row]:
    root = ET.fromstring(body)
    rows = []
    for result in root.iter(f"{SRX}result"):
        row = {}
        for binding in result.findall(f"{SRX}binding"):
            value = next(iter(binding))
            row[binding.attrib["name"]] = value.text or ""
        rows.append(row)
    return rows


def xml_boolean(body: bytes) -> bool:
    element = ET.fromstring(body).find(f"{SRX}boolean")
    assert element is not None, body
    return (element.text or "").strip() == "true"


def csv_rows(body: bytes) -> list[Row]:
    reader = csv.DictReader(io.StringIO(body.decode("utf-8"), newline=""))
    return [{k: v for k, v in row.items() if v != ""} for row in reader]


def tsv_rows(body: bytes) -> list[Row]:
    """TSV terms are in Turtle syntax: strip <> from IRIs and quotes/tags from plain literals."""
    lines = body.decode("utf-8").split("\n")
    header = [name.removeprefix("?") for name in lines[0].split("\t")]
    rows = []
    for line in lines[1:]:
        if line == "" and not header:
            continue
        if line == "":
            continue
        row = {}
        for name, term in zip(header, line.split("\t"), strict=True):
            if term:
                row[name] = _tsv_value(term)
        rows.append(row)
    return rows


# Every media type the endpoint answers in, with a reader of its own (stdlib or rdflib).
ROW_PARSERS = {
    "application/sparql-results+json": json_rows,
    "application/sparql-results+xml": xml_rows,
    "text/csv": csv_rows,
    "text/tab-separated-values": tsv_rows,
}
RESULT_TYPES = list(ROW_PARSERS)
GRAPH_TYPES = list(RDFLIB_FORMATS)


def _tsv_value(term: str) -> str:
    if term.startswith("<") and term.endswith(">"):
        return term[1:-1]
    if term.startswith('"'):
        end = term.rindex('"')
        return json.loads(term[: end + 1])  # Turtle string escapes are JSON-compatible here
    return term  # numbers, booleans


def graph_of(body: bytes, content_type: str | None) -> Graph:
    graph = Graph()
    graph.parse(data=body, format=RDFLIB_FORMATS[media_type(content_type)])
    return graph


def values(rows: list[Row], variable: str) -> list[str]:
    return [row[variable] for row in rows if variable in row]


def as_text(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")


def no_internals(body: bytes) -> bool:
    """True when an error body shows no stack trace and no file path."""
    text = as_text(body)
    markers = ("Traceback", 'File "', ".py", "/work/", "site-packages", "/tmp/")
    return not any(marker in text for marker in markers)


def count_of(body: bytes) -> int:
    rows = json_rows(body)
    assert len(rows) == 1, rows
    value: Any = next(iter(rows[0].values()))
    return int(value)
