"""Finding conditions as people search: typos, abbreviations, "did you mean", sorting the list and
taking it away as CSV. Each answer is read from the page (or the CSV) and checked against the
dataset."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qsl, urlsplit

from flask.testing import FlaskClient
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SKOS

from ivig_graph.vocab import CONDITION, IVIG
from tests.ui.html import Element
from tests.ui.test_pages import count_shown, label, listed, page


def slugs(document: Element) -> list[str]:
    return [path.rsplit("/", 1)[-1] for path in listed(document)]


def names(graph: Graph, node: URIRef) -> set[str]:
    return {str(n) for p in (SKOS.prefLabel, SKOS.altLabel) for n in graph.objects(node, p)}


# ---------------------------------------------------------------- search


def test_a_misspelt_name_finds_the_condition(client: FlaskClient, asserted: Graph) -> None:
    assert not any("kawasky" in name.casefold() for c in asserted.subjects(RDF.type, IVIG.Condition)
                   for name in names(asserted, c))  # fmt: skip
    document = page(client, "/conditions?q=kawasky")
    assert slugs(document) == ["kawasaki-disease"]
    note = document.find("span", cls="matched")
    assert note.get("data-how") == "spelling"
    assert label(asserted, CONDITION["kawasaki-disease"]) in note.text()
    # Two misspelt words, and a word missing letters.
    assert "guillain-barre-syndrome" in slugs(page(client, "/conditions?q=guilain+bare"))
    assert "myasthenia-gravis" in slugs(page(client, "/conditions?q=myastenia+gravis"))


def initials(name: str) -> str:
    return "".join(word[0] for word in name.replace("-", " ").split()).casefold()


def test_an_abbreviation_finds_the_condition(client: FlaskClient, asserted: Graph) -> None:
    gbs = CONDITION["guillain-barre-syndrome"]
    # "GBS" is no name in the data: it is the initials of the preferred name, derived.
    assert not any(n.casefold() == "gbs" for n in names(asserted, gbs))
    assert initials(label(asserted, gbs)) == "gbs"
    document = page(client, "/conditions?q=GBS")
    assert slugs(document) == ["guillain-barre-syndrome"]
    assert document.find("span", cls="matched").get("data-how") == "initials"
    # "CIDP" is an alternative label; it is found as written.
    cidp = page(client, "/conditions?q=CIDP")
    expected = [
        str(c).rsplit("/", 1)[-1]
        for c in asserted.subjects(SKOS.altLabel, None)
        if any(str(n) == "CIDP" for n in asserted.objects(c, SKOS.altLabel))
    ]
    assert expected and slugs(cidp) == expected


def test_nothing_found_suggests_close_names(client: FlaskClient, asserted: Graph) -> None:
    document = page(client, "/conditions?q=kwsk")
    assert count_shown(document) == 0
    suggested = document.by_id("did-you-mean").links()
    assert ("/id/condition/kawasaki-disease", label(asserted, CONDITION["kawasaki-disease"])) in (
        suggested
    )
    assert len(suggested) <= 5
    # Nothing like it at all: no suggestion, and no empty "did you mean".
    nothing = page(client, "/conditions?q=zzzzqqq")
    assert count_shown(nothing) == 0 and not nothing.find_all(id="did-you-mean")


def test_chips_say_what_they_remove_starting_with_what_they_show(client: FlaskClient) -> None:
    """WCAG "label in name": the link's name is its text, the hidden "Remove ..." first."""
    document = page(client, "/conditions?q=Wegener&category=rheumatologic-conditions")
    chips = document.find("ul", cls="chips").find_all("a")
    assert len(chips) == 2
    for chip in chips:
        assert chip.get("aria-label") is None
        hidden = chip.find("span", cls="visually-hidden").text()
        assert hidden.startswith("Remove")
        assert chip.text().startswith(hidden)


# ---------------------------------------------------------------- sort


def column(document: Element, name: str) -> list[str]:
    table = document.find("table", cls="conditions").find("tbody")
    return [cell.text() for cell in table.find_all("td", data_label=name)]


def test_the_list_sorts_by_each_column(client: FlaskClient, union: Graph) -> None:
    everything = page(client, "/conditions")
    headings = everything.find("table", cls="conditions").find("thead")
    sorts = {a.get("data-sort"): a.get("href") for a in headings.find_all("a", cls="sort-link")}
    assert set(sorts) == {"status", "category", "mechanism"}  # "name" is the current order
    for key, heading in (
        ("status", "Approval status"),
        ("category", "Category"),
        ("mechanism", "Mechanism"),
    ):
        href = sorts[key] or ""
        assert dict(parse_qsl(urlsplit(href).query)) == {"sort": key}
        document = page(client, href)
        assert sorted(listed(document)) == sorted(listed(everything)), key
        sorted_th = document.find("th", aria_sort="ascending")
        assert sorted_th.text().startswith(heading)
        # The order of the filter's options, with "none" last, then by name.
        options = [
            o.text().rsplit(" (", 1)[0]
            for o in document.find("select", name=key).iter("option")
            if o.get("value")
        ]
        values = column(document, heading)
        ranks = [
            min(
                (options.index(v) for v in value.split(", ") if v in options),
                default=len(options),
            )
            for value in values
        ]
        assert ranks == sorted(ranks), key
    # A filter and the order are kept together.
    document = page(client, "/conditions?category=blood-disorders&sort=status")
    statuses = column(document, "Approval status")
    assert count_shown(document) == len(statuses) > 1
    fda = {
        str(c)
        for c in union.subjects(IVIG.approvalStatus, IVIG.FDAApproved)
        if (c, IVIG.category, URIRef("https://w3id.org/ivig/id/category/blood-disorders")) in union
    }
    assert statuses[: len(fda)] == ["FDA-approved"] * len(fda)


def test_an_unknown_order_is_reported(client: FlaskClient) -> None:
    document = page(client, "/conditions?sort=colour")
    assert "No order 'colour'" in document.find("p", cls="notice").text()
    assert count_shown(document) == 102


# ---------------------------------------------------------------- CSV


def read_csv(client: FlaskClient, path: str) -> list[dict[str, str]]:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_csv_is_the_list_as_shown(client: FlaskClient, union: Graph) -> None:
    for query in ("", "category=blood-disorders&sort=mechanism", "q=anemia", "q=kawasky"):
        document = page(client, "/conditions" + (f"?{query}" if query else ""))
        link = document.by_id("csv-download").get("href") or ""
        assert urlsplit(link).path == "/conditions.csv"
        assert sorted(parse_qsl(urlsplit(link).query)) == sorted(parse_qsl(query))
        rows = read_csv(client, link)
        assert [r["iri"].removeprefix("https://w3id.org/ivig") for r in rows] == listed(document)
        for row in rows:
            node = URIRef(row["iri"])
            assert row["condition"] == label(union, node)
            status = union.value(node, IVIG.approvalStatus)
            assert row["approval_status"] == (label(union, status) if status else "")
            categories = sorted(label(union, c) for c in union.objects(node, IVIG.category))
            assert sorted(filter(None, row["categories"].split("; "))) == categories
            mechanisms = sorted(label(union, m) for m in union.objects(node, IVIG.mechanism))
            assert sorted(filter(None, row["mechanisms"].split("; "))) == mechanisms
    # ?format=csv on the list answers the same.
    same = client.get("/conditions?format=csv&q=anemia")
    assert same.mimetype == "text/csv"
    assert same.data == client.get("/conditions.csv?q=anemia").data


def test_a_csv_of_a_bad_filter_is_refused(client: FlaskClient) -> None:
    response = client.get("/conditions.csv?status=Approvedish")
    assert response.status_code == 400
    assert "Approvedish" in response.get_data(as_text=True)
