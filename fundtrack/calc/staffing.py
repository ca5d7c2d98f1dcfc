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

:func:`simulate` runs a projection and pays its months once, in whole cents: the same
pass gives the coverage with every request granted, the coverage by confirmed money
alone (confirmed money is spent first, so what it pays does not depend on the
requests), both gaps and the sums of each fiscal year. :func:`apply_changes` turns the
current staffing plus a scenario's changes into the positions to simulate.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from fundtrack.calc.payroll import (
    AMOUNT_FIELDS,
    PayrollAmounts,
    PayrollMonth,
    PositionTerms,
    Projection,
    RateBook,
    cents_to_money,
    fiscal_year_finder,
    project_in_cents,
    rate,
)
from fundtrack.errors import InputError, NotFound, RuleViolation
from fundtrack.i18n import msg
from fundtrack.money import ZERO, cents, round_half_up_units, to_money
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
    months = list(months)
    amounts = [tuple(cents(getattr(m, name)) for name in AMOUNT_FIELDS) for m in months]
    return cover_in_cents(months, amounts, lines)


def cover_in_cents(
    months: Sequence[PayrollMonth], amounts: Sequence[tuple[int, ...]], lines: Sequence[FundingLine]
) -> Coverage:
    """:func:`cover`, given each month's ten amounts in cents as well (the second item of
    :func:`~fundtrack.calc.payroll.project_in_cents`, in the same order)."""
    return _Payer(lines).pay(months, amounts, None, cents_to_money())[0]


@dataclass
class _YearSums:
    """One fiscal year summed in the coverage pass, in cents: each month's ten amounts
    (summed at the end), both gaps, and what each (status, funder) pays."""

    amounts: list[tuple[int, ...]] = field(default_factory=list)
    gap_confirmed: int = 0
    gap_requested: int = 0
    paid: dict[tuple[FundingStatus, str], int] = field(default_factory=dict)

    def cost(self) -> list[int]:
        return [sum(column) for column in zip(*self.amounts, strict=True)]


# How one line pays a month (see _Payer.plan): its index, which parts it may pay, the
# order it pays them in (uncapped, and when its cap falls short), its periods' first and
# last days and what is left of each period's money, its share (numerator, denominator),
# and whether it is confirmed.
_Step = tuple[
    int,
    tuple[bool, bool, bool],
    tuple[int, ...],
    tuple[int, ...],
    list[tuple[date, date]],
    list[int],
    tuple[int, int] | None,
    bool,
]


class _Payer:
    """The funding lines ready to pay months, in cents: per position its lines in order,
    and for each set of lines that pay a month together, how each pays (:meth:`plan`)."""

    def __init__(self, lines: Sequence[FundingLine]) -> None:
        self.lines = tuple(lines)
        self.by_position: dict[str, list[int]] = {}
        for i in sorted(range(len(lines)), key=lambda i: lines[i].priority()):
            self.by_position.setdefault(lines[i].position, []).append(i)
        self.masks = [
            (SALARIES in line.parts, EMPLOYER_CONTRIBUTIONS in line.parts, BENEFITS in line.parts) for line in lines
        ]
        self.confirmed = [line.status is FundingStatus.CONFIRMED for line in lines]
        self.periods = [(line.period.start, line.period.end) if line.period else None for line in lines]
        self.plans: dict[tuple[int, ...], list[_Step]] = {}
        self.ranges = [[(rng.start, rng.end) for rng, _ in line.amounts] for line in lines]
        self.remaining = [[cents(amount) for _, amount in line.amounts] for line in lines]
        self.shares = [_fraction(line.share) if line.share is not None else None for line in lines]

    def plan(self, order: tuple[int, ...]) -> list[_Step]:
        """How the lines ``order`` (in priority order) pay a month.

        A line whose cap falls short of what is left of its parts pays first the parts
        that fewer of the lines after it (of the same status) could pay; ties keep
        :data:`_TIE_ORDER` (sorting is stable, so the parts still open in a month come
        in the same order as when sorted alone).
        """
        found = self.plans.get(order)
        if found is not None:
            return found
        masks, confirmed = self.masks, self.confirmed
        steps: list[_Step] = []
        for n, i in enumerate(order):
            mask = masks[i]
            later = [masks[x] for x in order[n + 1 :] if confirmed[x] is confirmed[i]]
            allowed = tuple(k for k in _TIE_ORDER if mask[k])
            short = tuple(sorted(allowed, key=lambda k: sum(1 for mask_ in later if mask_[k])))
            steps.append((i, mask, allowed, short, self.ranges[i], self.remaining[i], self.shares[i], confirmed[i]))
        self.plans[order] = steps
        return steps

    def pay(  # noqa: C901  (the monthly loop, kept whole for speed)
        self,
        months: Sequence[PayrollMonth],
        amounts: Sequence[tuple[int, ...]],
        calendar_: FiscalCalendar | None,
        money: Callable[[int], Decimal],
    ) -> tuple[Coverage, Coverage, dict[FiscalYear, _YearSums]]:
        """Both coverages (every request granted, confirmed money only) and, with a
        calendar, the sums of each of its fiscal years. Months are paid in order (a
        period's money is spent by the earlier months first)."""
        lines, confirmed, periods = self.lines, self.confirmed, self.periods
        starts = [m.month.start for m in months]
        # positions with a line whose grant's period ends or starts within these months:
        # their lines are chosen month by month
        first, last = (min(starts), max(m.month.end for m in months)) if months else (date.min, date.max)
        dated = {
            line.position
            for line, span in zip(lines, periods, strict=True)
            if span is not None and not (span[0] <= first and last <= span[1])
        }
        by_position = self.by_position
        keys = [(line.status, line.funder) for line in lines]
        steady = {position: self.plan(tuple(order)) for position, order in by_position.items()}
        at = [0] * len(lines)  # per line: its period in use (months come in order)
        new = object.__new__
        granted: list[MonthCover] = []
        only_confirmed: list[MonthCover] = []
        sums: dict[FiscalYear, _YearSums] = {}
        year_of = fiscal_year_finder(calendar_) if calendar_ is not None else None
        current: date | None = None
        year = _YearSums()
        for index in sorted(range(len(months)), key=starts.__getitem__):
            m, a = months[index], amounts[index]
            month, position = m.month, m.position
            m_start = month.start
            if m_start != current and year_of is not None:
                current = m_start
                fiscal = year_of(month)
                year = sums.get(fiscal) or sums.setdefault(fiscal, _YearSums())
            if position in dated:
                m_end = month.end
                plan = self.plan(
                    tuple(
                        i
                        for i in by_position[position]
                        if (span := periods[i]) is None or (span[0] <= m_end and m_start <= span[1])
                    )
                )
            else:
                plan = steady.get(position, ())  # type: ignore[arg-type]
            e, c, b = a[0] + a[1], a[2] + a[3] + a[4] + a[5] + a[6] + a[7] + a[8], a[9]
            left = [e, c, b]
            paid: list[tuple[int, Decimal]] = []
            payments: list[tuple[int, str, Decimal]] = []
            paid_confirmed = 0
            requested = False
            for i, mask, allowed, short, ranges, remaining, share, is_confirmed in plan:
                open_ = (left[0] if mask[0] else 0) + (left[1] if mask[1] else 0) + (left[2] if mask[2] else 0)
                if not open_:
                    continue
                j = -1
                cap: int | None = None
                if ranges:
                    j = at[i]
                    while j < len(ranges) and ranges[j][1] < m_start:
                        j += 1
                    at[i] = j
                    if j == len(ranges) or ranges[j][0] > m_start:
                        continue  # no money of this line for this month's period
                    cap = remaining[j]
                if share is not None:
                    base = (e if mask[0] else 0) + (c if mask[1] else 0) + (b if mask[2] else 0)
                    portion = round_half_up_units(base * share[0], share[1])
                    if cap is None or portion < cap:
                        cap = portion
                total = 0
                if cap is None:
                    for k in allowed:
                        take = left[k]
                        if take > 0:
                            left[k] = 0
                            total += take
                            payments.append((i, POSITION_CATEGORIES[k], money(take)))
                else:
                    for k in short if cap < open_ else allowed:
                        take = left[k]
                        if take <= 0:
                            continue
                        if take > cap - total:
                            take = cap - total
                            if take <= 0:
                                break
                        left[k] -= take
                        total += take
                        payments.append((i, POSITION_CATEGORIES[k], money(take)))
                if total:
                    paid.append((i, money(total)))
                    if j >= 0:
                        remaining[j] -= total
                    if is_confirmed:
                        paid_confirmed += total
                    else:
                        requested = True
                    if year_of is not None:
                        key = keys[i]
                        year.paid[key] = year.paid.get(key, 0) + total
            cost = e + c + b
            gap = left[0] + left[1] + left[2]
            row = new(MonthCover)  # without the frozen dataclass's per-field __init__
            row.__dict__.update(
                position=position,
                month=month,
                cost=money(cost),
                paid=tuple(paid),
                gap=money(gap),
                parts=((SALARIES, money(e)), (EMPLOYER_CONTRIBUTIONS, money(c)), (BENEFITS, money(b))),
                payments=tuple(payments),
            )
            granted.append(row)
            if requested:
                mine = new(MonthCover)
                mine.__dict__.update(
                    row.__dict__,
                    paid=tuple(p for p in paid if confirmed[p[0]]),
                    gap=money(cost - paid_confirmed),
                    payments=tuple(p for p in payments if confirmed[p[0]]),
                )
                only_confirmed.append(mine)
            else:
                only_confirmed.append(row)
            if year_of is not None:
                year.amounts.append(a)
                year.gap_confirmed += cost - paid_confirmed
                year.gap_requested += gap
        return Coverage(lines, tuple(granted)), Coverage(lines, tuple(only_confirmed)), sums


def _fraction(share: Decimal) -> tuple[int, int]:
    """A share as (numerator, denominator), the denominator a power of ten."""
    numerator, denominator = share.as_integer_ratio()
    per = 10 ** max(0, -int(share.as_tuple().exponent))
    return numerator * per // denominator, per


# Between parts as many later lines could pay: benefits, contributions, then salaries.
_TIE_ORDER = (2, 1, 0)


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
    money = cents_to_money()  # one converter: the coverage's amounts are mostly the projection's
    projection, amounts = project_in_cents(positions, rng, rates, calendar_, money)
    granted, confirmed, sums = _Payer(funding).pay(projection.lines, amounts, calendar_, money)
    years = []
    for year, summed in sorted(sums.items()):
        paid = {key: money(amount) for key, amount in summed.paid.items()}
        years.append(
            YearSummary(
                year,
                PayrollAmounts(*map(money, summed.cost())),
                _by_funder(paid, FundingStatus.CONFIRMED),
                _by_funder(paid, FundingStatus.REQUESTED),
                money(summed.gap_confirmed),
                money(summed.gap_requested),
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
