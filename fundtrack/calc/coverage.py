"""Coverage and funding gap, month by month.

domain.md 4.5: each month's cost of a budget line is covered by the grants allocated
to it, restricted grants first, those that expire earliest first; what no grant covers
is the funding gap of that line and month. It is computed twice: with confirmed grants
only, and as if every request were granted.

A grant's allocation to a line is an amount per period (usually one of the
organisation's fiscal years). Within that period it is a pool that the line's months
draw on in order, each month only while the grant's own period is running. Results
can then be summed by the fiscal years of any calendar, the organisation's or a
funder's (every calendar's years start on the first of a month, so months never
straddle two years).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from fundtrack.money import ZERO
from fundtrack.periods import DateRange, FiscalCalendar, FiscalYear, Month


@dataclass(frozen=True)
class GrantRef:
    """A grant as coverage and packages see it. ``confirmed`` is False for a request."""

    grant_id: int
    label: str
    funder: str
    period: DateRange
    restricted: bool = False
    confirmed: bool = True


@dataclass(frozen=True)
class LineCost:
    """A budget line's cost per month."""

    line_id: int
    label: str
    months: Mapping[Month, Decimal]


@dataclass(frozen=True)
class LineAllocation:
    """A grant's allocation to a line: an amount per period (usually per fiscal year)."""

    grant: GrantRef
    line_id: int
    amounts: Mapping[DateRange, Decimal]


@dataclass(frozen=True)
class Covered:
    grant_id: int
    amount: Decimal


class _CostCovered:
    """What a cost and the grants covering it have in common: the covered total and the gap."""

    cost: Decimal
    covered: tuple[Covered, ...]

    @property
    def covered_total(self) -> Decimal:
        return sum((c.amount for c in self.covered), ZERO)

    @property
    def gap(self) -> Decimal:
        return self.cost - self.covered_total


@dataclass(frozen=True)
class MonthCoverage(_CostCovered):
    """One line in one month: its cost, what each grant covers, and the gap."""

    line_id: int
    month: Month
    cost: Decimal
    covered: tuple[Covered, ...]


@dataclass(frozen=True)
class PeriodCoverage(_CostCovered):
    """One line (or every line, ``line_id`` None) over one fiscal year."""

    period: FiscalYear
    line_id: int | None
    cost: Decimal
    covered: tuple[Covered, ...]


@dataclass(frozen=True)
class Coverage:
    """Coverage of every line and month, for one hypothesis (confirmed only, or all)."""

    months: tuple[MonthCoverage, ...]

    @property
    def cost(self) -> Decimal:
        return sum((m.cost for m in self.months), ZERO)

    @property
    def gap(self) -> Decimal:
        return sum((m.gap for m in self.months), ZERO)

    def by_grant(self) -> dict[int, Decimal]:
        out: dict[int, Decimal] = {}
        for m in self.months:
            for c in m.covered:
                out[c.grant_id] = out.get(c.grant_id, ZERO) + c.amount
        return out

    def per_year(self, calendar: FiscalCalendar, by_line: bool = True) -> list[PeriodCoverage]:
        """Sums by fiscal year of ``calendar`` (and by line unless ``by_line`` is False)."""
        groups: dict[tuple[FiscalYear, int | None], list[MonthCoverage]] = {}
        for m in self.months:
            key = (calendar.year_of(m.month.start), m.line_id if by_line else None)
            groups.setdefault(key, []).append(m)
        return [_sum_months(year, line_id, months) for (year, line_id), months in sorted(groups.items(), key=_key)]


def _key(item: tuple[tuple[FiscalYear, int | None], list[MonthCoverage]]) -> tuple[FiscalYear, int]:
    (year, line_id), _ = item
    return (year, -1 if line_id is None else line_id)


def _sum_months(period: FiscalYear, line_id: int | None, months: Sequence[MonthCoverage]) -> PeriodCoverage:
    covered: dict[int, Decimal] = {}
    for m in months:
        for c in m.covered:
            covered[c.grant_id] = covered.get(c.grant_id, ZERO) + c.amount
    return PeriodCoverage(
        period=period,
        line_id=line_id,
        cost=sum((m.cost for m in months), ZERO),
        covered=tuple(Covered(g, a) for g, a in covered.items()),
    )


def coverage_order(grants: Iterable[GrantRef]) -> list[GrantRef]:
    """Restricted grants first, then those that expire earliest; ties by id."""
    return sorted(grants, key=lambda g: (not g.restricted, g.period.end, g.grant_id))


def coverage(
    lines: Iterable[LineCost],
    allocations: Iterable[LineAllocation],
    *,
    confirmed_only: bool,
    period: DateRange | None = None,
) -> Coverage:
    """What the allocated grants cover of each line's cost, month by month.

    With ``confirmed_only`` requested grants are left out. ``period`` keeps the
    months it touches (whole months); the pools are still drawn on from their start,
    so earlier months of a fiscal year use their share first.
    """
    by_line: dict[int, list[LineAllocation]] = {}
    for a in allocations:
        if confirmed_only and not a.grant.confirmed:
            continue
        by_line.setdefault(a.line_id, []).append(a)
    out: list[MonthCoverage] = []
    for line in lines:
        for month_cov in _cover_line(line, by_line.get(line.line_id, [])):
            if period is None or month_cov.month.overlap_days(period):
                out.append(month_cov)
    return Coverage(tuple(out))


def _cover_line(line: LineCost, allocations: Sequence[LineAllocation]) -> list[MonthCoverage]:
    grants = {a.grant.grant_id: a.grant for a in allocations}
    # pools[grant_id] = [(period, remaining), ...], merged if a grant is allocated twice
    pools: dict[int, dict[DateRange, Decimal]] = {}
    for a in allocations:
        grant_pools = pools.setdefault(a.grant.grant_id, {})
        for rng, amount in a.amounts.items():
            grant_pools[rng] = grant_pools.get(rng, ZERO) + amount
    order = coverage_order(grants.values())
    out: list[MonthCoverage] = []
    for month in sorted(line.months):
        cost = line.months[month]
        left = max(cost, ZERO)
        covered: list[Covered] = []
        for grant in order:
            if left == 0:
                break
            if not month.overlap_days(grant.period):
                continue
            took = ZERO
            grant_pools = pools[grant.grant_id]
            for rng in sorted(grant_pools):
                available = grant_pools[rng]
                if left == 0 or available <= 0 or not month.overlap_days(rng):
                    continue
                part = min(left, available)
                grant_pools[rng] = available - part
                left -= part
                took += part
            if took:
                covered.append(Covered(grant.grant_id, took))
        out.append(MonthCoverage(line.line_id, month, cost, tuple(covered)))
    return out


@dataclass(frozen=True)
class YearGap:
    """A fiscal year's cost and its gap under both hypotheses."""

    period: FiscalYear
    cost: Decimal
    gap_confirmed: Decimal
    gap_if_granted: Decimal


@dataclass(frozen=True)
class GapReport:
    """Coverage twice: confirmed grants only, and every request granted."""

    confirmed: Coverage
    if_granted: Coverage

    def years(self, calendar: FiscalCalendar) -> list[YearGap]:
        """Cost and both gaps for each fiscal year of ``calendar``, every line together."""
        first = {p.period: p for p in self.confirmed.per_year(calendar, by_line=False)}
        second = {p.period: p for p in self.if_granted.per_year(calendar, by_line=False)}
        return [YearGap(period, first[period].cost, first[period].gap, second[period].gap) for period in sorted(first)]


def gap_report(
    lines: Iterable[LineCost], allocations: Iterable[LineAllocation], period: DateRange | None = None
) -> GapReport:
    """:func:`coverage` with confirmed grants only and with every request granted."""
    lines, allocations = list(lines), list(allocations)
    return GapReport(
        confirmed=coverage(lines, allocations, confirmed_only=True, period=period),
        if_granted=coverage(lines, allocations, confirmed_only=False, period=period),
    )
