"""What has been charged to grants: totals, what a grant's charges span, the charged expenses."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, ColumnElement, exists, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from fundtrack.i18n import Lang
from fundtrack.models import BudgetCategory, Expense, ExpenseCharge, Grant
from fundtrack.money import ZERO
from fundtrack.periods import DateRange
from fundtrack.queries.scope import Scope


def charged_totals(session: Session, grant_ids: Iterable[int]) -> dict[int, Decimal]:
    """The net cost charged to each grant (every charge and its reversals), summed by the database."""
    ids = list(grant_ids)
    if not ids:
        return {}
    query = (
        select(ExpenseCharge.grant_id, func.sum(ExpenseCharge.amount))
        .where(ExpenseCharge.grant_id.in_(ids))
        .group_by(ExpenseCharge.grant_id)
    )
    totals = {gid: total for gid, total in session.execute(query)}
    return {gid: totals.get(gid) or ZERO for gid in ids}


@dataclass(frozen=True)
class ChargesOfGrant:
    """A grant's standing charges: their total, the dates they span and their categories."""

    total: Decimal
    first: date | None
    last: date | None
    categories: frozenset[str]

    @property
    def any(self) -> bool:
        return self.total != 0


def standing() -> ColumnElement[bool]:
    """The WHERE clause of the expenses that stand: neither a reversal nor reversed."""
    reversal = aliased(Expense)
    return Expense.reverses_id.is_(None) & ~exists().where(reversal.reverses_id == Expense.id)


def charges_of_grant(session: Session, grant_id: int) -> ChargesOfGrant:
    """The charges of the expenses that stand (a reversed expense and its reversal do not
    count), summed by category."""
    query = (
        select(
            BudgetCategory.code,
            func.sum(ExpenseCharge.amount),
            func.min(Expense.expense_date),
            func.max(Expense.expense_date),
        )
        .select_from(ExpenseCharge)
        .join(ExpenseCharge.expense)
        .join(BudgetCategory, BudgetCategory.id == Expense.category_id)
        .where(ExpenseCharge.grant_id == grant_id, standing())
        .group_by(BudgetCategory.code)
    )
    total, first, last, categories = ZERO, None, None, set()
    for code, amount, low, high in session.execute(query):
        if not amount:
            continue
        total += amount
        categories.add(code)
        first = low if first is None or low < first else first
        last = high if last is None or high > last else last
    return ChargesOfGrant(total, first, last, frozenset(categories))


class ChargedExpenseRow(NamedTuple):
    """One expense charged to one grant, as a funder's report lists it (in the order of its
    columns), its money in integer cents as stored."""

    day: date
    grant: str
    payee: str
    description: str
    category: str
    net_cents: int
    charged_cents: int
    receipt_reference: str


def _charged_conditions(scope: Scope, period: DateRange | None, grant_ids: Sequence[int] | None) -> list[Any]:
    conditions: list[Any] = [scope.grants_filter(), Expense.organisation_id == scope.organisation_id]
    if period is not None:
        conditions += [Expense.expense_date >= period.start, Expense.expense_date <= period.end]
    if grant_ids is not None:
        conditions.append(ExpenseCharge.grant_id.in_(list(grant_ids)))
    return conditions


def count_charged_expenses(
    session: Session, scope: Scope, period: DateRange | None = None, grant_ids: Sequence[int] | None = None
) -> int:
    """How many rows :func:`charged_expense_rows` yields for the same arguments (one query)."""
    query = (
        select(func.count())
        .select_from(ExpenseCharge)
        .join(ExpenseCharge.expense)
        .join(ExpenseCharge.grant)
        .where(*_charged_conditions(scope, period, grant_ids))
    )
    return int(session.execute(query).scalar_one())


def charged_expense_rows(
    session: Session,
    scope: Scope,
    period: DateRange | None = None,
    grant_ids: Sequence[int] | None = None,
    batch: int = 1000,
    lang: Lang = "fr",
) -> Iterator[ChargedExpenseRow]:
    """The charges of expenses in ``period`` to the grants the scope sees (or to ``grant_ids``
    among them), oldest first: one row per expense and grant, the category's label in
    ``lang``, an expense without a receipt reference with ``""``. Read on the session's
    connection without the ORM (plain rows, the money left in cents) and streamed ``batch``
    rows at a time: memory does not grow with the rows."""
    label = BudgetCategory.label_en if lang == "en" else BudgetCategory.label_fr
    query = (
        select(
            Expense.expense_date,
            Grant.reference,
            Expense.payee,
            Expense.description,
            label,
            type_coerce(Expense.net_cost, BigInteger),
            type_coerce(ExpenseCharge.amount, BigInteger),
            func.coalesce(Expense.receipt_reference, ""),
        )
        .select_from(ExpenseCharge)
        .join(ExpenseCharge.expense)
        .join(ExpenseCharge.grant)
        .join(BudgetCategory, BudgetCategory.id == Expense.category_id)
        .where(*_charged_conditions(scope, period, grant_ids))
        .order_by(Expense.expense_date, Expense.id, Grant.reference)
    )
    if session.autoflush:
        session.flush()  # as the session's own execute would
    result = session.connection().execution_options(yield_per=batch).execute(query)
    try:
        for row in result:
            yield ChargedExpenseRow(*row)
    finally:
        result.close()


def charged_by_grant(
    session: Session, scope: Scope, start: date | None = None, end: date | None = None
) -> dict[str, Decimal]:
    """The net cost charged to each grant the scope sees (by reference), for expenses
    dated from ``start`` to ``end`` (either open), summed by the database."""
    query = (
        select(Grant.reference, func.sum(ExpenseCharge.amount))
        .select_from(ExpenseCharge)
        .join(ExpenseCharge.expense)
        .join(ExpenseCharge.grant)
        .where(scope.grants_filter(), Expense.organisation_id == scope.organisation_id)
        .group_by(Grant.reference)
    )
    if start is not None:
        query = query.where(Expense.expense_date >= start)
    if end is not None:
        query = query.where(Expense.expense_date <= end)
    return {reference: total for reference, total in session.execute(query)}


def list_expenses(session: Session, scope: Scope, period: DateRange | None = None) -> list[Expense]:
    """Expenses in ``period``, oldest first; a funder's scope sees those charged to its grants."""
    query = (
        select(Expense)
        .where(Expense.organisation_id == scope.organisation_id)
        .order_by(Expense.expense_date, Expense.id)
    )
    if period is not None:
        query = query.where(Expense.expense_date >= period.start, Expense.expense_date <= period.end)
    if scope.funder_id is not None:
        charged = select(ExpenseCharge.expense_id).join(ExpenseCharge.grant).where(scope.grants_filter())
        query = query.where(Expense.id.in_(charged))
    return list(session.scalars(query))
