"""Who pays each position's month: funding lines, coverage, scenarios (pure).

A :class:`FundingLine` is what one grant gives one position: an amount per period (a
fiscal year of the funder or of the organisation), a share of each month's cost, or
both (a share up to an amount). :func:`cover` walks the months in order and pays each
position's month from its lines, confirmed money before requested money, restricted
lines first, those that expire earliest first; a period's money is spent in the order
of the months, and what no line pays is the month's gap. The first month with a gap is
the position's runway.

A position's month costs three parts, each in its budget category (domain.md 4.5):
pay and vacation pay (``salaries``), the employer contributions
(``employer_contributions``) and the benefits (``benefits``). A line pays only the
parts its grant may pay (:func:`position_parts`): a restricted grant only those of its
eligible categories, so a grant restricted to translation, rooms and catering pays no
part of any position; :func:`check_funds_position` refuses such funding at input.

:func:`simulate` runs a projection and its coverage twice (confirmed money only, then
every request granted) and sums them per fiscal year; :func:`apply_changes` turns the
current staffing plus a scenario's changes into the positions to simulate.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from fundtrack.calc.payroll import (
    PayrollAmounts,
    PayrollMonth,
    PositionTerms,
    Projection,
    RateBook,
    fiscal_year_finder,
    project_payroll,
    rate,
)
from fundtrack.errors import InputError, NotFound, RuleViolation
from fundtrack.i18n import msg
from fundtrack.money import ZERO, percent_of, to_money
from fundtrack.periods import DateRange, FiscalCalendar, FiscalYear, Month

M_LINE_EMPTY = msg("staffing.line_empty")
M_LINE_OVERLAP = msg("staffing.line_overlap")
M_NEGATIVE_AMOUNT = msg("staffing.negative_amount")
M_NO_POSITION = msg("staffing.no_position")
M_POSITION_EXISTS = msg("staffing.position_exists")
M_PAYS_NO_POSITION = msg("staffing.grant_pays_no_position")
M_NOT_POSITION_PART = msg("staffing.not_position_part")

# The budget categories of a position's cost, in the order a month's parts are listed.
SALARIES = "salaries"
EMPLOYER_CONTRIBUTIONS = "employer_contributions"
BENEFITS = "benefits"
POSITION_CATEGORIES: tuple[str, ...] = (SALARIES, EMPLOYER_CONTRIBUTIONS, BENEFITS)
EVERY_PART = frozenset(POSITION_CATEGORIES)


def month_parts(amounts: PayrollAmounts) -> tuple[Decimal, Decimal, Decimal]:
    """A month's (or a sum of months') cost in the order of :data:`POSITION_CATEGORIES`."""
    return amounts.earnings, amounts.contributions, amounts.benefits


def position_parts(restricted: bool, eligible_categories: Collection[str]) -> frozenset[str]:
    """The parts of a position's cost a grant may pay: every part when it is not
    restricted, else those among its ``eligible_categories`` (budget category codes)."""
    if not restricted:
        return EVERY_PART
    return EVERY_PART & frozenset(eligible_categories)


def check_funds_position(
    reference: str, restricted: bool, eligible_categories: Collection[str], field: str | None = None
) -> frozenset[str]:
    """The parts of a position ``reference`` may pay (see :func:`position_parts`).

    Raises :class:`RuleViolation` (on ``field``) when the grant is restricted to
    categories none of which is a position's: salaries, employer contributions, benefits.
    """
    parts = position_parts(restricted, eligible_categories)
    if not parts:
        raise RuleViolation(
            M_PAYS_NO_POSITION,
            field=field,
            grant=reference,
            categories=", ".join(sorted(eligible_categories)),
            parts=", ".join(POSITION_CATEGORIES),
        )
    return parts


class FundingStatus(StrEnum):
    CONFIRMED = "confirmed"
    REQUESTED = "requested"


@dataclass(frozen=True)
class FundingLine:
    """What one grant gives one position.

    ``amounts`` are money per period (each a :class:`DateRange`, usually a fiscal year);
    ``share`` is a fraction of each month's cost of the parts the line may pay (capped
    by ``amounts`` when both are given). ``period`` is the grant's period: months
    outside it are not paid. ``parts`` are the budget categories of the position's cost
    the grant may pay (:func:`position_parts`; every part by default).
    Raises :class:`InputError` when the line gives no money, periods overlap, or a part
    is not one of :data:`POSITION_CATEGORIES`.
    """

    key: str
    funder: str
    position: str
    status: FundingStatus = FundingStatus.CONFIRMED
    amounts: tuple[tuple[DateRange, Decimal], ...] = ()
    share: Decimal | None = None
    period: DateRange | None = None
    restricted: bool = True
    parts: frozenset[str] = EVERY_PART

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", FundingStatus(self.status))
        parts = frozenset(self.parts)
        if not parts <= EVERY_PART:
            raise InputError(M_NOT_POSITION_PART, field="parts", value=", ".join(sorted(parts - EVERY_PART)))
        object.__setattr__(self, "parts", parts)
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

    def pays_in(self, month: Month) -> bool:
        """Whether ``month`` lies (at least in part) in the grant's period."""
        return self.period is None or self.period.overlap_days(month) > 0


@dataclass(frozen=True)
class MonthCover:
    """One position's month: its cost, who pays what and the gap.

    ``parts`` is the cost per budget category (:data:`POSITION_CATEGORIES`);
    ``payments`` says what each line (by index) pays of each category; ``paid`` is
    what each line pays in all, in the order the lines paid.
    """

    position: str
    month: Month
    cost: Decimal
    paid: tuple[tuple[int, Decimal], ...]
    gap: Decimal
    parts: tuple[tuple[str, Decimal], ...] = ()
    payments: tuple[tuple[int, str, Decimal], ...] = ()


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

        Exact for confirmed money: confirmed lines are spent before requested ones, and
        the order in which a line pays a month's parts looks only at the lines of its
        own status, so what they pay does not depend on the requests.
        """
        keep = [line.status is status for line in self.lines]
        months = []
        for c in self.months:
            if all(keep[i] for i, _ in c.paid):
                months.append(c)
                continue
            paid = tuple(p for p in c.paid if keep[p[0]])
            payments = tuple(p for p in c.payments if keep[p[0]])
            gap = c.cost - sum((a for _, a in paid), ZERO)
            months.append(MonthCover(c.position, c.month, c.cost, paid, gap, c.parts, payments))
        return Coverage(self.lines, tuple(months))


def cover(months: Iterable[PayrollMonth], lines: Sequence[FundingLine]) -> Coverage:
    """Pay each position's month (a projection's lines) from ``lines``, months in order.

    Each line pays only the parts it may pay (``FundingLine.parts``). A line that cannot
    pay all that is left of its parts in a month pays first the parts that fewer of the
    lines after it (of the same status) could pay, so that a line restricted to salaries
    is not left with nothing to pay while contributions go uncovered; between parts as
    many could pay, benefits first, then contributions, then salaries (the part other
    money is likeliest to be allowed to pay).
    """
    by_position: dict[str, list[int]] = {}
    for i in sorted(range(len(lines)), key=lambda i: lines[i].priority()):
        by_position.setdefault(lines[i].position, []).append(i)
    pools: dict[tuple[int, int], Decimal] = {
        (i, j): amount for i, line in enumerate(lines) for j, (_, amount) in enumerate(line.amounts)
    }
    masks = [tuple(c in line.parts for c in POSITION_CATEGORIES) for line in lines]
    out: list[MonthCover] = []
    for m in sorted(months, key=lambda m: m.month.start):
        parts = month_parts(m)
        left = list(parts)
        order = [i for i in by_position.get(m.position, ()) if lines[i].pays_in(m.month)]
        paid: list[tuple[int, Decimal]] = []
        payments: list[tuple[int, str, Decimal]] = []
        for n, i in enumerate(order):
            line, mask = lines[i], masks[i]
            open_ = [k for k in _TIE_ORDER if mask[k] and left[k] > 0]
            if not open_:
                continue
            j = line.pool_of(m.month) if line.amounts else None
            if line.amounts and j is None:
                continue  # no money of this line for this month's period
            pool = (i, j) if j is not None else None
            cap = _cap(line, mask, parts, pools[pool] if pool is not None else None)
            if cap is not None and cap < sum((left[k] for k in open_), ZERO):
                later = [masks[x] for x in order[n + 1 :] if lines[x].status is line.status]
                open_.sort(key=lambda k: sum(1 for mask_ in later if mask_[k]))  # stable: ties keep _TIE_ORDER
            total = ZERO
            for k in open_:
                take = left[k] if cap is None else min(left[k], cap - total)
                if take <= 0:
                    break
                left[k] -= take
                total += take
                payments.append((i, POSITION_CATEGORIES[k], take))
            if total:
                paid.append((i, total))
                if pool is not None:
                    pools[pool] -= total
        cost = parts[0] + parts[1] + parts[2]
        named = tuple(zip(POSITION_CATEGORIES, parts, strict=True))
        gap = left[0] + left[1] + left[2]
        out.append(MonthCover(m.position, m.month, cost, tuple(paid), gap, named, tuple(payments)))
    return Coverage(tuple(lines), tuple(out))


# Between parts as many later lines could pay: benefits, contributions, then salaries.
_TIE_ORDER = (2, 1, 0)


def _cap(line: FundingLine, mask: tuple[bool, ...], parts: Sequence[Decimal], pool: Decimal | None) -> Decimal | None:
    """The most ``line`` may pay this month: its share of the parts it may pay, and what is
    left of its period's money (None: no limit but the parts themselves)."""
    cap: Decimal | None = None
    if line.share is not None:
        cap = percent_of(sum((parts[k] for k in range(len(parts)) if mask[k]), ZERO), line.share)
    if pool is not None:
        cap = pool if cap is None else min(cap, pool)
    return cap


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

    def monthly(self, position: str | None = None) -> list[WhoPays]:
        """Month by month, each position's month seen both ways: what confirmed money pays,
        what the requests would pay, and the gap if only confirmed money comes and if every
        request is granted."""
        lines = self.granted.lines
        out = []
        for c in self.granted.months:
            if position is not None and c.position != position:
                continue
            paid = [(lines[i], amount) for i, amount in c.paid]
            out.append(
                WhoPays(
                    c.position,
                    c.month,
                    c.cost,
                    tuple(p for p in paid if p[0].status is FundingStatus.CONFIRMED),
                    tuple(p for p in paid if p[0].status is FundingStatus.REQUESTED),
                )
            )
        return out


@dataclass(frozen=True)
class WhoPays:
    """One position's month: its cost, the confirmed lines and the requested lines that
    pay it (line, amount), and the gap both ways."""

    position: str
    month: Month
    cost: Decimal
    confirmed: tuple[tuple[FundingLine, Decimal], ...]
    requested: tuple[tuple[FundingLine, Decimal], ...]

    @property
    def gap_confirmed(self) -> Decimal:
        """What is left uncovered if only confirmed money comes."""
        return self.cost - sum((a for _, a in self.confirmed), ZERO)

    @property
    def gap_requested(self) -> Decimal:
        """What is left uncovered if every request is granted."""
        return self.gap_confirmed - sum((a for _, a in self.requested), ZERO)


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
    granted = cover(projection.lines, funding)
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
