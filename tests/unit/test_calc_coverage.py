"""Coverage and funding gap month by month (domain.md 4.5)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from fundtrack.calc.budgets import monthly_amounts
from fundtrack.calc.coverage import Covered, GrantRef, LineAllocation, LineCost, coverage, gap_report
from fundtrack.periods import CALENDAR_YEAR, DateRange, FiscalCalendar, Month

TABLE = FiscalCalendar(4)
FY25 = TABLE.starting(2025)
FY26 = TABLE.starting(2026)

PIC = GrantRef(1, "PIC", "Centraide", DateRange(date(2025, 4, 1), date(2027, 3, 31)))
CITY = GrantRef(2, "VILLE", "Ville de Montréal", DateRange(date(2025, 1, 1), date(2025, 12, 31)), restricted=True)
FOUNDATION = GrantRef(3, "FONDATION", "Fondation", DateRange(date(2025, 4, 1), date(2026, 3, 31)), confirmed=False)

TRANSLATION = LineCost(10, "Traduction", monthly_amounts({FY25: Decimal("12000.00")}))


def test_a_restricted_grant_covers_first_then_the_gap_is_what_is_left() -> None:
    allocations = [
        LineAllocation(PIC, 10, {FY25: Decimal("6000.00")}),
        LineAllocation(CITY, 10, {FY25: Decimal("3000.00")}),
    ]
    cov = coverage([TRANSLATION], allocations, confirmed_only=True)
    april = cov.months[0]
    assert april.month == Month.of(date(2025, 4, 1))
    assert april.covered == (Covered(2, Decimal("1000.00")),)
    assert cov.by_grant() == {2: Decimal("3000.00"), 1: Decimal("6000.00")}
    assert cov.gap == Decimal("3000.00")
    # the City's grant ends in December: it covers April to June, then Centraide takes over
    assert [m.gap for m in cov.months[-3:]] == [Decimal("1000.00")] * 3


def test_the_gap_if_every_request_is_granted_is_smaller() -> None:
    allocations = [
        LineAllocation(PIC, 10, {FY25: Decimal("6000.00")}),
        LineAllocation(FOUNDATION, 10, {FY25: Decimal("4000.00")}),
    ]
    report = gap_report([TRANSLATION], allocations)
    [year] = report.years(TABLE)
    assert (year.cost, year.gap_confirmed, year.gap_if_granted) == (
        Decimal("12000.00"),
        Decimal("6000.00"),
        Decimal("2000.00"),
    )


def test_the_gap_by_a_city_funders_calendar_year() -> None:
    report = gap_report([TRANSLATION], [LineAllocation(PIC, 10, {FY25: Decimal("6000.00")})])
    years = report.years(CALENDAR_YEAR)
    assert [y.period.label for y in years] == ["2025", "2026"]
    assert years[0].cost == Decimal("9000.00") and years[1].cost == Decimal("3000.00")
    assert years[0].gap_confirmed == Decimal("3000.00") and years[1].gap_confirmed == Decimal("3000.00")


def test_a_period_keeps_its_months_but_pools_start_at_the_year() -> None:
    cov = coverage(
        [TRANSLATION],
        [LineAllocation(PIC, 10, {FY25: Decimal("6000.00")})],
        confirmed_only=True,
        period=DateRange(date(2025, 10, 1), date(2026, 3, 31)),
    )
    assert len(cov.months) == 6
    assert cov.gap == Decimal("6000.00")


cents = st.integers(min_value=0, max_value=10**8).map(lambda c: Decimal(c) / 100)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[LineCost], list[LineAllocation]]:
    lines = [
        LineCost(i, f"L{i}", monthly_amounts({FY25: draw(cents), FY26: draw(cents)}))
        for i in range(draw(st.integers(min_value=1, max_value=3)))
    ]
    allocations = []
    for g in range(draw(st.integers(min_value=0, max_value=5))):
        start = date(2025, 1, 1) + timedelta(days=draw(st.integers(min_value=0, max_value=700)))
        grant = GrantRef(
            g,
            f"G{g}",
            f"F{g % 2}",
            DateRange(start, start + timedelta(days=draw(st.integers(min_value=0, max_value=700)))),
            restricted=draw(st.booleans()),
            confirmed=draw(st.booleans()),
        )
        for line in lines:
            if draw(st.booleans()):
                allocations.append(LineAllocation(grant, line.line_id, {FY25: draw(cents), FY26: draw(cents)}))
    return lines, allocations


@settings(max_examples=60)
@given(scenarios())
def test_coverage_plus_gap_is_the_cost_of_every_month(scenario: tuple[list[LineCost], list[LineAllocation]]) -> None:
    lines, allocations = scenario
    report = gap_report(lines, allocations)
    for cov in (report.confirmed, report.if_granted):
        for m in cov.months:
            assert m.covered_total + m.gap == m.cost
            assert m.gap >= 0
            assert all(c.amount > 0 for c in m.covered)
        # no grant covers more than it was allocated
        allocated: dict[int, Decimal] = {}
        for a in allocations:
            allocated[a.grant.grant_id] = allocated.get(a.grant.grant_id, Decimal(0)) + sum(a.amounts.values())
        for grant_id, amount in cov.by_grant().items():
            assert amount <= allocated[grant_id]
    assert report.if_granted.gap <= report.confirmed.gap
