"""Budget lines as the reports and the checks read them: plain values, their amounts per year.

A budget line is one line — its project, category and description together (its id):
two lines with the same description in different categories (a position's salary, its
contributions, its benefits) are never added together (domain.md 4.5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, true
from sqlalchemy.orm import Session, selectinload

from fundtrack.calc.budgets import BudgetAmounts
from fundtrack.models import Budget, BudgetLine, BudgetLineAmount, BudgetVersion, Project
from fundtrack.periods import DateRange, FiscalYear, Month


@dataclass(frozen=True)
class LineBudget:
    """A budget line: its identity (id, project, category, description) and its amounts."""

    line_id: int
    project_id: int
    project: str
    category_id: int
    description: str
    profile: tuple[Decimal, ...] | None
    amounts: dict[DateRange, Decimal]

    @property
    def budget(self) -> BudgetAmounts:
        """Its yearly amounts and their monthly profile, as the pure rules take them."""
        return BudgetAmounts(self.amounts, self.profile)

    def months(self) -> dict[Month, Decimal]:
        return self.budget.months()


def line_budgets(
    session: Session, version_ids: Sequence[int], period: DateRange | None = None, project_id: int | None = None
) -> list[LineBudget]:
    """The lines of the versions with their amounts for the years ``period`` touches (lines
    without an amount in those years are left out), in the versions' order.

    One plain query (each line beside its amounts), no ORM objects: fast on large budgets.
    """
    if not version_ids:
        return []
    in_period = (
        (BudgetLineAmount.period_start <= period.end) & (BudgetLineAmount.period_end >= period.start)
        if period is not None
        else true()
    )
    query = (
        select(
            BudgetLine.id,
            Budget.project_id,
            Project.name,
            BudgetLine.category_id,
            BudgetLine.description,
            BudgetLine.monthly_profile,
            BudgetLineAmount.period_start,
            BudgetLineAmount.period_end,
            BudgetLineAmount.amount,
        )
        .join(BudgetLine.version)
        .join(BudgetVersion.budget)
        .join(Budget.project)
        .outerjoin(BudgetLineAmount, (BudgetLineAmount.line_id == BudgetLine.id) & in_period)
        .where(BudgetLine.version_id.in_(version_ids))
        .order_by(BudgetLine.version_id, BudgetLine.position, BudgetLine.id)
    )
    if project_id is not None:
        query = query.where(Budget.project_id == project_id)
    out: list[LineBudget] = []
    last: LineBudget | None = None
    if session.autoflush:
        session.flush()  # as the session's own execute would, before plain rows from its connection
    for line_id, proj_id, proj, cat_id, desc, profile, start, end, amount in session.connection().execute(query):
        if last is None or last.line_id != line_id:
            if period is not None and start is None:
                continue  # no amount in the years the period touches
            weights = tuple(Decimal(w) for w in profile) if profile else None
            last = LineBudget(line_id, proj_id, proj, cat_id, desc, weights, {})
            out.append(last)
        if start is not None:
            last.amounts[FiscalYear(start, end)] = amount
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
