"""A budget version as a table: one row per line, one column per fiscal year, the totals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fundtrack.models import BudgetCategory, BudgetVersion
from fundtrack.money import ZERO
from fundtrack.periods import FiscalCalendar


@dataclass(frozen=True)
class VersionRow:
    category: BudgetCategory
    description: str
    amounts: dict[str, Decimal]  # by fiscal year label
    total: Decimal


@dataclass(frozen=True)
class VersionTable:
    years: list[str]
    rows: list[VersionRow]
    totals: dict[str, Decimal]
    total: Decimal


def version_table(version: BudgetVersion, calendar: FiscalCalendar) -> VersionTable:
    """The lines of ``version`` by fiscal year of ``calendar`` (a line's amounts are per fiscal year)."""
    starts = sorted({a.period_start for line in version.lines for a in line.amounts})
    years = [calendar.year_of(s).label for s in starts]
    rows = []
    totals = dict.fromkeys(years, ZERO)
    for line in sorted(version.lines, key=lambda ln: ln.position):
        amounts = {calendar.year_of(a.period_start).label: a.amount for a in line.amounts}
        for year, amount in amounts.items():
            totals[year] += amount
        rows.append(VersionRow(line.category, line.description, amounts, sum(amounts.values(), ZERO)))
    return VersionTable(years, rows, totals, sum(totals.values(), ZERO))
