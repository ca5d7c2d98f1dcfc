"""Bad input is refused with a message naming the field and the rule, and writes nothing.

Each case is tried the two ways a treasurer enters data: one grant through the
service (as a form would), and inside a whole interchange file.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import unit_of_work
from fundtrack.errors import InputError, ValidationFailed
from fundtrack.i18n import using_lang
from fundtrack.schemas.common import load_or_raise
from fundtrack.schemas.interchange import NewOrganisation
from fundtrack.schemas.ledger import FunderSchema, GrantSchema
from fundtrack.services import interchange
from fundtrack.services.funders import create_funder
from fundtrack.services.grants import create_grant
from tests.conftest import treasurer

from .conftest import add_grant, row_counts

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "parc-extension.yaml"

CITY_GRANT: dict[str, Any] = {
    "reference": "VDM-2026",
    "funder": "Ville de Montréal",
    "title": "Communications citoyennes 2026",
    "status": "confirmed",
    "amount": "40000.00",
    "start_date": "2026-01-01",
    "end_date": "2026-12-31",
    "projects": ["Grands rendez-vous"],
    "schedule": [
        {"start": "2026-01-01", "end": "2026-06-30", "amount": "20000.00"},
        {"start": "2026-07-01", "end": "2026-12-31", "amount": "20000.00"},
    ],
    "instalments": [
        {
            "expected_date": "2026-02-15",
            "amount": "20000.00",
            "received_date": "2026-02-27",
            "received_amount": "20000.00",
        },
        {"expected_date": "2026-08-15", "amount": "20000.00"},
    ],
}


def changed(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with the value at ``path`` (``schedule.0.amount``) replaced."""
    data = copy.deepcopy(base)
    *parents, last = path.split(".")
    target: Any = data
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return data


# (what is wrong, the change, the field named, the rule in English)
CASES = [
    ("end before start", "end_date", "2025-12-31", "end_date", "the end (2025-12-31) is before the start (2026-01-01)"),
    ("a zero amount", "amount", "0", "amount", "the amount must be positive (0.00)"),
    ("a negative amount", "amount", "-40000.00", "amount", "the amount must be positive (-40000.00)"),
    ("a negative instalment", "instalments.1.amount", "-1.00", "instalments[1].amount", "must be positive"),
    ("a negative schedule amount", "schedule.1.amount", "-1.00", "schedule[1].amount", "cannot be negative"),
    ("three decimals", "amount", "40000.005", "amount", "more than two decimals (40000.005)"),
    (
        "three decimals received",
        "instalments.0.received_amount",
        "19999.999",
        "instalments[0].received_amount",
        "more than two decimals",
    ),
    ("a float amount", "amount", 40000.5, "amount", "floating-point"),
    ("an amount in words", "amount", "quarante mille", "amount", "'quarante mille' is not an amount"),
    ("an unknown funder", "funder", "Banque du quartier", "funder", "unknown funder: 'Banque du quartier'"),
    ("an unknown project", "projects", ["Grands rendez-vous", "Jardin"], "projects[1]", "unknown project: 'Jardin'"),
    (
        "an unknown category",
        "eligible_categories",
        ["translation", "yachts"],
        "eligible_categories[1]",
        "unknown budget category: 'yachts'",
    ),
    (
        "a schedule that does not add up",
        "schedule.1.amount",
        "15000.00",
        "schedule",
        "the schedule adds up to $35,000.00 but the grant is $40,000.00",
    ),
    (
        "a schedule outside the grant",
        "schedule.1",
        {"start": "2027-01-01", "end": "2027-12-31", "amount": "20000.00"},
        "schedule[1]",
        "is outside the grant",
    ),
    (
        "instalments that exceed the grant",
        "instalments.1.amount",
        "25000.00",
        "instalments",
        "the instalments add up to $45,000.00, more than the grant ($40,000.00)",
    ),
    (
        "a date that does not parse",
        "start_date",
        "2026-02-30",
        "start_date",
        "invalid date '2026-02-30': write YYYY-MM-DD",
    ),
    (
        "a date written the French way",
        "instalments.1.expected_date",
        "15/08/2026",
        "instalments[1].expected_date",
        "invalid date '15/08/2026'",
    ),
    (
        "a received date without its amount",
        "instalments.1",
        {"expected_date": "2026-08-15", "amount": "20000.00", "received_date": "2026-08-20"},
        "instalments[1]",
        "give both the received date and the received amount",
    ),
    (
        "an unknown status",
        "status",
        "approved",
        "status",
        "'approved' is not allowed: choose from requested, confirmed, declined, closed",
    ),
    ("an unknown schedule basis", "schedule_basis", "weekly", "schedule_basis", "'weekly' is not allowed"),
    ("a missing title", "title", None, "title", "required field"),
    ("an unknown field", "colour", "red", "colour", "unknown field"),
    (
        "a restricted grant without categories",
        "restricted",
        True,
        "eligible_categories",
        "a restricted grant must name its eligible categories",
    ),
]
IDS = [case[0] for case in CASES]


@pytest.fixture
def city(in_table: Callable[..., Any]) -> None:
    """The Table already has the City's 2026 grant and the borough's."""
    in_table(add_grant, **CITY_GRANT)
    in_table(add_grant, **{**CITY_GRANT, "reference": "ARR-2026", "funder": "Arrondissement VSP"})


def submit_grant(factory: sessionmaker[Session], org_id: int, data: dict[str, Any]) -> list[str]:
    """Submit one grant as a form would; return the refusal's lines in English."""
    with pytest.raises(InputError) as caught, using_lang("en"), unit_of_work(factory) as session:
        org = treasurer(session, org_id)
        create_grant(session, org, load_or_raise(GrantSchema(), data))
    err = caught.value
    with using_lang("en"):
        return [e.describe() for e in err.errors] if isinstance(err, ValidationFailed) else [err.describe()]


@pytest.mark.parametrize(("what", "path", "value", "field", "rule"), CASES, ids=IDS)
def test_a_grant_with_bad_input_is_refused_and_nothing_is_written(
    factory: sessionmaker[Session],
    engine: Engine,
    table: int,
    city: None,
    what: str,
    path: str,
    value: Any,
    field: str,
    rule: str,
) -> None:
    data = changed({**CITY_GRANT, "reference": "VDM-2026-B", "eligible_categories": ["translation"]}, path, value)
    if path == "restricted":
        data["eligible_categories"] = []
    before = row_counts(engine)
    lines = submit_grant(factory, table, data)
    assert any(line.startswith(f"{field}: ") and rule in line for line in lines), lines
    assert row_counts(engine) == before


def test_a_duplicate_reference_is_refused(
    factory: sessionmaker[Session], engine: Engine, table: int, city: None
) -> None:
    before = row_counts(engine)
    lines = submit_grant(factory, table, {**CITY_GRANT, "amount": "5000.00", "schedule": [], "instalments": []})
    assert lines == ["reference: reference 'VDM-2026' is already used by another grant"]
    assert row_counts(engine) == before


def test_a_funder_of_an_unknown_kind_is_refused(factory: sessionmaker[Session], engine: Engine, table: int) -> None:
    before = row_counts(engine)
    with pytest.raises(ValidationFailed) as caught, using_lang("en"), unit_of_work(factory) as session:
        org = treasurer(session, table)
        create_funder(session, org, load_or_raise(FunderSchema(), {"name": "Banque", "kind": "bank"}))
    with using_lang("en"):
        assert [e.describe() for e in caught.value.errors] == [
            "kind: 'bank' is not allowed: choose from centraide, borough, city, quebec, canada, foundation, donor, sponsor, other"
        ]
    assert row_counts(engine) == before


def test_a_funder_that_already_exists_is_refused(factory: sessionmaker[Session], engine: Engine, table: int) -> None:
    before = row_counts(engine)
    with pytest.raises(InputError) as caught, unit_of_work(factory) as session:
        org = treasurer(session, table)
        create_funder(session, org, load_or_raise(FunderSchema(), {"name": "Ville de Montréal", "kind": "city"}))
    assert caught.value.describe("fr") == "name : le bailleur de fonds « Ville de Montréal » existe déjà"
    assert row_counts(engine) == before


def test_the_refusal_is_in_french_by_default(factory: sessionmaker[Session], table: int, city: None) -> None:
    with pytest.raises(ValidationFailed) as caught, unit_of_work(factory) as session:
        org = treasurer(session, table)
        create_grant(session, org, load_or_raise(GrantSchema(), {**CITY_GRANT, "amount": "12,5"}))
    assert [e.describe("fr") for e in caught.value.errors] == ["amount : « 12,5 » n'est pas un montant"]


# --- inside an interchange file -----------------------------------------------------


def example() -> dict[str, Any]:
    document = interchange.parse_text(EXAMPLE.read_text(encoding="utf-8"), EXAMPLE.name)
    assert isinstance(document, dict)
    return document


def example_grant_index(document: dict[str, Any], reference: str) -> int:
    return next(i for i, g in enumerate(document["grants"]) if g["reference"] == reference)


@pytest.fixture
def other_table(factory: sessionmaker[Session]) -> None:
    """The database already holds another table's data, which a refused file must not touch."""
    from fundtrack.services.organisation import create_organisation

    with unit_of_work(factory) as session:
        org = create_organisation(session, NewOrganisation("Table de quartier Saint-Michel"))
        create_funder(session, org, load_or_raise(FunderSchema(), {"name": "Ville de Montréal", "kind": "city"}))


def load_refused(factory: sessionmaker[Session], document: Any) -> list[str]:
    with pytest.raises(InputError) as caught, using_lang("en"), unit_of_work(factory) as session:
        interchange.load_document(session, document)
    with using_lang("en"):
        err = caught.value
        return interchange.error_lines(err) if isinstance(err, ValidationFailed) else [err.describe()]


@pytest.mark.parametrize(("what", "path", "value", "field", "rule"), CASES, ids=IDS)
def test_a_file_with_one_bad_grant_is_refused_whole(
    factory: sessionmaker[Session],
    engine: Engine,
    other_table: None,
    what: str,
    path: str,
    value: Any,
    field: str,
    rule: str,
) -> None:
    document = example()
    # the City's 2026 grant of the example, made to look like the grant above
    index = example_grant_index(document, "VDM-2026")
    document["grants"][index] = changed(
        {**CITY_GRANT, "projects": ["Grands rendez-vous et assemblées"], "eligible_categories": ["translation"]},
        path,
        value,
    )
    if path == "projects":
        document["grants"][index]["projects"] = ["Grands rendez-vous et assemblées", "Jardin"]
    if path == "restricted":
        document["grants"][index]["eligible_categories"] = []
    before = row_counts(engine)
    lines = load_refused(factory, document)
    assert any(line.startswith(f"grants[{index}].{field}: ") and rule in line for line in lines), lines
    assert row_counts(engine) == before


def test_a_duplicate_reference_in_a_file(factory: sessionmaker[Session], engine: Engine, other_table: None) -> None:
    document = example()
    renamed = document["grants"][5]["reference"]
    document["grants"][5]["reference"] = document["grants"][0]["reference"]
    before = row_counts(engine)
    lines = load_refused(factory, document)
    assert lines[0] == (
        f"grants[5].reference: reference '{document['grants'][0]['reference']}' is already used by another grant"
    )
    # what named the grant by its old reference now names a grant the file no longer has
    assert all(line.endswith(f"unknown grant: '{renamed}'") for line in lines[1:])
    assert row_counts(engine) == before


def test_a_funder_of_an_unknown_kind_in_a_file(
    factory: sessionmaker[Session], engine: Engine, other_table: None
) -> None:
    document = example()
    document["funders"][6]["kind"] = "bank"
    before = row_counts(engine)
    lines = load_refused(factory, document)
    assert lines[0].startswith("funders[6].kind: 'bank' is not allowed")
    assert row_counts(engine) == before


def test_every_error_of_a_file_is_listed_at_once_with_its_path(
    factory: sessionmaker[Session], engine: Engine, other_table: None
) -> None:
    document = example()
    document["grants"][0]["schedule"][2]["amount"] = "140000.00"
    document["grants"][3]["amount"] = "30000.001"
    document["grants"][4]["funder"] = "Banque du quartier"
    document["grants"][6]["start_date"] = "1er juillet 2026"
    document["grants"][8]["status"] = "maybe"
    before = row_counts(engine)
    lines = load_refused(factory, document)
    # later sections that name a refused grant add their own "unknown grant" lines
    assert [line for line in lines if line.startswith("grants[")] == [
        "grants[0].schedule: the schedule adds up to $440,000.00 but the grant is $450,000.00:"
        " the amounts per period must equal the grant",
        "grants[3].amount: more than two decimals (30000.001): an amount is exact to the cent",
        "grants[4].funder: unknown funder: 'Banque du quartier'",
        "grants[6].start_date: invalid date '1er juillet 2026': write YYYY-MM-DD",
        "grants[8].status: 'maybe' is not allowed: choose from requested, confirmed, declined, closed",
    ]
    assert row_counts(engine) == before


def test_an_organisation_already_in_the_database_is_refused(
    factory: sessionmaker[Session], engine: Engine, other_table: None
) -> None:
    document = example()
    document["organisation"]["name"] = "Table de quartier Saint-Michel"
    before = row_counts(engine)
    assert load_refused(factory, document) == [
        "organisation.name: organisation 'Table de quartier Saint-Michel' already exists in the database"
    ]
    assert row_counts(engine) == before


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        ('{"format": "fundtrack", "version": 1,', "table.json", "invalid JSON file"),
        ("format: fundtrack\norganisation: [name", "table.yaml", "invalid YAML file"),
        ("format: fundtrack\n  version: 1\n bad", "table.yaml", "invalid YAML file"),
    ],
)
def test_a_file_that_is_not_valid_json_or_yaml(text: str, name: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        interchange.parse_text(text, name)
    assert caught.value.describe("en").startswith(message)


@pytest.mark.parametrize(
    ("document", "line"),
    [
        (["a", "list"], ": the file must hold an object with 'format: fundtrack'"),
        (None, ": the file must hold an object with 'format: fundtrack'"),
        ({"format": "beancount", "version": 1, "organisation": {"name": "T"}}, "format: unknown format 'beancount 1'"),
        (
            {"format": "fundtrack", "version": 1, "organisation": {"name": "T"}, "widgets": []},
            "widgets: unknown section",
        ),
        (
            {"format": "fundtrack", "version": 1, "organisation": {"name": "T"}, "grants": {"a": 1}},
            "grants: list of records expected",
        ),
        ({"format": "fundtrack", "version": 1, "organisation": {}}, "organisation.name: required field"),
    ],
)
def test_a_file_that_is_not_a_fundtrack_file(
    factory: sessionmaker[Session], engine: Engine, other_table: None, document: Any, line: str
) -> None:
    before = row_counts(engine)
    assert any(got.startswith(line) for got in load_refused(factory, document))
    assert row_counts(engine) == before


def test_records_that_only_name_a_refused_record_are_not_reported_again(
    factory: sessionmaker[Session], engine: Engine, other_table: None
) -> None:
    document = example()
    centraide = document["funders"][0]["name"]
    document["funders"][0]["kind"] = "bank"
    assert any(g["funder"] == centraide for g in document["grants"])
    before = row_counts(engine)
    lines = load_refused(factory, document)
    assert lines == [lines[0]] and lines[0].startswith("funders[0].kind: 'bank' is not allowed")
    assert row_counts(engine) == before
