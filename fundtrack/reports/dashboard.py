"""The board's dashboard for one fiscal year, as plain values for a page to show.

Every figure comes from the functions the CLI's own commands use: the funding ledger
(``fundtrack ledger``: confirmed, requested, received, to receive), the funding gap
(``fundtrack gap``: the cost and the gap both ways, month by month) and the receivables
(``fundtrack receivables``); the reports funders require, due soon or late, are read in
one query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.calc.coverage import MonthCoverage
from fundtrack.models import Funder, Grant, Organisation, ReportDue
from fundtrack.money import ZERO
from fundtrack.periods import FiscalYear, Month
from fundtrack.queries.ledger import Ledger, Receivable, funding_ledger, receivables
from fundtrack.queries.scope import Scope
from fundtrack.reports.budget import budget_years
from fundtrack.services.package import funding_gap

REPORT_HORIZON_DAYS = 90


@dataclass(frozen=True)
class MonthFunding:
    """One month of the year: its cost, what confirmed grants cover, and the gap both ways."""

    month: Month
    cost: Decimal
    covered_confirmed: Decimal
    gap_confirmed: Decimal
    gap_if_granted: Decimal

    @property
    def covered_if_requested(self) -> Decimal:
        """What the requests would cover beyond the confirmed grants."""
        return self.gap_confirmed - self.gap_if_granted


@dataclass(frozen=True)
class ReportDueSoon:
    """A report a funder requires, not yet submitted: due within the horizon, or late."""

    funder: str
    reference: str
    title: str
    due_date: date
    days_left: int

    @property
    def late(self) -> bool:
        return self.days_left < 0


@dataclass(frozen=True)
class Dashboard:
    year: FiscalYear
    years: tuple[FiscalYear, ...]  # the years a reader may choose
    as_of: date
    ledger: Ledger
    cost: Decimal
    gap_confirmed: Decimal
    gap_if_granted: Decimal
    months: tuple[MonthFunding, ...]
    overdue: tuple[Receivable, ...]
    due: tuple[Receivable, ...]
    reports_due: tuple[ReportDueSoon, ...]
    horizon_days: int = REPORT_HORIZON_DAYS

    @property
    def overdue_total(self) -> Decimal:
        return sum((r.amount for r in self.overdue), ZERO)

    @property
    def due_total(self) -> Decimal:
        return sum((r.amount for r in self.due), ZERO)


def dashboard_years(session: Session, scope: Scope, as_of: date) -> tuple[FiscalYear, ...]:
    """The fiscal years with a budget, and the current one."""
    org = session.get_one(Organisation, scope.organisation_id)
    return tuple(sorted({*budget_years(session, scope, as_of), org.calendar.year_of(as_of)}))


def dashboard(
    session: Session, scope: Scope, year: FiscalYear, as_of: date, horizon_days: int = REPORT_HORIZON_DAYS
) -> Dashboard:
    """The dashboard of ``year`` (one of the organisation's fiscal years) as of ``as_of``:
    the ledger's totals, the cost and gap of the year and of each of its months, the
    instalments still due (overdue ones apart) and the reports due within ``horizon_days``."""
    ledger = funding_ledger(session, scope, year, year.label)
    report, _, _ = funding_gap(session, scope, year)
    months = _months(report.confirmed.months, report.if_granted.months, year)
    outstanding = receivables(session, scope, as_of)
    return Dashboard(
        year=year,
        years=dashboard_years(session, scope, as_of),
        as_of=as_of,
        ledger=ledger,
        cost=sum((m.cost for m in months), ZERO),
        gap_confirmed=sum((m.gap_confirmed for m in months), ZERO),
        gap_if_granted=sum((m.gap_if_granted for m in months), ZERO),
        months=months,
        overdue=tuple(r for r in outstanding if r.overdue),
        due=tuple(r for r in outstanding if not r.overdue),
        reports_due=reports_due(session, scope, as_of, horizon_days),
        horizon_days=horizon_days,
    )


def _months(
    confirmed: Sequence[MonthCoverage], if_granted: Sequence[MonthCoverage], year: FiscalYear
) -> tuple[MonthFunding, ...]:
    cost: dict[Month, Decimal] = defaultdict(lambda: ZERO)
    covered: dict[Month, Decimal] = defaultdict(lambda: ZERO)
    gap: dict[Month, Decimal] = defaultdict(lambda: ZERO)
    gap_all: dict[Month, Decimal] = defaultdict(lambda: ZERO)
    for first, second in zip(confirmed, if_granted, strict=True):
        cost[first.month] += first.cost
        covered[first.month] += first.covered_total
        gap[first.month] += first.gap
        gap_all[second.month] += second.gap
    return tuple(MonthFunding(m, cost[m], covered[m], gap[m], gap_all[m]) for m in year.months())


def reports_due(session: Session, scope: Scope, as_of: date, horizon_days: int) -> tuple[ReportDueSoon, ...]:
    """The reports not yet submitted that are due by ``as_of`` + ``horizon_days`` (late ones
    included), soonest first."""
    query = (
        select(Funder.name, Grant.reference, ReportDue.title, ReportDue.due_date)
        .join(ReportDue.grant)
        .join(Grant.funder)
        .where(
            scope.grants_filter(),
            ReportDue.submitted_on.is_(None),
            ReportDue.due_date <= as_of + timedelta(days=horizon_days),
        )
        .order_by(ReportDue.due_date, Funder.name, Grant.reference)
    )
    return tuple(
        ReportDueSoon(funder, ref, title, due, (due - as_of).days) for funder, ref, title, due in session.execute(query)
    )
