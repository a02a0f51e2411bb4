"""The built graph against the article: every listed use, with the contract's properties."""

from __future__ import annotations

from collections import Counter

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from ivig_graph.vocab import CATEGORY, CONDITION, IVIG, SOURCE
from tests import article

LIST_SOURCES = {
    "fda-approved": SOURCE["fda-approved-uses"],
    "guideline-off-label": SOURCE["guideline-off-label-uses"],
    "reported-useful": SOURCE["reported-useful"],
}
PREVENTION_LINES = range(39, 45)  # the items under "Prevention of infection in conditions such as:"
USES = article.uses()


def condition_at(graph: Graph, line: int) -> URIRef:
    found = [
        s
        for s in graph.subjects(IVIG.sourceLine, None)
        if (s, RDF.type, IVIG.Condition) in graph
        and graph.value(s, IVIG.sourceLine).toPython() == line
    ]
    assert len(found) == 1, f"line {line}: expected one condition, found {found}"
    return URIRef(found[0])


def test_the_article_lists_102_uses_in_the_expected_groups() -> None:
    assert len(USES) == 102
    assert Counter(u.list for u in USES) == {
        "fda-approved": 6,
        "guideline-off-label": 72,
        "reported-useful": 24,
    }
    guideline = Counter(u.category for u in USES if u.list == "guideline-off-label")
    assert guideline == {
        "blood-disorders": 13,
        "infections": 6,
        "neurological-disorders": 5,
        "rheumatologic-conditions": 7,
        "pulmonary-conditions": 2,
        "other-conditions": 39,
    }
    assert Counter(u.category for u in USES if u.list == "reported-useful") == {
        None: 16,
        "blistering-skin-diseases": 8,
    }


def test_graph_has_exactly_one_condition_per_listed_use(union: Graph) -> None:
    conditions = set(union.subjects(RDF.type, IVIG.Condition))
    assert len(conditions) == len(USES) == 102
    lines = sorted(union.value(c, IVIG.sourceLine).toPython() for c in conditions)
    assert lines == [u.line for u in USES]


@pytest.mark.parametrize("use", USES, ids=lambda u: f"line{u.line}")
def test_each_use_has_the_contract_properties(union: Graph, use: article.Use) -> None:
    c = condition_at(union, use.line)
    assert str(c).startswith(str(CONDITION))
    # The source's own wording is kept verbatim, as a label.
    assert union.value(c, IVIG.sourceText) == Literal(use.text)
    wording = str(union.value(c, IVIG.sourceLabel))
    assert wording and wording in use.text
    labels = {str(v) for v in union.objects(c, SKOS.prefLabel)} | {
        str(v) for v in union.objects(c, SKOS.altLabel)
    }
    assert wording in labels
    assert len(list(union.objects(c, SKOS.prefLabel))) == 1
    assert union.value(c, SKOS.prefLabel) in set(union.objects(c, RDFS.label))
    # Approval status: exactly one, from the list.
    statuses = set(union.objects(c, IVIG.approvalStatus))
    expected_status = IVIG.FDAApproved if use.list == "fda-approved" else IVIG.OffLabel
    assert statuses == {expected_status}
    # Category: the group heading it is filed under, or none.
    categories = set(union.objects(c, IVIG.category))
    assert categories == ({CATEGORY[use.category]} if use.category else set())
    # Intent: prevention exactly for the infection-prevention contexts.
    intents = set(union.objects(c, IVIG.intent))
    assert intents == {IVIG.Prevention if use.line in PREVENTION_LINES else IVIG.Treatment}
    # Provenance: the list it came from, part of the article.
    assert set(union.objects(c, PROV.wasDerivedFrom)) == {LIST_SOURCES[use.list]}
    assert (LIST_SOURCES[use.list], DCTERMS.isPartOf, SOURCE.article) in union
    # Mechanism: exactly one, or none and a note that says why.
    mechanisms = set(union.objects(c, IVIG.mechanism))
    notes = set(union.objects(c, IVIG.mechanismNote))
    if mechanisms:
        assert len(mechanisms) == 1 and not notes
    else:
        assert len(notes) == 1
        assert notes <= set(union.objects(c, SKOS.editorialNote))
    # The n-ary indication links IVIG, the condition, status, intent, mechanism, provenance.
    indications = list(union.subjects(IVIG.condition, c))
    assert len(indications) == 1
    indication = indications[0]
    assert (indication, RDF.type, IVIG.Indication) in union
    assert (indication, IVIG.therapy, IVIG.IVIG) in union
    assert set(union.objects(indication, IVIG.approvalStatus)) == statuses
    assert set(union.objects(indication, IVIG.intent)) == intents
    assert set(union.objects(indication, IVIG.mechanism)) == mechanisms
    assert set(union.objects(indication, PROV.wasDerivedFrom)) == {LIST_SOURCES[use.list]}


@pytest.mark.parametrize("line", PREVENTION_LINES)
def test_infection_prevention_contexts_boost_immunity(union: Graph, line: int) -> None:
    c = condition_at(union, line)
    assert set(union.objects(c, IVIG.mechanism)) == {IVIG.ImmuneBoosting}
    assert set(union.objects(c, IVIG.intent)) == {IVIG.Prevention}


@pytest.mark.parametrize(
    "wording", ["Rejections in solid organ transplants", "Graft-versus-host disease"]
)
def test_transplant_immune_reactions_are_suppressed(union: Graph, wording: str) -> None:
    (use,) = [u for u in USES if u.text.startswith(wording)]
    c = condition_at(union, use.line)
    assert set(union.objects(c, IVIG.mechanism)) == {IVIG.ImmuneSuppression}
    assert set(union.objects(c, IVIG.intent)) == {IVIG.Treatment}


def test_everything_the_article_calls_autoimmune_is_suppressed(union: Graph) -> None:
    autoimmune = [u for u in USES if "autoimmune" in u.text.lower()]
    assert len(autoimmune) >= 5
    for use in autoimmune:
        c = condition_at(union, use.line)
        assert set(union.objects(c, IVIG.mechanism)) == {IVIG.ImmuneSuppression}, use.text


def test_boosting_is_stated_exactly_where_the_article_ties_a_use_to_it(union: Graph) -> None:
    boosted = {u.line for u in USES if article.supports_boosting(u)}
    assert len(boosted) >= 8
    found = {
        use.line
        for use in USES
        if IVIG.ImmuneBoosting in set(union.objects(condition_at(union, use.line), IVIG.mechanism))
    }
    assert found == boosted, {"not supported": found - boosted, "missing": boosted - found}


def test_immune_deficiency_is_boosted(union: Graph) -> None:
    (use,) = [u for u in USES if u.text == "Primary humoral immunodeficiency"]
    assert set(union.objects(condition_at(union, use.line), IVIG.mechanism)) == {
        IVIG.ImmuneBoosting
    }


@pytest.mark.parametrize(
    ("old", "preferred"),
    [
        ("Wegener\u2019s granulomatosis", "Granulomatosis with polyangiitis"),
        ("Reiter syndrome", "Reactive arthritis"),
        ("Immune thrombocytopenic purpura", "Immune thrombocytopenia"),
        ("Kawasaki syndrome", "Kawasaki disease"),
    ],
)
def test_outdated_names_have_current_preferred_names(
    union: Graph, old: str, preferred: str
) -> None:
    (c,) = set(union.subjects(IVIG.sourceLabel, Literal(old)))
    assert union.value(c, SKOS.prefLabel) == Literal(preferred, lang="en")
    assert Literal(old, lang="en") in set(union.objects(c, SKOS.altLabel))


def test_glosses_become_definitions(union: Graph) -> None:
    (c,) = set(union.subjects(IVIG.sourceLabel, Literal("Wegener\u2019s granulomatosis")))
    assert union.value(c, SKOS.definition) == Literal(
        "inflammation of blood vessels in sinuses, nose, throat, lungs and kidneys", lang="en"
    )


@pytest.mark.parametrize(
    ("wording", "phrase"),
    [
        ("Pediatric intractable Guillain-Barre syndrome", "epilepsy"),
        ("Scleroderma", "not a blistering disease"),
        ("Thrombotic thrombocytopenia purpura", "thrombotic thrombocytopenic purpura"),
    ],
)
def test_where_the_article_looks_wrong_an_editorial_note_says_so(
    union: Graph, wording: str, phrase: str
) -> None:
    (c,) = set(union.subjects(IVIG.sourceLabel, Literal(wording)))
    notes = " ".join(str(n) for n in union.objects(c, SKOS.editorialNote))
    assert phrase in notes
    # The article's assertion is kept: its category and wording stay as the article has them.
    assert (c, IVIG.sourceLabel, Literal(wording)) in union


def test_category_headings_are_skos_concepts_with_the_source_heading(union: Graph) -> None:
    headings = {
        "blood-disorders": "Blood disorders",
        "infections": "Infections",
        "neurological-disorders": "Neurological disorders",
        "rheumatologic-conditions": "Rheumatologic conditions",
        "pulmonary-conditions": "Pulmonary conditions",
        "other-conditions": "Other conditions",
        "blistering-skin-diseases": "Blistering skin diseases",
    }
    for key, heading in headings.items():
        category = CATEGORY[key]
        assert (category, RDF.type, IVIG.Category) in union
        assert (category, RDF.type, SKOS.Concept) in union  # inferred from ivig:Category
        assert union.value(category, SKOS.prefLabel) == Literal(heading, lang="en")
        assert union.value(category, SKOS.inScheme) is not None


def test_the_therapy_carries_the_article_facts(union: Graph) -> None:
    assert (IVIG.IVIG, RDF.type, IVIG.Therapy) in union
    assert union.value(IVIG.IVIG, IVIG.donorCountLowerBound).toPython() == 1000
    assert str(union.value(IVIG.IVIG, IVIG.mainImmunoglobulinClass)) == "IgG"
    assert union.value(IVIG.IVIG, IVIG.infusionIntervalMinWeeks).toPython() == 3
    assert union.value(IVIG.IVIG, IVIG.infusionIntervalMaxWeeks).toPython() == 4
    assert "pooled plasma" in str(union.value(IVIG.IVIG, IVIG.preparedFrom))
    assert "immune-related" in str(union.value(IVIG.IVIG, IVIG.approvedUseScope))
