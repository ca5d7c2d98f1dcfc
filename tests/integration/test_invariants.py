"""The services refuse, naming the rule, every change that would break what a grant already
pays for; a grant is changed in place; a refused correction leaves nothing behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import begin_write, unit_of_work
from fundtrack.errors import InputError, StaleRecord, ValidationFailed
from fundtrack.models import Allocation, AuditLog, Expense, Funder, Grant, Organisation, Project
from fundtrack.queries.ledger import receivables
from fundtrack.queries.lookups import grant_by_reference, version_of
from fundtrack.schemas.budgets import VersionSchema
from fundtrack.schemas.ledger import Receipt
from fundtrack.schemas.staffing import RatesChange
from fundtrack.services import interchange
from fundtrack.services.allocations import allocate, correct_allocation
from fundtrack.services.budgets import create_version, make_current
from fundtrack.services.context import Acting
from fundtrack.services.expenses import correct_expense, record_expense
from fundtrack.services.funders import funder_command, project_command, update_funder, update_project
from fundtrack.services.grants import grant_command
from fundtrack.services.organisation import organisation_command, update_settings
from fundtrack.services.payroll_rates import set_payroll_rates
from fundtrack.services.receipts import record_instalment_received
from tests.conftest import change_grant, receive, treasurer

from .conftest import row_counts
from .proof_table import (
    CITY_GRANT,
    EVENTS,
    OPS,
    PIC,
    SMALL,
    SMALL_GIFT,
    allocated_to,
    allocation,
    an_expense,
    budget,
    charge,
    charged_to,
    grant_data,
    grant_named,
    instalments_of,
    the_proof_table,
)

D = Decimal


@pytest.fixture
def org_id(factory: sessionmaker[Session]) -> int:
    """The Table with what its grants already pay for:

    - the City's 30 000 $ (calendar 2025, operations only): 10 000 $ of interpreters
      charged on 2025-09-15;
    - the borough's 25 000 $ (2025-2026): 10 000 $ allocated to the operations'
      translation, 5 000 $ to the events' translation; a revised operations budget
      (not current) allocating it 15 000 $, then 10 000 $ more to the events, so that
      making the revision current would give the grant 30 000 $ in 2025-2026.
    """
    with unit_of_work(factory) as session:
        acting = the_proof_table(session)
        create_version(session, acting, VersionSchema().load(budget("Adopté 2025-2026", "adopted", True, EVENTS)))
        create_version(session, acting, VersionSchema().load(budget("Révisé 2025-2026", "revised", scale=2)))
        allocate(session, acting, allocation(SMALL, "translation", "10000.00"))
        allocate(session, acting, allocation(SMALL, "translation", "5000.00", EVENTS))
        allocate(session, acting, allocation(SMALL, "translation", "15000.00", version="Révisé 2025-2026"))
        allocate(session, acting, allocation(SMALL, "room_rental", "10000.00", EVENTS))
        record_expense(session, acting, an_expense("10000.00", CITY_GRANT))
        return acting.organisation_id


def audit_entries(session: Session) -> list[AuditLog]:
    return list(session.scalars(select(AuditLog).order_by(AuditLog.id)))


# --- 4. a grant is changed in place -----------------------------------------------------------


def test_a_title_change_on_a_scheduled_grant_keeps_its_schedule_and_instalments(
    factory: sessionmaker[Session], org_id: int
) -> None:
    """The 300 000 $ PIC has a schedule by fiscal year and four instalments (two received):
    a new title changes the title, and nothing else, not even a row id."""
    with factory() as session:
        grant = grant_named(session, PIC)
        rows = (
            [(e.id, e.period_start, e.amount) for e in grant.schedule],
            [(i.id, i.expected_date, i.received_amount) for i in grant.instalments],
            [(r.id, r.due_date) for r in grant.report_dues],
        )
        logged = len(audit_entries(session))
    with unit_of_work(factory) as session:
        change_grant(session, treasurer(session, org_id), PIC, title="Projet impact collectif (PIC)")
    with factory() as session:
        grant = grant_named(session, PIC)
        assert grant.title == "Projet impact collectif (PIC)"
        assert (
            [(e.id, e.period_start, e.amount) for e in grant.schedule],
            [(i.id, i.expected_date, i.received_amount) for i in grant.instalments],
            [(r.id, r.due_date) for r in grant.report_dues],
        ) == rows
        (entry,) = audit_entries(session)[logged:]
        assert (entry.entity, entry.entity_id, entry.action) == ("grant", grant.id, "update")
        assert (entry.before, entry.after) == (
            {"title": "Projet impact collectif"},
            {"title": "Projet impact collectif (PIC)"},
        )


def test_a_changed_instalment_keeps_its_row_and_the_audit_points_at_it(
    factory: sessionmaker[Session], org_id: int
) -> None:
    with factory() as session:
        before = {i.expected_date: i.id for i in instalments_of(session, PIC)}
        logged = len(audit_entries(session))
    with unit_of_work(factory) as session:
        terms = grant_command(grant_by_reference(session, treasurer(session, org_id).scope, PIC))
        third, fourth = terms.instalments[2:]
        instalments = (
            *terms.instalments[:2],
            replace(third, amount=D("90000.00")),
            replace(fourth, amount=D("70000.00")),
        )
        change_grant(session, treasurer(session, org_id), PIC, instalments=instalments)
    with factory() as session:
        assert {i.expected_date: i.id for i in instalments_of(session, PIC)} == before
        entries = audit_entries(session)[logged:]
        assert sorted(
            (e.entity, e.entity_id, e.before, e.after) for e in entries if e.entity == "instalment"
        ) == sorted(
            [
                (
                    "instalment",
                    before[date(2026, 6, 1)],
                    {"expected_amount": "80000.00"},
                    {"expected_amount": "90000.00"},
                ),
                (
                    "instalment",
                    before[date(2026, 12, 1)],
                    {"expected_amount": "80000.00"},
                    {"expected_amount": "70000.00"},
                ),
            ]
        )
        assert not [e for e in entries if e.action == "delete"]


# --- 5. what a grant pays for holds -----------------------------------------------------------


def lowered(reference: str, amount: str) -> Callable[[Session, Acting], Any]:
    """The grant lowered to ``amount`` (its instalments scaled down to fit)."""

    def change(session: Session, acting: Acting) -> Any:
        terms = grant_command(grant_by_reference(session, acting.scope, reference))
        instalments = tuple(replace(i, amount=D(amount) / len(terms.instalments)) for i in terms.instalments)
        return change_grant(session, acting, reference, amount=D(amount), instalments=instalments)

    return change


def changed(reference: str, **changes: Any) -> Callable[[Session, Acting], Any]:
    return lambda session, acting: change_grant(session, acting, reference, **changes)


def made_current(name: str) -> Callable[[Session, Acting], Any]:
    return lambda session, acting: make_current(session, acting, OPS, name)


def received(reference: str, expected: date, amount: str) -> Callable[[Session, Acting], Any]:
    return lambda session, acting: receive(session, acting, reference, expected, date(2025, 6, 1), D(amount))


def recorded(amount: str, **extra: Any) -> Callable[[Session, Acting], Any]:
    return lambda session, acting: record_expense(session, acting, an_expense(amount, **extra))


def allocated(grant: str, category: str, amount: str, project: str = OPS) -> Callable[[Session, Acting], Any]:
    return lambda session, acting: allocate(session, acting, allocation(grant, category, amount, project))


REFUSED = [
    ("lowered below what is charged", lowered(CITY_GRANT, "9000.00"), "grant.below_charged", "10\xa0000,00"),
    ("lowered below what is allocated", lowered(SMALL, "12000.00"), "allocation.over_period", SMALL),
    ("declined with charges", changed(CITY_GRANT, status="declined"), "grant.status_with_charges", "10\xa0000,00"),
    ("un-confirmed with charges", changed(CITY_GRANT, status="requested"), "grant.status_with_charges", "10\xa0000,00"),
    ("moved off its charges", changed(CITY_GRANT, end_date=date(2025, 8, 31)), "grant.charges_outside", "2025-09-15"),
    (
        "restricted away from its charges",
        changed(CITY_GRANT, restricted=True, eligible_categories=("room_rental",)),
        "grant.charges_ineligible",
        "translation",
    ),
    (
        "restricted away from its allocations",
        changed(SMALL, restricted=True, eligible_categories=("room_rental",)),
        "grant.ineligible_category",
        "translation",
    ),
    (
        "moved off its allocations",
        changed(SMALL, start_date=date(2026, 4, 1), end_date=date(2026, 12, 31), instalments=()),
        "allocation.outside_period",
        SMALL,
    ),
    (
        "a version made current whose allocations exceed a grant in a year",
        made_current("Révisé 2025-2026"),
        "allocation.over_period",
        "30\xa0000,00\xa0$",
    ),
    (
        "received beyond the grant",
        received(SMALL_GIFT, date(2025, 5, 15), "1000000.00"),
        "instalment.over_grant",
        "4\xa0000,00",
    ),
    (
        "taxes typed far from the rule",
        recorded("1.00", grant=None, gst=D("100000.00")),
        "taxes.too_high",
        "100\xa0000,00\xa0$",
    ),
    (
        "charged to a project the grant does not fund",
        recorded("500.00", grant=CITY_GRANT, project=EVENTS),
        "grant.project_not_funded",
        CITY_GRANT,
    ),
    (
        "allocated to a project the grant does not fund",
        allocated(CITY_GRANT, "translation", "500.00", EVENTS),
        "grant.project_not_funded",
        EVENTS,
    ),
]


@pytest.mark.parametrize(("change", "code", "named"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_a_change_that_would_break_a_rule_is_refused_naming_it_and_writes_nothing(
    factory: sessionmaker[Session],
    engine: Engine,
    org_id: int,
    change: Callable[[Session, Acting], Any],
    code: str,
    named: str,
) -> None:
    before = row_counts(engine)
    with pytest.raises(InputError) as err, unit_of_work(factory) as session:
        change(session, treasurer(session, org_id))
    assert err.value.code == code
    described = err.value.describe("fr") + " " + (err.value.field or "")
    assert named in described, described
    assert err.value.describe("en") != err.value.describe("fr")
    assert row_counts(engine) == before


def test_taxes_typed_far_from_the_rule_never_drain_the_grants_allocated_to_the_line(
    factory: sessionmaker[Session], org_id: int
) -> None:
    """100 000 $ of GST on 1,00 $ of interpreters, charged automatically: refused on the GST,
    the grants allocated to the line untouched."""
    with factory() as session:
        before = {ref: charged_to(session, ref) for ref in (SMALL, PIC, CITY_GRANT)}
    with pytest.raises(InputError) as err, unit_of_work(factory) as session:
        record_expense(session, treasurer(session, org_id), replace(an_expense("1.00", None), gst=D("100000.00")))
    assert (err.value.code, err.value.field) == ("taxes.too_high", "gst")
    with factory() as session:
        assert {ref: charged_to(session, ref) for ref in (SMALL, PIC, CITY_GRANT)} == before


def test_a_cent_received_on_a_large_instalment_leaves_it_due(factory: sessionmaker[Session], org_id: int) -> None:
    """0,01 $ received on the City's 30 000 $ instalment: recorded, with 29 999,99 $ still due;
    the rest completes it; nothing more may come in on it."""
    with unit_of_work(factory) as session:
        done = receive(session, treasurer(session, org_id), CITY_GRANT, date(2025, 3, 1), date(2025, 3, 5), D("0.01"))
        assert (done.in_full, done.difference) == (False, D("-29999.99"))
    with factory() as session:
        due = [
            r
            for r in receivables(session, treasurer(session, org_id).scope, date(2025, 4, 1))
            if r.reference == CITY_GRANT
        ]
        assert [(r.amount, r.received) for r in due] == [(D("29999.99"), D("0.01"))]
    with unit_of_work(factory) as session:
        rest = receive(session, treasurer(session, org_id), CITY_GRANT, None, date(2025, 4, 2), D("29999.99"))
        assert (rest.in_full, rest.difference, rest.instalment.expected_date) == (True, D("0.00"), date(2025, 3, 1))
    with pytest.raises(InputError) as err, unit_of_work(factory) as session:
        receive(session, treasurer(session, org_id), CITY_GRANT, date(2025, 3, 1), date(2025, 4, 3), D("0.01"))
    assert err.value.code == "instalment.already_received"


def test_an_interchange_file_with_receipts_beyond_its_grant_loads_nothing(
    empty_database: sessionmaker[Session],
) -> None:
    gift = grant_data(SMALL_GIFT)
    gift["instalments"] = [{**gift["instalments"][0], "received_date": "2025-05-20", "received_amount": "4000.01"}]
    document = {
        "format": "fundtrack",
        "version": 1,
        "organisation": {"name": "Table de quartier de Parc-Extension"},
        "funders": [{"name": gift["funder"], "kind": "foundation"}],
        "projects": [{"name": EVENTS}],
        "grants": [gift],
    }
    with pytest.raises(ValidationFailed) as err, unit_of_work(empty_database) as session:
        interchange.load_document(session, document)
    assert [(e.path, e.code) for e in err.value.errors] == [("grants[0].instalments", "grant.received_exceed")]
    with empty_database() as session:
        assert session.scalars(select(Organisation)).all() == []


# --- 2. every edit is made from the revision its author read --------------------------------


Edit = Callable[[Session, Acting, int | None], Any]


def stale_edits() -> list[tuple[str, Edit, Edit, Callable[[Session], int], str]]:
    """(what, the edit, someone else's change to the same record, its revision, its name)."""

    def funder(session: Session) -> Funder:
        return session.scalars(select(Funder).where(Funder.name == "Ville de Montréal")).one()

    def project(session: Session) -> Project:
        return session.scalars(select(Project).where(Project.name == OPS)).one()

    def fee_cap(s: Session, a: Acting, r: int | None) -> Any:
        return update_funder(s, a, "Ville de Montréal", r, replace(funder_command(funder(s)), fee_cap=D("0.1")))

    def described(s: Session, a: Acting, r: int | None) -> Any:
        return update_project(s, a, OPS, r, replace(project_command(project(s)), description="Opérations"))

    def cnesst(s: Session, a: Acting, r: int | None) -> Any:
        return update_settings(s, a, r, replace(organisation_command(a.organisation(s)), cnesst_rate=D("0.0121")))

    def adopted_current(s: Session, a: Acting, r: int | None) -> Any:
        return make_current(s, a, OPS, "Adopté 2025-2026", r)

    def copy_current(s: Session, a: Acting, r: int | None) -> Any:
        create_version(s, a, VersionSchema().load(budget("Copie", "revised")))
        return make_current(s, a, OPS, "Copie")

    def adopted_revision(s: Session) -> int:
        return version_of(s, treasurer(s, s.scalars(select(Organisation.id)).one()).scope, OPS).revision

    def received_may(s: Session, a: Acting, r: int | None) -> Any:
        receipt = Receipt(SMALL, date(2025, 5, 2), D("12500.00"), date(2025, 5, 1), r)
        return record_instalment_received(s, a, receipt)

    def received_november(s: Session, a: Acting, r: int | None) -> Any:
        return record_instalment_received(s, a, Receipt(SMALL, date(2025, 11, 2), D("12500.00"), date(2025, 11, 1)))

    return [
        ("a funder", fee_cap, fee_cap, lambda s: funder(s).revision, "Ville de Montréal"),
        ("a project", described, described, lambda s: project(s).revision, OPS),
        (
            "the organisation's settings",
            cnesst,
            cnesst,
            lambda s: s.scalars(select(Organisation)).one().revision,
            "Table de quartier de Parc-Extension",
        ),
        ("the budget version made current", adopted_current, copy_current, adopted_revision, "Adopté 2025-2026"),
        ("an instalment received", received_may, received_november, lambda s: grant_named(s, SMALL).revision, SMALL),
    ]


@pytest.mark.parametrize(
    ("edit", "meanwhile", "revision_of", "record"), [e[1:] for e in stale_edits()], ids=[e[0] for e in stale_edits()]
)
def test_an_edit_from_a_stale_read_is_refused_naming_the_record(
    factory: sessionmaker[Session],
    engine: Engine,
    org_id: int,
    edit: Edit,
    meanwhile: Edit,
    revision_of: Callable[[Session], int],
    record: str,
) -> None:
    with factory() as session:
        read = revision_of(session)
    with unit_of_work(factory) as session:  # someone else's change in between
        meanwhile(session, treasurer(session, org_id, "Léa"), None)
    before = row_counts(engine)
    with pytest.raises(StaleRecord) as err, unit_of_work(factory) as session:
        edit(session, treasurer(session, org_id, "Sami"), read)
    assert record in err.value.describe("fr") and record in err.value.describe("en")
    assert row_counts(engine) == before


def test_payroll_rates_edited_from_a_stale_read_are_refused_naming_the_year(
    factory: sessionmaker[Session], org_id: int
) -> None:
    with unit_of_work(factory) as session:
        table = set_payroll_rates(session, treasurer(session, org_id), RatesChange(2026, cnesst_rate=D("0.0121")))
        read = table.revision
    with unit_of_work(factory) as session:
        set_payroll_rates(session, treasurer(session, org_id), RatesChange(2026, cnesst_rate=D("0.0125")), read)
    with pytest.raises(StaleRecord) as err, unit_of_work(factory) as session:
        set_payroll_rates(session, treasurer(session, org_id), RatesChange(2026, cnesst_rate=D("0.0130")), read)
    assert "2026" in err.value.describe("en")


# --- 6. a refused correction leaves nothing behind --------------------------------------------


def test_a_refused_allocation_correction_leaves_no_reversal_even_if_the_caller_commits(
    factory: sessionmaker[Session], org_id: int
) -> None:
    """Correcting the operations' 10 000 $ to 30 000 $ (more than the grant): refused; the
    caller catches the error, records something else and commits: the allocation stands as it was."""
    with factory() as session:
        original = session.scalars(
            select(Allocation)
            .join(Allocation.grant)
            .where(Grant.reference == SMALL, Allocation.amount == D("10000.00"))
            .order_by(Allocation.id)
        ).first()
        assert original is not None
        before = (allocated_to(session, SMALL), len(audit_entries(session)))
    with unit_of_work(factory) as session:
        acting = treasurer(session, org_id)
        with pytest.raises(InputError) as err:
            correct_allocation(session, acting, original.id, D("30000.00"))
        record_expense(session, acting, an_expense("100.00", CITY_GRANT))  # the caller carries on
    assert err.value.code in ("allocation.over_total", "allocation.over_period")
    with factory() as session:
        assert session.scalars(select(Allocation).where(Allocation.reverses_id == original.id)).all() == []
        assert allocated_to(session, SMALL) == before[0]
        new_entries = audit_entries(session)[before[1] :]
        assert {e.entity for e in new_entries} == {"expense", "expense_charge"}


def test_a_refused_expense_correction_leaves_no_reversal_even_if_the_caller_commits(
    factory: sessionmaker[Session], org_id: int
) -> None:
    """Correcting the 10 000 $ of interpreters to 40 000 $ on the City's 30 000 $: refused; the
    caller catches the error and commits: the expense stands, charged as it was."""
    with factory() as session:
        (original,) = session.scalars(select(Expense)).all()
        before = (charged_to(session, CITY_GRANT), len(audit_entries(session)))
    with unit_of_work(factory) as session, pytest.raises(InputError) as err:
        correct_expense(session, treasurer(session, org_id), original.id, an_expense("40000.00", CITY_GRANT))
    assert err.value.code == "charging.beyond_remaining"
    with factory() as session:
        assert [e.id for e in session.scalars(select(Expense))] == [original.id]
        assert session.scalars(select(Expense).where(Expense.reverses_id == original.id)).all() == []
        assert (charged_to(session, CITY_GRANT), len(audit_entries(session))) == before


def test_an_accepted_correction_reverses_and_replaces_in_one_go(factory: sessionmaker[Session], org_id: int) -> None:
    with factory() as session:
        (original,) = session.scalars(select(Expense)).all()
    with unit_of_work(factory) as session:
        correct_expense(session, treasurer(session, org_id), original.id, an_expense("12000.00", CITY_GRANT))
    with factory() as session:
        assert charged_to(session, CITY_GRANT) == D("12000.00")
        assert len(session.scalars(select(Expense)).all()) == 3


def test_charges_stay_within_what_remains_after_many_small_expenses(
    factory: sessionmaker[Session], org_id: int
) -> None:
    charge(factory, org_id, "19999.99", CITY_GRANT)
    with pytest.raises(InputError) as err:
        charge(factory, org_id, "0.02", CITY_GRANT)
    assert err.value.code == "charging.beyond_remaining"
    charge(factory, org_id, "0.01", CITY_GRANT)
    with factory() as session:
        assert charged_to(session, CITY_GRANT) == D("30000.00")


# --- for any amounts: never more than the grant ------------------------------------------------

AMOUNTS = st.lists(st.decimals(min_value=D("0.01"), max_value=D("20000.00"), places=2), min_size=1, max_size=6)


@contextmanager
def rolled_back(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One write transaction, rolled back at the end (each example starts from the fixture)."""
    session = factory()
    session.begin()
    begin_write(session)
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amounts=AMOUNTS)
def test_whatever_comes_in_what_is_received_never_exceeds_the_grant(
    factory: sessionmaker[Session], org_id: int, amounts: list[Decimal]
) -> None:
    """Receipts of any amounts on the borough's 25 000 $ (two instalments of 12 500 $): each
    is recorded or refused naming its rule; the grant never receives more than its amount."""
    with rolled_back(factory) as session:
        acting = treasurer(session, org_id)
        accepted = D(0)
        for amount in amounts:
            try:
                with session.begin_nested():
                    receive(session, acting, SMALL, None, date(2025, 6, 1), amount)
                accepted += amount
            except InputError as err:
                assert err.code in ("instalment.over_grant", "instalment.none_pending")
        received = sum((i.received_amount or D(0) for i in instalments_of(session, SMALL)), D(0))
        assert received == accepted <= D("25000.00")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amounts=AMOUNTS)
def test_whatever_is_spent_what_is_charged_never_exceeds_the_grant(
    factory: sessionmaker[Session], org_id: int, amounts: list[Decimal]
) -> None:
    """Expenses of any amounts charged to the City's 30 000 $ (10 000 $ already charged): each
    is charged or refused as beyond what remains; the grant is never overspent."""
    with rolled_back(factory) as session:
        acting = treasurer(session, org_id)
        accepted = D("10000.00")
        for i, amount in enumerate(amounts):
            try:
                with session.begin_nested():
                    record_expense(session, acting, an_expense(str(amount), CITY_GRANT, payee=f"Fournisseur {i}"))
                accepted += amount
            except InputError as err:
                assert err.code == "charging.beyond_remaining"
        assert charged_to(session, CITY_GRANT) == accepted <= D("30000.00")
