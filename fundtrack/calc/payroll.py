"""Québec payroll projection: what a position costs the employer, month by month.

Pure functions over frozen dataclasses (domain.md 4.3). :func:`project_payroll` takes
positions (:class:`PositionTerms`), the payroll parameters of each calendar year
(:class:`RateBook`) and a date range, and returns one :class:`PayrollMonth` per position
and calendar month: gross, vacation pay, each employer contribution, benefits.

How the figures stay exact:

- Contributions are cumulated per employee from 1 January of each calendar year (even
  when the range starts later), with that year's parameters and ceilings.
- Every amount is first computed exactly, as a whole number of a fixed unit (:class:`_Units`):
  ``1 / _SCALE`` of a dollar, divided further by 10 for each decimal of the weekly hours
  and of the rates the projection meets. ``_SCALE`` is divisible by 12 × the length of
  every month, so a month's share of an annual figure and a partial month's share of a
  month are whole multiples, and integer arithmetic loses nothing.
- A month's amount is the rounded cumulative total through that month minus the rounded
  cumulative total through the month before, so the months of a calendar year add up to
  the year's figure. Rounding goes through :mod:`fundtrack.money` only (half up, to the
  cent: :func:`~fundtrack.money.round_half_up_units` on the whole units).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import Decimal
from operator import attrgetter, sub

# The parameter tables live in payroll_rates; they are part of this module's interface too.
from fundtrack.calc.payroll_rates import M_CNESST_PLACEHOLDER as M_CNESST_PLACEHOLDER
from fundtrack.calc.payroll_rates import M_NEGATIVE as M_NEGATIVE
from fundtrack.calc.payroll_rates import Note as Note
from fundtrack.calc.payroll_rates import PayrollRates as PayrollRates
from fundtrack.calc.payroll_rates import RateBook as RateBook
from fundtrack.calc.payroll_rates import exact as exact
from fundtrack.calc.payroll_rates import rate as rate
from fundtrack.errors import InputError
from fundtrack.i18n import msg
from fundtrack.money import CENT, ZERO, allocate, cents, from_cents, round_half_up_each, round_half_up_units, to_money
from fundtrack.periods import DateRange, FiscalCalendar, FiscalYear, Month, iter_months

# 377,580 is the least common multiple of 28, 29, 30 and 31.
_SCALE = 12 * 377_580
_PER_DAY = {dim: _SCALE // (12 * dim) for dim in (28, 29, 30, 31)}
# the vacation pay a hire is simulated with unless told: the Act respecting labour
# standards' 4 % (under three years of service), the simulator's default in the CLI and the admin
DEFAULT_VACATION_RATE = Decimal("0.04")

M_PAY_BASIS = msg("payroll.pay_basis")
M_HOURS = msg("payroll.hours")
M_RAISE_DATE = msg("payroll.raise_date")
M_EMPTY_KEY = msg("payroll.empty_key")
M_SAME_KEY = msg("payroll.same_key")


def fiscal_year_finder(calendar_: FiscalCalendar) -> Callable[[Month], FiscalYear]:
    """``calendar_.year_of`` for months, remembered: a projection asks for the same months often."""
    found: dict[date, FiscalYear] = {}

    def year_of(month: Month) -> FiscalYear:
        year = found.get(month.start)
        if year is None:
            year = found[month.start] = calendar_.year_of(month.start)
        return year

    return year_of


# ---------------------------------------------------------------------------------------------
# Positions


@dataclass(frozen=True)
class PositionTerms:
    """A position's pay terms, as the projection needs them.

    Pay is either ``annual_salary``, or ``hourly_rate`` × ``weekly_hours`` (× 52 weeks).
    The pay given is the pay in effect on ``pay_as_of`` (default: ``start``); each year on
    ``raise_on`` (month, day; default the first day of the organisation's fiscal year) after
    that date, it rises by ``raise_rate`` and is rounded to the cent, as a pay rate is.
    ``employee`` groups positions held by one person, whose ceilings are counted together;
    a position without one is its own employee. Raises :class:`InputError` on bad terms.
    """

    key: str
    start: date
    end: date | None = None
    annual_salary: Decimal | None = None
    hourly_rate: Decimal | None = None
    weekly_hours: Decimal | None = None
    vacation_rate: Decimal = ZERO
    benefits_rate: Decimal = ZERO
    raise_rate: Decimal = ZERO
    raise_on: tuple[int, int] | None = None
    pay_as_of: date | None = None
    employee: str | None = None

    def __post_init__(self) -> None:
        if not self.key:
            raise InputError(M_EMPTY_KEY, field="key")
        if self.end is not None:
            DateRange.checked(self.start, self.end, "end")
        hourly = self.hourly_rate is not None or self.weekly_hours is not None
        if (self.annual_salary is None) == (not hourly) or (
            hourly and (self.hourly_rate is None or self.weekly_hours is None)
        ):
            raise InputError(M_PAY_BASIS, field="annual_salary")
        for name in ("annual_salary", "hourly_rate"):
            value = getattr(self, name)
            if value is not None:
                money = to_money(value, name)
                if money < 0:
                    raise InputError(M_NEGATIVE, field=name, value=value)
                object.__setattr__(self, name, money)
        if self.weekly_hours is not None:
            hours = exact(self.weekly_hours, "weekly_hours")
            if not ZERO <= hours <= 168:
                raise InputError(M_HOURS, field="weekly_hours", value=self.weekly_hours)
            object.__setattr__(self, "weekly_hours", hours)
        for name in ("vacation_rate", "benefits_rate", "raise_rate"):
            object.__setattr__(self, name, rate(getattr(self, name), name))
        if self.raise_on is not None:
            month, day = self.raise_on
            if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2024, month)[1]:
                raise InputError(M_RAISE_DATE, field="raise_on", value=f"{month:02d}-{day:02d}")

    @property
    def employee_key(self) -> str:
        return self.employee if self.employee else f"position:{self.key}"

    @property
    def is_hourly(self) -> bool:
        return self.hourly_rate is not None


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class PayrollAmounts:
    """Amounts of one month or a sum of months: pay, employer contributions, benefits."""

    gross: Decimal
    vacation: Decimal
    rrq: Decimal
    rrq2: Decimal
    ei: Decimal
    rqap: Decimal
    fss: Decimal
    cnt: Decimal
    cnesst: Decimal
    benefits: Decimal

    @property
    def earnings(self) -> Decimal:
        """Gross + vacation pay: what contributions are due on."""
        return self.gross + self.vacation

    @property
    def contributions(self) -> Decimal:
        return self.rrq + self.rrq2 + self.ei + self.rqap + self.fss + self.cnt + self.cnesst

    @property
    def total(self) -> Decimal:
        """What the month costs the employer."""
        return self.gross + self.vacation + self.contributions + self.benefits

    @classmethod
    def zero(cls) -> PayrollAmounts:
        return cls(*([ZERO] * len(AMOUNT_FIELDS)))

    @classmethod
    def sum(cls, items: Iterable[PayrollAmounts]) -> PayrollAmounts:
        rows = [_AMOUNTS_OF(item) for item in items]
        if not rows:
            return cls.zero()
        return cls(*(sum(column, ZERO) for column in zip(*rows, strict=True)))


AMOUNT_FIELDS = tuple(f.name for f in fields(PayrollAmounts))
_AMOUNTS_OF = attrgetter(*AMOUNT_FIELDS)
CONTRIBUTION_FIELDS = ("rrq", "rrq2", "ei", "rqap", "fss", "cnt", "cnesst")


@dataclass(frozen=True, kw_only=True)
class PayrollMonth(PayrollAmounts):
    """One position's calendar month."""

    position: str
    month: Month


@dataclass(frozen=True)
class Projection:
    """A payroll projection: one line per position and month touched by ``range``."""

    range: DateRange
    lines: tuple[PayrollMonth, ...]
    notes: tuple[Note, ...] = ()

    def for_position(self, key: str) -> tuple[PayrollMonth, ...]:
        return tuple(line for line in self.lines if line.position == key)

    @property
    def positions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(line.position for line in self.lines))

    def total(self, position: str | None = None) -> PayrollAmounts:
        return PayrollAmounts.sum(self._select(position))

    def by_month(self, position: str | None = None) -> dict[Month, PayrollAmounts]:
        groups: dict[Month, list[PayrollMonth]] = {}
        for line in self._select(position):
            groups.setdefault(line.month, []).append(line)
        return {m: PayrollAmounts.sum(groups[m]) for m in sorted(groups)}

    def by_fiscal_year(
        self, calendar_: FiscalCalendar, position: str | None = None
    ) -> dict[FiscalYear, PayrollAmounts]:
        """Totals per fiscal year of ``calendar_`` (the organisation's or a funder's)."""
        groups: dict[FiscalYear, list[PayrollMonth]] = {}
        year_of = fiscal_year_finder(calendar_)
        for line in self._select(position):
            groups.setdefault(year_of(line.month), []).append(line)
        return {y: PayrollAmounts.sum(groups[y]) for y in sorted(groups)}

    def _select(self, position: str | None) -> Iterable[PayrollMonth]:
        return self.lines if position is None else (x for x in self.lines if x.position == position)


# ---------------------------------------------------------------------------------------------
# The projection


def project_payroll(
    positions: Sequence[PositionTerms],
    rng: DateRange,
    rates: RateBook | Iterable[PayrollRates],
    org_calendar: FiscalCalendar | None = None,
) -> Projection:
    """Project ``positions`` month by month over the calendar months ``rng`` touches.

    ``org_calendar`` gives the default raise date (the first day of its fiscal year).
    Raises :class:`InputError` if two positions share a key. The result's notes say
    which years borrowed another year's parameters and which CNESST rates are averages.
    """
    return project_in_cents(positions, rng, rates, org_calendar)[0]


def project_in_cents(
    positions: Sequence[PositionTerms],
    rng: DateRange,
    rates: RateBook | Iterable[PayrollRates],
    org_calendar: FiscalCalendar | None = None,
    money: Callable[[int], Decimal] | None = None,
) -> tuple[Projection, list[tuple[int, ...]]]:
    """:func:`project_payroll`, with each line's amounts also as whole cents.

    The second item holds, for each of the projection's lines in order, its ten amounts
    (in the order of :data:`AMOUNT_FIELDS`) in cents: what coverage and yearly sums add
    up without going through Decimal again. ``money`` turns cents into the lines' Decimals
    (default: a fresh :func:`cents_to_money`; a caller that converts more passes its own).
    """
    book = rates if isinstance(rates, RateBook) else RateBook.of(rates)
    default_raise = ((org_calendar or FiscalCalendar()).start_month, 1)
    groups: dict[str, list[PositionTerms]] = {}
    seen: set[str] = set()
    for terms in positions:
        if terms.key in seen:
            raise InputError(M_SAME_KEY, field="key", key=terms.key)
        seen.add(terms.key)
        groups.setdefault(terms.employee_key, []).append(terms)
    first_month = Month.of(rng.start)
    # made once, shared by employees: each month with its day's share of a year's pay
    months = [
        (m, m.start, m.end, m.start.year, _PER_DAY[(m.end - m.start).days + 1])
        for m in iter_months(date(rng.start.year, 1, 1), rng.end)
    ]
    last_day = Month.of(rng.end).end
    units = _Units.of(positions)
    tables: dict[int, tuple[int, ...]] = {}
    by_position: dict[str, list[tuple[Month, tuple[int, ...]]]] = {terms.key: [] for terms in positions}
    for group in groups.values():
        _project_employee(group, first_month, last_day, book, tables, units, default_raise, months, by_position)
    amounts: list[tuple[int, ...]] = []
    lines: list[PayrollMonth] = []
    money = money or cents_to_money()
    new = object.__new__
    for terms in positions:
        key = terms.key
        for month, values in by_position[key]:
            amounts.append(values)
            gross, vacation, rrq, rrq2, ei, rqap, fss, cnt, cnesst, benefits = map(money, values)
            line = new(PayrollMonth)  # without the frozen dataclass's per-field __init__
            line.__dict__.update(
                position=key,
                month=month,
                gross=gross,
                vacation=vacation,
                rrq=rrq,
                rrq2=rrq2,
                ei=ei,
                rqap=rqap,
                fss=fss,
                cnt=cnt,
                cnesst=cnesst,
                benefits=benefits,
            )
            lines.append(line)
    notes: dict[Note, None] = {}
    for year in range(rng.start.year, rng.end.year + 1):
        table, borrowed = book.for_year(year)
        if borrowed is not None:
            notes[borrowed] = None
        if table.cnesst_placeholder:
            notes[Note(M_CNESST_PLACEHOLDER, (("year", table.year), ("rate", table.cnesst_rate)))] = None
    return Projection(rng, tuple(lines), tuple(notes)), amounts


class _Money(dict[int, Decimal]):
    """Whole cents to Decimals with two places, each made once (``made[cents]``)."""

    def __missing__(self, value: int) -> Decimal:
        made = self[value] = CENT * value  # as from_cents makes it (exact, two places), four times faster
        return made


def cents_to_money() -> Callable[[int], Decimal]:
    """A converter of whole cents to Decimals with two places that remembers what it made
    (a projection and its coverage repeat the same amounts month after month)."""
    return _Money().__getitem__


def _places(value: Decimal) -> int:
    """How many decimals ``value`` is written with (``0.0165`` → 4): × 10 ** that is whole."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite Decimal: every input is checked finite
    return max(0, -exponent)


def _ten(power: int) -> int:
    """10 to a whole power ≥ 0, as an int."""
    return int(10**power)


def _whole(value: Decimal, places: int) -> int:
    """``value × 10 ** places`` as an int, exactly (``places`` ≥ :func:`_places`)."""
    numerator, denominator = value.as_integer_ratio()
    whole, rest = divmod(numerator * _ten(places), denominator)
    assert rest == 0, (value, places)
    return whole


@dataclass(frozen=True)
class _Units:
    """The fixed units a projection counts in, so that every amount is a whole number.

    A year's pay is counted in ``10 ** -(2 + hours)`` dollar (cents × the weekly hours'
    decimals); a month's gross in that unit ``/ _SCALE``; earnings (gross + vacation pay)
    in ``10 ** -vacation`` of the gross's unit, benefits in ``10 ** -benefits`` of it;
    contributions in a year's rates' decimals of the earnings' unit. Each ``*_per_cent``
    is how many units make a cent.
    """

    hours: int
    vacation: int
    benefits: int

    @classmethod
    def of(cls, positions: Sequence[PositionTerms]) -> _Units:
        return cls(
            max((_places(t.weekly_hours) for t in positions if t.weekly_hours is not None), default=0),
            max((_places(t.vacation_rate) for t in positions), default=0),
            max((_places(t.benefits_rate) for t in positions), default=0),
        )

    @property
    def gross_per_cent(self) -> int:
        return _SCALE * _ten(self.hours)

    @property
    def earnings_per_cent(self) -> int:
        return _SCALE * _ten(self.hours + self.vacation)

    @property
    def benefits_per_cent(self) -> int:
        return _SCALE * _ten(self.hours + self.benefits)

    def year(self, t: PayrollRates) -> tuple[int, ...]:
        """A year's parameters in these units: the seven rates (as whole numbers of
        ``10 ** -places``), the contributions' units per cent, the exemption per day's
        share, the RRQ maximum contribution, then MGA, MSGA − MGA and the EI and RQAP
        maxima in earnings' units."""
        places = max(_places(getattr(t, name)) for name in _RATE_NAMES)
        rates = [_whole(getattr(t, name), places) for name in _RATE_NAMES]
        per_cent = self.earnings_per_cent
        mga, msga = cents(t.rrq_mga) * per_cent, cents(t.rrq_msga) * per_cent
        exemption = cents(t.rrq_exemption)
        return (
            *rates,
            per_cent * _ten(places),
            exemption * _ten(self.hours + self.vacation),
            rates[0] * (mga - exemption * per_cent),
            mga,
            msga - mga,
            cents(t.ei_max) * per_cent,
            cents(t.rqap_max) * per_cent,
        )


_RATE_NAMES = ("rrq_rate", "rrq2_rate", "ei_rate", "rqap_rate", "fss_rate", "cnt_rate", "cnesst_rate")


class _Pay:
    """A position's pay in whole units, worked out once per projection (the yearly pay
    after each number of raises, and each calendar year's raise date, are remembered)."""

    __slots__ = (
        "bases",
        "benefits",
        "earnings",
        "first_raise",
        "last",
        "pay",
        "per_year",
        "raise_by",
        "raise_on",
        "raise_per",
        "start",
        "vacation",
        "years",
    )

    def __init__(self, terms: PositionTerms, raise_on: tuple[int, int], last: date, units: _Units) -> None:
        self.start = terms.start
        self.last = last
        self.raise_on = raise_on
        pay = terms.annual_salary if terms.annual_salary is not None else terms.hourly_rate
        assert pay is not None
        self.pay = cents(pay)
        if terms.weekly_hours is None:
            self.per_year = _ten(units.hours)
        else:
            self.per_year = _whole(terms.weekly_hours, units.hours) * 52
        self.bases = [self.pay * self.per_year]
        places = _places(terms.raise_rate)
        self.raise_per = _ten(places)
        self.raise_by = self.raise_per + _whole(terms.raise_rate, places)
        self.first_raise: int | None = None
        if terms.raise_rate:
            as_of = terms.pay_as_of or terms.start
            self.first_raise = as_of.year if self.raise_day(as_of.year) > as_of else as_of.year + 1
        self.years: dict[int, tuple[date, int, int]] = {}
        self.vacation = _whole(terms.vacation_rate, units.vacation)
        self.earnings = _ten(units.vacation) + self.vacation
        self.benefits = _whole(terms.benefits_rate, units.benefits)

    def basis(self, raises: int) -> int:
        """Yearly pay after ``raises`` raises (each rounded to the cent, as a pay rate is)."""
        bases = self.bases
        while len(bases) <= raises:
            self.pay = round_half_up_units(self.pay * self.raise_by, self.raise_per)
            bases.append(self.pay * self.per_year)
        return bases[raises]

    def raise_day(self, year: int) -> date:
        month, day = self.raise_on
        return date(year, month, min(day, calendar.monthrange(year, month)[1]))

    def year(self, year: int) -> tuple[date, int, int]:
        """The calendar year's raise date, and the yearly pay before it and from it on."""
        found = self.years.get(year)
        if found is None:
            assert self.first_raise is not None
            raised = year - self.first_raise  # raises before this year's date (when positive)
            found = self.years[year] = (
                self.raise_day(year),
                self.basis(max(0, raised)),
                self.basis(max(0, raised + 1)),
            )
        return found

    def gross(self, year: int, per_day: int, start: date, end: date) -> int:
        """Gross pay from ``start`` to ``end`` within one month, in the gross's units."""
        if self.first_raise is None:
            return self.bases[0] * ((end - start).days + 1) * per_day
        pivot, before, after = self.years.get(year) or self.year(year)
        if start >= pivot:
            return after * ((end - start).days + 1) * per_day
        if end < pivot:
            return before * ((end - start).days + 1) * per_day
        return (before * (pivot - start).days + after * ((end - pivot).days + 1)) * per_day


def _project_employee(
    group: list[PositionTerms],
    first_month: Month,
    last_day: date,
    book: RateBook,
    tables: dict[int, tuple[int, ...]],
    units: _Units,
    default_raise: tuple[int, int],
    months: list[tuple[Month, date, date, int, int]],
    out: dict[str, list[tuple[Month, tuple[int, ...]]]],
) -> None:
    """Append the employee's months to ``out`` (per position): each month and its ten amounts in cents."""
    begin = max(min(t.start for t in group), date(first_month.year, 1, 1))
    finish = min(max((t.end or last_day) for t in group), last_day)
    if begin > finish:
        return
    pays = [_Pay(t, t.raise_on or default_raise, min(t.end or last_day, last_day), units) for t in group]
    rows = [out[t.key] for t in group]
    alone = len(pays) == 1
    gross_unit, earnings_unit, benefits_unit = units.gross_per_cent, units.earnings_per_cent, units.benefits_per_cent
    first_day = first_month.start
    first_year = months[0][3]
    first = (begin.year - first_year) * 12 + begin.month - 1
    last = (finish.year - first_year) * 12 + finish.month - 1
    year = 0
    personal: list[list[int]] = []
    employer: list[int] = []
    rrq_base = cumulated = 0
    for month, m_start, m_end, m_year, per_day in months[first : last + 1]:
        if m_year != year:
            year = m_year
            t = tables.get(year) or tables.setdefault(year, units.year(book.for_year(year)[0]))
            (rrq_rate, rrq2_rate, ei_rate, rqap_rate, fss_rate, cnt_rate, cnesst_rate) = t[:7]
            (unit, exemption_per_day, rrq_max, mga, rrq2_span, ei_max, rqap_max) = t[7:]
            personal = [[0] * 6 for _ in pays]  # exact gross, vacation, benefits; then their rounded cents
            employer = [0] * 7  # the rounded cents of each contribution so far this year
            rrq_base = cumulated = 0
        worked: list[tuple[date, date] | None] = []
        pay_rows: list[tuple[int, int, int]] = []
        month_earnings = 0
        for pay, cum in zip(pays, personal, strict=True):
            start = pay.start if pay.start > m_start else m_start
            end = pay.last if pay.last < m_end else m_end
            if start > end:
                worked.append(None)
                pay_rows.append((0, 0, 0))
                continue
            worked.append((start, end))
            gross = pay.gross(year, per_day, start, end)
            month_earnings += gross * pay.earnings
            cum[0] += gross
            cum[1] += gross * pay.vacation
            cum[2] += gross * pay.benefits
            g = round_half_up_units(cum[0], gross_unit)
            v = round_half_up_units(cum[1], earnings_unit)
            b = round_half_up_units(cum[2], benefits_unit)
            pay_rows.append((g - cum[3], v - cum[4], b - cum[5]))
            cum[3], cum[4], cum[5] = g, v, b
        if not any(worked):
            continue
        if alone:
            start, end = worked[0]  # type: ignore[misc]
            days = (end - start).days + 1
        else:
            days = _days_employed(worked)
        exemption = exemption_per_day * days * per_day
        if month_earnings > exemption:
            rrq_base += month_earnings - exemption
        cumulated += month_earnings
        capped = cumulated if cumulated < rqap_max else rqap_max
        above_mga = cumulated - mga
        rrq = rrq_rate * rrq_base
        rounded = round_half_up_each(
            (  # the year's exact contributions so far
                rrq if rrq < rrq_max else rrq_max,
                rrq2_rate * (0 if above_mga <= 0 else above_mga if above_mga < rrq2_span else rrq2_span),
                ei_rate * (cumulated if cumulated < ei_max else ei_max),
                rqap_rate * capped,
                fss_rate * cumulated,
                cnt_rate * capped,
                cnesst_rate * capped,
            ),
            unit,
        )
        increments = list(map(sub, rounded, employer))
        employer = rounded
        if m_start < first_day:
            continue
        if alone:
            g, v, b = pay_rows[0]
            rows[0].append((month, (g, v, *increments, b)))
            continue
        active = [i for i, span in enumerate(worked) if span is not None]
        shares = _share(increments, [pay_rows[i][0] + pay_rows[i][1] for i in active])
        for j, i in enumerate(active):
            g, v, b = pay_rows[i]
            rows[i].append((month, (g, v, *shares[j], b)))


def _days_employed(spans: list[tuple[date, date] | None]) -> int:
    """Days of the month on which the employee holds at least one of the positions
    (called for employees with several positions; one alone counts its own span)."""
    ranges = sorted(s for s in spans if s is not None)
    if len(ranges) == 1:
        return (ranges[0][1] - ranges[0][0]).days + 1
    total = 0
    cur_start, cur_end = ranges[0]
    for start, end in ranges[1:]:
        if start > cur_end + timedelta(days=1):
            total += (cur_end - cur_start).days + 1
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    return total + (cur_end - cur_start).days + 1


def _share(increments: list[int], weights: list[int]) -> list[list[int]]:
    """Each contribution of the month (cents) split over the employee's positions by their earnings."""
    if len(weights) == 1:
        return [increments]
    if not any(weights):
        weights = [1] * len(weights)
    columns = [[cents(part) for part in allocate(from_cents(amount), weights)] for amount in increments]
    return [[column[i] for column in columns] for i in range(len(weights))]
