"""Who pays each position's month: funding lines, coverage, scenarios (pure).

A :class:`FundingLine` is what one grant gives one position: an amount per period (a
fiscal year of the funder or of the organisation), a share of each month's cost, or
both (a share up to an amount). :func:`cover` walks the months in order and pays each
position's month from its lines, confirmed money before requested money, restricted
lines first, those that expire earliest first; a period's money is spent in the order
of the months, and what no line pays is the month's gap. The first month with a gap is
the position's runway.

:func:`simulate` runs a projection and its coverage twice (confirmed money only, then
every request granted) and sums them per fiscal year; :func:`apply_changes` turns the
current staffing plus a scenario's changes into the positions to simulate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from fundtrack.calc.payroll import (
    PayrollAmounts,
    PositionTerms,
    Projection,
    RateBook,
    fiscal_year_finder,
    project_payroll,
    rate,
)
from fundtrack.errors import InputError, NotFound
from fundtrack.i18n import msg
from fundtrack.money import ZERO, percent_of, to_money
from fundtrack.periods import DateRange, FiscalCalendar, FiscalYear, Month

M_LINE_EMPTY = msg("staffing.line_empty")
M_LINE_OVERLAP = msg("staffing.line_overlap")
M_NEGATIVE_AMOUNT = msg("staffing.negative_amount")
M_NO_POSITION = msg("staffing.no_position")
M_POSITION_EXISTS = msg("staffing.position_exists")


class FundingStatus(StrEnum):
    CONFIRMED = "confirmed"
    REQUESTED = "requested"


@dataclass(frozen=True)
class FundingLine:
    """What one grant gives one position.

    ``amounts`` are money per period (each a :class:`DateRange`, usually a fiscal year);
    ``share`` is a fraction of each month's cost (capped by ``amounts`` when both are
    given). ``period`` is the grant's period: months outside it are not paid.
    Raises :class:`InputError` when the line gives no money or periods overlap.
    """

    key: str
    funder: str
    position: str
    status: FundingStatus = FundingStatus.CONFIRMED
    amounts: tuple[tuple[DateRange, Decimal], ...] = ()
    share: Decimal | None = None
    period: DateRange | None = None
    restricted: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", FundingStatus(self.status))
        if self.share is not None:
            object.__setattr__(self, "share", rate(self.share, "share"))
        elif not self.amounts:
            raise InputError(M_LINE_EMPTY, field="amounts", key=self.key)
        checked: list[tuple[DateRange, Decimal]] = []
        for rng, amount in sorted(self.amounts):
            money = to_money(amount, "amounts")
            if money < 0:
                raise InputError(M_NEGATIVE_AMOUNT, field="amounts", value=amount)
            if checked and checked[-1][0].overlap(rng) is not None:
                raise InputError(M_LINE_OVERLAP, field="amounts", key=self.key, first=checked[-1][0], second=rng)
            checked.append((rng, money))
        object.__setattr__(self, "amounts", tuple(checked))

    @classmethod
    def per_year(
        cls, key: str, funder: str, position: str, amounts: Mapping[FiscalYear, Decimal], **options: object
    ) -> FundingLine:
        """A line that gives ``amounts[year]`` in each fiscal year."""
        return cls(key, funder, position, amounts=tuple(amounts.items()), **options)  # type: ignore[arg-type]

    @property
    def expires(self) -> date:
        if self.period is not None:
            return self.period.end
        return self.amounts[-1][0].end if self.amounts else date.max

    def priority(self) -> tuple[int, int, date, str]:
        """Confirmed first, restricted first, earliest expiry first."""
        return (
            0 if self.status is FundingStatus.CONFIRMED else 1,
            0 if self.restricted else 1,
            self.expires,
            self.key,
        )

    def pool_of(self, month: Month) -> int | None:
        """Index of the period whose money pays ``month`` (the one holding its first day)."""
        for i, (rng, _) in enumerate(self.amounts):
            if month.start in rng:
                return i
        return None


@dataclass(frozen=True)
class MonthCover:
    """One position's month: its cost, who pays what (line key, amount) and the gap."""

    position: str
    month: Month
    cost: Decimal
    paid: tuple[tuple[int, Decimal], ...]
    gap: Decimal


@dataclass(frozen=True)
class Coverage:
    """Every position's months with who pays them; ``paid`` refers to ``lines`` by index."""

    lines: tuple[FundingLine, ...]
    months: tuple[MonthCover, ...]

    def runway(self, position: str) -> Month | None:
        """The first month ``position`` is not fully paid, or None if it always is."""
        for cover_ in self.months:
            if cover_.position == position and cover_.gap > 0:
                return cover_.month
        return None

    def gap_by_year(self, calendar_: FiscalCalendar) -> dict[FiscalYear, Decimal]:
        out: dict[FiscalYear, Decimal] = {}
        year_of = fiscal_year_finder(calendar_)
        for c in self.months:
            year = year_of(c.month)
            out[year] = out.get(year, ZERO) + c.gap
        return out

    def only(self, status: FundingStatus) -> Coverage:
        """The same months paid by the lines of ``status`` alone.

        Exact for confirmed money: confirmed lines are spent before requested ones, so
        what they pay does not depend on the requests.
        """
        months = []
        for c in self.months:
            paid = tuple((i, a) for i, a in c.paid if self.lines[i].status is status)
            months.append(MonthCover(c.position, c.month, c.cost, paid, c.cost - sum((a for _, a in paid), ZERO)))
        return Coverage(self.lines, tuple(months))


def cover(costs: Iterable[tuple[str, Month, Decimal]], lines: Sequence[FundingLine]) -> Coverage:
    """Pay each (position, month, cost) from ``lines``, months in order (see the module)."""
    by_position: dict[str, list[int]] = {}
    for i in sorted(range(len(lines)), key=lambda i: lines[i].priority()):
        by_position.setdefault(lines[i].position, []).append(i)
    pools: dict[tuple[int, int], Decimal] = {
        (i, j): amount for i, line in enumerate(lines) for j, (_, amount) in enumerate(line.amounts)
    }
    out: list[MonthCover] = []
    for position, month, cost in sorted(costs, key=lambda c: c[1].start):
        left = cost
        paid: list[tuple[int, Decimal]] = []
        for i in by_position.get(position, ()):
            if left <= 0:
                break
            line = lines[i]
            if line.period is not None and line.period.overlap_days(month) == 0:
                continue
            take = left if line.share is None else min(left, percent_of(cost, line.share))
            if line.amounts:
                j = line.pool_of(month)
                if j is None:
                    continue
                take = min(take, pools[i, j])
                pools[i, j] -= take
            if take > 0:
                paid.append((i, take))
                left -= take
        out.append(MonthCover(position, month, cost, tuple(paid), left))
    return Coverage(tuple(lines), tuple(out))


# ---------------------------------------------------------------------------------------------
# Simulation


@dataclass(frozen=True)
class YearSummary:
    """One fiscal year of a simulation.

    ``confirmed`` and ``requested`` are what each funder pays (funder, amount), with every
    request granted; ``gap_confirmed`` is the gap if only confirmed money comes,
    ``gap_requested`` the gap if every request is granted.
    """

    year: FiscalYear
    cost: PayrollAmounts
    confirmed: tuple[tuple[str, Decimal], ...]
    requested: tuple[tuple[str, Decimal], ...]
    gap_confirmed: Decimal
    gap_requested: Decimal


@dataclass(frozen=True)
class Simulation:
    projection: Projection
    calendar: FiscalCalendar
    confirmed: Coverage
    granted: Coverage
    years: tuple[YearSummary, ...]

    def runway(self, position: str, requested: bool = False) -> Month | None:
        """First month not fully paid, with confirmed money only (or every request granted)."""
        return (self.granted if requested else self.confirmed).runway(position)

    def who_pays(self, position: str | None = None) -> list[tuple[MonthCover, list[tuple[FundingLine, Decimal]]]]:
        """Month by month (every request granted): each month and the lines that pay it."""
        lines = self.granted.lines
        return [
            (c, [(lines[i], amount) for i, amount in c.paid])
            for c in self.granted.months
            if position is None or c.position == position
        ]


def simulate(
    positions: Sequence[PositionTerms],
    funding: Sequence[FundingLine],
    rng: DateRange,
    rates: RateBook,
    calendar_: FiscalCalendar,
) -> Simulation:
    """Project ``positions`` over ``rng`` and pay their months from ``funding``.

    Money is spent from the first month of ``rng``: start it at the beginning of a
    fiscal year so that no period's money was spent before. Results per fiscal year of
    ``calendar_``.
    """
    projection = project_payroll(positions, rng, rates, calendar_)
    costs = [(line.position, line.month, line.total) for line in projection.lines]
    granted = cover(costs, funding)
    confirmed = granted.only(FundingStatus.CONFIRMED)
    gaps_confirmed = confirmed.gap_by_year(calendar_)
    gaps_granted = granted.gap_by_year(calendar_)
    paid: dict[FiscalYear, dict[tuple[FundingStatus, str], Decimal]] = {}
    year_of = fiscal_year_finder(calendar_)
    for c in granted.months:
        year_paid = paid.setdefault(year_of(c.month), {})
        for i, amount in c.paid:
            line = granted.lines[i]
            key = (line.status, line.funder)
            year_paid[key] = year_paid.get(key, ZERO) + amount
    years = []
    for year, cost in projection.by_fiscal_year(calendar_).items():
        year_paid = paid.get(year, {})
        years.append(
            YearSummary(
                year,
                cost,
                _by_funder(year_paid, FundingStatus.CONFIRMED),
                _by_funder(year_paid, FundingStatus.REQUESTED),
                gaps_confirmed.get(year, ZERO),
                gaps_granted.get(year, ZERO),
            )
        )
    return Simulation(projection, calendar_, confirmed, granted, tuple(years))


def _by_funder(
    paid: Mapping[tuple[FundingStatus, str], Decimal], status: FundingStatus
) -> tuple[tuple[str, Decimal], ...]:
    return tuple(sorted((funder, amount) for (s, funder), amount in paid.items() if s is status))


# ---------------------------------------------------------------------------------------------
# Scenarios


@dataclass(frozen=True)
class AddPosition:
    terms: PositionTerms
    funding: tuple[FundingLine, ...] = ()


@dataclass(frozen=True)
class ChangePay:
    """New pay for the whole projection: a salary, or a rate and/or hours."""

    position: str
    annual_salary: Decimal | None = None
    hourly_rate: Decimal | None = None
    weekly_hours: Decimal | None = None


@dataclass(frozen=True)
class MoveDates:
    position: str
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class EndPosition:
    position: str
    on: date


Change = AddPosition | ChangePay | MoveDates | EndPosition


def apply_changes(
    positions: Sequence[PositionTerms], funding: Sequence[FundingLine], changes: Iterable[Change]
) -> tuple[tuple[PositionTerms, ...], tuple[FundingLine, ...]]:
    """The staffing plan and its funding after ``changes``, in order.

    Raises :class:`NotFound` for a change to a position not in the plan and
    :class:`InputError` when a change leaves invalid terms; the inputs are not touched.
    """
    plan = {p.key: p for p in positions}
    lines = list(funding)
    for change in changes:
        if isinstance(change, AddPosition):
            if change.terms.key in plan:
                raise InputError(M_POSITION_EXISTS, field="position", key=change.terms.key)
            plan[change.terms.key] = change.terms
            lines.extend(change.funding)
            continue
        current = plan.get(change.position)
        if current is None:
            raise NotFound(M_NO_POSITION, field="position", key=change.position)
        plan[change.position] = _changed(current, change)
    return tuple(plan.values()), tuple(lines)


def _changed(terms: PositionTerms, change: ChangePay | MoveDates | EndPosition) -> PositionTerms:
    if isinstance(change, EndPosition):
        return replace(terms, end=change.on)
    if isinstance(change, MoveDates):
        return replace(terms, start=change.start or terms.start, end=change.end or terms.end)
    if change.annual_salary is not None:
        return replace(terms, annual_salary=change.annual_salary, hourly_rate=None, weekly_hours=None)
    return replace(
        terms,
        annual_salary=None,
        hourly_rate=change.hourly_rate if change.hourly_rate is not None else terms.hourly_rate,
        weekly_hours=change.weekly_hours if change.weekly_hours is not None else terms.weekly_hours,
    )


def compare(simulations: Mapping[str, Simulation]) -> dict[FiscalYear, dict[str, YearSummary]]:
    """Scenarios side by side: for each fiscal year, each scenario's summary."""
    out: dict[FiscalYear, dict[str, YearSummary]] = {}
    for name, sim in simulations.items():
        for summary in sim.years:
            out.setdefault(summary.year, {})[name] = summary
    return dict(sorted(out.items()))
