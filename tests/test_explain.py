"""Why a mechanism: each inferred mechanism traces to an asserted kind, a rule and the source."""

from __future__ import annotations

import pytest
from rdflib import RDF, Dataset, Graph

from ivig_graph.cli import main
from ivig_graph.dataset.explain import explain
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.vocab import IVIG


def test_every_inferred_mechanism_is_explained(
    dataset: Dataset, asserted: Graph, inferred: Graph
) -> None:
    for condition in asserted.subjects(RDF.type, IVIG.Condition):
        explanation = explain(dataset, condition)
        mechanisms = set(inferred.objects(condition, IVIG.mechanism))
        assert {d.mechanism for d in explanation.derivations} == mechanisms
        for derivation in explanation.derivations:
            assert (condition, RDF.type, derivation.kind) in asserted
            assert derivation.basis.startswith("The source")
            assert "cls-hv2" in derivation.rule
        # No mechanism exactly where a note says why.
        assert (explanation.note is None) == bool(mechanisms)


def test_cli_explain(built: BuiltDataset, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "myasthenia-gravis", "--dataset", str(built.directory)]) == 0
    out = capsys.readouterr().out
    assert "mechanism ImmuneSuppression" in out and "Autoimmune disorder" in out
    assert main(["explain", "kawasaki-disease", "--dataset", str(built.directory)]) == 0
    assert "no mechanism stated" in capsys.readouterr().out
    assert main(["explain", "no-such-thing", "--dataset", str(built.directory)]) == 2
