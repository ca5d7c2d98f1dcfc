"""The interchange file: the Parc-Extension example goes in, comes out, and goes in again unchanged."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import unit_of_work
from fundtrack.errors import ValidationFailed
from fundtrack.i18n import using_lang
from fundtrack.models import Grant, Instalment
from fundtrack.plain import plain
from fundtrack.queries.ledger import ledger_for_year
from fundtrack.services import interchange
from fundtrack.services.context import acting_for
from tests.conftest import the_organisation, the_scope

from .conftest import row_counts

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "parc-extension.yaml"


def load(factory: sessionmaker[Session], document: Any) -> None:
    with unit_of_work(factory) as session:
        interchange.load_document(session, document)


def dump(factory: sessionmaker[Session]) -> dict[str, Any]:
    with unit_of_work(factory) as session:
        return interchange.dump_document(session, acting_for(session))


def minimal(**grant: Any) -> dict[str, Any]:
    return {
        "format": "fundtrack",
        "version": 1,
        "organisation": {"name": "Table de quartier de Parc-Extension"},
        "funders": [{"name": "Ville de Montréal", "kind": "city", "fiscal_start_month": 1}],
        "grants": [
            {
                "reference": "VDM-2026",
                "funder": "Ville de Montréal",
                "title": "Communications 2026",
                "status": "confirmed",
                "start_date": "2026-01-01",
                "end_date": "2026-12-31",
                **grant,
            }
        ],
    }


def test_the_example_loads_with_its_figures(factory: sessionmaker[Session], session: Session) -> None:
    load(factory, interchange.read_file(EXAMPLE))
    org = the_organisation(session)
    assert (org.name, org.fiscal_start_month) == ("Table de quartier de Parc-Extension", 4)
    pic = session.scalars(select(Grant).where(Grant.reference == "PIC-2025-2028")).one()
    assert pic.amount == Decimal("450000.00")
    assert len(pic.instalments) == 12
    year = ledger_for_year(session, the_scope(session), "2025-2026")
    assert year.total.received == Decimal("37500.00") * 4 + Decimal("50000.00") * 2 + Decimal("15000.00") + Decimal(
        "20000.00"
    ) + Decimal("3850.00") + Decimal("5000.00")


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_dump_then_load_into_an_empty_database_gives_the_same_data_back(
    factory: sessionmaker[Session], engine: Engine, empty_database: sessionmaker[Session], fmt: str
) -> None:
    load(factory, interchange.read_file(EXAMPLE))
    first = dump(factory)
    counts = row_counts(engine)
    text = interchange.to_yaml(first) if fmt == "yaml" else interchange.to_json(first)
    load(empty_database, interchange.parse_text(text, f"table.{fmt}"))
    assert dump(empty_database) == first
    assert row_counts(empty_database.kw["bind"]) == counts


def test_the_dump_keeps_what_the_example_says(factory: sessionmaker[Session]) -> None:
    load(factory, interchange.read_file(EXAMPLE))
    document = dump(factory)
    assert (document["format"], document["version"]) == ("fundtrack", 1)
    grants = {g["reference"]: g for g in document["grants"]}
    assert len(grants) == 11
    pic = grants["PIC-2025-2028"]
    assert pic["amount"] == "450000.00"
    assert pic["schedule"][0] == {"start": "2025-04-01", "end": "2026-03-31", "amount": "150000.00"}
    assert pic["instalments"][0] == {
        "expected_date": "2025-04-15",
        "amount": "37500.00",
        "received_date": "2025-04-22",
        "received_amount": "37500.00",
    }
    assert grants["FGM-2026-2027"]["matching"] == {"rate": "0.25", "basis": "grant"}
    assert grants["IMSDSL-2025-2028"]["restricted"] is True
    funders = {f["name"]: f for f in document["funders"]}
    assert funders["Centraide du Grand Montréal"]["fee_cap"] == "0.15"
    assert funders["Ville de Montréal"]["fiscal_start_month"] == 1
    assert document["organisation"]["gst_rebate_rate"] == "0.5"


def test_amounts_are_written_as_exact_strings(factory: sessionmaker[Session]) -> None:
    load(factory, interchange.read_file(EXAMPLE))
    text = interchange.to_json(dump(factory))
    assert '"amount": "450000.00"' in text
    yaml_text = interchange.to_yaml(dump(factory))
    assert "amount: '450000.00'" in yaml_text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("amount: 40000.10\n", "table.yaml"),
        ("amount: 4_0000.10\n", "table.yaml"),
        ('{"amount": 40000.10}', "table.json"),
    ],
)
def test_numbers_in_the_file_are_read_exactly_not_as_floats(text: str, name: str) -> None:
    value = interchange.parse_text(text, name)["amount"]
    assert isinstance(value, Decimal)
    assert value == Decimal("40000.10")


@pytest.mark.parametrize(
    ("amount", "name"),
    [("40000.10", "yaml"), ("0.10", "yaml"), ("40000.10", "json")],
)
def test_a_grant_amount_written_as_a_bare_number_is_stored_to_the_cent(
    factory: sessionmaker[Session], session: Session, amount: str, name: str
) -> None:
    import json

    import yaml

    document = minimal(amount="__AMOUNT__")
    if name == "json":
        text = json.dumps(document).replace('"__AMOUNT__"', amount)
    else:
        text = yaml.safe_dump(document, allow_unicode=True).replace("amount: __AMOUNT__", f"amount: {amount}")
        assert f"amount: {amount}" in text
    load(factory, interchange.parse_text(text, f"table.{name}"))
    stored = session.scalars(select(Grant.amount)).one()
    assert stored == Decimal(amount)
    assert str(stored) == str(Decimal(amount).quantize(Decimal("0.01")))


def test_dates_in_yaml_are_read_whether_quoted_or_not(factory: sessionmaker[Session], session: Session) -> None:
    text = interchange.to_yaml(minimal(amount="100.00")).replace("'2026-01-01'", "2026-01-01")
    assert "start_date: 2026-01-01" in text
    load(factory, interchange.parse_text(text, "table.yaml"))
    assert session.scalars(select(Grant.start_date)).one() == date(2026, 1, 1)


def test_a_yaml_float_with_a_third_decimal_is_refused_not_rounded(
    factory: sessionmaker[Session], engine: Engine
) -> None:
    text = interchange.to_yaml(minimal(amount="X")).replace("amount: X", "amount: 40000.105")
    with pytest.raises(ValidationFailed) as caught, using_lang("en"), unit_of_work(factory) as session:
        interchange.load_document(session, interchange.parse_text(text, "table.yaml"))
    assert [e.path for e in caught.value.errors] == ["grants[0].amount"]
    assert "40000.105" in caught.value.errors[0].message("en")
    assert set(row_counts(engine).values()) == {0}


def test_one_invalid_record_and_nothing_is_written(factory: sessionmaker[Session], engine: Engine) -> None:
    document = interchange.read_file(EXAMPLE)
    # the last instalment of the last grant: everything before it would be valid
    document["grants"][-1]["instalments"][-1]["received_amount"] = "5000.001"
    with pytest.raises(ValidationFailed) as caught, unit_of_work(factory) as session:
        interchange.load_document(session, document)
    paths = [e.path for e in caught.value.errors]
    assert paths[0] == f"grants[{len(document['grants']) - 1}].instalments[0].received_amount"
    # the records that name the refused grant (its allocations) are refused with it
    assert all(p.startswith("allocations[") and p.endswith("].grant") for p in paths[1:])
    assert set(row_counts(engine).values()) == {0}


def test_one_record_refused_by_the_database_rules_and_nothing_is_written(
    factory: sessionmaker[Session], engine: Engine
) -> None:
    document = interchange.read_file(EXAMPLE)
    document["grants"][-1]["instalments"][0]["amount"] = "5000.01"
    with pytest.raises(ValidationFailed) as caught, unit_of_work(factory) as session:
        interchange.load_document(session, document)
    paths = [e.path for e in caught.value.errors]
    assert paths[0] == f"grants[{len(document['grants']) - 1}].instalments"
    assert all(p.startswith("allocations[") and p.endswith("].grant") for p in paths[1:])
    assert set(row_counts(engine).values()) == {0}
    with factory() as session:
        assert session.scalars(select(Instalment)).all() == []


def test_the_json_schema_describes_every_section() -> None:
    schema = interchange.json_schema()
    assert {"organisation", "funders", "projects", "grants"} <= set(schema["properties"])


def test_the_published_json_schema_is_the_one_the_schemas_make() -> None:
    published = json.loads((Path(__file__).resolve().parents[2] / "docs" / "interchange.schema.json").read_text())
    assert published == interchange.json_schema(), "run: fundtrack schema -o docs/interchange.schema.json"


def test_the_example_and_a_dump_are_valid_against_the_json_schema(factory: sessionmaker[Session]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = interchange.json_schema()
    example = plain(interchange.read_file(EXAMPLE))
    jsonschema.validate(example, schema)
    with unit_of_work(factory) as session:
        org = interchange.load_document(session, interchange.read_file(EXAMPLE))
        dumped = json.loads(interchange.to_json(interchange.dump_document(session, org)))
    jsonschema.validate(dumped, schema)
