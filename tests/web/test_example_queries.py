"""Every example query in queries/, sent to the endpoint over the real build, gets the same
answer as rdflib's SPARQL engine (``tests/rdflib_engine.py``): two engines agreeing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.resources import example_queries
from tests.rdflib_engine import rdflib_answer
from tests.servers import app_over, endpoint_config
from tests.web.answers import graph_of, json_rows

QUERIES = example_queries()


@pytest.fixture(scope="module")
def real_client(
    built: BuiltDataset, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FlaskClient]:
    with app_over(built, endpoint_config(None)) as app:
        yield app.test_client()


def test_there_are_example_queries() -> None:
    assert len(QUERIES) >= 5


@pytest.mark.parametrize("path", QUERIES, ids=[p.name for p in QUERIES])
def test_example_query_answers_as_rdflib_does(
    real_client: FlaskClient, dataset: Dataset, path: object
) -> None:
    text = path.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    response = real_client.post(
        "/sparql", data=text.encode(), content_type="application/sparql-query"
    )
    assert response.status_code == 200, response.data
    expected = rdflib_answer(dataset, text)
    if expected.type == "SELECT":
        ours = Counter(tuple(sorted(row.items())) for row in json_rows(response.data))
        theirs = Counter(
            tuple(sorted((str(k), str(v)) for k, v in binding.items() if v is not None))
            for binding in expected.bindings
        )
        assert ours == theirs
        assert ours, "an example query should find something"
    elif expected.type == "ASK":
        assert response.json["boolean"] is expected.askAnswer  # type: ignore[index]
    else:
        graph = Graph()
        for triple in expected.graph:  # type: ignore[union-attr]
            graph.add(triple)
        assert isomorphic(graph_of(response.data, response.content_type), graph)
