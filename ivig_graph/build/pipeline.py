"""The pipeline: load -> validate -> reason -> write, giving the dataset of three named graphs.

``assemble`` is the pure core (inputs in, rdflib Dataset out); ``build`` adds writing the
artifact. Both report each stage to an optional ``Progress`` callback, which the CLI renders.
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
from ivig_graph.build import icd10cm
from ivig_graph.build.curation import ICD10CM_SCHEME, asserted_graph
from ivig_graph.build.reason import reason
from ivig_graph.build.stats import graph_statistics, use_counts
from ivig_graph.build.validate import ValidationReport, validate
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
    """What the build reads: the ontology, the shapes (part of the ontology graph) and the data."""

    ontology: Graph
    shapes: Graph
    asserted: Graph


def load_inputs(sources: Sources) -> Inputs:
    ontology = Graph().parse(sources.ontology_file, format="turtle")
    shapes = Graph().parse(sources.shapes_file, format="turtle")
    return Inputs(ontology, shapes, asserted_graph(sources, icd10cm.describe))


def check(inputs: Inputs, sources: Sources, inferred: Graph | None = None) -> ValidationReport:
    """Validate the data together with the ontology (and, after reasoning, what was inferred)."""
    data = Graph()
    data += inputs.ontology
    data += inputs.asserted
    if inferred is not None:
        data += inferred
    return validate(data, sources)


def _fail_unless_conforms(report: ValidationReport) -> None:
    if not report.conforms:
        raise ValidationFailed(report.text())


def assemble(
    sources: Sources | None = None, progress: Progress = _quiet, reasoner: str = "owlrl"
) -> Dataset:
    """Load, validate and reason: the dataset with its ontology, asserted and inferred graphs."""
    sources = sources or Sources.default()
    with _stage(progress, "load"):
        inputs = load_inputs(sources)
    return assemble_inputs(inputs, sources, progress, reasoner)


def assemble_inputs(
    inputs: Inputs, sources: Sources, progress: Progress = _quiet, reasoner: str = "owlrl"
) -> Dataset:
    """Validate and reason over loaded inputs (the real data, or a synthetic graph)."""
    with _stage(progress, "validate"):
        _fail_unless_conforms(check(inputs, sources))
    with _stage(progress, "reason"):
        inferred = reason(inputs.ontology, inputs.asserted, reasoner)
        # The checks again, now over the inferred mechanisms (e.g. no condition gets both).
        _fail_unless_conforms(check(inputs, sources, inferred))
    dataset = new_dataset()
    ontology_graph = dataset.graph(ONTOLOGY_GRAPH)
    ontology_graph += inputs.ontology
    ontology_graph += inputs.shapes
    asserted_named = dataset.graph(ASSERTED_GRAPH)
    asserted_named += inputs.asserted
    inferred_named = dataset.graph(INFERRED_GRAPH)
    inferred_named += inferred
    return dataset


def manifest_for(dataset: Dataset, sources: Sources) -> dict[str, object]:
    """What a client may want to know about the build; no timestamps (builds are reproducible)."""
    article = sources.article.read_bytes()
    icd_release = _icd_release(dataset)
    return {
        "generator": f"ivig-graph {__version__}",
        "graphs": {str(name): graph_statistics(dataset.graph(name)) for name in GRAPHS},
        "counts": use_counts(dataset),
        "source": {
            "file": "data/source/ivig-article.txt",
            "sha256": hashlib.sha256(article).hexdigest(),
        },
        "icd10cm_release": icd_release,
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
    """Run the whole pipeline and write the built dataset to ``directory``."""
    sources = sources or Sources.default()
    dataset = assemble(sources, progress, reasoner)
    with _stage(progress, "write"):
        built = write_built(dataset, directory, manifest_for(dataset, sources))
    return built
