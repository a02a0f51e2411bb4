"""What the query editor completes, from our own data: ``GET /sparql/completions.json``.

The prefixes (the predeclared ones and the W3C vocabularies the ontology uses), the classes and
properties of the ontology and those the data uses, the named individuals (statuses, intents,
mechanisms), the categories, and every condition with its preferred and other names. Built once
in the background when the app starts, from the built dataset's store
(``BuiltDataset.open_store``), with fixed queries; no request reads a file or runs a query.
"""

from __future__ import annotations

import json
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.vocab import PREFIXES
from ivig_graph.web.state import endpoint
from ivig_graph.web.views.links import DISPLAY_PREFIXES, compact

completions = Blueprint("completions", __name__)
EXTENSION = "ivig_graph.completions"
PATH = "/sparql/completions.json"
LOAD_TIMEOUT = 60.0  # seconds a request waits for the lists at start-up

_PREFIXES = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX ivig: <https://w3id.org/ivig/ontology#>
"""
# Each query binds ?term, and optionally ?name (a label) and ?alias (another name).
QUERIES: dict[str, str] = {
    "class": _PREFIXES
    + """SELECT DISTINCT ?term ?name WHERE {
  { ?term a owl:Class } UNION { [] a ?term }
  FILTER(isIRI(?term))
  OPTIONAL { ?term rdfs:label|skos:prefLabel ?name }
}""",
    "property": _PREFIXES
    + """SELECT DISTINCT ?term ?name WHERE {
  { ?term a owl:ObjectProperty } UNION { ?term a owl:DatatypeProperty }
  UNION { ?term a owl:AnnotationProperty }
  UNION { GRAPH ?g { [] ?term [] } FILTER(?g != <https://w3id.org/ivig/graph/ontology>) }
  OPTIONAL { ?term rdfs:label ?name }
}""",
    "individual": _PREFIXES
    + """SELECT DISTINCT ?term ?name WHERE {
  ?term a owl:NamedIndividual
  FILTER NOT EXISTS { ?term a ivig:Category }
  OPTIONAL { ?term rdfs:label|skos:prefLabel ?name }
}""",
    "category": _PREFIXES
    + """SELECT DISTINCT ?term ?name WHERE {
  ?term a ivig:Category
  OPTIONAL { ?term skos:prefLabel ?name }
}""",
    "condition": _PREFIXES
    + """SELECT DISTINCT ?term ?name ?alias WHERE {
  ?term a ivig:Condition
  OPTIONAL { ?term skos:prefLabel ?name }
  OPTIONAL { ?term skos:altLabel ?alias }
}""",
}


def build(dataset: BuiltDataset) -> dict[str, Any]:
    """The completion lists for ``dataset``: prefixes, then terms of each kind, sorted."""
    store = dataset.open_store()
    prefixes = [
        {"prefix": prefix, "namespace": namespace, "predeclared": prefix in PREFIXES}
        for prefix, namespace in DISPLAY_PREFIXES.items()
    ]
    terms: list[dict[str, Any]] = []
    for kind, query in QUERIES.items():
        terms.extend(_terms(kind, store.query(query, use_default_graph_as_union=True)))
    return {"version": dataset.version, "prefixes": prefixes, "terms": terms}


def _terms(kind: str, solutions: Any) -> list[dict[str, Any]]:
    names: dict[str, set[str]] = defaultdict(set)
    aliases: dict[str, set[str]] = defaultdict(set)
    for solution in solutions:
        iri = solution["term"].value
        curie = compact(iri)
        if curie.startswith("<"):
            continue  # no prefix of ours: nothing to complete after a colon
        names[curie].update([solution["name"].value] if solution["name"] else [])
        aliases[curie].update([solution["alias"].value] if _bound(solution, "alias") else [])
    return [
        {
            "curie": curie,
            "kind": kind,
            "label": min(names[curie], default=None),
            "aliases": sorted(aliases[curie]),
        }
        for curie in sorted(names)
    ]


def _bound(solution: Any, name: str) -> bool:
    try:
        return solution[name] is not None
    except KeyError:
        return False


def register_completions(app: Flask, dataset: BuiltDataset) -> None:
    """Build the lists in the background from start-up (seconds at 100x the graph: the server
    answers queries meanwhile) and serve them at ``PATH``."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ivig-completions")
    app.extensions[EXTENSION] = executor.submit(_body, dataset)
    executor.shutdown(wait=False)
    app.register_blueprint(completions)


def _body(dataset: BuiltDataset) -> bytes:
    return json.dumps(build(dataset), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@completions.get(PATH)
def completions_json() -> Response:
    """The lists as JSON; cacheable, since they change only when the dataset does."""
    lists: Future[bytes] = current_app.extensions[EXTENSION]
    body = lists.result(timeout=LOAD_TIMEOUT)
    response = Response(body, mimetype="application/json")
    response.set_etag(endpoint().dataset.version)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.make_conditional(request)
    return response
