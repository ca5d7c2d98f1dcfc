"""Québec payroll projection: what a position costs the employer, month by month.

Pure functions over frozen dataclasses (domain.md 4.3). :func:`project_payroll` takes
positions (:class:`PositionTerms`), the payroll parameters of each calendar year
(:class:`RateBook`) and a date range, and returns one :class:`PayrollMonth` per position
and calendar month: gross, vacation pay, each employer contribution, benefits.

How the figures stay exact:

- Contributions are cumulated per employee from 1 January of each calendar year (even
  when the range starts later), with that year's parameters and ceilings.
- Every amount is first computed exactly, as a multiple of ``1 / _SCALE`` of a dollar:
  ``_SCALE`` is divisible by 12 × the length of every month, so a month's share of an
  annual figure and a partial month's share of a month are whole multiples, and Decimal
  arithmetic (at 60 digits) loses nothing.
- A month's amount is the rounded cumulative total through that month minus the rounded
  cumulative total through the month before, so the months of a calendar year add up to
  the year's figure. Rounding goes through :func:`fundtrack.money.round_half_up` only.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from decimal import Context, Decimal, localcontext
from operator import attrgetter

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
from fundtrack.money import ZERO, allocate, round_half_up, to_money
from fundtrack.periods import DateRange, FiscalCalendar, FiscalYear, Month, iter_months

# 377,580 is the least common multiple of 28, 29, 30 and 31.
_SCALE = 12 * 377_580
_PER_DAY = {dim: _SCALE // (12 * dim) for dim in (28, 29, 30, 31)}
_SCALE_DECIMAL = Decimal(_SCALE)
_EXACT = Context(prec=60)
_ONE = Decimal(1)
_WEEKS = Decimal(52)
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

    def with_(self, **changes: object) -> PositionTerms:
        """A copy with some terms changed (validated again)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def employed(self) -> DateRange | None:
        """The dates employed, or None when the position has no end."""
        return DateRange(self.start, self.end) if self.end is not None else None


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

    def amounts(self) -> PayrollAmounts:
        return PayrollAmounts(*(getattr(self, name) for name in AMOUNT_FIELDS))


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
    months = list(iter_months(date(rng.start.year, 1, 1), rng.end))  # made once, shared by employees
    last_day = Month.of(rng.end).end
    notes: dict[Note, None] = {}
    lines: list[PayrollMonth] = []
    with localcontext(_EXACT):
        for group in groups.values():
            lines.extend(_project_employee(group, first_month, last_day, book, default_raise, months))
    order = {terms.key: i for i, terms in enumerate(positions)}
    lines.sort(key=lambda line: (order[line.position], line.month.start))
    for year in range(rng.start.year, rng.end.year + 1):
        table, borrowed = book.for_year(year)
        if borrowed is not None:
            notes[borrowed] = None
        if table.cnesst_placeholder:
            notes[Note(M_CNESST_PLACEHOLDER, (("year", table.year), ("rate", table.cnesst_rate)))] = None
    return Projection(rng, tuple(lines), tuple(notes))


@dataclass
class _Pay:
    """A position's pay, worked out once per projection (raised pay cached by number of raises)."""

    terms: PositionTerms
    raise_on: tuple[int, int]
    last: date
    basis_cache: dict[int, Decimal] = field(default_factory=dict)
    raise_days: dict[int, date] = field(default_factory=dict)
    basis_memo: dict[str, int | None] = field(default_factory=dict)

    def basis(self, raises: int) -> Decimal:
        """Annual pay (salary, or rate × hours × 52) after ``raises`` raises."""
        cached = self.basis_cache.get(raises)
        if cached is not None:
            return cached
        t = self.terms
        pay = t.annual_salary if t.annual_salary is not None else t.hourly_rate
        assert pay is not None
        for _ in range(raises):
            pay = round_half_up(pay * (_ONE + t.raise_rate))
        basis = pay if t.annual_salary is not None else pay * t.weekly_hours * _WEEKS  # type: ignore[operator]
        self.basis_cache[raises] = basis
        return basis

    def raise_day(self, year: int) -> date:
        found = self.raise_days.get(year)
        if found is None:
            month, day = self.raise_on
            found = self.raise_days[year] = date(year, month, min(day, calendar.monthrange(year, month)[1]))
        return found

    def raises_by(self, day: date) -> int:
        """How many raise dates fall after the pay's reference date, up to ``day`` included."""
        if self.first_raise_year is None:
            return 0
        last = day.year if self.raise_day(day.year) <= day else day.year - 1
        return max(0, last - self.first_raise_year + 1)

    @property
    def first_raise_year(self) -> int | None:
        """The year of the first raise after the pay's reference date (None without raises)."""
        if "first" not in self.basis_memo:
            first = None
            if self.terms.raise_rate:
                as_of = self.terms.pay_as_of or self.terms.start
                first = as_of.year if self.raise_day(as_of.year) > as_of else as_of.year + 1
            self.basis_memo["first"] = first
        return self.basis_memo["first"]

    def gross_scaled(self, month: Month, start: date, end: date) -> Decimal:
        """Gross pay from ``start`` to ``end`` within ``month``, in units of 1/_SCALE dollar."""
        per_day = _PER_DAY[(month.end - month.start).days + 1]
        if self.terms.raise_rate:
            pivot = self.raise_day(month.year)
            if start < pivot <= end:
                before = (pivot - start).days
                after = (end - pivot).days + 1
                return (
                    self.basis(self.raises_by(start)) * before + self.basis(self.raises_by(pivot)) * after
                ) * per_day
            return self.basis(self.raises_by(start)) * ((end - start).days + 1) * per_day
        return self.basis(0) * ((end - start).days + 1) * per_day


@dataclass
class _Cumul:
    """Exact running totals of one calendar year, and their rounded values so far."""

    exact: list[Decimal]
    rounded: list[Decimal]

    @classmethod
    def fresh(cls, size: int) -> _Cumul:
        return cls([ZERO] * size, [ZERO] * size)

    def advance(self, totals: list[Decimal]) -> list[Decimal]:
        """Set the exact totals (scaled); return this month's rounded increments."""
        out = []
        exact, rounded = self.exact, self.rounded
        for i, value in enumerate(totals):
            if value == exact[i]:
                out.append(ZERO)  # a total at its ceiling, or a month without pay
                continue
            exact[i] = value
            now = round_half_up(value / _SCALE_DECIMAL)
            out.append(now - rounded[i])
            rounded[i] = now
        return out


def _project_employee(
    group: list[PositionTerms],
    first_month: Month,
    last_day: date,
    book: RateBook,
    default_raise: tuple[int, int],
    months: list[Month],
) -> list[PayrollMonth]:
    begin = max(min(t.start for t in group), date(first_month.year, 1, 1))
    finish = min(max((t.end or last_day) for t in group), last_day)
    if begin > finish:
        return []
    pays = [_Pay(t, t.raise_on or default_raise, min(t.end or last_day, last_day)) for t in group]
    out: list[PayrollMonth] = []
    year = 0
    table, _ = book.for_year(begin.year)
    employer = _Cumul.fresh(0)
    personal: list[_Cumul] = []
    rrq_base = cumulated = ZERO
    first = (begin.year - months[0].year) * 12 + begin.month - 1
    last = (finish.year - months[0].year) * 12 + finish.month - 1
    for month in months[first : last + 1]:
        if month.year != year:
            year = month.year
            table, _ = book.for_year(year)
            employer = _Cumul.fresh(len(CONTRIBUTION_FIELDS))
            personal = [_Cumul.fresh(3) for _ in pays]
            rrq_base = cumulated = ZERO
        worked = [_days(p, month) for p in pays]
        if not any(worked):
            continue
        per_day = _PER_DAY[month.days]
        pay_rows: list[tuple[Decimal, Decimal, Decimal]] = []
        month_earnings = ZERO
        for pay, span, cum in zip(pays, worked, personal, strict=True):
            if span is None:
                pay_rows.append((ZERO, ZERO, ZERO))
                continue
            gross = pay.gross_scaled(month, *span)
            vacation = gross * pay.terms.vacation_rate
            month_earnings += gross + vacation
            exact = cum.exact
            row = cum.advance([exact[0] + gross, exact[1] + vacation, exact[2] + gross * pay.terms.benefits_rate])
            pay_rows.append((row[0], row[1], row[2]))
        exemption = table.rrq_exemption * _days_employed(worked) * per_day
        rrq_base += max(ZERO, month_earnings - exemption)
        cumulated += month_earnings
        increments = employer.advance(_contributions(table, cumulated, rrq_base))
        if month < first_month:
            continue
        active = [i for i, span in enumerate(worked) if span is not None]
        shares = _share(increments, [pay_rows[i][0] + pay_rows[i][1] for i in active])
        for j, i in enumerate(active):
            gross, vacation, benefits = pay_rows[i]
            rrq, rrq2, ei, rqap, fss, cnt, cnesst = shares[j]
            out.append(
                _row(
                    position=pays[i].terms.key,
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
            )
    return out


def _row(**values: object) -> PayrollMonth:
    """A PayrollMonth without the frozen dataclass's per-field __init__ (4 µs a row, the
    projection makes one per position and month). Every field is given by the caller."""
    row = object.__new__(PayrollMonth)
    row.__dict__.update(values)
    return row


def _days(pay: _Pay, month: Month) -> tuple[date, date] | None:
    start = max(pay.terms.start, month.start)
    end = min(pay.last, month.end)
    return (start, end) if start <= end else None


def _days_employed(spans: list[tuple[date, date] | None]) -> int:
    """Days of the month on which the employee holds at least one of the positions."""
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


def _contributions(t: PayrollRates, earnings: Decimal, rrq_base: Decimal) -> list[Decimal]:
    """The year's exact contributions so far (scaled), from its cumulated earnings."""
    rqap_capped = min(earnings, t.rqap_max * _SCALE)
    return [
        min(t.rrq_rate * rrq_base, t.rrq_rate * (t.rrq_mga - t.rrq_exemption) * _SCALE),
        t.rrq2_rate * min(max(ZERO, earnings - t.rrq_mga * _SCALE), (t.rrq_msga - t.rrq_mga) * _SCALE),
        t.ei_rate * min(earnings, t.ei_max * _SCALE),
        t.rqap_rate * rqap_capped,
        t.fss_rate * earnings,
        t.cnt_rate * rqap_capped,
        t.cnesst_rate * rqap_capped,
    ]


def _share(increments: list[Decimal], weights: list[Decimal]) -> list[list[Decimal]]:
    """Each contribution of the month split over the employee's positions by their earnings."""
    if len(weights) == 1:
        return [increments]
    if not any(weights):
        weights = [_ONE] * len(weights)
    columns = [allocate(amount, weights) for amount in increments]
    return [[column[i] for column in columns] for i in range(len(weights))]
