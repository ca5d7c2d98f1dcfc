"""Budget amounts by month and period; scaling and comparing versions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fundtrack.calc.budgets import (
    LineAmounts,
    amount_in,
    amount_over,
    compare_versions,
    monthly_amounts,
    scale,
    whole_months,
)
from fundtrack.errors import InputError
from fundtrack.periods import DateRange, FiscalCalendar

TABLE = FiscalCalendar(4)
FY25 = TABLE.starting(2025)
FY26 = TABLE.starting(2026)


def test_a_year_shares_evenly_and_the_months_add_up() -> None:
    months = monthly_amounts({FY25: Decimal("1000.00")})
    assert len(months) == 12
    assert sum(months.values()) == Decimal("1000.00")
    assert sorted(set(months.values())) == [Decimal("83.33"), Decimal("83.34")]


def test_a_monthly_profile_puts_the_gathering_in_april() -> None:
    profile = [Decimal(6)] + [Decimal(0)] * 5 + [Decimal(4)] + [Decimal(0)] * 5
    months = monthly_amounts({FY25: Decimal("10000.00")}, profile)
    assert months[FY25.months()[0]] == Decimal("6000.00")
    assert months[FY25.months()[6]] == Decimal("4000.00")


def test_a_profile_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(InputError) as err:
        monthly_amounts({FY25: Decimal("1.00")}, [Decimal(1)] * 11)
    assert err.value.code == "budget.profile_length"


def test_a_period_that_cuts_a_month_counts_its_days() -> None:
    months = monthly_amounts({FY25: Decimal("3000.00")}, [Decimal(1)] + [Decimal(0)] * 11)
    assert amount_in(months, DateRange(date(2025, 4, 1), date(2025, 4, 15))) == Decimal("1500.00")
    assert amount_in(months, FY25) == Decimal("3000.00")


def test_a_version_copied_with_three_percent_more() -> None:
    assert scale(Decimal("12000.00"), Decimal("1.03")) == Decimal("12360.00")
    assert scale(Decimal("0.50"), Decimal("1.01")) == Decimal("0.51")
    with pytest.raises(InputError):
        scale(Decimal("1.00"), Decimal("-1"))


def test_two_versions_compared_line_by_line() -> None:
    adopted = [
        LineAmounts("translation", "Interprètes", {FY25: Decimal("12000.00")}),
        LineAmounts("rooms", "Salles", {FY25: Decimal("3000.00")}),
    ]
    revised = [
        LineAmounts("translation", "interprètes ", {FY25: Decimal("14000.00")}),
        LineAmounts("catering", "Traiteur", {FY25: Decimal("2000.00")}),
    ]
    rows = compare_versions(adopted, revised)
    assert [(r.category, r.change, r.difference) for r in rows] == [
        ("translation", "changed", Decimal("2000.00")),
        ("rooms", "removed", Decimal("-3000.00")),
        ("catering", "added", Decimal("2000.00")),
    ]


@given(
    st.integers(min_value=-(10**10), max_value=10**10).map(lambda c: Decimal(c) / 100),
    st.integers(min_value=1, max_value=365),
)
def test_months_and_any_split_of_a_year_add_up(total: Decimal, cut: int) -> None:
    months = monthly_amounts({FY26: total})
    assert sum(months.values()) == total
    first = DateRange(FY26.start, date.fromordinal(FY26.start.toordinal() + cut - 1))
    rest_start = date.fromordinal(first.end.toordinal() + 1)
    rest = amount_in(months, DateRange(rest_start, FY26.end)) if rest_start <= FY26.end else Decimal(0)
    assert amount_in(months, first) + rest == total


_APRIL = FiscalCalendar(4)


@given(
    st.lists(st.decimals(min_value=-50000, max_value=500000, places=2), min_size=1, max_size=4),
    st.integers(2020, 2026),
    st.integers(0, 47),
    st.integers(0, 47),
)
def test_a_budget_over_whole_months_is_the_sum_of_its_months_without_building_them(
    yearly: list[Decimal], first_year: int, start_month: int, months: int
) -> None:
    amounts = {_APRIL.starting(first_year + i): amount for i, amount in enumerate(yearly)}
    begin = date(2020 + start_month // 12, start_month % 12 + 1, 1)
    last = date(begin.year + (begin.month - 1 + months) // 12, (begin.month - 1 + months) % 12 + 1, 1)
    period = DateRange(begin, last.replace(day=28))
    period = DateRange(begin, max(m.end for m in period.months()))
    assert whole_months(period)
    assert amount_over(amounts, None, period) == amount_in(monthly_amounts(amounts), period)
