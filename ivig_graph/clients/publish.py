"""Publish the built dataset to a triple store, then check the store holds exactly our triples.

``publish(built, store)`` replaces each of the dataset's three named graphs in the store with one
Graph Store ``PUT`` (so publishing twice leaves the same store), reads each graph back with ``GET``
and compares it with ours (``rdflib.compare.isomorphic``: the ontology graph has blank nodes, which
every store relabels). Other graphs in the store (Virtuoso keeps its own) are left alone.

Errors: ``StoreUnreachable`` (no answer), ``StoreRefused`` (an HTTP error status), ``StoreDiffers``
(the store ended up holding something else), each naming what to do next.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rdflib import XSD, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.term import Node

from ivig_graph.clients.gsp import DEFAULT_TIMEOUT, Credentials, GraphStore
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.errors import StoreDiffers
from ivig_graph.vocab import GRAPHS

AUTH_ENV = "IVIG_GRAPH_PUBLISH_AUTH"
SHOWN_DIFFERENCES = 3


@dataclass(frozen=True)
class GraphOutcome:
    """One named graph: triples sent with PUT, triples found when read back (None: not checked)."""

    graph: URIRef
    sent: int
    verified: int | None


@dataclass(frozen=True)
class PublishReport:
    endpoint: str
    version: str
    graphs: tuple[GraphOutcome, ...]

    @property
    def verified(self) -> bool:
        return all(outcome.verified is not None for outcome in self.graphs)

    def text(self) -> str:
        lines = [f"Published dataset {self.version} to {self.endpoint}"]
        for outcome in self.graphs:
            check = (
                "not verified"
                if outcome.verified is None
                else f"{outcome.verified} verified, identical"
            )
            lines.append(f"  graph <{outcome.graph}>: {outcome.sent} triples sent, {check}")
        return "\n".join(lines) + "\n"


def publish(built: BuiltDataset, store: GraphStore, *, verify: bool = True) -> PublishReport:
    """Replace the store's copy of each named graph with ours; verify it unless told not to."""
    dataset = built.rdflib_dataset()
    graphs = {name: _plain(dataset.graph(name)) for name in GRAPHS}
    for name, graph in graphs.items():
        store.replace(name, graph)
    verified: Mapping[URIRef, int | None] = (
        verify_store(store, graphs) if verify else dict.fromkeys(graphs)
    )
    outcomes = tuple(GraphOutcome(name, len(g), verified[name]) for name, g in graphs.items())
    return PublishReport(store.endpoint, built.version, outcomes)


def verify_store(store: GraphStore, expected: Mapping[URIRef, Graph]) -> dict[URIRef, int]:
    """Read each graph back; StoreDiffers naming every graph that is not isomorphic to ours.

    Answers the number of triples found per graph.
    """
    found: dict[URIRef, int] = {}
    differences: dict[str, tuple[int, int]] = {}
    details: list[str] = []
    for name, ours in expected.items():
        theirs = store.read(name)
        actual = _normalized(theirs if theirs is not None else Graph())
        wanted = _normalized(ours)
        found[name] = len(actual)
        if isomorphic(actual, wanted):
            continue
        missing, extra = _difference(wanted, actual)
        differences[str(name)] = (len(missing), len(extra))
        absent = " (the store has no such graph)" if theirs is None else ""
        details.append(
            f"graph <{name}>{absent}: {len(missing)} triples missing, {len(extra)} extra"
            + _examples("missing", missing)
            + _examples("extra", extra)
        )
    if differences:
        raise StoreDiffers(
            f"The store at {store.endpoint} does not hold exactly the published triples: "
            + "; ".join(details)
            + ". Publish again (PUT replaces each graph); if it still differs, the store "
            "changes data on load or something else writes to these graphs.",
            differences=differences,
        )
    return found


def publish_from_args(
    built: BuiltDataset,
    to: str,
    auth: str | None,
    auth_scheme: str = "basic",
    *,
    environ: Mapping[str, str] = os.environ,
    timeout: float = DEFAULT_TIMEOUT,
    verify: bool = True,
) -> PublishReport:
    """What ``ivig-graph publish --to URL [--auth USER:PASSWORD] [--auth-scheme S]`` does.

    Without ``--auth`` the credentials come from $IVIG_GRAPH_PUBLISH_AUTH, if set, so a password
    need not appear in shell history.
    """
    secret = auth if auth is not None else environ.get(AUTH_ENV) or None
    credentials = Credentials.parse(secret, auth_scheme) if secret is not None else None
    return publish(built, GraphStore(to, credentials, timeout=timeout), verify=verify)


def _plain(graph: Graph) -> Graph:
    """A standalone copy of a dataset's graph (serialising it must not touch the dataset)."""
    copy = Graph()
    for triple in graph:
        copy.add(triple)
    return copy


def _term(node: Node) -> Node:
    # RDF 1.1: "x" and "x"^^xsd:string are one term; rdflib keeps them apart, stores may not.
    if isinstance(node, Literal) and node.datatype == XSD.string:
        return Literal(str(node))
    return node


def _normalized(graph: Graph) -> Graph:
    result = Graph()
    for s, p, o in graph:
        result.add((s, p, _term(o)))
    return result


def _difference(wanted: Graph, actual: Graph) -> tuple[Graph, Graph]:
    _, missing, extra = graph_diff(to_isomorphic(wanted), to_isomorphic(actual))
    return missing, extra


def _examples(kind: str, triples: Iterable[tuple[Node, Node, Node]]) -> str:
    shown = sorted(" ".join(term.n3() for term in triple) for triple in triples)
    if not shown:
        return ""
    return f" ({kind}, e.g.: {' | '.join(shown[:SHOWN_DIFFERENCES])})"
