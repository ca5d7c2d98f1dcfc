"""The treasurer's funding ledger on SQLite and PostgreSQL: funders, grants, instalments, what is owed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import unit_of_work
from fundtrack.errors import InputError, NotFound, RuleViolation
from fundtrack.models import Funder, GrantStatus, Organisation
from fundtrack.periods import DateRange
from fundtrack.queries.ledger import (
    funding_ledger,
    grant_years,
    ledger_for_year,
    receivables,
    received_by_funder,
)
from fundtrack.queries.listing_rows import funder_id_named, funder_rows, grant_rows
from fundtrack.queries.listings import list_funders, list_grants
from fundtrack.queries.lookups import funder_by_name, grant_by_reference
from fundtrack.queries.scope import Scope
from fundtrack.schemas.interchange import NewOrganisation
from tests.conftest import acting_in, change_funder, change_grant, receive, treasurer

from .conftest import add_grant

D = Decimal
CENTRAIDE = "Centraide du Grand Montréal"
CITY = "Ville de Montréal"
BOROUGH = "Arrondissement VSP"
FOUNDATION = "Fondation du Grand Montréal"

PIC = {
    "reference": "PIC-2025-2027",
    "funder": CENTRAIDE,
    "title": "Projet impact collectif",
    "status": "confirmed",
    "amount": "300000.00",
    "start_date": "2025-04-01",
    "end_date": "2027-03-31",
    "projects": ["Fonctionnement de la Table"],
    "schedule": [
        {"fiscal_year": "2025-2026", "amount": "140000.00"},
        {"fiscal_year": "2026-2027", "amount": "160000.00"},
    ],
    "instalments": [
        {
            "expected_date": "2025-06-01",
            "amount": "70000.00",
            "received_date": "2025-06-10",
            "received_amount": "70000.00",
        },
        {
            "expected_date": "2025-12-01",
            "amount": "70000.00",
            "received_date": "2026-01-05",
            "received_amount": "70000.00",
        },
        {
            "expected_date": "2026-06-01",
            "amount": "80000.00",
            "received_date": "2026-06-03",
            "received_amount": "80000.00",
        },
        {"expected_date": "2026-12-01", "amount": "80000.00"},
    ],
}
CITY_2026 = {
    "reference": "VDM-2026",
    "funder": CITY,
    "title": "Communications citoyennes 2026",
    "status": "confirmed",
    "amount": "40000.00",
    "start_date": "2026-01-01",
    "end_date": "2026-12-31",
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
BOROUGH_2026 = {
    "reference": "ARR-2026",
    "funder": BOROUGH,
    "title": "Événements 2026",
    "status": "confirmed",
    "amount": "10000.00",
    "start_date": "2026-01-01",
    "end_date": "2026-12-31",
    "projects": ["Grands rendez-vous"],
}
FOUNDATION_REQUEST = {
    "reference": "FGM-2026-2027",
    "funder": FOUNDATION,
    "title": "Mobilisation agent",
    "status": "requested",
    "amount": "60000.00",
    "start_date": "2026-07-01",
    "end_date": "2027-06-30",
    "instalments": [{"expected_date": "2026-07-15", "amount": "30000.00"}],
}


@pytest.fixture
def ledger(in_table: Callable[..., Any], table: int) -> Scope:
    """The Table with the four grants above."""
    for grant in (PIC, CITY_2026, BOROUGH_2026, FOUNDATION_REQUEST):
        in_table(add_grant, **grant)
    return Scope(table)


def funder_id(session: Session, scope: Scope, name: str) -> int:
    return funder_by_name(session, scope, name).id


# --- funders ------------------------------------------------------------------------


def test_the_treasurer_lists_the_funders_by_name(session: Session, table: int) -> None:
    funders = list_funders(session, Scope(table))
    assert [f.name for f in funders] == sorted([CENTRAIDE, CITY, BOROUGH, FOUNDATION])
    city = funder_by_name(session, Scope(table), CITY)
    assert (city.kind.value, city.fiscal_start_month, city.fee_cap) == ("city", 1, None)
    assert funder_by_name(session, Scope(table), CENTRAIDE).fee_cap == Decimal("0.15")


def test_the_treasurer_renames_a_funder_and_changes_its_fee_cap(
    factory: sessionmaker[Session], session: Session, table: int
) -> None:
    with unit_of_work(factory) as s:
        change_funder(
            s,
            treasurer(s, table),
            BOROUGH,
            name="Arrondissement de Villeray–Saint-Michel–Parc-Extension",
            fee_cap=D("0.10"),
        )
    funder = funder_by_name(session, Scope(table), "Arrondissement de Villeray–Saint-Michel–Parc-Extension")
    assert funder.fee_cap == Decimal("0.10")
    assert funder.kind.value == "borough"
    assert funder.fiscal_start_month == 1
    with pytest.raises(NotFound):
        funder_by_name(session, Scope(table), BOROUGH)


def test_a_funder_cannot_take_the_name_of_another(factory: sessionmaker[Session], table: int) -> None:
    with pytest.raises(InputError) as caught, unit_of_work(factory) as s:
        change_funder(s, treasurer(s, table), BOROUGH, name=CITY)
    assert caught.value.describe("en") == f"name: funder '{CITY}' already exists"


# --- grants -------------------------------------------------------------------------


def test_a_grant_is_recorded_with_its_schedule_and_instalments(session: Session, ledger: Scope) -> None:
    pic = grant_by_reference(session, ledger, "PIC-2025-2027")
    assert pic.amount == Decimal("300000.00")
    assert pic.status is GrantStatus.CONFIRMED
    assert pic.funder.name == CENTRAIDE
    assert [p.name for p in pic.projects] == ["Fonctionnement de la Table"]
    assert pic.schedule_basis.value == "years"
    assert [(e.period_start, e.period_end, e.amount) for e in pic.schedule] == [
        (date(2025, 4, 1), date(2026, 3, 31), D("140000.00")),
        (date(2026, 4, 1), date(2027, 3, 31), D("160000.00")),
    ]
    assert [i.expected_amount for i in pic.instalments] == [D("70000.00")] * 2 + [D("80000.00")] * 2
    assert [i.received for i in pic.instalments] == [True, True, True, False]


def test_the_grants_are_listed_by_start_date(session: Session, ledger: Scope) -> None:
    assert [g.reference for g in list_grants(session, ledger)] == [
        "PIC-2025-2027",
        "ARR-2026",
        "VDM-2026",
        "FGM-2026-2027",
    ]
    requested = list_grants(session, ledger, statuses=(GrantStatus.REQUESTED,))
    assert [g.reference for g in requested] == ["FGM-2026-2027"]
    city = list_grants(session, ledger, funder_id=funder_id(session, ledger, CITY))
    assert [g.reference for g in city] == ["VDM-2026"]


def test_the_foundation_confirms_its_grant_with_a_new_amount(
    factory: sessionmaker[Session], session: Session, ledger: Scope
) -> None:
    with unit_of_work(factory) as s:
        change_grant(s, acting_in(s, ledger), "FGM-2026-2027", status="confirmed", amount=D("55000.00"))
    grant = grant_by_reference(session, ledger, "FGM-2026-2027")
    assert (grant.status, grant.amount) == (GrantStatus.CONFIRMED, D("55000.00"))
    assert [i.expected_amount for i in grant.instalments] == [D("30000.00")]
    assert ledger_for_year(session, ledger, "2026-2027").total.requested == D("0.00")


def test_a_grant_cannot_take_the_reference_of_another(factory: sessionmaker[Session], ledger: Scope) -> None:
    with pytest.raises(InputError) as caught, unit_of_work(factory) as s:
        change_grant(s, acting_in(s, ledger), "ARR-2026", reference="VDM-2026")
    assert caught.value.describe("en") == "reference: reference 'VDM-2026' is already used by another grant"


def test_a_grant_moves_to_another_funder(factory: sessionmaker[Session], session: Session, ledger: Scope) -> None:
    with unit_of_work(factory) as s:
        change_grant(s, acting_in(s, ledger), "ARR-2026", funder=CITY)
    assert grant_by_reference(session, ledger, "ARR-2026").funder.name == CITY


def test_a_change_that_breaks_the_schedule_is_refused(
    factory: sessionmaker[Session], session: Session, ledger: Scope
) -> None:
    with pytest.raises(RuleViolation) as caught, unit_of_work(factory) as s:
        change_grant(s, acting_in(s, ledger), "PIC-2025-2027", amount=D("320000.00"))
    assert caught.value.field == "schedule"
    assert grant_by_reference(session, ledger, "PIC-2025-2027").amount == D("300000.00")


# --- instalments and receivables ----------------------------------------------------


def test_what_is_owed_on_the_day_the_treasurer_looks(session: Session, ledger: Scope) -> None:
    owed = receivables(session, ledger, date(2026, 11, 25))
    assert [(r.reference, r.expected_date, r.amount, r.overdue_days, r.overdue) for r in owed] == [
        # 16 days left in August, then September, October and 25 days of November
        ("VDM-2026", date(2026, 8, 15), D("20000.00"), 102, True),
        ("PIC-2025-2027", date(2026, 12, 1), D("80000.00"), 0, False),
    ]
    # a requested grant's instalment is not owed to anyone yet
    assert "FGM-2026-2027" not in {r.reference for r in owed}


def test_an_instalment_is_not_overdue_on_its_expected_date(session: Session, ledger: Scope) -> None:
    owed = {r.reference: r for r in receivables(session, ledger, date(2026, 8, 15))}
    assert owed["VDM-2026"].overdue is False
    assert receivables(session, ledger, date(2026, 8, 16))[0].overdue_days == 1


def test_the_city_pays_its_second_instalment_500_short_and_the_rest_stays_owed(
    factory: sessionmaker[Session], session: Session, ledger: Scope
) -> None:
    with unit_of_work(factory) as s:
        done = receive(s, acting_in(s, ledger), "VDM-2026", date(2026, 8, 15), date(2026, 11, 20), D("19500.00"))
        assert (done.in_full, done.difference) == (False, D("-500.00"))
    owed = receivables(session, ledger, date(2026, 11, 25))
    assert [(r.reference, r.amount, r.received) for r in owed] == [
        ("VDM-2026", D("500.00"), D("19500.00")),
        ("PIC-2025-2027", D("80000.00"), D("0.00")),
    ]
    year = ledger_for_year(session, ledger, "2026-2027")
    city = next(r for r in year.rows if r.funder == CITY)
    assert (city.received, city.to_receive) == (D("19500.00"), D("500.00"))
    received = received_by_funder(session, ledger, DateRange(date(2026, 1, 1), date(2026, 12, 31)))
    assert received == {CITY: D("39500.00"), CENTRAIDE: D("150000.00")}
    session.rollback()  # the next reads see what is committed after them
    with unit_of_work(factory) as s:
        rest = receive(s, acting_in(s, ledger), "VDM-2026", None, date(2026, 12, 2), D("500.00"))
        assert (rest.instalment.expected_date, rest.in_full) == (date(2026, 8, 15), True)
    assert [r.reference for r in receivables(session, ledger, date(2026, 12, 3))] == ["PIC-2025-2027"]


def test_an_instalment_is_received_only_once(factory: sessionmaker[Session], ledger: Scope) -> None:
    with pytest.raises(RuleViolation) as caught, unit_of_work(factory) as s:
        receive(s, acting_in(s, ledger), "VDM-2026", date(2026, 2, 15), date(2026, 3, 1), D("20000.00"))
    assert caught.value.describe("en") == (
        "expected_date: the instalment of 2026-02-15 was already received in full ($20,000.00, on 2026-02-27)"
    )


def test_an_instalment_that_was_never_expected_is_not_found(factory: sessionmaker[Session], ledger: Scope) -> None:
    with pytest.raises(NotFound) as caught, unit_of_work(factory) as s:
        receive(s, acting_in(s, ledger), "VDM-2026", date(2026, 9, 1), date(2026, 9, 1), D("1.00"))
    assert "no instalment expected on 2026-09-01 for grant 'VDM-2026'" in caught.value.describe("en")


# --- a grant's fiscal years ---------------------------------------------------------


def test_a_city_calendar_year_grant_seen_in_the_tables_april_years(session: Session, ledger: Scope) -> None:
    years = grant_years(session, ledger, "VDM-2026")
    assert {y.label: a for y, a in years.organisation_years.items()} == {
        "2025-2026": D("9863.01"),
        "2026-2027": D("30136.99"),
    }
    assert {y.label: a for y, a in years.funder_years.items()} == {"2026": D("40000.00")}


def test_the_pic_schedule_seen_in_the_citys_calendar_years(session: Session, ledger: Scope) -> None:
    years = grant_years(session, ledger, "PIC-2025-2027")
    assert {y.label: a for y, a in years.organisation_years.items()} == {
        "2025-2026": D("140000.00"),
        "2026-2027": D("160000.00"),
    }
    # Centraide's years are the Table's
    assert years.funder_years == years.organisation_years


def test_a_foundation_year_from_july(session: Session, ledger: Scope) -> None:
    years = grant_years(session, ledger, "FGM-2026-2027")
    assert {y.label: a for y, a in years.funder_years.items()} == {"2026-2027": D("60000.00")}
    # 274 days until 31 March, 91 after
    assert {y.label: a for y, a in years.organisation_years.items()} == {
        "2026-2027": D("45041.10"),
        "2027-2028": D("14958.90"),
    }


# --- the funding ledger -------------------------------------------------------------


def figures(row: Any) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    return (row.confirmed, row.requested, row.received, row.to_receive)


def test_the_funding_ledger_of_2026_2027(session: Session, ledger: Scope) -> None:
    year = ledger_for_year(session, ledger, "2026-2027")
    assert year.label == "2026-2027"
    assert [(r.funder, *figures(r)) for r in year.rows] == [
        # confirmed per the schedule; received in June; December's instalment to come
        (CENTRAIDE, D("160000.00"), D("0.00"), D("80000.00"), D("80000.00")),
        # 275 of 365 days; February's payment was in the previous year; August's is owed
        (CITY, D("30136.99"), D("0.00"), D("0.00"), D("20000.00")),
        # no instalments: its whole share in the year is still to receive
        (BOROUGH, D("7534.25"), D("0.00"), D("0.00"), D("7534.25")),
        # requested: 274 of 365 days
        (FOUNDATION, D("0.00"), D("45041.10"), D("0.00"), D("0.00")),
    ]
    assert figures(year.total) == (D("197671.24"), D("45041.10"), D("80000.00"), D("107534.25"))


def test_the_funding_ledger_of_2025_2026(session: Session, ledger: Scope) -> None:
    year = ledger_for_year(session, ledger, "2025-2026")
    assert [(r.funder, *figures(r)) for r in year.rows] == [
        # the December instalment arrived on 5 January: still in 2025-2026
        (CENTRAIDE, D("140000.00"), D("0.00"), D("140000.00"), D("0.00")),
        (CITY, D("9863.01"), D("0.00"), D("20000.00"), D("0.00")),
        (BOROUGH, D("2465.75"), D("0.00"), D("0.00"), D("2465.75")),
    ]
    assert figures(year.total) == (D("152328.76"), D("0.00"), D("160000.00"), D("2465.75"))


def test_the_confirmed_amounts_of_all_years_add_up_to_the_grants(session: Session, ledger: Scope) -> None:
    total = sum(
        (ledger_for_year(session, ledger, y).total.confirmed for y in ("2025-2026", "2026-2027", "2027-2028")), D(0)
    )
    assert total == D("300000.00") + D("40000.00") + D("10000.00")


def test_a_ledger_in_the_citys_calendar_year(session: Session, ledger: Scope) -> None:
    from fundtrack.periods import CALENDAR_YEAR

    year = ledger_for_year(session, ledger, "2026", CALENDAR_YEAR)
    city = next(r for r in year.rows if r.funder == CITY)
    assert figures(city) == (D("40000.00"), D("0.00"), D("20000.00"), D("20000.00"))


def test_a_ledger_over_any_date_range(session: Session, ledger: Scope) -> None:
    summer = funding_ledger(session, ledger, DateRange(date(2026, 6, 1), date(2026, 8, 31)))
    assert summer.label == "2026-06-01:2026-08-31"
    assert summer.total.received == D("80000.00")
    city = next(r for r in summer.rows if r.funder == CITY)
    assert city.to_receive == D("20000.00")


def test_a_year_label_the_calendar_does_not_know_is_refused(session: Session, ledger: Scope) -> None:
    with pytest.raises(InputError) as caught:
        ledger_for_year(session, ledger, "2026")
    assert caught.value.field == "fiscal_year"


# --- a funder's own login -----------------------------------------------------------


def test_centraide_sees_only_its_own_grants(session: Session, ledger: Scope) -> None:
    centraide = Scope(ledger.organisation_id, funder_id(session, ledger, CENTRAIDE))
    assert [f.name for f in list_funders(session, centraide)] == [CENTRAIDE]
    assert [g.reference for g in list_grants(session, centraide)] == ["PIC-2025-2027"]
    assert [r.reference for r in receivables(session, centraide, date(2026, 11, 25))] == ["PIC-2025-2027"]
    year = ledger_for_year(session, centraide, "2026-2027")
    assert [r.funder for r in year.rows] == [CENTRAIDE]
    assert year.total.confirmed == D("160000.00")
    assert received_by_funder(session, centraide, DateRange(date(2025, 4, 1), date(2027, 3, 31))) == {
        CENTRAIDE: D("220000.00")
    }


def test_the_listings_rows_are_the_models_own_for_the_table_and_for_centraide(session: Session, ledger: Scope) -> None:
    centraide = Scope(ledger.organisation_id, funder_id(session, ledger, CENTRAIDE))
    for scope in (ledger, centraide):
        assert [
            (f.id, f.name, f.kind, f.fiscal_start_month, f.language, f.fee_cap) for f in list_funders(session, scope)
        ] == [(f.id, f.name, f.kind, f.fiscal_start_month, f.language, f.fee_cap) for f in funder_rows(session, scope)]
        models = list_grants(session, scope)
        assert [
            (g.reference, g.funder.name, g.title, g.status, g.amount, g.start_date, g.end_date) for g in models
        ] == [
            (g.reference, g.funder, g.title, g.status, g.amount, g.start_date, g.end_date)
            for g in grant_rows(session, scope)
        ]
        assert [sum((i.received_amount or D("0.00") for i in g.instalments), D("0.00")) for g in models] == [
            g.received for g in grant_rows(session, scope)
        ]
    city = funder_id_named(session, ledger, CITY)
    assert [g.reference for g in grant_rows(session, ledger, funder_id=city)] == [
        g.reference for g in list_grants(session, ledger, funder_id=city)
    ]
    with pytest.raises(NotFound):  # as funder_by_name: no hint that the City is a funder
        funder_id_named(session, centraide, CITY)


def test_centraide_gets_not_found_for_the_citys_grant(
    factory: sessionmaker[Session], session: Session, ledger: Scope
) -> None:
    centraide = Scope(ledger.organisation_id, funder_id(session, ledger, CENTRAIDE))
    with pytest.raises(NotFound):
        grant_by_reference(session, centraide, "VDM-2026")
    with pytest.raises(NotFound):
        grant_years(session, centraide, "VDM-2026")
    with pytest.raises(NotFound):
        funder_by_name(session, centraide, CITY)
    with pytest.raises(NotFound), unit_of_work(factory) as s:
        receive(s, acting_in(s, centraide), "VDM-2026", date(2026, 8, 15), date(2026, 11, 20), D("20000.00"))
    with pytest.raises(NotFound), unit_of_work(factory) as s:
        change_grant(s, acting_in(s, centraide), "VDM-2026", amount=D("1.00"))
    # the same message as for a grant that does not exist: no hint that it does
    with pytest.raises(NotFound) as missing:
        grant_by_reference(session, centraide, "NOPE")
    with pytest.raises(NotFound) as hidden:
        grant_by_reference(session, centraide, "VDM-2026")
    assert missing.value.code == hidden.value.code
    assert grant_by_reference(session, ledger, "VDM-2026").instalments[1].received is False


def test_another_organisation_sees_nothing_of_the_table(
    factory: sessionmaker[Session], session: Session, ledger: Scope
) -> None:
    from fundtrack.services.organisation import create_organisation

    with unit_of_work(factory) as s:
        other = create_organisation(s, NewOrganisation("Table de quartier Saint-Michel")).organisation_id
    scope = Scope(other)
    assert list_funders(session, scope) == []
    assert list_grants(session, scope) == []
    with pytest.raises(NotFound):
        grant_by_reference(session, scope, "PIC-2025-2027")
    assert session.query(Funder).count() == 4
    assert session.get_one(Organisation, ledger.organisation_id).name.startswith("Table de quartier de Parc")
