"""The pages' view the build writes, and the server reads without holding the dataset in rdflib."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest
from rdflib import Dataset

from ivig_graph import formats
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.vocab import ONTOLOGY_IRI
from ivig_graph.web.views import Catalog
from ivig_graph.web.views.view_file import code_stamp, view_path


def refuse_rdflib(monkeypatch: pytest.MonkeyPatch) -> None:
    def parse(self: BuiltDataset) -> Dataset:
        raise AssertionError("the pages parsed the whole dataset into rdflib")

    monkeypatch.setattr(BuiltDataset, "rdflib_dataset", parse)


def test_the_build_writes_the_view_and_the_pages_read_only_it(
    built: BuiltDataset, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert view_path(built).is_file()
    refuse_rdflib(monkeypatch)
    loaded = Catalog.load(built)
    assert loaded.origin is built
    assert loaded.conditions == catalog.conditions and len(loaded.conditions) > 100
    assert loaded.resources == catalog.resources
    assert loaded.categories == catalog.categories and loaded.about == catalog.about
    assert loaded.ontology == catalog.ontology and loaded.label_data == catalog.label_data


def test_descriptions_from_the_store_are_the_ones_rdflib_gives(
    built: BuiltDataset, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every format of a sample of resources, and of the ontology, byte for byte as the
    description computed from the whole dataset in rdflib (the ``catalog`` fixture)."""
    refuse_rdflib(monkeypatch)
    loaded = Catalog.load(built)
    sample = [str(ONTOLOGY_IRI), *sorted(loaded.resources)[::25]]
    assert len(sample) > 10
    for iri in sample:
        for fmt in formats.RDF:
            ours = loaded.representation(iri, fmt.name)
            assert ours is not None and ours == catalog.representation(iri, fmt.name), (iri, fmt)


def test_a_view_of_another_version_is_not_read(built: BuiltDataset, tmp_path: Path) -> None:
    """A view file of another dataset, or written by other code, is ignored: the view is
    computed from the N-Quads."""
    copy = BuiltDataset(tmp_path / "dataset", built.manifest)
    shutil.copytree(built.directory, copy.directory)
    stale = Catalog.load(copy)
    stale.conditions = ()
    for stamp, version in ((code_stamp(), "another"), ("other code", built.version)):
        stale.version = version
        view_path(copy).write_bytes(pickle.dumps((stamp, stale)))
        loaded = Catalog.load(copy)
        assert loaded.version == built.version and len(loaded.conditions) > 100
