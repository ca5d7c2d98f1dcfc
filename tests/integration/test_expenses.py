"""Recording expenses, charging them to grants, and correcting them by reversal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import unit_of_work
from fundtrack.errors import RuleViolation
from fundtrack.models import AuditLog, Expense, ExpenseCharge, Grant
from fundtrack.schemas.budgets import NewExpense
from fundtrack.services.expenses import record_expense, reverse_expense
from tests.conftest import change_grant, treasurer

from .budget_factories import expense, the_table


@pytest.fixture
def org_id(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        return the_table(s).organisation_id


def _charges(session: Session, expense_id: int) -> dict[str, Decimal]:
    rows = session.execute(
        select(Grant.reference, ExpenseCharge.amount)
        .join(ExpenseCharge.grant)
        .where(ExpenseCharge.expense_id == expense_id)
    )
    return {ref: amount for ref, amount in rows}


def test_interpreters_charged_first_to_the_boroughs_restricted_grant(
    factory: sessionmaker[Session], org_id: int
) -> None:
    with unit_of_work(factory) as s:
        e = record_expense(s, treasurer(s, org_id), expense(date(2025, 6, 12), "1000.00"))
        assert (e.gst, e.qst, e.gst_rebate, e.qst_rebate, e.net_cost) == (
            Decimal("50.00"),
            Decimal("99.75"),
            Decimal("25.00"),
            Decimal("49.88"),
            Decimal("1074.87"),
        )
        assert _charges(s, e.id) == {"ARR-2025": Decimal("1074.87")}


def test_catering_goes_to_the_unrestricted_grant_and_an_unallocated_line_to_own_funds(
    factory: sessionmaker[Session], org_id: int
) -> None:
    with unit_of_work(factory) as s:
        org = treasurer(s, org_id)
        food = record_expense(
            s, org, expense(date(2025, 6, 12), "500.00", "catering", gst=Decimal("0"), qst=Decimal("0"))
        )
        rooms = record_expense(s, org, expense(date(2025, 6, 12), "300.00", "room_rental"))
        assert _charges(s, food.id) == {"PIC": Decimal("500.00")}
        assert _charges(s, rooms.id) == {}


def test_an_explicit_split_with_own_funds(factory: sessionmaker[Session], org_id: int) -> None:
    with unit_of_work(factory) as s:
        e = record_expense(
            s,
            treasurer(s, org_id),
            expense(
                date(2025, 6, 12),
                "1000.00",
                charges=[{"grant": "PIC", "amount": Decimal("1000.00")}],
                own_funds=Decimal("74.87"),
            ),
        )
        assert _charges(s, e.id) == {"PIC": Decimal("1000.00")}


def _count(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count(Expense.id))) or 0,
        session.scalar(select(func.count(ExpenseCharge.id))) or 0,
        session.scalar(select(func.count(AuditLog.id)).where(AuditLog.entity == "expense")) or 0,
    )


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (
            expense(date(2026, 1, 10), "100.00", charges=[{"grant": "ARR-2025", "amount": Decimal("107.49")}]),
            "charging.outside_period",
            "ARR-2025",
        ),
        (
            expense(
                date(2025, 6, 1), "100.00", "catering", charges=[{"grant": "ARR-2025", "amount": Decimal("107.49")}]
            ),
            "grant.ineligible_category",
            "catering",
        ),
        (
            expense(date(2025, 6, 1), "10000.00", charges=[{"grant": "ARR-2025", "amount": Decimal("10748.75")}]),
            "charging.beyond_remaining",
            "ARR-2025",
        ),
        (
            expense(date(2025, 6, 1), "100.00", charges=[{"grant": "PIC", "amount": Decimal("100.00")}]),
            "charging.split_total",
            ("107,49\xa0$", "$107.49"),  # amounts as each language writes them
        ),
    ],
    ids=["outside-period", "ineligible-category", "beyond-remaining", "does-not-add-up"],
)
def test_each_refusal_names_its_rule_and_writes_nothing(
    factory: sessionmaker[Session], org_id: int, data: NewExpense, code: str, words: str | tuple[str, str]
) -> None:
    with factory() as s:
        before = _count(s)
    with pytest.raises(RuleViolation) as err, unit_of_work(factory) as s:
        record_expense(s, treasurer(s, org_id), data)
    assert err.value.code == code
    fr, en = words if isinstance(words, tuple) else (words, words)
    assert fr in err.value.describe("fr") and en in err.value.describe("en")
    with factory() as s:
        assert _count(s) == before


def test_a_correction_reverses_the_original_and_keeps_it(factory: sessionmaker[Session], org_id: int) -> None:
    with unit_of_work(factory) as s:
        e = record_expense(s, treasurer(s, org_id), expense(date(2025, 6, 12), "1000.00"))
        expense_id = e.id
    with unit_of_work(factory) as s:
        reversal = reverse_expense(s, treasurer(s, org_id), expense_id)
        assert reversal.net_cost == Decimal("-1074.87") and reversal.reverses_id == expense_id
    with factory() as s:
        total = s.scalar(select(func.sum(ExpenseCharge.amount)))
        assert total == Decimal("0.00")
        assert s.scalar(select(func.count(Expense.id))) == 2
        actions = [
            a.action for a in s.scalars(select(AuditLog).where(AuditLog.entity == "expense").order_by(AuditLog.id))
        ]
        assert actions == ["create", "reverse"]
    with pytest.raises(RuleViolation) as err, unit_of_work(factory) as s:
        reverse_expense(s, treasurer(s, org_id), expense_id)
    assert err.value.code == "expense.already_reversed"


def test_changes_to_grants_are_audited_with_before_and_after(factory: sessionmaker[Session], org_id: int) -> None:

    with unit_of_work(factory) as s:
        change_grant(s, treasurer(s, org_id), "PIC", amount=Decimal("110000.00"))
    with factory() as s:
        entry = s.scalars(select(AuditLog).where(AuditLog.entity == "grant", AuditLog.action == "update")).one()
        assert entry.before is not None and entry.after is not None
        assert (entry.before["amount"], entry.after["amount"]) == ("100000.00", "110000.00")
