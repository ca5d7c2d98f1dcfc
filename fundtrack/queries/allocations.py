"""Net allocations: what each grant gives each budget line in each period, reversals netted.

This is the one query of allocations; every use (the allocation rules, the package, the
gap, budget vs actual, copies of a version, the listing) asks it with its own filters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from fundtrack.models import Allocation, BudgetCategory, BudgetLine
from fundtrack.periods import DateRange, FiscalYear


@dataclass(frozen=True)
class NetAllocation:
    """A grant's net allocation to one line for one period (never zero)."""

    line_id: int
    grant_id: int
    period: FiscalYear
    amount: Decimal
    version_id: int
    category: str
    administrative: bool


def net_allocations(
    session: Session,
    *,
    version_ids: Sequence[int] | None = None,
    grant_ids: Sequence[int] | None = None,
    line_ids: Sequence[int] | None = None,
    period: DateRange | None = None,
    grants_filter: ColumnElement[bool] | None = None,
) -> list[NetAllocation]:
    """The net allocations on ``version_ids``' lines (and/or of ``grant_ids``, to ``line_ids``,
    touching ``period``, of the grants ``grants_filter`` keeps), summed by the database,
    ordered by line, grant and period."""
    query = (
        select(
            Allocation.line_id,
            Allocation.grant_id,
            Allocation.period_start,
            Allocation.period_end,
            func.sum(Allocation.amount),
            BudgetLine.version_id,
            BudgetCategory.code,
            BudgetCategory.administrative,
        )
        .join(Allocation.line)
        .join(BudgetLine.category)
        .group_by(
            Allocation.line_id,
            Allocation.grant_id,
            Allocation.period_start,
            Allocation.period_end,
            BudgetLine.version_id,
            BudgetCategory.code,
            BudgetCategory.administrative,
        )
        .order_by(Allocation.line_id, Allocation.grant_id, Allocation.period_start)
    )
    if version_ids is not None:
        query = query.where(BudgetLine.version_id.in_(list(version_ids)))
    if grant_ids is not None:
        query = query.where(Allocation.grant_id.in_(list(grant_ids)))
    if line_ids is not None:
        query = query.where(Allocation.line_id.in_(list(line_ids)))
    if period is not None:
        query = query.where(Allocation.period_start <= period.end, Allocation.period_end >= period.start)
    if grants_filter is not None:
        query = query.join(Allocation.grant).where(grants_filter)
    return [
        NetAllocation(line, grant, FiscalYear(start, end), total, version, code, admin)
        for line, grant, start, end, total, version, code, admin in session.execute(query)
        if total
    ]


def grant_ids_allocated(session: Session, line_id: int) -> list[tuple[int, DateRange]]:
    """The grants with a positive net allocation to ``line_id``, with each allocation's period."""
    return [(a.grant_id, a.period) for a in net_allocations(session, line_ids=[line_id]) if a.amount > 0]
