"""data/products.toml -> checked label records (``label_records``), checked against the conditions.

``read_products`` checks every record and raises one ``CurationError`` naming each record and
the rule it breaks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from rdflib import URIRef

from ivig_graph.build.label_records import (
    DOCUMENT_KINDS,
    INDICATION_FIELDS,
    INDICATION_KINDS,
    PRODUCT_FIELDS,
    ROUTES,
    SOURCE_FIELDS,
    URL,
    IndicationRecord,
    ProductData,
    ProductRecord,
    SourceRecord,
    dated,
)
from ivig_graph.build.problems import Problems, read_toml
from ivig_graph.build.records import INTENTS, SLUG
from ivig_graph.resources import Sources
from ivig_graph.vocab import LABELLED_INDICATION

FILE_NAME = "products.toml"


def _check_fields(
    raw: Mapping[str, Any],
    fields: Mapping[str, tuple[tuple[type, ...], bool]],
    where: str,
    problems: Problems,
) -> bool:
    ok = True
    for name, (_, required) in fields.items():
        if required and name not in raw:
            problems.add(where, f"missing field '{name}'", f"Add {name} = ... to the record.")
            ok = False
    for name, value in raw.items():
        if name not in fields:
            known = ", ".join(fields)
            problems.add(where, f"unknown field '{name}'", f"Use one of: {known}.")
            ok = False
            continue
        kinds = fields[name][0]
        if isinstance(value, bool) or not isinstance(value, kinds):
            names = " or ".join(kind.__name__ for kind in kinds)
            problems.add(where, f"field '{name}' must be a {names}", "Fix its value.")
            ok = False
        elif isinstance(value, list) and not all(isinstance(item, str) for item in value):
            problems.add(where, f"field '{name}' must be a list of strings", "Fix its items.")
            ok = False
        elif isinstance(value, str) and not value.strip():
            problems.add(where, f"field '{name}' is empty", "Give a value or leave it out.")
            ok = False
    return ok


def _date_field(raw: Mapping[str, Any], name: str, where: str, problems: Problems) -> Any:
    if name not in raw:
        return None
    value = dated(raw[name])
    if value is None:
        problems.add(
            where,
            f"bad date {name} = {raw[name]!r}",
            "Write it as the source gives it: 'YYYY-MM-DD', 'YYYY-MM' or 'YYYY'.",
        )
    return value


def _check_slug(slug: str, where: str, seen: dict[str, str], problems: Problems) -> None:
    if not SLUG.match(slug):
        problems.add(where, "slug must be lowercase words joined by hyphens", "e.g. 'privigen'.")
    if slug in seen:
        problems.add(where, "duplicate slug", f"{seen[slug]} has it already.")
    seen.setdefault(slug, where)


def _slugs(raw_records: list[Any], key: str = "slug") -> frozenset[str]:
    """Every slug the file names, broken records included (so one error is reported once)."""
    return frozenset(raw[key] for raw in raw_records if isinstance(raw.get(key), str))


def _check_cited(
    cited: Iterable[str], known: frozenset[str], where: str, problems: Problems
) -> tuple[str, ...]:
    cited = tuple(cited)
    if not cited:
        problems.add(where, "cites no source", "List the [[source]] slugs it comes from.")
    for slug in cited:
        if slug not in known:
            problems.add(where, f"unknown source slug '{slug}'", "Add a [[source]] with it.")
    return cited


def _slugged_records(
    raw_records: list[Any],
    kind: str,
    fields: Mapping[str, tuple[tuple[type, ...], bool]],
    problems: Problems,
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(where, raw)`` of each record whose fields check, once its slug is checked too."""
    seen: dict[str, str] = {}
    for index, raw in enumerate(raw_records):
        where = f"{kind} #{index + 1} (slug {raw.get('slug', '?')!r})"
        if _check_fields(raw, fields, where, problems):
            _check_slug(raw["slug"], where, seen, problems)
            yield where, raw


def _read_sources(raw_records: list[Any], problems: Problems) -> dict[str, SourceRecord]:
    records: dict[str, SourceRecord] = {}
    for where, raw in _slugged_records(raw_records, "source", SOURCE_FIELDS, problems):
        if not URL.match(raw["url"]):
            problems.add(where, f"bad url {raw['url']!r}", "Give the http(s) address read.")
        if raw["kind"] not in DOCUMENT_KINDS:
            problems.add(
                where, f"unknown kind '{raw['kind']}'", f"Use one of {sorted(DOCUMENT_KINDS)}."
            )
        date = _date_field(raw, "date", where, problems)
        if "date" not in raw and not raw.get("note"):
            problems.add(
                where, "has no date and no note", "Say in a note that the page states none."
            )
        if date is not None or "date" not in raw:
            fields = {k: raw[k] for k in ("slug", "url", "title", "publisher", "kind")}
            records[raw["slug"]] = SourceRecord(**fields, date=date, note=raw.get("note"))
    return records


def _read_product_records(
    raw_records: list[Any], known_sources: frozenset[str], problems: Problems
) -> dict[str, ProductRecord]:
    records: dict[str, ProductRecord] = {}
    for where, raw in _slugged_records(raw_records, "product", PRODUCT_FIELDS, problems):
        routes = (raw["route"],) if isinstance(raw["route"], str) else tuple(raw["route"])
        if not routes:
            problems.add(where, "gives no route", f"Use one or more of {sorted(ROUTES)}.")
        for route in routes:
            if route not in ROUTES:
                problems.add(where, f"bad route '{route}'", f"Use one of {sorted(ROUTES)}.")
        cited = _check_cited(raw["sources"], known_sources, where, problems)
        records[raw["slug"]] = ProductRecord(
            slug=raw["slug"],
            name=raw["name"],
            routes=routes,
            sources=cited,
            manufacturer=raw.get("manufacturer"),
            concentration=raw.get("concentration"),
            first_licensed=_date_field(raw, "first_licensed", where, problems),
            note=raw.get("note"),
        )
    return records


def _indication_iri(product: str, condition: str | None, taken: Counter[str]) -> URIRef:
    """``…/labelled-indication/<product>/<condition>``; repeats and unmatched ones are numbered."""
    stem = f"{product}/{condition or 'unmatched'}"
    taken[stem] += 1
    if condition is not None and taken[stem] == 1:
        return LABELLED_INDICATION[stem]
    return LABELLED_INDICATION[f"{stem}-{taken[stem]}"]


def _check_indication(
    raw: Mapping[str, Any],
    where: str,
    products: frozenset[str],
    conditions: frozenset[str],
    problems: Problems,
) -> None:
    """The rules of one labelled indication beyond its fields' types (sources apart)."""
    if raw["product"] not in products:
        problems.add(where, f"unknown product slug '{raw['product']}'", "Add the [[product]].")
    condition = raw.get("condition")
    if condition is not None and condition not in conditions:
        problems.add(
            where,
            f"unknown condition slug '{condition}'",
            "Use a slug from data/conditions.toml, or omit condition and say why in a note.",
        )
    if condition is None and "note" not in raw:
        problems.add(where, "has no condition and no note", "Say why no condition matches.")
    if raw["intent"] not in INTENTS:
        problems.add(where, f"unknown intent '{raw['intent']}'", f"Use one of {sorted(INTENTS)}.")
    kind = raw.get("kind")
    if kind is not None and kind not in INDICATION_KINDS:
        problems.add(where, f"unknown kind '{kind}'", f"Use one of {sorted(INDICATION_KINDS)}.")


def _read_indications(
    raw_records: list[Any],
    products: frozenset[str],
    known_sources: frozenset[str],
    conditions: frozenset[str],
    problems: Problems,
) -> list[IndicationRecord]:
    records: list[IndicationRecord] = []
    taken: Counter[str] = Counter()
    for index, raw in enumerate(raw_records):
        where = (
            f"indication #{index + 1} (product {raw.get('product', '?')!r}, "
            f"condition {raw.get('condition', '-')!r})"
        )
        if not _check_fields(raw, INDICATION_FIELDS, where, problems):
            continue
        condition, kind = raw.get("condition"), raw.get("kind")
        _check_indication(raw, where, products, conditions, problems)
        cited = _check_cited(raw["sources"], known_sources, where, problems)
        records.append(
            IndicationRecord(
                iri=_indication_iri(raw["product"], condition, taken),
                product=raw["product"],
                intent=raw["intent"],
                definition=raw["definition"],
                sources=cited,
                condition=condition,
                population=raw.get("population"),
                approved=_date_field(raw, "approved", where, problems),
                kind=kind,
                note=raw.get("note"),
            )
        )
    return records


def read_products(sources: Sources, conditions: Iterable[str]) -> ProductData:
    """Read and check data/products.toml against the conditions' slugs (no file: no products)."""
    path: Path = sources.data / FILE_NAME
    if not path.is_file():
        return ProductData()
    document = read_toml(path)
    problems = Problems()
    for table in sorted(set(document) - {"source", "product", "indication"}):
        problems.add(
            str(path), f"unknown table '{table}'", "Use [[source]], [[product]] or [[indication]]."
        )
    raw_sources, raw_products = document.get("source", []), document.get("product", [])
    source_records = _read_sources(raw_sources, problems)
    products = _read_product_records(raw_products, _slugs(raw_sources), problems)
    indications = _read_indications(
        document.get("indication", []),
        _slugs(raw_products),
        _slugs(raw_sources),
        frozenset(conditions),
        problems,
    )
    problems.raise_if_any(path)
    return ProductData(tuple(source_records.values()), tuple(products.values()), tuple(indications))
