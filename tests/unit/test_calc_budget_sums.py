"""A budget summed from its cents for whole months equals the rules on months, for all amounts.

Budget vs actual sums the budget of a line without a monthly profile (and of each of its
grants' allocations) from the cents as they are read: :func:`spread_cents` must give, for
every amount, span and run of whole months, what :meth:`BudgetAmounts.over` gives — the
even split by largest remainder, negative amounts included — or the treasurer's budget
column would move by a cent depending on which path computed it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fundtrack.calc.budgets import (
    BudgetAmounts,
    PeriodBudget,
    less,
    month_number,
    spread_cents,
    whole_month_bounds,
)
from fundtrack.money import cents, from_cents
from fundtrack.periods import DateRange, FiscalCalendar

FY25 = FiscalCalendar(4).starting(2025)


def _month(number: int) -> tuple[date, date]:
    """The first and last day of the month numbered ``number`` (:func:`month_number`)."""
    year, month = divmod(number - 1, 12)
    start = date(year, month + 1, 1)
    following = date(year + (month == 11), (month + 1) % 12 + 1, 1)
    return start, following - timedelta(days=1)


spans = st.builds(
    lambda start, days: DateRange(start, start + timedelta(days=days)),
    st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    st.integers(0, 800),
)
amounts = st.integers(-(10**11), 10**11)


@given(amount=amounts, span=spans, first=st.integers(-30, 40), length=st.integers(0, 40))
def test_the_cents_of_whole_months_are_the_months_of_the_even_split(
    amount: int, span: DateRange, first: int, length: int
) -> None:
    base = month_number(span.start)
    period = DateRange(_month(base + first)[0], _month(base + first + length)[1])
    expected = BudgetAmounts({span: from_cents(amount)}).over(period)
    assert spread_cents(amount, span.start, span.end, base + first, base + first + length) == cents(expected)


@given(amount=st.integers(0, 10**10), day=st.dates(date(2024, 12, 1), date(2026, 5, 31)))
def test_what_is_to_come_after_a_months_last_day_is_summed_like_the_rules(amount: int, day: date) -> None:
    bounds = whole_month_bounds(FY25, day)
    month_end = (day + timedelta(days=1)).day == 1
    if day < FY25.end and not month_end and day >= FY25.start:
        assert bounds is None  # the as-of month is cut: its days are shared by the rules on months
        return
    assert bounds is not None
    (first, last), coming = bounds
    budget = BudgetAmounts({FY25: from_cents(amount)})
    assert spread_cents(amount, FY25.start, FY25.end, first, last) == cents(budget.over(FY25))
    expected = budget.to_come(FY25, day)
    got = spread_cents(amount, FY25.start, FY25.end, *coming) if coming is not None else 0
    assert got == cents(expected)


def test_a_period_that_cuts_a_month_is_left_to_the_rules_on_months() -> None:
    assert whole_month_bounds(DateRange(date(2025, 4, 15), date(2026, 3, 31)), date(2026, 3, 31)) is None
    assert whole_month_bounds(FY25, date(2025, 10, 15)) is None
    assert whole_month_bounds(FY25, date(2025, 10, 31)) == ((24304, 24315), (24311, 24315))


def test_a_summed_budget_is_asked_for_its_own_period_only() -> None:
    summed = PeriodBudget(FY25, FY25.end, Decimal("1200.00"), Decimal("0.00"))
    assert summed.over(FY25) == Decimal("1200.00")
    with pytest.raises(ValueError, match="asked for"):
        summed.over(FiscalCalendar(4).starting(2024))
    with pytest.raises(ValueError, match="asked for"):
        summed.to_come(FY25, date(2025, 12, 31))


def test_a_line_less_its_grants_keeps_each_path_apart() -> None:
    line = PeriodBudget(FY25, date(2025, 12, 31), Decimal("1200.00"), Decimal("300.00"))
    grant = PeriodBudget(FY25, date(2025, 12, 31), Decimal("400.00"), Decimal("100.00"))
    own = less(line, [grant])
    assert (own.over(FY25), own.to_come(FY25, date(2025, 12, 31))) == (Decimal("800.00"), Decimal("200.00"))
    with pytest.raises(TypeError):
        less(BudgetAmounts({FY25: Decimal("1200.00")}), [grant])
