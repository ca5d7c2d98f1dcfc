"""Budget amounts over time: from amounts per fiscal year to months, and back to any period.

A budget line (or a grant's allocation to it) has an amount per fiscal year. Its
months share that amount evenly unless a monthly profile (one weight per month of
the year) is given; cents are shared by largest remainder so that the months add up
exactly to the year. The amount of any period is the sum of its months, a month
that the period only partly covers counting for its share of days.

Also here: scaling a version by a factor and comparing two versions line by line.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from fundtrack.errors import InputError
from fundtrack.i18n import msg
from fundtrack.money import ZERO, allocate, round_half_up, split_evenly, split_evenly_run, to_money
from fundtrack.periods import DateRange, Month

M_PROFILE_LENGTH = msg("budget.profile_length")
M_PROFILE_WEIGHT = msg("budget.profile_weight")
M_BAD_FACTOR = msg("budget.bad_factor")

MonthlyAmounts = dict[Month, Decimal]


def monthly_amounts(amounts: Mapping[DateRange, Decimal], profile: Sequence[Decimal] | None = None) -> MonthlyAmounts:
    """Each month's share of amounts given per period (usually per fiscal year).

    ``profile`` gives one weight per month of each period (12 for a fiscal year),
    in order; without it the months share evenly. Months add up exactly to each
    period's amount. Raises :class:`InputError` if the profile does not fit.
    """
    if profile is None and len(amounts) == 1:  # the usual case: one year, even months
        ((period, amount),) = amounts.items()
        months = months_of(period)
        return dict(zip(months, split_evenly(amount, len(months)), strict=True))
    out: MonthlyAmounts = {}
    for period, amount in sorted(amounts.items()):
        months = months_of(period)
        if profile is None:
            for month, part in zip(months, split_evenly(amount, len(months)), strict=True):
                out[month] = out.get(month, ZERO) + part
            continue
        if len(profile) != len(months):
            raise InputError(M_PROFILE_LENGTH, field="profile", given=len(profile), period=period, months=len(months))
        if any(w < 0 for w in profile) or not any(profile):
            raise InputError(M_PROFILE_WEIGHT, field="profile")
        for month, part in zip(months, allocate(to_money(amount), profile), strict=True):
            out[month] = out.get(month, ZERO) + part
    return out


@lru_cache(maxsize=4096)
def months_of(period: DateRange) -> tuple[Month, ...]:
    """The calendar months of ``period`` (cached: a budget asks for the same years again and again)."""
    return tuple(period.months())


def amount_in(monthly: Mapping[Month, Decimal], period: DateRange) -> Decimal:
    """The part of monthly amounts that falls in ``period``.

    Whole months count in full; a month the period covers in part counts for its
    share of days, cut so that the parts of a month add up exactly to it.
    """
    return sum(months_in(monthly, period).values(), ZERO)


def whole_months(period: DateRange) -> bool:
    """Whether ``period`` starts on the first day of a month and ends on the last day of one."""
    end = period.end
    return period.start.day == 1 and end.day == calendar.monthrange(end.year, end.month)[1]


def amount_over(amounts: Mapping[DateRange, Decimal], profile: Sequence[Decimal] | None, period: DateRange) -> Decimal:
    """``amount_in(monthly_amounts(amounts, profile), period)`` for ``period`` of whole months,
    without building the months: an amount period whose months all fall in ``period``
    counts in full, one that ``period`` does not touch counts for nothing; only the
    others are shared over their months (a period of whole months cuts no month).
    """
    if profile is not None:
        return amount_in(monthly_amounts(amounts, profile), period)
    start, end = period.start, period.end
    total = ZERO
    for span, amount in amounts.items():
        months = months_of(span)
        first, last = months[0].start, months[-1].end
        if last < start or first > end:
            continue
        if first >= start and last <= end:
            total += amount  # its months add up exactly to it
            continue
        # the months of ``span`` in ``period``: consecutive, from index ``i`` to ``j`` excluded
        i = max(0, (start.year - first.year) * 12 + start.month - first.month)
        j = min(len(months), (end.year - first.year) * 12 + end.month - first.month + 1)
        total += sum(split_evenly(amount, len(months))[i:j], ZERO)
    return total


def months_in(monthly: Mapping[Month, Decimal], period: DateRange) -> MonthlyAmounts:
    """The months of ``monthly`` that ``period`` touches (in their order), partial months cut by days."""
    out: MonthlyAmounts = {}
    start, end = period.start, period.end
    for month, amount in monthly.items():
        if month.start >= start and month.end <= end:
            out[month] = amount
            continue
        part = month.overlap(period)
        if part is None:
            continue
        else:
            first = (part.start - month.start).days
            last = (part.end - month.start).days + 1
            out[month] = _first_days(amount, last, month.days) - _first_days(amount, first, month.days)
    return out


def _first_days(amount: Decimal, days: int, month_days: int) -> Decimal:
    """The share of a month's amount in its first ``days`` days.

    Shares of consecutive stretches are differences of these, so that the parts of
    a month cut anywhere add up exactly to the month.
    """
    if days <= 0:
        return ZERO
    if days >= month_days:
        return amount
    return allocate(amount, [days, month_days - days])[0]


@dataclass(frozen=True)
class BudgetAmounts:
    """A budget's amounts per period (usually per fiscal year) and their monthly profile,
    less the parts taken out of it (a line's budget less its grants' allocations).

    The one shape of a budget for budget vs actual, the package and the gap:
    :meth:`over` gives the budget of any period (a month the period cuts counting for
    its days), :meth:`to_come` the budget of the days of a period after a date (the
    forecast's "still to come", domain.md 4.5).
    """

    yearly: Mapping[DateRange, Decimal]
    profile: tuple[Decimal, ...] | None = None
    less: tuple[BudgetAmounts, ...] = field(default=())

    def months(self) -> MonthlyAmounts:
        """Each month's amount (the parts taken out subtracted month by month)."""
        out = monthly_amounts(self.yearly, list(self.profile) if self.profile else None) if self.yearly else {}
        for part in self.less:
            for month, amount in part.months().items():
                out[month] = out.get(month, ZERO) - amount
        return out

    def over(self, period: DateRange) -> Decimal:
        """The budget of ``period``; for whole months without building the months."""
        if whole_months(period):
            total = amount_over(self.yearly, list(self.profile) if self.profile else None, period)
            return total - sum((part.over(period) for part in self.less), ZERO)
        return amount_in(self.months(), period)

    def to_come(self, period: DateRange, as_of: date) -> Decimal:
        """The budget of the days of ``period`` after ``as_of`` (all of it before the
        period starts, nothing once it has ended): the as-of month counts for the days
        left in it, so that moving ``as_of`` by a day moves this by a day of budget."""
        if as_of >= period.end:
            return ZERO
        start = max(period.start, as_of + timedelta(days=1))
        return self.over(DateRange(start, period.end))

    def minus(self, parts: Iterable[BudgetAmounts]) -> BudgetAmounts:
        """This budget less ``parts`` (each a budget of its own)."""
        taken = tuple(parts)
        return BudgetAmounts(self.yearly, self.profile, self.less + taken) if taken else self

    def __bool__(self) -> bool:
        return bool(self.yearly) or any(self.less)


NO_BUDGET = BudgetAmounts({})


def month_number(day: date) -> int:
    """Months since year 0: consecutive months have consecutive numbers."""
    return day.year * 12 + day.month


@lru_cache(maxsize=1024)
def _span(start: date, end: date) -> tuple[int, int]:
    first = month_number(start)
    return first, month_number(end) - first + 1


def spread_cents(amount: int, start: date, end: date, first: int, last: int) -> int:
    """The cents of the months numbered ``first`` to ``last`` (:func:`month_number`, both
    included) of ``amount`` cents given for ``start``–``end`` and shared evenly over its
    months (:func:`~fundtrack.money.split_evenly`): ``amount_over`` in integers, for an
    amount without a monthly profile."""
    span_first, months = _span(start, end)
    return split_evenly_run(amount, months, first - span_first, last - span_first + 1)


MonthBounds = tuple[tuple[int, int], tuple[int, int] | None]


def whole_month_bounds(period: DateRange, as_of: date) -> MonthBounds | None:
    """The month numbers of ``period`` and of its days after ``as_of`` (None: nothing is to
    come), when both are whole months: then a budget without a monthly profile is summed
    by :func:`spread_cents`. None when either cuts a month (the rules on months apply)."""
    if not whole_months(period):
        return None
    whole = (month_number(period.start), month_number(period.end))
    if as_of >= period.end:
        return whole, None
    start = max(period.start, as_of + timedelta(days=1))
    if start.day != 1:
        return None
    return whole, (month_number(start), whole[1])


@dataclass(frozen=True, slots=True)
class PeriodBudget:
    """A budget already summed for one period and one "as of" date (:func:`spread_cents`
    over the rows a query read): what :meth:`BudgetAmounts.over` and
    :meth:`BudgetAmounts.to_come` give for them, asked for no other period."""

    period: DateRange
    as_of: date
    amount: Decimal
    coming: Decimal

    def over(self, period: DateRange) -> Decimal:
        self._same(period)
        return self.amount

    def to_come(self, period: DateRange, as_of: date) -> Decimal:
        self._same(period, as_of)
        return self.coming

    def minus(self, parts: Iterable[PeriodBudget | BudgetAmounts]) -> PeriodBudget:
        """This budget less ``parts`` (each summed for the same period and date)."""
        taken = list(parts)
        amount = self.amount - sum((p.over(self.period) for p in taken), ZERO)
        coming = self.coming - sum((p.to_come(self.period, self.as_of) for p in taken), ZERO)
        return PeriodBudget(self.period, self.as_of, amount, coming)

    def _same(self, period: DateRange, as_of: date | None = None) -> None:
        if period is self.period and (as_of is None or as_of is self.as_of):
            return  # asked with the very period it was summed for (the common case: cheap)
        if period != self.period or (as_of is not None and as_of != self.as_of):
            raise ValueError(f"a budget summed for {self.period} as of {self.as_of} asked for {period} as of {as_of}")

    def __bool__(self) -> bool:
        return True


Budgeted = BudgetAmounts | PeriodBudget


def less(budget: Budgeted, parts: Iterable[Budgeted]) -> Budgeted:
    """``budget`` less ``parts``: a summed budget less parts summed for the same period, or
    amounts less amounts (a line's profile shapes its parts' months too)."""
    taken = list(parts)
    if isinstance(budget, PeriodBudget):
        return budget.minus(taken)
    amounts = [p for p in taken if isinstance(p, BudgetAmounts)]
    if len(amounts) != len(taken):
        raise TypeError("amounts per year less a budget already summed: sum the line too")
    return budget.minus(amounts)


def check_factor(factor: Decimal) -> Decimal:
    if not isinstance(factor, Decimal) or not factor.is_finite() or factor <= 0:
        raise InputError(M_BAD_FACTOR, field="factor", value=factor)
    return factor


def scale(amount: Decimal, factor: Decimal) -> Decimal:
    """``amount × factor`` rounded half up to the cent (a version copied with +3 %: 1.03)."""
    return round_half_up(amount * check_factor(factor))


@dataclass(frozen=True)
class LineAmounts:
    """A budget line as a version comparison sees it: its key and its amount per period."""

    category: str
    description: str
    amounts: Mapping[DateRange, Decimal]

    @property
    def key(self) -> tuple[str, str]:
        return (self.category, self.description.strip().casefold())

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)


@dataclass(frozen=True)
class LineComparison:
    """One line of two versions side by side (``None`` where a version has no such line)."""

    category: str
    description: str
    period: DateRange
    before: Decimal | None
    after: Decimal | None

    @property
    def difference(self) -> Decimal:
        return (self.after or ZERO) - (self.before or ZERO)

    @property
    def change(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed" if self.before != self.after else "same"


def compare_versions(before: Iterable[LineAmounts], after: Iterable[LineAmounts]) -> list[LineComparison]:
    """Match the lines of two versions by category and description, period by period.

    Lines are listed in the order of ``before``, then the lines only ``after`` has.
    """
    first = {line.key: line for line in before}
    second = {line.key: line for line in after}
    keys = list(first) + [k for k in second if k not in first]
    out: list[LineComparison] = []
    for key in keys:
        a, b = first.get(key), second.get(key)
        shown = b if a is None else a
        assert shown is not None
        periods = sorted(set(a.amounts if a else ()) | set(b.amounts if b else ()))
        for period in periods:
            out.append(
                LineComparison(
                    category=shown.category,
                    description=shown.description,
                    period=period,
                    before=a.amounts.get(period) if a else None,
                    after=b.amounts.get(period) if b else None,
                )
            )
    return out
