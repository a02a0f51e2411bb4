"""The pipeline: load -> validate -> reason -> validate -> dataset -> write.

``build`` is the orchestrator and the only place that does I/O: it reads every input once
(``load_inputs``), hands the values to ``assemble`` (validate -> reason -> validate -> dataset,
pure: graphs in, an rdflib Dataset out) and writes the result. Each stage is reported to an
optional ``Progress`` callback, which the CLI renders.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph

from ivig_graph import __version__
from ivig_graph.build import icd10cm, mesh
from ivig_graph.build.reason import reason
from ivig_graph.build.stats import graph_statistics, use_counts
from ivig_graph.build.triples import ICD10CM_SCHEME, asserted_graph, mapping_dates
from ivig_graph.build.validate import Check, ValidationReport, validate
from ivig_graph.dataset.files import BuiltDataset, new_dataset, write_built
from ivig_graph.errors import ValidationFailed
from ivig_graph.resources import Sources
from ivig_graph.vocab import ASSERTED_GRAPH, GRAPHS, INFERRED_GRAPH, IVIG, ONTOLOGY_GRAPH

STAGES = ("load", "validate", "reason", "write")

# Called as progress(stage, event, seconds) with event "start" or "done".
Progress = Callable[[str, str, float], None]


def _quiet(stage: str, event: str, seconds: float) -> None:
    return None


@contextmanager
def _stage(progress: Progress, name: str) -> Iterator[None]:
    progress(name, "start", 0.0)
    started = time.perf_counter()
    yield
    progress(name, "done", time.perf_counter() - started)


@dataclass(frozen=True)
class Inputs:
    """Everything the build reads, read once: the ontology, its shapes and QC checks, the data."""

    ontology: Graph
    shapes: Graph
    checks: tuple[Check, ...]
    asserted: Graph
    source_sha256: str  # of the source article, for the manifest
    mesh_verified_against: str | None = None  # the MeSH list the headings were verified against


def read_checks(directory: Path) -> tuple[Check, ...]:
    """The QC checks, ``*-violation.rq`` in ``directory``, sorted by file name."""
    paths = sorted(directory.glob("*-violation.rq"))
    return tuple(Check(path.name, path.read_text(encoding="utf-8")) for path in paths)


def load_inputs(sources: Sources) -> Inputs:
    """Read every hand-edited input: the one place the build reads files."""
    descriptors = mesh.descriptor_list()  # None: not installed, the headings go unverified
    return Inputs(
        ontology=Graph().parse(sources.ontology_file, format="turtle"),
        shapes=Graph().parse(sources.shapes_file, format="turtle"),
        checks=read_checks(sources.checks),
        asserted=asserted_graph(sources, icd10cm.describe, lambda: descriptors),
        source_sha256=hashlib.sha256(sources.article.read_bytes()).hexdigest(),
        mesh_verified_against=descriptors.label if descriptors else None,
    )


def validate_inputs(inputs: Inputs) -> ValidationReport:
    """The asserted data with the ontology, before reasoning, against the shapes and checks."""
    return validate(inputs.ontology + inputs.asserted, inputs.shapes, inputs.checks)


def _require_valid(data: Graph, inputs: Inputs) -> None:
    report = validate(data, inputs.shapes, inputs.checks)
    if not report.conforms:
        raise ValidationFailed(report.text())


def assemble(inputs: Inputs, progress: Progress = _quiet, reasoner: str = "owlrl") -> Dataset:
    """Validate, reason, validate again: the dataset of ontology, asserted and inferred graphs."""
    with _stage(progress, "validate"):
        data = inputs.ontology + inputs.asserted  # pySHACL takes one data graph
        _require_valid(data, inputs)
    with _stage(progress, "reason"):
        inferred = reason(inputs.ontology, inputs.asserted, reasoner)
        # The checks again, now over the inferred mechanisms (e.g. no condition gets both).
        data += inferred
        _require_valid(data, inputs)
    return dataset_of(inputs, inferred)


def dataset_of(inputs: Inputs, inferred: Graph) -> Dataset:
    """The three named graphs; the shapes are part of the ontology graph."""
    dataset = new_dataset()
    parts = {
        ONTOLOGY_GRAPH: (inputs.ontology, inputs.shapes),
        ASSERTED_GRAPH: (inputs.asserted,),
        INFERRED_GRAPH: (inferred,),
    }
    for name, graphs in parts.items():
        named = dataset.graph(name)
        for graph in graphs:
            named += graph
    return dataset


def manifest_for(
    dataset: Dataset, source_sha256: str, mesh_verified_against: str | None = None
) -> dict[str, object]:
    """What a client may want to know about the build; no timestamps (builds are reproducible).
    ``mesh_verified_against``: the MeSH list the headings were checked against (None: not)."""
    icd_release = _icd_release(dataset)
    return {
        "generator": f"ivig-graph {__version__}",
        "graphs": {str(name): graph_statistics(dataset.graph(name)) for name in GRAPHS},
        "counts": use_counts(dataset),
        "source": {
            "file": "data/source/ivig-article.txt",
            "sha256": source_sha256,
        },
        "icd10cm_release": icd_release,
        "mapping_dates": mapping_dates(dataset.graph(ASSERTED_GRAPH)),
        "mesh_headings": {
            "verified_against": mesh_verified_against,
            "note": f"verified: every descriptor UI and heading is in {mesh_verified_against}"
            if mesh_verified_against
            else mesh.unverified_note(),
        },
    }


def _icd_release(dataset: Dataset) -> str | None:
    value = dataset.graph(ASSERTED_GRAPH).value(ICD10CM_SCHEME, IVIG.icd10cmRelease)
    return str(value) if value is not None else None


def build(
    directory: Path,
    sources: Sources | None = None,
    progress: Progress = _quiet,
    reasoner: str = "owlrl",
) -> BuiltDataset:
    """The whole pipeline, with its I/O at the two ends: read the inputs, write the dataset."""
    with _stage(progress, "load"):
        inputs = load_inputs(sources or Sources.default())
    dataset = assemble(inputs, progress, reasoner)
    with _stage(progress, "write"):
        manifest = manifest_for(dataset, inputs.source_sha256, inputs.mesh_verified_against)
        built = write_built(dataset, directory, manifest)  # the N-Quads and the store
        # The pages' view, computed here from the graphs in hand so that ``serve`` reads it
        # instead of holding the dataset in rdflib. Imported here: the web package imports
        # the serving path, which the build does not otherwise need.
        from ivig_graph.web.views.catalog import write_view

        write_view(built, dataset)
        return built
