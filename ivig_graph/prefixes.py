"""The prefixes every query may use without declaring them, as plain strings.

Kept apart from ``vocab`` (rdflib namespaces, built from these) so that the query workers, which
only need the strings, never import rdflib (about 19 MB a process).
"""

PREFIXES: dict[str, str] = {
    "ivig": "https://w3id.org/ivig/ontology#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "condition": "https://w3id.org/ivig/id/condition/",
    "indication": "https://w3id.org/ivig/id/indication/",
    "category": "https://w3id.org/ivig/id/category/",
    "source": "https://w3id.org/ivig/id/source/",
    "product": "https://w3id.org/ivig/id/product/",
    "icd10cm": "http://purl.bioontology.org/ontology/ICD10CM/",
    "mesh": "http://id.nlm.nih.gov/mesh/",
}
