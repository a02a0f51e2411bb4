"""Synthetic graphs of the real graph's shape (``ivig_graph.build.synthetic``) at 1x, 100x...: the
built dataset, then ``ivig-graph serve`` and Oxigraph's server on it, each measured from
launch to its first correct answer and for memory (every process of the server)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import servers
from mix import MixQuery, query_mix

from ivig_graph.build.pipeline import load_inputs, manifest_for
from ivig_graph.build.reason import reason
from ivig_graph.build.synthetic import scaled_asserted
from ivig_graph.dataset.files import BuiltDataset, new_dataset, write_built
from ivig_graph.resources import Sources
from ivig_graph.vocab import ASSERTED_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH
from ivig_graph.web.views.catalog import write_view


def build_scaled(scale: int, work: Path, row: dict[str, object]) -> BuiltDataset:
    """The dataset at ``scale``, reasoned with the rule reasoner; timings go into ``row``."""
    sources = Sources.default()
    started = time.perf_counter()
    base = load_inputs(sources)
    asserted = scaled_asserted(scale, sources)
    row["asserted_triples"] = len(asserted)
    row["generate_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    inferred = reason(base.ontology, asserted, "rules")
    row["reason_rules_s"] = round(time.perf_counter() - started, 2)
    row["inferred_triples"] = len(inferred)
    started = time.perf_counter()
    combined = new_dataset()
    for name, graph in (
        (ONTOLOGY_GRAPH, base.ontology + base.shapes),
        (ASSERTED_GRAPH, asserted),
        (INFERRED_GRAPH, inferred),
    ):
        target = combined.graph(name)
        target += graph
    built = write_built(
        combined, work / f"scale-{scale}", manifest_for(combined, base.source_sha256)
    )
    write_view(built, combined)  # the pages' view, as ``ivig-graph build`` writes it
    row["write_s"] = round(time.perf_counter() - started, 2)
    return built


def single_client_ms(server: servers.Server, mix: list[MixQuery]) -> dict[str, float | str]:
    """Median of 5 single-client requests for each query of the mix, after one to warm up (or
    the failing status); each a text of its own, as a user's, so that no cache answers it."""
    timings: dict[str, float | str] = {}
    for query in mix:
        server.get(server.path_for(query.text), query.accept, timeout=600)
        samples = []
        for n in range(5):
            text = f"{query.text}\n# single {n}"
            began = time.perf_counter()
            status, _body = server.get(server.path_for(text), query.accept, timeout=600)
            samples.append(time.perf_counter() - began)
            if status != 200:
                timings[query.name] = f"HTTP {status}"
                break
        else:
            timings[query.name] = round(statistics.median(samples) * 1000, 1)
    return timings


def measure_server(server: servers.Server, mix: list[MixQuery]) -> dict[str, object]:
    try:
        first = servers.wait_until_answering(server, deadline=600)
        started = server.memory_mb()
        timings = single_client_ms(server, mix)
        row = {
            "first_answer_s": round(first, 2),
            "memory_at_start": started,
            "memory_after_mix": server.memory_mb(),
            "single_client_ms": timings,
        }
        if server.query_path == "/sparql":  # ivig-graph: its pages load a view in the background
            status, _ = server.get("/conditions", "text/html", timeout=600)
            row["pages_ready_s"] = round(time.perf_counter() - server.started, 2)
            row["pages_status"] = status
            row["memory_after_pages"] = server.memory_mb()
        return row
    finally:
        servers.stop(server)


def measure_scale(scale: int, work: Path) -> dict[str, object]:
    row: dict[str, object] = {"scale": scale}
    built = build_scaled(scale, work, row)
    mix = query_mix()
    row["ivig-graph"] = measure_server(servers.ivig(built, work), mix)
    location, load_s = servers.oxigraph_location(built, work)
    oxigraph = measure_server(servers.oxigraph(location, work), mix)
    oxigraph["load_s"] = round(load_s, 2)
    row["oxigraph"] = oxigraph
    print(f"== scale {scale}x: {row}", flush=True)
    return row
