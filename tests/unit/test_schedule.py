"""How a grant's amount falls in fiscal years and months (fundtrack.calc.schedule, domain.md 4.2)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from fundtrack.calc.schedule import Basis, GrantTerms, amount_in, amounts_by_month, amounts_by_year
from fundtrack.money import allocate
from fundtrack.periods import CALENDAR_YEAR, DateRange, FiscalCalendar

TABLE = FiscalCalendar(4)
CITY = CALENDAR_YEAR


def by_label(amounts: dict[object, Decimal]) -> dict[str, Decimal]:
    return {str(k): v for k, v in amounts.items()}


PIC = GrantTerms(
    amount=Decimal("450000.00"),
    period=DateRange(date(2025, 4, 1), date(2028, 3, 31)),
    basis=Basis.YEARS,
    schedule=(
        (TABLE.starting(2025), Decimal("100000.00")),
        (TABLE.starting(2026), Decimal("150000.00")),
        (TABLE.starting(2027), Decimal("200000.00")),
    ),
)


def test_an_explicit_yearly_schedule_wins_over_spreading() -> None:
    # spread by days it would be about 150,000 a year; the agreement says otherwise
    assert by_label(amounts_by_year(PIC, TABLE)) == {
        "2025-2026": Decimal("100000.00"),
        "2026-2027": Decimal("150000.00"),
        "2027-2028": Decimal("200000.00"),
    }
    spread = GrantTerms(PIC.amount, PIC.period)
    assert by_label(amounts_by_year(spread, TABLE))["2025-2026"] != Decimal("100000.00")


def test_a_schedule_of_the_tables_years_seen_in_the_citys_calendar_years() -> None:
    """Each year's amount is spread by days within its own fiscal year only."""
    city_years = by_label(amounts_by_year(PIC, CITY))
    # 2025: 275 days of 2025-2026 (100,000 over 365 days)
    assert city_years["2025"] == Decimal("75342.47")
    # 2026: 90 days of 2025-2026 and 275 days of 2026-2027
    assert city_years["2026"] == Decimal("24657.53") + Decimal("113013.70")
    # 2028: 91 days of 2027-2028 (366 days, a leap year)
    assert city_years["2028"] == Decimal("49726.78")
    assert sum(city_years.values()) == PIC.amount


def test_a_city_calendar_year_grant_in_the_tables_april_years() -> None:
    city = GrantTerms(Decimal("40000.00"), DateRange(date(2026, 1, 1), date(2026, 12, 31)))
    assert by_label(amounts_by_year(city, TABLE)) == {
        "2025-2026": Decimal("9863.01"),
        "2026-2027": Decimal("30136.99"),
    }
    assert by_label(amounts_by_year(city, CITY)) == {"2026": Decimal("40000.00")}


def test_instalments_place_their_amounts_on_their_expected_dates() -> None:
    foundation = GrantTerms(
        amount=Decimal("60000.00"),
        period=DateRange(date(2026, 7, 1), date(2027, 6, 30)),
        basis=Basis.INSTALMENTS,
        instalments=((date(2026, 7, 15), Decimal("30000.00")), (date(2027, 1, 15), Decimal("30000.00"))),
    )
    # both instalments fall in 2026-2027, although the grant runs into 2027-2028
    assert by_label(amounts_by_year(foundation, TABLE)) == {"2026-2027": Decimal("60000.00")}
    assert by_label(amounts_by_year(foundation, CITY)) == {"2026": Decimal("30000.00"), "2027": Decimal("30000.00")}
    months = by_label(amounts_by_month(foundation))
    assert months == {"2026-07": Decimal("30000.00"), "2027-01": Decimal("30000.00")}


def test_what_the_instalments_leave_is_spread_over_the_grant() -> None:
    terms = GrantTerms(
        amount=Decimal("36500.00"),
        period=DateRange(date(2026, 1, 1), date(2026, 12, 31)),
        basis=Basis.INSTALMENTS,
        instalments=((date(2026, 2, 1), Decimal("10000.00")),),
    )
    # 26,500 left: 90 days in 2025-2026, 275 in 2026-2027
    assert by_label(amounts_by_year(terms, TABLE)) == {
        "2025-2026": Decimal("10000.00") + Decimal("6534.25"),
        "2026-2027": Decimal("19965.75"),
    }


def test_without_a_schedule_the_amount_is_spread_by_days_whatever_the_basis_says() -> None:
    terms = GrantTerms(Decimal("40000.00"), DateRange(date(2026, 1, 1), date(2026, 12, 31)), basis=Basis.YEARS)
    assert by_label(amounts_by_year(terms, TABLE))["2025-2026"] == Decimal("9863.01")


def test_months_of_a_grant_spread_by_days() -> None:
    terms = GrantTerms(Decimal("3100.00"), DateRange(date(2026, 1, 1), date(2026, 3, 31)))
    assert by_label(amounts_by_month(terms)) == {
        "2026-01": Decimal("1067.78"),
        "2026-02": Decimal("964.44"),
        "2026-03": Decimal("1067.78"),
    }


def test_the_part_of_a_grant_in_a_fiscal_year() -> None:
    city = GrantTerms(Decimal("40000.00"), DateRange(date(2026, 1, 1), date(2026, 12, 31)))
    assert amount_in(city, TABLE.starting(2025)) == Decimal("9863.01")
    assert amount_in(city, TABLE.starting(2026)) == Decimal("30136.99")
    assert amount_in(city, TABLE.starting(2027)) == Decimal("0.00")
    assert amount_in(PIC, TABLE.starting(2026)) == Decimal("150000.00")


def test_a_cent_over_two_days_is_counted_once_across_two_years() -> None:
    """Equal remainders: the earlier year gets the cent, and only it."""
    terms = GrantTerms(Decimal("0.01"), DateRange(date(2026, 3, 31), date(2026, 4, 1)))
    assert amount_in(terms, TABLE.starting(2025)) == Decimal("0.01")
    assert amount_in(terms, TABLE.starting(2026)) == Decimal("0.00")


# --- properties ---------------------------------------------------------------------

days = st.dates(min_value=date(2010, 1, 1), max_value=date(2050, 12, 31))
money = st.integers(min_value=1, max_value=10**9).map(lambda c: Decimal(c) / 100)
calendars = st.integers(min_value=1, max_value=12).map(FiscalCalendar)


@st.composite
def grants(draw: st.DrawFn) -> GrantTerms:
    start = draw(days)
    period = DateRange(start, start + timedelta(days=draw(st.integers(min_value=0, max_value=5 * 366))))
    amount = draw(money)
    basis = draw(st.sampled_from(Basis))
    if basis is Basis.YEARS:
        cal = draw(calendars)
        years = [y.overlap(period) or y for y in cal.years(period)]
        weights = draw(st.lists(st.integers(min_value=0, max_value=100), min_size=len(years), max_size=len(years)))
        if not any(weights):
            weights[0] = 1
        return GrantTerms(amount, period, basis, schedule=tuple(zip(years, allocate(amount, weights), strict=True)))
    if basis is Basis.INSTALMENTS:
        count = draw(st.integers(min_value=1, max_value=6))
        share = draw(st.integers(min_value=1, max_value=100))
        paid = allocate(amount, [share, 100 - share])[0] if share < 100 else amount
        parts = [p for p in allocate(paid, [1] * count) if p > 0]
        dates = draw(
            st.lists(st.dates(min_value=period.start, max_value=period.end), min_size=len(parts), max_size=len(parts))
        )
        return GrantTerms(amount, period, basis, instalments=tuple(zip(sorted(dates), parts, strict=True)))
    return GrantTerms(amount, period)


@given(grants(), calendars)
def test_the_years_of_any_grant_add_up_to_its_amount(terms: GrantTerms, cal: FiscalCalendar) -> None:
    years = amounts_by_year(terms, cal)
    assert sum(years.values(), Decimal(0)) == terms.amount
    assert all(part >= 0 for part in years.values())


@given(grants())
def test_the_months_of_any_grant_add_up_to_its_amount(terms: GrantTerms) -> None:
    months = amounts_by_month(terms)
    assert sum(months.values(), Decimal(0)) == terms.amount
    assert all(part >= 0 for part in months.values())


@given(grants(), calendars)
def test_the_part_in_each_fiscal_year_is_the_years_figure(terms: GrantTerms, cal: FiscalCalendar) -> None:
    """What the ledger shows for one year is what the grant's years show, so the years add up."""
    years = amounts_by_year(terms, cal)
    for year, amount in years.items():
        assert amount_in(terms, year) == amount
    assert sum((amount_in(terms, y) for y in cal.years(terms.period)), Decimal(0)) == terms.amount
