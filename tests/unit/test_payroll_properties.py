"""Properties of the payroll projection, against a plain exact reference in fractions."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from fundtrack.calc.payroll import PositionTerms, project_payroll
from fundtrack.money import round_half_up
from fundtrack.periods import CALENDAR_YEAR, DateRange, FiscalCalendar, iter_months
from fundtrack.rates import shipped_book, shipped_rates

D = Decimal
BOOK = shipped_book()
R26 = shipped_rates()[2026]
YEAR = DateRange(date(2026, 1, 1), date(2026, 12, 31))
TABLE = FiscalCalendar(4)

days_2026 = st.integers(min_value=0, max_value=364).map(lambda n: date(2026, 1, 1) + timedelta(days=n))
salaries = st.integers(min_value=0, max_value=30_000_000).map(lambda c: D(c) / 100)
hourly_rates = st.integers(min_value=1500, max_value=9000).map(lambda c: D(c) / 100)
hours = st.integers(min_value=0, max_value=160).map(lambda q: D(q) / 4)
vacation = st.sampled_from([D("0"), D("0.04"), D("0.06")])


@st.composite
def positions(draw: st.DrawFn) -> PositionTerms:
    start = draw(days_2026)
    end = draw(st.one_of(st.none(), days_2026.filter(lambda d: d >= start)))
    if draw(st.booleans()):
        pay: dict[str, Decimal] = {"annual_salary": draw(salaries)}
    else:
        pay = {"hourly_rate": draw(hourly_rates), "weekly_hours": draw(hours)}
    return PositionTerms(
        "p",
        start,
        end=end,
        vacation_rate=draw(vacation),
        benefits_rate=draw(st.sampled_from([D("0"), D("0.035")])),
        **pay,  # type: ignore[arg-type]
    )


def reference_year(terms: PositionTerms) -> dict[str, Decimal]:
    """The 2026 figures of domain.md 4.3 computed directly in exact fractions."""
    if terms.annual_salary is not None:
        basis = Fraction(terms.annual_salary)
    else:
        assert terms.hourly_rate is not None and terms.weekly_hours is not None
        basis = Fraction(terms.hourly_rate) * Fraction(terms.weekly_hours) * 52
    earnings = rrq_base = gross = benefits = Fraction(0)
    for month in iter_months(terms.start, terms.end or date(2026, 12, 31)):
        dim = calendar.monthrange(2026, month.month)[1]
        worked = DateRange(terms.start, terms.end or date(2026, 12, 31)).overlap_days(month)
        g = basis / 12 * worked / dim
        e = g * (1 + Fraction(terms.vacation_rate))
        gross += g
        benefits += g * Fraction(terms.benefits_rate)
        earnings += e
        rrq_base += max(Fraction(0), e - Fraction(3500, 12) * worked / dim)
    r = {k: Fraction(getattr(R26, k)) for k in ("rrq_rate", "rrq_mga", "rrq_msga", "ei_max", "rqap_max")}
    capped_rqap = min(earnings, r["rqap_max"])
    exact = {
        "gross": gross,
        "vacation": earnings - gross,
        "rrq": min(r["rrq_rate"] * rrq_base, r["rrq_rate"] * (r["rrq_mga"] - 3500)),
        "rrq2": Fraction(4, 100) * min(max(Fraction(0), earnings - r["rrq_mga"]), r["rrq_msga"] - r["rrq_mga"]),
        "ei": Fraction(R26.ei_rate) * min(earnings, r["ei_max"]),
        "rqap": Fraction(R26.rqap_rate) * capped_rqap,
        "fss": Fraction(R26.fss_rate) * earnings,
        "cnt": Fraction(R26.cnt_rate) * capped_rqap,
        "cnesst": Fraction(R26.cnesst_rate) * capped_rqap,
        "benefits": benefits,
    }
    return {k: round_half_up(v) for k, v in exact.items()}


@settings(max_examples=150, deadline=None)
@given(positions())
def test_the_months_of_a_year_add_up_exactly_to_the_years_figure(terms: PositionTerms) -> None:
    total = project_payroll([terms], YEAR, BOOK).total()
    expected = reference_year(terms)
    assert {k: getattr(total, k) for k in expected} == expected


@settings(max_examples=150, deadline=None)
@given(positions())
def test_no_contribution_exceeds_its_annual_maximum_nor_goes_negative(terms: PositionTerms) -> None:
    result = project_payroll([terms], YEAR, BOOK)
    total = result.total()
    assert total.rrq <= D("4479.30")
    assert total.rrq2 <= D("416.00")
    assert total.ei <= D("1253.98")
    assert total.rqap <= D("620.06")
    assert total.cnt <= round_half_up(R26.cnt_rate * R26.rqap_max)
    assert total.cnesst <= round_half_up(R26.cnesst_rate * R26.rqap_max)
    for line in result.lines:
        assert min(line.rrq, line.rrq2, line.ei, line.rqap, line.fss, line.cnt, line.cnesst) >= 0


@settings(max_examples=100, deadline=None)
@given(
    days_2026,
    hourly_rates,
    hourly_rates,
    hours,
    hours,
    st.sampled_from([D("0"), D("0.03")]),
)
def test_cost_never_falls_when_hours_or_the_rate_rise(
    start: date, rate_a: Decimal, rate_b: Decimal, hours_a: Decimal, hours_b: Decimal, raise_rate: Decimal
) -> None:
    low_rate, high_rate = sorted((rate_a, rate_b))
    few, many = sorted((hours_a, hours_b))
    rng = DateRange(date(2026, 1, 1), date(2028, 3, 31))

    def cost(rate: Decimal, weekly: Decimal) -> list[Decimal]:
        terms = PositionTerms(
            "p", start, hourly_rate=rate, weekly_hours=weekly, vacation_rate=D("0.04"), raise_rate=raise_rate
        )
        result = project_payroll([terms], rng, BOOK, TABLE)
        return [a.total for a in result.by_fiscal_year(TABLE).values()] + [
            a.total for a in result.by_fiscal_year(CALENDAR_YEAR).values()
        ]

    base = cost(low_rate, few)
    for higher in (cost(high_rate, few), cost(low_rate, many), cost(high_rate, many)):
        assert all(h >= b for h, b in zip(higher, base, strict=True))
