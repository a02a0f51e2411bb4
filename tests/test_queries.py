"""Every example query in queries/ runs and answers what its title asks.

Expected answers come from the article (tests/article.py) or from the graph through rdflib's
Python API, never from the query under test.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.namespace import SKOS
from rdflib.query import Result

from ivig_graph.build import icd10cm
from ivig_graph.query.command import run
from ivig_graph.resources import example_queries
from ivig_graph.vocab import CATEGORY, CONDITION, IVIG, SOURCE
from tests import article

QUERIES = {path.name: path for path in example_queries()}
USES = article.uses()
SCHEMA = "https://schema.org/"


def rows(result: Result) -> list[dict[str, object]]:
    return [{str(k): v for k, v in binding.items()} for binding in result.bindings]


def conditions(union: Graph) -> set[URIRef]:
    return {URIRef(c) for c in union.subjects(RDF.type, IVIG.Condition)}


def line_of(union: Graph, condition: object) -> int:
    return int(union.value(condition, IVIG.sourceLine).toPython())


def check_fda(result: Result, union: Graph) -> None:
    found = rows(result)
    fda = [u for u in USES if u.list == "fda-approved"]
    assert len(found) == len(fda) == 6
    assert sorted(line_of(union, r["condition"]) for r in found) == [u.line for u in fda]
    assert {str(r["sourceWording"]) for r in found} == {u.text for u in fda}


def check_per_category(result: Result, union: Graph) -> None:
    expected = Counter(u.category for u in USES if u.category)
    found = {r["category"]: int(r["uses"].toPython()) for r in rows(result)}  # type: ignore[attr-defined]
    assert found == {CATEGORY[key]: n for key, n in expected.items()}
    for r in rows(result):
        assert union.value(r["category"], SKOS.prefLabel) == r["heading"]


def check_blood_disorders(result: Result, union: Graph) -> None:
    found = rows(result)
    blood = [u.line for u in USES if u.category == "blood-disorders"]
    assert sorted(line_of(union, r["condition"]) for r in found) == blood
    for r in found:
        assert set(union.objects(r["condition"], IVIG.mechanism)) == (
            {r["mechanism"]} if "mechanism" in r else set()
        )


def check_suppression_vs_boosting(result: Result, union: Graph) -> None:
    found = {str(r["mechanism"]): int(r["conditions"].toPython()) for r in rows(result)}  # type: ignore[attr-defined]
    every = conditions(union)
    with_mechanism = Counter(union.value(c, IVIG.mechanism) for c in every)
    assert found == {
        str(IVIG.ImmuneSuppression): with_mechanism[IVIG.ImmuneSuppression],
        str(IVIG.ImmuneBoosting): with_mechanism[IVIG.ImmuneBoosting],
        "unclear": with_mechanism[None],
    }
    assert sum(found.values()) == 102
    assert found["unclear"] == sum(1 for c in every if union.value(c, IVIG.mechanismNote))
    # Boosting only where the article ties a use to it (not endotoxemia, not line 2's claim).
    assert found[str(IVIG.ImmuneBoosting)] == sum(1 for u in USES if article.supports_boosting(u))


def check_why(result: Result, union: Graph) -> None:
    found = rows(result)
    explained = {(str(r["name"]), r["mechanism"]) for r in found}
    expected = {
        (str(union.value(c, SKOS.prefLabel)), union.value(c, IVIG.mechanism))
        for c in conditions(union)
        if union.value(c, IVIG.mechanism) is not None
    }
    assert explained == expected
    assert all(str(r["basis"]).startswith("The source") for r in found)


def check_unclear(result: Result, union: Graph) -> None:
    found = rows(result)
    expected = {c for c in conditions(union) if union.value(c, IVIG.mechanism) is None}
    assert {r["condition"] for r in found} == expected
    assert all("no mechanism is stated" in str(r["note"]) for r in found)


def check_old_name(result: Result, union: Graph) -> None:
    found = rows(result)
    assert found and {r["condition"] for r in found} == {
        CONDITION["granulomatosis-with-polyangiitis"]
    }
    assert Literal("Wegener\u2019s granulomatosis", lang="en") in {r["matchedName"] for r in found}


def check_renamed(result: Result, union: Graph) -> None:
    found = {str(r["articleWording"]): str(r["preferredName"]) for r in rows(result)}
    assert found["Reiter syndrome"] == "Reactive arthritis"
    assert found["Kawasaki syndrome"] == "Kawasaki disease"
    expected = {
        str(union.value(c, IVIG.sourceLabel))
        for c in conditions(union)
        if str(union.value(c, IVIG.sourceLabel)) != str(union.value(c, SKOS.prefLabel))
    }
    assert set(found) == expected


def check_per_list(result: Result, union: Graph) -> None:
    found = {(r["list"], r["status"]): int(r["uses"].toPython()) for r in rows(result)}  # type: ignore[attr-defined]
    assert found == {
        (SOURCE["fda-approved-uses"], IVIG.FDAApproved): 6,
        (SOURCE["guideline-off-label-uses"], IVIG.OffLabel): 72,
        (SOURCE["reported-useful"], IVIG.OffLabel): 24,
    }


def check_prevention(result: Result, union: Graph) -> None:
    found = rows(result)
    assert sorted(str(r["situation"]) for r in found) == sorted(
        u.text for u in USES if 39 <= u.line <= 44
    )
    assert {r["mechanism"] for r in found} == {IVIG.ImmuneBoosting}


def check_icd(result: Result, union: Graph) -> None:
    found = rows(result)
    assert len(found) >= 100
    for r in found:
        assert icd10cm.is_code(str(r["code"]))
        assert str(r["description"]) == icd10cm.describe(str(r["code"]))


def check_about_ivig(result: Result, union: Graph) -> None:
    (row,) = rows(result)
    assert row["moreDonorsThan"].toPython() == 1000  # type: ignore[attr-defined]
    assert str(row["mainlyContains"]) == "IgG"
    assert (row["everyMinWeeks"].toPython(), row["everyMaxWeeks"].toPython()) == (3, 4)  # type: ignore[attr-defined]


def check_describe(result: Result, union: Graph) -> None:
    graph = result.graph
    assert graph is not None
    kawasaki = CONDITION["kawasaki-disease"]
    assert (kawasaki, IVIG.sourceLabel, Literal("Kawasaki syndrome")) in graph
    assert (kawasaki, IVIG.approvalStatus, IVIG.FDAApproved) in graph
    assert set(graph.subjects()) == {kawasaki}


def check_construct(result: Result, union: Graph) -> None:
    graph = result.graph
    assert graph is not None
    summarised = set(graph.subjects(RDF.type, URIRef(SCHEMA + "MedicalCondition")))
    assert summarised == conditions(union)
    for c in summarised:
        assert graph.value(c, URIRef(SCHEMA + "name")) == union.value(c, SKOS.prefLabel)


def check_ask(result: Result, union: Graph) -> None:
    assert result.askAnswer is True
    assert (CONDITION["myasthenia-gravis"], IVIG.mechanism, IVIG.ImmuneSuppression) in union


CHECKS: dict[str, Callable[[Result, Graph], None]] = {
    "01-fda-approved-uses.rq": check_fda,
    "02-off-label-uses-by-category.rq": check_per_category,
    "03-off-label-uses-in-a-category.rq": check_blood_disorders,
    "04-suppression-vs-boosting.rq": check_suppression_vs_boosting,
    "05-why-this-mechanism.rq": check_why,
    "06-unclear-mechanism.rq": check_unclear,
    "07-find-by-old-name.rq": check_old_name,
    "08-renamed-conditions.rq": check_renamed,
    "09-counts-by-list-and-status.rq": check_per_list,
    "10-prevention-uses.rq": check_prevention,
    "11-icd10cm-cross-references.rq": check_icd,
    "12-about-ivig.rq": check_about_ivig,
    "13-describe-a-condition.rq": check_describe,
    "14-construct-use-summary.rq": check_construct,
    "15-is-myasthenia-gravis-suppressed.rq": check_ask,
}


def test_every_example_query_has_a_check() -> None:
    assert len(QUERIES) >= 10
    assert set(QUERIES) == set(CHECKS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_example_query_answers(name: str, dataset: Dataset, union: Graph) -> None:
    path: Path = QUERIES[name]
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# title: ")
    CHECKS[name](run(dataset, text), union)
