"""``ivig-graph query``, ``queries`` and ``explain``: answers read back and checked.

The CLI runs queries through the endpoint's guard and engine, so its answers and refusals are
compared with the endpoint's own (a Flask test client over the same build) and with the article
(tests/article.py) or the graph read through rdflib's Python API.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SKOS

from ivig_graph import cli, formats
from ivig_graph.dataset.explain import UnknownCondition, find_condition
from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.errors import DatasetNotBuilt, QueryError
from ivig_graph.query.command import CELL_WIDTH
from ivig_graph.resources import example_queries
from ivig_graph.vocab import ASSERTED_GRAPH, CONDITION, IVIG, ONTOLOGY_GRAPH
from tests import article
from tests.servers import app_over, endpoint_config
from tests.test_cli import REPO, Run, console_script, run_cli
from tests.web.answers import graph_of

FDA_QUERY = REPO / "queries" / "01-fda-approved-uses.rq"
WHY_QUERY = REPO / "queries" / "05-why-this-mechanism.rq"
SUMMARY_QUERY = REPO / "queries" / "14-construct-use-summary.rq"
DESCRIBE_QUERY = REPO / "queries" / "13-describe-a-condition.rq"
ASK_QUERY = REPO / "queries" / "15-is-myasthenia-gravis-suppressed.rq"
FDA_VARIABLES = ["condition", "name", "sourceWording"]


@pytest.fixture(scope="module")
def http(built: BuiltDataset) -> Iterator[FlaskClient]:
    """The endpoint over the same build, with its default guard limits."""
    with app_over(built, endpoint_config(None)) as app:
        yield app.test_client()


def http_answer(client: FlaskClient, text: str, fmt: str) -> tuple[int, bytes, str]:
    response = client.post(
        f"/sparql?format={fmt}", data=text.encode(), content_type="application/sparql-query"
    )
    return response.status_code, response.data, response.content_type or ""


def query(capsys: pytest.CaptureFixture[str], built: BuiltDataset, *args: str) -> Run:
    return run_cli(capsys, "query", *args, "--dataset", str(built.directory))


def query_file(
    capsys: pytest.CaptureFixture[str], built: BuiltDataset, path: Path, *args: str
) -> Run:
    run = query(capsys, built, "-f", str(path), *args)
    assert run.code == 0, run.err
    return run


@pytest.fixture
def fda_expected(asserted: Graph) -> set[tuple[str, str, str]]:
    """(condition IRI, preferred name, source wording) of every FDA-approved condition; the
    wordings are the article's FDA list."""
    found = {
        (str(c), str(asserted.value(c, SKOS.prefLabel)), str(asserted.value(c, IVIG.sourceLabel)))
        for c in asserted.subjects(IVIG.approvalStatus, IVIG.FDAApproved)
    }
    assert {wording for _, _, wording in found} == {
        use.text for use in article.uses() if use.list == "fda-approved"
    }
    return found


# --- SELECT and ASK ---------------------------------------------------------------------------


def test_csv_answer_is_the_articles_fda_list(
    capsys: pytest.CaptureFixture[str], built: BuiltDataset, fda_expected: set[tuple[str, ...]]
) -> None:
    rows = list(
        csv.reader(io.StringIO(query_file(capsys, built, FDA_QUERY, "--format", "csv").out))
    )
    assert rows[0] == FDA_VARIABLES
    assert {tuple(row) for row in rows[1:]} == fda_expected
    assert len(rows) == 1 + len(fda_expected)
    names = [row[1] for row in rows[1:]]
    assert names == sorted(names), "the query orders by name"


def test_json_answer_is_the_articles_fda_list(
    capsys: pytest.CaptureFixture[str], built: BuiltDataset, fda_expected: set[tuple[str, ...]]
) -> None:
    document = json.loads(query_file(capsys, built, FDA_QUERY, "--format", "json").out)
    assert list(document) == ["head", "results"]
    assert document["head"]["vars"] == FDA_VARIABLES
    bindings = document["results"]["bindings"]
    assert {b["name"]["xml:lang"] for b in bindings} == {"en"}
    found = {tuple(b[v]["value"] for v in FDA_VARIABLES) for b in bindings}
    assert found == fda_expected
    assert len(bindings) == len(fda_expected)


@pytest.mark.parametrize("fmt", [f.name for f in formats.RESULTS])
@pytest.mark.parametrize("path", [FDA_QUERY, WHY_QUERY, ASK_QUERY], ids=lambda p: p.stem)
def test_results_formats_are_the_endpoints_answer(
    capsys: pytest.CaptureFixture[str],
    built: BuiltDataset,
    http: FlaskClient,
    path: Path,
    fmt: str,
) -> None:
    text = path.read_text(encoding="utf-8")
    status, body, _ = http_answer(http, text, fmt)
    assert status == 200, body
    printed = query_file(capsys, built, path, "--format", fmt).out
    assert printed.rstrip("\n") == body.decode("utf-8").rstrip("\n")
    assert body, "the endpoint answered something to compare with"


@pytest.mark.parametrize("fmt", [f.name for f in formats.RDF])
@pytest.mark.parametrize("path", [SUMMARY_QUERY, DESCRIBE_QUERY], ids=lambda p: p.stem)
def test_graph_formats_are_the_endpoints_answer(
    capsys: pytest.CaptureFixture[str],
    built: BuiltDataset,
    http: FlaskClient,
    path: Path,
    fmt: str,
) -> None:
    status, body, content_type = http_answer(http, path.read_text(encoding="utf-8"), fmt)
    assert status == 200, body
    printed = query_file(capsys, built, path, "--format", fmt).out
    ours = graph_of(printed.encode("utf-8"), formats.by_name(fmt, formats.RDF).media_type)
    theirs = graph_of(body, content_type)
    assert len(ours) > 0
    assert isomorphic(ours, theirs)


def test_construct_prints_turtle_by_default(
    capsys: pytest.CaptureFixture[str], built: BuiltDataset, asserted: Graph
) -> None:
    graph = Graph().parse(data=query_file(capsys, built, SUMMARY_QUERY).out, format="turtle")
    summarised = set(graph.subjects(RDF.type, URIRef("https://schema.org/MedicalCondition")))
    assert summarised == set(asserted.subjects(RDF.type, IVIG.Condition))
    assert len(summarised) == len(article.uses())


def test_ask_table_is_true_or_false(
    capsys: pytest.CaptureFixture[str], built: BuiltDataset, union: Graph
) -> None:
    fact = (CONDITION["myasthenia-gravis"], IVIG.mechanism, IVIG.ImmuneSuppression) in union
    assert query_file(capsys, built, ASK_QUERY).out == f"{str(fact).lower()}\n"
    negated = "ASK { condition:myasthenia-gravis ivig:mechanism ivig:ImmuneBoosting }"
    assert query(capsys, built, negated).out == "false\n"


# --- the table --------------------------------------------------------------------------------


def table_rows(out: str) -> tuple[list[str], list[tuple[str, ...]], str]:
    lines = out.splitlines()
    header = [cell.strip() for cell in lines[0].split(" | ")]
    assert set(lines[1]) <= {"-", "+"}
    rows = [tuple(cell.strip() for cell in line.split(" | ")) for line in lines[2:-1]]
    return header, rows, lines[-1]


def cut(text: str) -> str:
    """A text as the table shows it without --full."""
    return text if len(text) <= CELL_WIDTH else text[: CELL_WIDTH - 1] + "\u2026"


@pytest.mark.parametrize("full", [True, False])
def test_table_is_the_fda_list_with_short_iris(
    capsys: pytest.CaptureFixture[str],
    built: BuiltDataset,
    fda_expected: set[tuple[str, ...]],
    full: bool,
) -> None:
    out = query_file(capsys, built, FDA_QUERY, *(["--full"] if full else [])).out
    header, rows, footer = table_rows(out)
    assert header == FDA_VARIABLES
    assert footer.startswith(f"({len(fda_expected)} rows")
    shown = (lambda text: text) if full else cut
    short = {
        (f"condition:{iri.removeprefix(str(CONDITION))}", shown(n), shown(w))
        for iri, n, w in fda_expected
    }
    assert set(rows) == short
    assert any(len(iri) > CELL_WIDTH for iri, _, _ in short), "IRIs are never cut"
    lines = out.splitlines()
    assert len({len(line) for line in lines[:-1]}) == 1, "cells are padded"
    separators = [match.start() + 1 for match in re.finditer(" [|] ", lines[0])]
    assert [i for i, char in enumerate(lines[1]) if char == "+"] == separators


def mechanism_bases(ontology: Graph) -> set[str]:
    """The source's words behind each mechanism rule, from the ontology graph."""
    bases = {str(basis) for basis in ontology.objects(None, IVIG.mechanismBasis)}
    assert bases and min(len(basis) for basis in bases) > CELL_WIDTH
    return bases


def test_long_cells_are_cut_and_the_footer_says_so(
    capsys: pytest.CaptureFixture[str], built: BuiltDataset, dataset: Dataset
) -> None:
    header, rows, footer = table_rows(query_file(capsys, built, WHY_QUERY).out)
    basis = {row[header.index("basis")] for row in rows}
    assert basis == {cut(text) for text in mechanism_bases(dataset.graph(ONTOLOGY_GRAPH))}
    assert all(len(row[header.index("name")]) <= CELL_WIDTH for row in rows)
    assert "--full shows them whole" in footer


def test_full_prints_long_cells_whole(
    capsys: pytest.CaptureFixture[str], built: BuiltDataset, dataset: Dataset
) -> None:
    header, rows, footer = table_rows(query_file(capsys, built, WHY_QUERY, "--full").out)
    basis = {row[header.index("basis")] for row in rows}
    assert basis == mechanism_bases(dataset.graph(ONTOLOGY_GRAPH))
    assert footer == f"({len(rows)} rows)"


# --- formats that do not fit the query form ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fmt", "form"),
    [
        (SUMMARY_QUERY, "json", "CONSTRUCT"),
        (DESCRIBE_QUERY, "table", "DESCRIBE"),
        (FDA_QUERY, "turtle", "SELECT"),
        (ASK_QUERY, "jsonld", "ASK"),
    ],
)
def test_a_format_that_does_not_fit_says_which_do(
    capsys: pytest.CaptureFixture[str], built: BuiltDataset, path: Path, fmt: str, form: str
) -> None:
    run = query(capsys, built, "-f", str(path), "--format", fmt)
    assert run.code == 2
    assert run.out == ""
    assert f"--format {fmt} " in run.err and f"a {form} query" in run.err
    selects, graphs = re.search(
        r"SELECT and ASK answer in: ([^;]+); CONSTRUCT and DESCRIBE answer in: ([^.]+)\.", run.err
    ).groups()  # type: ignore[union-attr]
    assert selects.split(", ") == ["table", *(f.name for f in formats.RESULTS)]
    assert graphs.split(", ") == [f.name for f in formats.RDF]


def test_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["query", "ASK {}", "--format", "yaml"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "table" in err and "turtle" in err


# --- refusals: word for word the endpoint's ---------------------------------------------------

REFUSED = {
    "update": "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }",
    "load": "LOAD <https://example.org/data.ttl>",
    "service": "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }",
    "too-deep": "SELECT * WHERE " + "{" * 65 + " ?s ?p ?o " + "}" * 65,
    "too-long": "ASK {} #" + "x" * 65_536,
    "syntax": "SELECT ?x WHERE {\n  ?x a ivig:Condition .\n  ?x ?y\n}",
    "unclosed": "SELECT ?c WHERE { ?c a ivig:Condition ",
    "unknown-prefix": "SELECT * WHERE { ?s nope:p ?o }",
    "empty": "  \n ",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refusals_are_the_endpoints(
    capsys: pytest.CaptureFixture[str], built: BuiltDataset, http: FlaskClient, name: str
) -> None:
    text = REFUSED[name]
    status, body, _ = http_answer(http, text, "json")
    assert 400 <= status < 500, body
    before = built.nquads_path.read_bytes()
    run = query(capsys, built, text)
    assert run.code == QueryError.exit_code == 2
    assert run.out == ""
    assert run.err == f"ivig-graph query: {body.decode('utf-8')}"
    assert built.nquads_path.read_bytes() == before


def test_a_syntax_error_names_its_line(
    capsys: pytest.CaptureFixture[str], built: BuiltDataset
) -> None:
    run = query(capsys, built, REFUSED["syntax"])
    match = re.search(r"line (\d+), column (\d+)", run.err)
    assert match, run.err
    assert int(match.group(1)) == 4, "the query goes wrong at the closing brace, on line 4"


# --- usage ------------------------------------------------------------------------------------


def test_query_text_argument_with_bound_prefixes(
    capsys: pytest.CaptureFixture[str], built: BuiltDataset
) -> None:
    text = "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a ivig:Condition }"
    run = query(capsys, built, text, "--format", "csv")
    assert run.code == 0, run.err
    assert list(csv.reader(io.StringIO(run.out))) == [["n"], [str(len(article.uses()))]]


def test_query_without_a_built_dataset_exits_5(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run = run_cli(capsys, "query", "ASK {}", "--dataset", str(tmp_path))
    assert run.code == DatasetNotBuilt.exit_code == 5
    assert "run `ivig-graph build`" in run.err
    assert str(tmp_path) in run.err


def test_dataset_directory_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("IVIG_GRAPH_DATASET", str(tmp_path / "nowhere"))
    run = run_cli(capsys, "query", "ASK {}")
    assert run.code == 5
    assert str(tmp_path / "nowhere") in run.err


def test_query_text_and_file_together_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], built: BuiltDataset
) -> None:
    run = query(capsys, built, "ASK {}", "-f", str(FDA_QUERY))
    assert run.code == 2
    assert "exactly one" in run.err


def test_missing_query_file_exits_2_naming_it(
    capsys: pytest.CaptureFixture[str], built: BuiltDataset, tmp_path: Path
) -> None:
    run = query(capsys, built, "-f", str(tmp_path / "nope.rq"))
    assert run.code == 2
    assert str(tmp_path / "nope.rq") in run.err


def test_console_script_answers_a_query(
    built: BuiltDataset, fda_expected: set[tuple[str, ...]], tmp_path: Path
) -> None:
    """The installed `ivig-graph` script, run from elsewhere, gives the same JSON answer."""
    command = [console_script(), "query", "-f", str(FDA_QUERY), "--format", "json"]
    completed = subprocess.run(
        [*command, "--dataset", str(built.directory)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    bindings = json.loads(completed.stdout)["results"]["bindings"]
    assert {tuple(b[v]["value"] for v in FDA_VARIABLES) for b in bindings} == fda_expected


# --- queries: the shipped examples ------------------------------------------------------------


def titles() -> dict[str, str]:
    """Each example query's stem and its ``# title:`` line, read from the files."""
    found = {}
    for path in example_queries():
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# title: "), path
        found[path.stem] = first.removeprefix("# title: ")
    assert len(found) >= 10
    return found


@pytest.mark.parametrize("args", [(), ("list",)])
def test_queries_lists_every_example_with_its_title(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    run = run_cli(capsys, "queries", *args)
    assert run.code == 0, run.err
    listed = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in run.out.splitlines())
    assert listed == titles()
    assert list(listed) == sorted(listed)


@pytest.mark.parametrize(
    "name", ["1", "01", "01-fda-approved-uses", "01-fda-approved-uses.rq", "fda-approved-uses"]
)
def test_queries_run_by_name_answers_as_query_does(
    capsys: pytest.CaptureFixture[str],
    built: BuiltDataset,
    fda_expected: set[tuple[str, ...]],
    name: str,
) -> None:
    run = run_cli(
        capsys, "queries", "run", name, "--format", "csv", "--dataset", str(built.directory)
    )
    assert run.code == 0, run.err
    rows = list(csv.reader(io.StringIO(run.out)))
    assert rows[0] == FDA_VARIABLES
    assert {tuple(row) for row in rows[1:]} == fda_expected


def test_queries_run_takes_the_output_options(
    capsys: pytest.CaptureFixture[str], built: BuiltDataset, dataset: Dataset
) -> None:
    run = run_cli(capsys, "queries", "run", "05", "--full", "--dataset", str(built.directory))
    assert run.code == 0, run.err
    header, rows, _ = table_rows(run.out)
    assert {row[header.index("basis")] for row in rows} == mechanism_bases(
        dataset.graph(ONTOLOGY_GRAPH)
    )
    run = run_cli(
        capsys, "queries", "run", "14", "--format", "json", "--dataset", str(built.directory)
    )
    assert run.code == 2 and "CONSTRUCT" in run.err


def test_queries_show_prints_the_file(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "queries", "show", "5")
    assert run.code == 0, run.err
    assert run.out == WHY_QUERY.read_text(encoding="utf-8")


def test_an_unknown_example_suggests_close_names(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "queries", "run", "why-this-mechansim")
    assert run.code == 2
    assert "Did you mean 05-why-this-mechanism" in run.err
    assert "`ivig-graph queries` lists them" in run.err
    assert run_cli(capsys, "queries", "show", "99").code == 2


# --- explain: a slug, an IRI or a name --------------------------------------------------------


def explain(capsys: pytest.CaptureFixture[str], built: BuiltDataset, name: str) -> Run:
    return run_cli(capsys, "explain", name, "--dataset", str(built.directory))


def renamed(asserted: Graph) -> tuple[URIRef, str, str]:
    """A condition the article names by another name: (IRI, preferred name, the article's)."""
    for condition in sorted(asserted.subjects(RDF.type, IVIG.Condition)):
        pref = str(asserted.value(condition, SKOS.prefLabel))
        wording = str(asserted.value(condition, IVIG.sourceLabel))
        if pref.casefold() != wording.casefold():
            return URIRef(condition), pref, wording
    raise AssertionError("no renamed condition")


def test_explain_accepts_slug_iri_and_names(
    capsys: pytest.CaptureFixture[str], built: BuiltDataset, asserted: Graph
) -> None:
    condition, pref, wording = renamed(asserted)
    slug = condition.removeprefix(str(CONDITION))
    by_slug = explain(capsys, built, slug)
    assert by_slug.code == 0, by_slug.err
    assert by_slug.out.startswith(f"{slug}: ")
    alts = [str(alt) for alt in asserted.objects(condition, SKOS.altLabel)]
    for name in (
        str(condition),
        f"<{condition}>",
        f"condition:{slug}",
        pref,
        pref.upper(),
        wording,
        *alts,
    ):
        run = explain(capsys, built, name)
        assert (run.code, run.out) == (0, by_slug.out), name


def test_explain_an_unknown_name_suggests_the_close_ones(
    capsys: pytest.CaptureFixture[str], built: BuiltDataset
) -> None:
    for typo in ("Kawasaki", "kawasky", "condition:kawasaky-disease"):
        run = explain(capsys, built, typo)
        assert run.code == 2
        assert run.out == ""
        assert "Did you mean: kawasaki-disease (Kawasaki disease)" in run.err, typo
    run = explain(capsys, built, "zzzz")
    assert run.code == 2
    assert "Did you mean" not in run.err and "ivig-graph query" in run.err


def test_a_name_of_two_conditions_asks_for_the_slug() -> None:
    dataset = Dataset()
    asserted = dataset.graph(ASSERTED_GRAPH)
    for slug in ("first-thing", "second-thing"):
        asserted.add((CONDITION[slug], RDF.type, IVIG.Condition))
        asserted.add((CONDITION[slug], SKOS.prefLabel, Literal(slug, lang="en")))
        asserted.add((CONDITION[slug], SKOS.altLabel, Literal("Shared name", lang="en")))
    assert find_condition(dataset, "Second thing") == CONDITION["second-thing"]
    with pytest.raises(UnknownCondition, match="several conditions: first-thing, second-thing"):
        find_condition(dataset, "shared  NAME")
