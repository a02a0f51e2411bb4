"""rdflib's SPARQL engine, kept as an independent second opinion on the example queries.

The project answers every query with Oxigraph (``ivig_graph.query.engine``); tests compare
that answer with rdflib's for the shipped example queries, which name no ``FROM`` graph (rdflib
would fetch one from the web).
"""

from __future__ import annotations

from rdflib import Dataset
from rdflib.query import Result

from ivig_graph.query.tokens import tokens
from ivig_graph.vocab import PREFIXES


def rdflib_answer(dataset: Dataset, text: str) -> Result:
    """rdflib's answer to ``text`` over ``dataset`` (default graph: the union), our prefixes
    bound."""
    words = {token.text.upper() for token in tokens(text) if token.kind == "word"}
    assert not words & {"FROM", "SERVICE"}, "rdflib would fetch FROM and SERVICE graphs"
    return dataset.query(text, initNs=PREFIXES)
