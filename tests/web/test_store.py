"""The store the build writes, opened by the query workers as it is; the union by default."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDFS, Literal, URIRef

from ivig_graph.dataset.files import BuiltDataset, write_built
from ivig_graph.query.engine import QueryRequest, execute, names_dataset
from ivig_graph.serve.pool import PoolSettings, QueryPool
from ivig_graph.vocab import GRAPHS
from tests.web.conftest import make_small_dataset

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def count(answer: bytes) -> int:
    return int(json.loads(answer)["results"]["bindings"][0]["n"]["value"])


def test_the_build_writes_a_store_of_its_named_graphs(small_built: BuiltDataset) -> None:
    directory = small_built.store_directory
    assert directory is not None and small_built.version in directory.name
    store = ox.Store.read_only(str(directory))
    expected = ox.Store()
    expected.bulk_load(path=str(small_built.nquads_path), format=ox.RdfFormat.N_QUADS)
    assert len(store) == len(expected) > 0
    assert {g.value for g in store.named_graphs()} == {str(g) for g in GRAPHS}
    assert len(list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))) == 0


def test_the_workers_open_the_build_s_store_and_leave_it(small_built: BuiltDataset) -> None:
    pool = QueryPool(small_built.nquads_path, PoolSettings(size=1), small_built.store_directory)
    pool.start()
    try:
        copy = pool._copy
        assert copy is not None and copy.directory == small_built.store_directory
        answer = pool.execute(QueryRequest(COUNT, "json"))
        assert count(answer.read()) == len(ox.Store.read_only(str(copy.directory)))
    finally:
        pool.close()
    assert small_built.store_directory is not None and small_built.store_directory.is_dir()


def test_the_default_graph_is_the_union_unless_a_dataset_is_named(
    small_built: BuiltDataset,
) -> None:
    store = small_built.open_store()
    union = count(execute(store, QueryRequest(COUNT, "json")).body)
    assert union == len(store)
    one = count(execute(store, QueryRequest(COUNT, "json", default_graphs=(str(GRAPHS[1]),))).body)
    from_clause = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPHS[1]}> WHERE {{ ?s ?p ?o }}"
    assert count(execute(store, QueryRequest(from_clause, "json")).body) == one < union


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }", True),
        ("select * from named <urn:g> { graph ?g { ?s ?p ?o } }", True),
        ('SELECT * WHERE { ?s ?p "FROM <urn:g>" }', False),
        ("# FROM <urn:g>\nSELECT * WHERE { ?s ?p ?o }", False),
        ("SELECT ?from WHERE { <urn:from> ?p ?from }", False),
    ],
)
def test_a_dataset_clause_is_told_from_the_word_elsewhere(query: str, named: bool) -> None:
    assert names_dataset(query) is named


def test_a_rebuild_beside_a_running_pool_keeps_the_store_it_reads(tmp_path: Path) -> None:
    """A build removes the stores of earlier versions, but not one that a server's workers
    have open: they go on answering from it, and the next build removes it once it is free."""
    dataset = make_small_dataset()
    first = write_built(dataset, tmp_path, {})
    pool = QueryPool(first.nquads_path, PoolSettings(size=1), first.store_directory)
    pool.start()
    try:
        dataset.graph(GRAPHS[1]).add((URIRef("urn:x"), RDFS.label, Literal("one more")))
        second = write_built(dataset, tmp_path, {})
        assert second.version != first.version
        assert first.store_directory is not None and first.store_directory.is_dir()
        answer = pool.execute(QueryRequest(COUNT, "json"))
        assert count(answer.read()) == len(first.open_store())
    finally:
        pool.close()
    third = write_built(dataset, tmp_path, {})  # the same version: its store is reused
    assert third.store_directory == second.store_directory
    assert [path.name for path in tmp_path.glob("store-*")] == [f"store-{second.version}"]
