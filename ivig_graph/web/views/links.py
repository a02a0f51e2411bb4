"""Where our IRIs are served, and how any IRI is shown: local paths and prefixed names.

The public IRIs (``https://w3id.org/ivig/id/...``, ``https://w3id.org/ivig/ontology#...``)
redirect to this server; its pages link to the matching local paths so that they also work on a
host w3id does not (yet) point at. Only http(s) IRIs ever become links: a query result holding
``javascript:...`` is shown as text.
"""

from __future__ import annotations

from ivig_graph.vocab import ID, IVIG, ONTOLOGY_IRI, PREFIXES
from ivig_graph.vocab import key_of as key_of  # the views' name for it

ID_BASE = str(ID)
ONTOLOGY_NAMESPACE = str(IVIG._NS)
ONTOLOGY_PATH = "/ontology"

# Prefixes for showing IRIs to people: the predeclared ones plus the W3C vocabularies.
DISPLAY_PREFIXES: dict[str, str] = {
    **PREFIXES,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
    "vann": "http://purl.org/vocab/vann/",
    "shapes": "https://w3id.org/ivig/shapes#",
}
# Longest namespace first, so ``condition:`` wins over a shorter namespace it starts with.
_BY_LENGTH = sorted(DISPLAY_PREFIXES.items(), key=lambda item: -len(item[1]))


def local_path(iri: str) -> str | None:
    """The path this server answers ``iri`` at, or None for an IRI it does not serve."""
    if iri.startswith(ID_BASE) and len(iri) > len(ID_BASE):
        return "/id/" + iri[len(ID_BASE) :]
    if iri == str(ONTOLOGY_IRI):
        return ONTOLOGY_PATH
    if iri.startswith(ONTOLOGY_NAMESPACE) and len(iri) > len(ONTOLOGY_NAMESPACE):
        return f"{ONTOLOGY_PATH}#{iri[len(ONTOLOGY_NAMESPACE) :]}"
    return None


def public_iri(path: str) -> str:
    """The IRI of the resource at ``/id/<path>`` (the inverse of ``local_path``)."""
    return ID_BASE + path


def href(iri: str) -> str | None:
    """Where a link to ``iri`` goes: our page for our IRIs, the IRI itself for other web IRIs."""
    path = local_path(iri)
    if path is not None:
        return path
    return iri if iri.startswith(("http://", "https://")) else None


def compact(iri: str) -> str:
    """``condition:kawasaki-disease`` for a known namespace, else the IRI in angle brackets."""
    for prefix, namespace in _BY_LENGTH:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            local = iri[len(namespace) :]
            if all(ch.isalnum() or ch in "-_." for ch in local) and not local.endswith("."):
                return f"{prefix}:{local}"
    return f"<{iri}>"
