"""The query mix: eight example queries of every form and cost, their expected answer sizes
(from ivig-graph's rdflib path, independent of the engine both Oxigraph servers share), the
check of each server's answers, and the load of each query on a server."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from load import FRESH, drive
from rdflib import Graph
from servers import ACCEPT_RESULTS, Server

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.query.guard import inspect_query

ROOT = Path(__file__).resolve().parent.parent
ACCEPT_GRAPH = "text/turtle"
# From the cheapest (an ASK Oxigraph's server answers at ~15,000/s here) to engine-bound ones
# (a CONSTRUCT over every condition, an aggregate over a sub-select: under 1,000/s); SELECT,
# ASK, CONSTRUCT and DESCRIBE.
MIX = (
    "01-fda-approved-uses",
    "02-off-label-uses-by-category",
    "04-suppression-vs-boosting",
    "07-find-by-old-name",
    "12-about-ivig",
    "13-describe-a-condition",
    "14-construct-use-summary",
    "15-is-myasthenia-gravis-suppressed",
)
# What the load generator appends to make a text fresh (bench/fresh.lua does it per request).
FRESH_SUFFIX = "\n# fresh 0-0"


@dataclass(frozen=True)
class MixQuery:
    name: str
    text: str
    returns_graph: bool

    @property
    def accept(self) -> str:
        return ACCEPT_GRAPH if self.returns_graph else ACCEPT_RESULTS


def query_mix(names: tuple[str, ...] = MIX) -> list[MixQuery]:
    mix = []
    for name in names:
        text = (ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")
        mix.append(MixQuery(name, text, inspect_query(text).form.returns_graph))
    return mix


def answer_size(query: MixQuery, body: bytes) -> int:
    """Rows of a SELECT, 0/1 for ASK, triples of a graph."""
    if query.returns_graph:
        return len(Graph().parse(data=body, format="turtle"))
    document = json.loads(body)
    if "boolean" in document:
        return int(document["boolean"])
    return len(document["results"]["bindings"])


def expected_sizes(built: BuiltDataset, mix: list[MixQuery]) -> dict[str, int]:
    from ivig_graph.vocab import PREFIXES

    dataset = built.rdflib_dataset()  # rdflib: an engine other than the one measured
    sizes = {}
    for query in mix:
        result = dataset.query(query.text, initNs=PREFIXES)
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            sizes[query.name] = len(result.graph or Graph())
        elif result.type == "ASK":
            sizes[query.name] = int(bool(result.askAnswer))
        else:
            sizes[query.name] = len(result.bindings)
    return sizes


def check_answers(server: Server, mix: list[MixQuery], expected: dict[str, int]) -> dict[str, str]:
    """'ok', or what differs, for every query of the mix (its fresh form) on this server."""
    verdicts = {}
    for query in mix:
        try:
            path = server.path_for(query.text + FRESH_SUFFIX)
            status, body = server.get(path, query.accept)
            if status != 200:
                verdicts[query.name] = f"HTTP {status}"
                continue
            size = answer_size(query, body)
        except Exception as error:  # a peer's broken answer is a finding, not a crash
            verdicts[query.name] = f"unreadable answer: {type(error).__name__}"
            continue
        want = expected[query.name]
        verdicts[query.name] = "ok" if size == want else f"{size} instead of {want}"
    return verdicts


def load_each(
    server: Server, mix: list[MixQuery], seconds: float, mode: str = FRESH, label: str = ""
) -> dict[str, dict[str, float]]:
    """Each query of the mix alone for ``seconds``, fresh or repeated text."""
    results = {}
    for query in mix:
        load = drive(server.port, [(query.accept, server.path_for(query.text))], seconds, mode)
        results[query.name] = asdict(load)
        print(
            f"  {label:34} {mode:8} {query.name:36} {load.requests_per_s:8.1f}/s "
            f"p50 {load.p50_ms:7.2f} p99 {load.p99_ms:7.2f} ms errors {load.errors}",
            flush=True,
        )
    return results


def rotation(server: Server, mix: list[MixQuery]) -> list[tuple[str, str]]:
    """The whole mix as (Accept, path) pairs, for a round-robin load."""
    return [(query.accept, server.path_for(query.text)) for query in mix]
