"""Expenses and their charges: splits that add up, reversals that mirror, charges that fit their grant."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, exists, func, literal_column, not_, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from fundtrack.calc.taxes import GST_RATE, QST_RATE, TAX_ROUNDING
from fundtrack.models import BudgetCategory, Expense, ExpenseCharge, Grant, GrantStatus, Project
from fundtrack.models.ledger import grant_eligible_categories, grant_projects
from fundtrack.money import ZERO, percent_of
from fundtrack.queries.charges import standing
from fundtrack.queries.integrity import Breach, Check

CHARGEABLE = (GrantStatus.CONFIRMED, GrantStatus.CLOSED)  # a closed grant keeps its charges


def _label(expense_date: object, payee: str) -> str:
    return f"{expense_date} {payee}"


def split_adds_up(session: Session) -> Iterator[Breach]:
    """An expense's charges and its own funds add up to its net cost: the charges have the
    sign of the net cost and never go past it, so that own funds are never negative."""
    charged = func.sum(ExpenseCharge.amount)
    query = (
        select(Expense.id, Expense.expense_date, Expense.payee, Expense.net_cost, charged)
        .join(ExpenseCharge, ExpenseCharge.expense_id == Expense.id)
        .group_by(Expense.id, Expense.expense_date, Expense.payee, Expense.net_cost)
        .having(
            or_(
                and_(Expense.net_cost >= 0, or_(charged > Expense.net_cost, charged < 0)),
                and_(Expense.net_cost < 0, or_(charged < Expense.net_cost, charged > 0)),
            )
        )
        .order_by(Expense.id)
    )
    for expense_id, day, payee, net_cost, total in session.execute(query):
        params = (("net_cost", net_cost), ("charged", total), ("own", net_cost - total))
        yield Breach("split", "expense", expense_id, _label(day, payee), params)


def reversals_mirror(session: Session) -> Iterator[Breach]:
    """A reversing expense cancels its original exactly (the opposite net cost) and no
    reversal is itself reversed."""
    original = aliased(Expense)
    query = (
        select(Expense.id, Expense.expense_date, Expense.payee, Expense.net_cost, original.id, original.net_cost)
        .join(original, original.id == Expense.reverses_id)
        .where(or_(Expense.net_cost + original.net_cost != 0, original.reverses_id.is_not(None)))
        .order_by(Expense.id)
    )
    for expense_id, day, payee, net_cost, original_id, original_cost in session.execute(query):
        params = (("net_cost", net_cost), ("original", original_id), ("original_cost", original_cost))
        yield Breach("expense_reversal", "expense", expense_id, _label(day, payee), params)


def _charges(session: Session, rule: str, condition: ColumnElement[bool]) -> Iterator[Breach]:
    """The standing charges (neither reversed nor reversals) that meet ``condition``."""
    query = (
        select(
            ExpenseCharge.id,
            Expense.expense_date,
            Expense.payee,
            ExpenseCharge.amount,
            Grant.reference,
            Grant.status,
            Grant.start_date,
            Grant.end_date,
            BudgetCategory.code,
            Project.name,
        )
        .select_from(ExpenseCharge)
        .join(Expense, Expense.id == ExpenseCharge.expense_id)
        .join(Grant, Grant.id == ExpenseCharge.grant_id)
        .join(BudgetCategory, BudgetCategory.id == Expense.category_id)
        .join(Project, Project.id == Expense.project_id)
        .where(standing(), condition)
        .order_by(ExpenseCharge.id)
    )
    for charge_id, day, payee, amount, reference, status, start, end, category, project in session.execute(query):
        params = (
            ("grant", reference),
            ("amount", amount),
            ("date", day),
            ("status", status.value),
            ("start", start),
            ("end", end),
            ("category", category),
            ("project", project),
        )
        yield Breach(rule, "expense_charge", charge_id, f"{_label(day, payee)} → {reference}", params)


def charges_to_confirmed_grants(session: Session) -> Iterator[Breach]:
    """A grant is charged only while confirmed (or once closed)."""
    return _charges(session, "charge_status", Grant.status.not_in(CHARGEABLE))


def charges_within_period(session: Session) -> Iterator[Breach]:
    """An expense charged to a grant falls within the grant's period."""
    return _charges(
        session, "charge_period", or_(Expense.expense_date < Grant.start_date, Expense.expense_date > Grant.end_date)
    )


def charges_in_eligible_categories(session: Session) -> Iterator[Breach]:
    """A restricted grant is charged only expenses of its eligible categories."""
    eligible = exists().where(
        grant_eligible_categories.c.grant_id == Grant.id,
        grant_eligible_categories.c.category_id == Expense.category_id,
    )
    return _charges(session, "charge_category", and_(Grant.restricted.is_(True), not_(eligible)))


def charges_to_funded_projects(session: Session) -> Iterator[Breach]:
    """A grant that names the projects it funds is charged only their expenses."""
    names_any = exists().where(grant_projects.c.grant_id == Grant.id)
    funds = exists().where(grant_projects.c.grant_id == Grant.id, grant_projects.c.project_id == Expense.project_id)
    return _charges(session, "charge_project", and_(names_any, not_(funds)))


def _tax_breach(tax: Decimal, pre_tax: Decimal, rate: Decimal) -> bool:
    """Whether a tax recorded on ``pre_tax`` breaks the rule that recording it follows
    (:func:`fundtrack.calc.taxes.compute_taxes`): the sign of the pre-tax amount, and
    never more than the computed tax plus its allowance."""
    if tax != ZERO and (tax < 0) != (pre_tax < 0):
        return True
    computed = percent_of(pre_tax, rate)
    allowance = max(TAX_ROUNDING, percent_of(abs(computed), Decimal("0.01")))
    return abs(tax) > abs(computed) + allowance


def taxes_within_rule(session: Session) -> Iterator[Breach]:
    """An expense's GST and QST are those the rule gives on its pre-tax amount (at most a
    small allowance more, as a receipt's rounding may be), with its sign."""
    cents = {name: type_coerce(getattr(Expense, name), BigInteger) for name in ("pre_tax", "gst", "qst")}

    def beyond(tax: ColumnElement[Any], rate: str) -> ColumnElement[bool]:
        # a first sieve in the database, in cents: the rule's threshold (computed tax plus
        # the larger of 5 cents and 1 %) is never below either bound, so no breach is missed;
        # the exact rule is applied below to what passes
        base = func.abs(cents["pre_tax"]) * literal_column(rate)
        above = and_(func.abs(tax) > base + 4, func.abs(tax) > base * literal_column("1.01") - 2)
        return or_(above, and_(tax != 0, (tax < 0) != (cents["pre_tax"] < 0)))

    query = (
        select(Expense.id, Expense.expense_date, Expense.payee, Expense.pre_tax, Expense.gst, Expense.qst)
        .where(or_(beyond(cents["gst"], "0.05"), beyond(cents["qst"], "0.09975")))
        .order_by(Expense.id)
    )
    for expense_id, day, payee, pre_tax, gst, qst in session.execute(query):
        if _tax_breach(gst, pre_tax, GST_RATE) or _tax_breach(qst, pre_tax, QST_RATE):
            params = (
                ("pre_tax", pre_tax),
                ("gst", gst),
                ("gst_rule", percent_of(pre_tax, GST_RATE)),
                ("qst", qst),
                ("qst_rule", percent_of(pre_tax, QST_RATE)),
            )
            yield Breach("expense_taxes", "expense", expense_id, _label(day, payee), params)


CHECKS: tuple[Check, ...] = (
    split_adds_up,
    taxes_within_rule,
    reversals_mirror,
    charges_to_confirmed_grants,
    charges_within_period,
    charges_in_eligible_categories,
    charges_to_funded_projects,
)
