"""Budget lines as the reports and the checks read them: plain values, their amounts per year.

A budget line is one line — its project, category and description together (its id):
two lines with the same description in different categories (a position's salary, its
contributions, its benefits) are never added together (domain.md 4.5).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, String, select, true, type_coerce
from sqlalchemy.orm import Session, selectinload

from fundtrack.calc.budgets import BudgetAmounts, Budgeted, PeriodBudget, spread_cents, whole_month_bounds
from fundtrack.models import Budget, BudgetLine, BudgetLineAmount, BudgetVersion, Project
from fundtrack.money import from_cents
from fundtrack.periods import DateRange, FiscalYear, Month


@dataclass(frozen=True)
class LineBudget:
    """A budget line: its identity (id, project, category, description) and its amounts.

    ``summed`` is its budget already summed by the database for one period and "as of"
    date (see :func:`line_budgets`), None when the rules in Python compute it.
    """

    line_id: int
    project_id: int
    project: str
    category_id: int
    description: str
    profile: tuple[Decimal, ...] | None
    amounts: dict[DateRange, Decimal]
    summed: PeriodBudget | None = None

    @property
    def budget(self) -> Budgeted:
        """Its yearly amounts and their monthly profile, as the pure rules take them (or
        its budget already summed for the period asked)."""
        return self.summed if self.summed is not None else BudgetAmounts(self.amounts, self.profile)

    def months(self) -> dict[Month, Decimal]:
        return BudgetAmounts(self.amounts, self.profile).months()


def span_reader() -> Callable[[date | str, date | str], FiscalYear]:
    """A reader of the spans (fiscal years) of many rows: each distinct one parsed once.

    A budget names a handful of fiscal years over hundreds of rows; read as text (SQLite
    stores ISO dates; PostgreSQL hands back dates), each pair becomes one FiscalYear.
    """
    known: dict[tuple[date | str, date | str], FiscalYear] = {}

    def span_of(start: date | str, end: date | str) -> FiscalYear:
        found = known.get((start, end))
        if found is None:
            found = known[(start, end)] = FiscalYear(_day(start), _day(end))
        return found

    return span_of


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def amounts_of(line: LineBudget, period: DateRange | None = None) -> BudgetAmounts:
    """:func:`line_amounts` of a plain line: its amounts for the years ``period`` touches
    (all without one), keyed by their date ranges, with its profile."""
    amounts = {
        DateRange(y.start, y.end): v for y, v in line.amounts.items() if period is None or y.overlap_days(period)
    }
    return BudgetAmounts(amounts, line.profile)


def touches(line: LineBudget, period: DateRange) -> bool:
    """Whether one of the line's amounts falls in ``period`` (as :func:`lines_of_versions` keeps them)."""
    return any(y.start <= period.end and y.end >= period.start for y in line.amounts)


def line_budgets(
    session: Session,
    version_ids: Sequence[int],
    period: DateRange | None = None,
    project_id: int | None = None,
    *,
    as_of: date | None = None,
) -> list[LineBudget]:
    """The lines of the versions with their amounts for the years ``period`` touches (lines
    without an amount in those years are left out), in the versions' order.

    With ``as_of``, when the period and its days after ``as_of`` are whole months, each
    line without a monthly profile has its budget for the period and for the days to come
    summed from its cents as they are read (:func:`~fundtrack.calc.budgets.spread_cents`):
    its ``summed`` budget.

    One plain query (each line beside its amounts), no ORM objects: fast on large budgets.
    """
    if not version_ids:
        return []
    in_period = (
        (BudgetLineAmount.period_start <= period.end) & (BudgetLineAmount.period_end >= period.start)
        if period is not None
        else true()
    )
    bounds = whole_month_bounds(period, as_of) if period is not None and as_of is not None else None
    query = (
        select(
            BudgetLine.id,
            Budget.project_id,
            Project.name,
            BudgetLine.category_id,
            BudgetLine.description,
            BudgetLine.monthly_profile,
            type_coerce(BudgetLineAmount.period_start, String),  # read once per span: see span_reader
            type_coerce(BudgetLineAmount.period_end, String),
            type_coerce(BudgetLineAmount.amount, BigInteger),  # cents, summed before they become dollars
        )
        .join(BudgetLine.version)
        .join(BudgetVersion.budget)
        .join(Budget.project)
        .outerjoin(BudgetLineAmount, (BudgetLineAmount.line_id == BudgetLine.id) & in_period)
        # the versions named on both sides of their join: the planner reads only theirs
        .where(BudgetLine.version_id.in_(version_ids), BudgetVersion.id.in_(version_ids))
        .order_by(BudgetLine.version_id, BudgetLine.position, BudgetLine.id)
    )
    if project_id is not None:
        query = query.where(Budget.project_id == project_id)
    if session.autoflush:
        session.flush()  # as the session's own execute would, before plain rows from its connection
    out: list[LineBudget] = []
    last: tuple[int, dict[DateRange, Decimal], list[int]] | None = None
    found: list[tuple[tuple[int, int, str, int, str, tuple[Decimal, ...] | None], dict[DateRange, Decimal], list[int]]]
    found = []
    span_of = span_reader()
    for line_id, proj_id, proj, cat_id, desc, profile, start, end, amount in session.connection().execute(query).all():
        if last is None or last[0] != line_id:
            if period is not None and start is None:
                continue  # no amount in the years the period touches
            weights = tuple(Decimal(w) for w in profile) if profile else None
            last = (line_id, {}, [0, 0])
            found.append(((line_id, proj_id, proj, cat_id, desc, weights), last[1], last[2]))
        if start is not None:
            span = span_of(start, end)
            last[1][span] = from_cents(amount)
            if bounds is not None:
                whole, coming = bounds
                last[2][0] += spread_cents(amount, span.start, span.end, *whole)
                last[2][1] += spread_cents(amount, span.start, span.end, *coming) if coming is not None else 0
    for ident, amounts, (over, to_come) in found:
        summed = None
        if bounds is not None and ident[5] is None:
            assert period is not None and as_of is not None
            summed = PeriodBudget(period, as_of, from_cents(over), from_cents(to_come))
        out.append(LineBudget(*ident, amounts, summed))
    return out


def lines_of_versions(
    session: Session, version_ids: Sequence[int], period: DateRange | None = None
) -> list[BudgetLine]:
    """The lines of the versions (with category, amounts, version and project loaded)."""
    query = (
        select(BudgetLine)
        .where(BudgetLine.version_id.in_(version_ids))
        .options(
            selectinload(BudgetLine.amounts),
            selectinload(BudgetLine.category),
            selectinload(BudgetLine.version).selectinload(BudgetVersion.budget).selectinload(Budget.project),
        )
        .order_by(BudgetLine.version_id, BudgetLine.position)
    )
    if period is not None:
        has_amount = (
            select(BudgetLineAmount.id)
            .where(
                BudgetLineAmount.line_id == BudgetLine.id,
                BudgetLineAmount.period_start <= period.end,
                BudgetLineAmount.period_end >= period.start,
            )
            .exists()
        )
        query = query.where(has_amount)
    return list(session.scalars(query))


def line_amounts(line: BudgetLine, period: DateRange | None = None) -> BudgetAmounts:
    """An ORM line's amounts for the years ``period`` touches, with its profile."""
    amounts = {a.period: a.amount for a in line.amounts if period is None or a.period.overlap_days(period)}
    profile = tuple(Decimal(w) for w in line.monthly_profile) if line.monthly_profile else None
    return BudgetAmounts(amounts, profile)


def line_label(project: str, category: str, description: str) -> str:
    """A budget line as a listing names it: its project, its description and its category,
    so that the salary, contributions and benefits lines of one position stay apart."""
    return f"{project} · {description} ({category})"
