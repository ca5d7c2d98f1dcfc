"""The forecast to the end of the period (docs/budget-vs-actual.md): the actual up to the as-of
date plus the budget of the days after it, moving smoothly as the date moves by a day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from fundtrack.calc.budgets import BudgetAmounts
from fundtrack.calc.variance import forecast
from fundtrack.periods import FiscalCalendar

YEAR = FiscalCalendar(4).starting(2026)
cents = st.integers(min_value=0, max_value=10**9).map(lambda c: Decimal(c).scaleb(-2))
profiles = st.one_of(
    st.none(), st.lists(st.integers(min_value=0, max_value=9).map(Decimal), min_size=12, max_size=12).filter(any)
)
days = st.integers(min_value=-40, max_value=400).map(lambda d: YEAR.start + timedelta(days=d))


def budget(amount: Decimal, profile: list[Decimal] | None) -> BudgetAmounts:
    return BudgetAmounts({YEAR: amount}, tuple(profile) if profile else None)


def test_the_first_day_of_a_month_counts_that_month_for_its_remaining_days() -> None:
    b = budget(Decimal("12000.00"), None)  # 1 000,00 $ a month
    # as of 2026-12-01: 30 days of December (of 31), then January to March
    assert b.to_come(YEAR, date(2026, 12, 1)) == Decimal("967.74") + Decimal("3000.00")
    assert b.to_come(YEAR, date(2026, 12, 31)) == Decimal("3000.00")
    assert b.to_come(YEAR, date(2026, 11, 30)) == Decimal("4000.00")


def test_before_the_period_everything_is_to_come_and_after_it_nothing() -> None:
    b = budget(Decimal("1234.56"), None)
    assert b.to_come(YEAR, YEAR.start - timedelta(days=1)) == Decimal("1234.56")
    assert b.to_come(YEAR, YEAR.end) == Decimal("0.00")


@settings(max_examples=200, deadline=None)
@given(amount=cents, profile=profiles, day=days)
def test_moving_the_as_of_date_by_a_day_moves_the_forecast_by_that_days_budget(
    amount: Decimal, profile: list[Decimal] | None, day: date
) -> None:
    b = budget(amount, profile)
    months = b.months()
    largest = max(months.values())
    today, tomorrow = b.to_come(YEAR, day), b.to_come(YEAR, day + timedelta(days=1))
    step = today - tomorrow
    # never negative, never more than a day of the largest month (to the cent, the parts of a
    # month being cut so that they add up)
    assert Decimal("0.00") <= step <= largest / 28 + Decimal("0.01")
    # the forecast moves by that day's actual, less that day's budget
    actual_to_date, actual_of_tomorrow = Decimal("500.00"), Decimal("42.00")
    moved = forecast(actual_to_date + actual_of_tomorrow, b, YEAR, day + timedelta(days=1))
    assert moved - forecast(actual_to_date, b, YEAR, day) == actual_of_tomorrow - step


@settings(max_examples=100, deadline=None)
@given(amount=cents, profile=profiles, day=days)
def test_what_is_to_come_and_what_is_past_add_up_to_the_period(
    amount: Decimal, profile: list[Decimal] | None, day: date
) -> None:
    b = budget(amount, profile)
    if YEAR.start <= day < YEAR.end:
        from fundtrack.periods import DateRange

        past = b.over(DateRange(YEAR.start, day))
        assert past + b.to_come(YEAR, day) == b.over(YEAR) == amount
