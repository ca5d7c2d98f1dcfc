"""Fiscal years of the Table and of its funders, and amounts spread over them by days (domain.md 4.2)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fundtrack.errors import InputError
from fundtrack.periods import (
    CALENDAR_YEAR,
    DateRange,
    FiscalCalendar,
    FiscalYear,
    Month,
    parse_date,
    parse_range,
    spread_by_days,
)

TABLE = FiscalCalendar(4)
CITY = CALENDAR_YEAR


# --- fiscal years -------------------------------------------------------------------


def test_the_tables_fiscal_year_runs_from_april_to_march() -> None:
    year = TABLE.starting(2025)
    assert (year.start, year.end) == (date(2025, 4, 1), date(2026, 3, 31))
    assert year.label == "2025-2026"
    assert str(year) == "2025-2026"


def test_the_citys_fiscal_year_is_the_calendar_year_labelled_by_one_year() -> None:
    year = CITY.starting(2026)
    assert (year.start, year.end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert year.label == "2026"


def test_a_foundation_year_starting_in_july() -> None:
    year = FiscalCalendar(7).starting(2026)
    assert (year.start, year.end) == (date(2026, 7, 1), date(2027, 6, 30))
    assert year.label == "2026-2027"


def test_a_year_starting_in_march_ends_on_the_last_day_of_february_leap_or_not() -> None:
    assert FiscalCalendar(3).starting(2027).end == date(2028, 2, 29)
    assert FiscalCalendar(3).starting(2025).end == date(2026, 2, 28)


def test_a_year_starting_in_december() -> None:
    year = FiscalCalendar(12).starting(2025)
    assert (year.start, year.end) == (date(2025, 12, 1), date(2026, 11, 30))
    assert year.label == "2025-2026"


@pytest.mark.parametrize("month", [0, 13, -1])
def test_a_start_month_outside_1_to_12_is_refused(month: int) -> None:
    with pytest.raises(InputError) as caught:
        FiscalCalendar(month)
    assert "1 to 12" in caught.value.describe("en")


def test_the_year_a_day_belongs_to() -> None:
    assert TABLE.year_of(date(2026, 3, 31)).label == "2025-2026"
    assert TABLE.year_of(date(2026, 4, 1)).label == "2026-2027"
    assert TABLE.year_of(date(2026, 11, 25)).label == "2026-2027"
    assert CITY.year_of(date(2026, 11, 25)).label == "2026"


def test_the_years_a_multi_year_commitment_covers() -> None:
    pic = DateRange(date(2025, 4, 1), date(2028, 3, 31))
    assert [y.label for y in TABLE.years(pic)] == ["2025-2026", "2026-2027", "2027-2028"]
    # the same commitment seen by the City's calendar touches four calendar years
    assert [y.label for y in CITY.years(pic)] == ["2025", "2026", "2027", "2028"]


def test_a_calendar_year_grant_touches_two_of_the_tables_years() -> None:
    city_grant = DateRange(date(2026, 1, 1), date(2026, 12, 31))
    assert [y.label for y in TABLE.years(city_grant)] == ["2025-2026", "2026-2027"]


def test_a_single_day_is_in_one_year() -> None:
    assert TABLE.years(DateRange(date(2026, 3, 31), date(2026, 3, 31))) == [TABLE.starting(2025)]


# --- labels typed by people ---------------------------------------------------------


@pytest.mark.parametrize("label", ["2025-2026", "2025-26", "2025/2026", "2025–2026", " 2025 - 2026 "])
def test_the_treasurer_names_a_fiscal_year(label: str) -> None:
    assert TABLE.parse(label) == TABLE.starting(2025)


@pytest.mark.parametrize("label", ["2026", "2026-2026"])
def test_a_calendar_year_is_named_by_its_year(label: str) -> None:
    assert CITY.parse(label) == CITY.starting(2026)


@pytest.mark.parametrize("label", ["2025-2027", "2025", "2026-2025", "deux mille", "", "25-26", "2025-2026-2027"])
def test_a_fiscal_year_label_that_does_not_fit_the_calendar_is_refused(label: str) -> None:
    with pytest.raises(InputError) as caught:
        TABLE.parse(label, "fiscal_year")
    assert caught.value.field == "fiscal_year"
    assert "write 2025-2026" in caught.value.describe("en")


def test_a_calendar_year_refuses_a_two_year_label() -> None:
    with pytest.raises(InputError) as caught:
        CITY.parse("2025-2026")
    assert "write 2026" in caught.value.describe("en")


@given(st.integers(min_value=1, max_value=12), st.integers(min_value=1900, max_value=2198))
def test_every_label_reads_back_as_its_year(start_month: int, year: int) -> None:
    cal = FiscalCalendar(start_month)
    fy = cal.starting(year)
    assert cal.parse(fy.label) == fy
    assert cal.year_of(fy.start) == fy
    assert cal.year_of(fy.end) == fy
    assert cal.starting(year + 1).start == fy.end + timedelta(days=1)


# --- dates and ranges ---------------------------------------------------------------


def test_dates_are_iso() -> None:
    assert parse_date("2026-04-01") == date(2026, 4, 1)
    assert parse_date(date(2026, 4, 1)) == date(2026, 4, 1)


@pytest.mark.parametrize("text", ["2026-02-30", "01/04/2026", "1er avril", ""])
def test_a_date_that_does_not_parse_is_refused_with_its_field(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_date(text, "start_date")
    assert caught.value.describe("en") == f"start_date: invalid date '{text}': write YYYY-MM-DD"


def test_a_range_counts_both_its_first_and_last_day() -> None:
    assert DateRange(date(2025, 1, 1), date(2025, 12, 31)).days == 365
    assert DateRange(date(2026, 4, 1), date(2026, 4, 1)).days == 1


def test_a_range_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        DateRange.checked(date(2026, 4, 1), date(2026, 3, 31), "end_date")
    assert caught.value.describe("en") == "end_date: the end (2026-03-31) is before the start (2026-04-01)"
    with pytest.raises(InputError):
        DateRange(date(2026, 4, 1), date(2026, 3, 31))


def test_overlaps_between_ranges() -> None:
    grant = DateRange(date(2026, 1, 1), date(2026, 12, 31))
    year = TABLE.starting(2025)
    assert grant.overlap(year) == DateRange(date(2026, 1, 1), date(2026, 3, 31))
    assert grant.overlap_days(year) == 90
    assert grant.overlap(TABLE.starting(2027)) is None
    assert grant.overlap_days(TABLE.starting(2027)) == 0
    assert year.covers(DateRange(date(2025, 6, 1), date(2025, 6, 30)))
    assert date(2026, 3, 31) in year and date(2026, 4, 1) not in year


def test_the_months_of_a_range() -> None:
    months = DateRange(date(2025, 11, 15), date(2026, 2, 3)).months()
    assert [m.label for m in months] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    feb = months[-1]
    assert (feb.start, feb.end, feb.year, feb.month) == (date(2026, 2, 1), date(2026, 2, 28), 2026, 2)
    assert Month.of(date(2028, 2, 10)).end == date(2028, 2, 29)
    assert Month.of(date(2025, 12, 31)).next().label == "2026-01"


def test_a_report_period_is_dates_or_a_fiscal_year() -> None:
    assert parse_range("2026-01-01:2026-06-30", TABLE) == DateRange(date(2026, 1, 1), date(2026, 6, 30))
    assert parse_range("2026-2027", TABLE) == TABLE.starting(2026)
    for bad in ("2026-01-01:2026-13-01", "2026", "demain"):
        with pytest.raises(InputError) as caught:
            parse_range(bad, TABLE, "period")
        assert caught.value.field == "period"
    with pytest.raises(InputError) as caught:
        parse_range("2026-06-30:2026-01-01", TABLE, "period")
    assert "before the start" in caught.value.describe("en")


# --- spreading by days --------------------------------------------------------------


def spread_over_years(total: Decimal, rng: DateRange, calendar_: FiscalCalendar) -> dict[FiscalYear, Decimal]:
    """A grant's amount spread by days over the fiscal years it touches, as reports spread it."""
    years = calendar_.years(rng)
    return dict(zip(years, spread_by_days(total, rng, years), strict=True))


def spread_over_months(total: Decimal, rng: DateRange) -> dict[Month, Decimal]:
    """An amount spread by days over the calendar months of its range."""
    months = rng.months()
    return dict(zip(months, spread_by_days(total, rng, months), strict=True))


def test_the_worked_example_of_the_domain_guide() -> None:
    """100,000.00 $ over calendar 2025, in the Table's April years: 90 and 275 days."""
    spread = spread_over_years(Decimal("100000.00"), DateRange(date(2025, 1, 1), date(2025, 12, 31)), TABLE)
    assert {y.label: a for y, a in spread.items()} == {
        "2024-2025": Decimal("24657.53"),
        "2025-2026": Decimal("75342.47"),
    }


def test_a_city_grant_spread_over_the_tables_years() -> None:
    # 40,000 $ for calendar 2026: 90 days in 2025-2026, 275 days in 2026-2027
    spread = spread_over_years(Decimal("40000.00"), DateRange(date(2026, 1, 1), date(2026, 12, 31)), TABLE)
    assert [(y.label, a) for y, a in spread.items()] == [
        ("2025-2026", Decimal("9863.01")),
        ("2026-2027", Decimal("30136.99")),
    ]


def test_a_grant_within_one_year_stays_whole() -> None:
    spread = spread_over_years(Decimal("5000.00"), DateRange(date(2026, 3, 1), date(2026, 3, 31)), TABLE)
    assert list(spread.values()) == [Decimal("5000.00")]


def test_spreading_over_months_counts_days() -> None:
    # 3,100 $ from 2026-01-01 to 2026-03-31 (90 days): 31, 28 and 31 days
    spread = spread_over_months(Decimal("3100.00"), DateRange(date(2026, 1, 1), date(2026, 3, 31)))
    assert [(m.label, a) for m, a in spread.items()] == [
        ("2026-01", Decimal("1067.78")),
        ("2026-02", Decimal("964.44")),
        ("2026-03", Decimal("1067.78")),
    ]


def test_a_period_outside_the_range_gets_nothing() -> None:
    rng = DateRange(date(2026, 1, 1), date(2026, 12, 31))
    parts = spread_by_days(Decimal("100.00"), rng, [TABLE.starting(2024), TABLE.starting(2025), TABLE.starting(2026)])
    assert parts[0] == Decimal("0.00")
    assert sum(parts) == Decimal("100.00")


def test_spreading_into_periods_that_miss_the_range_is_refused() -> None:
    rng = DateRange(date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(InputError) as caught:
        spread_by_days(Decimal("100.00"), rng, [TABLE.starting(2020)])
    assert "no period overlaps" in caught.value.describe("en")


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


@st.composite
def ranges(draw: st.DrawFn) -> DateRange:
    start = draw(days)
    length = draw(st.integers(min_value=0, max_value=6 * 366))
    return DateRange(start, start + timedelta(days=length))


@given(
    st.integers(min_value=0, max_value=10**10).map(lambda c: Decimal(c) / 100),
    ranges(),
    st.integers(min_value=1, max_value=12),
)
def test_spreading_any_amount_over_any_range_in_any_calendar_adds_up(
    total: Decimal, rng: DateRange, start_month: int
) -> None:
    cal = FiscalCalendar(start_month)
    spread = spread_over_years(total, rng, cal)
    assert sum(spread.values(), Decimal(0)) == total
    years: list[FiscalYear] = list(spread)
    assert years[0].start <= rng.start and rng.end <= years[-1].end
    for year, part in spread.items():
        exact = Fraction(total) * rng.overlap_days(year) / rng.days
        assert abs(Fraction(part) - exact) < Fraction(1, 100)
    for earlier, later in itertools.pairwise(years):
        assert later.start == earlier.end + timedelta(days=1)


@given(st.integers(min_value=0, max_value=10**9).map(lambda c: Decimal(c) / 100), ranges())
def test_spreading_any_amount_over_months_adds_up(total: Decimal, rng: DateRange) -> None:
    spread = spread_over_months(total, rng)
    assert sum(spread.values(), Decimal(0)) == total
    for month, part in spread.items():
        exact = Fraction(total) * rng.overlap_days(month) / rng.days
        assert abs(Fraction(part) - exact) < Fraction(1, 100)


# --- every refusal names its rule and its field ----------------------------------------------


@pytest.mark.parametrize(
    ("read", "code", "field", "english"),
    [
        pytest.param(
            lambda: parse_date("2026-02-30", "day"),
            "field.bad_date",
            "day",
            "invalid date '2026-02-30': write YYYY-MM-DD",
            id="30 February",
        ),
        pytest.param(
            lambda: parse_date(None, "day"),
            "field.bad_date",
            "day",
            "invalid date 'None': write YYYY-MM-DD",
            id="no date",
        ),
        pytest.param(
            lambda: parse_date(" 1800-01-01 ", "day"),
            "limits.date_range",
            "day",
            "date 1800-01-01 outside the allowed range: 1900-01-01 to 2199-12-31",
            id="typed before 1900",
        ),
        pytest.param(
            lambda: parse_date(date(2200, 1, 1), "day"),
            "limits.date_range",
            "day",
            "date 2200-01-01 outside the allowed range: 1900-01-01 to 2199-12-31",
            id="a date after 2199",
        ),
        pytest.param(
            lambda: DateRange.checked(date(2026, 1, 2), date(2026, 1, 1), "end"),
            "period.end_before_start",
            "end",
            "the end (2026-01-01) is before the start (2026-01-02)",
            id="an end before the start",
        ),
        pytest.param(
            lambda: TABLE.parse("2025-2027", "year"),
            "period.bad_label",
            "year",
            "invalid fiscal year '2025-2027': write 2025-2026",
            id="a two-year label",
        ),
        pytest.param(
            lambda: CITY.parse("2026-2027", "year"),
            "period.bad_label",
            "year",
            "invalid fiscal year '2026-2027': write 2026",
            id="a fiscal label for a calendar year",
        ),
        pytest.param(
            lambda: TABLE.parse("2300-2301", "year"),
            "limits.date_range",
            "year",
            "date 2300-2301 outside the allowed range: 1900-01-01 to 2199-12-31",
            id="a year after 2199",
        ),
        pytest.param(
            lambda: TABLE.parse("2199-2200", "year"),
            "limits.date_range",
            "year",
            "date 2199-2200 outside the allowed range: 1900-01-01 to 2199-12-31",
            id="a year ending after 2199",
        ),
        pytest.param(
            lambda: TABLE.parse("1899-1900", "year"),
            "limits.date_range",
            "year",
            "date 1899-1900 outside the allowed range: 1900-01-01 to 2199-12-31",
            id="a year before 1900",
        ),
        pytest.param(
            lambda: parse_range("2026-01-01:2026-13-01", TABLE, "period"),
            "period.bad_range",
            "period",
            "invalid period '2026-01-01:2026-13-01': write YYYY-MM-DD:YYYY-MM-DD or a fiscal year (2026-2027)",
            id="a thirteenth month",
        ),
        pytest.param(
            lambda: parse_range("2026-02-01:2026-01-01", TABLE, "period"),
            "period.end_before_start",
            "period",
            "the end (2026-01-01) is before the start (2026-02-01)",
            id="a period backwards",
        ),
        pytest.param(
            lambda: parse_range("1800-01-01:2026-01-01", TABLE, "period"),
            "limits.date_range",
            "period",
            "date 1800-01-01 outside the allowed range: 1900-01-01 to 2199-12-31",
            id="a period from before 1900",
        ),
        pytest.param(
            lambda: parse_range("2026-01-01:2300-01-01", TABLE, "period"),
            "limits.date_range",
            "period",
            "date 2300-01-01 outside the allowed range: 1900-01-01 to 2199-12-31",
            id="a period to after 2199",
        ),
        pytest.param(
            lambda: parse_range("deux", TABLE, "period"),
            "period.bad_range",
            "period",
            "invalid period 'deux': write YYYY-MM-DD:YYYY-MM-DD or a fiscal year (2026-2027)",
            id="words",
        ),
        pytest.param(
            lambda: parse_range("2300-2301", TABLE, "period"),
            "limits.date_range",
            "period",
            "date 2300-2301 outside the allowed range: 1900-01-01 to 2199-12-31",
            id="a fiscal year after 2199",
        ),
    ],
)
def test_every_refusal_of_a_date_or_period_names_its_rule_and_field(
    read: Callable[[], object], code: str, field: str, english: str
) -> None:
    with pytest.raises(InputError) as caught:
        read()
    assert (caught.value.code, caught.value.field) == (code, field)
    assert caught.value.describe("en") == f"{field}: {english}"


def test_a_range_built_backwards_in_code_says_both_dates() -> None:
    with pytest.raises(InputError) as caught:
        DateRange(date(2026, 1, 2), date(2026, 1, 1))
    assert caught.value.describe("en") == "the end (2026-01-01) is before the start (2026-01-02)"


def test_a_bad_start_month_says_which() -> None:
    with pytest.raises(InputError) as caught:
        FiscalCalendar(13)
    assert caught.value.describe("en") == "invalid fiscal-year start month (13): 1 to 12"
    assert FiscalCalendar(12).start_month == 12 and FiscalCalendar(1).start_month == 1


def test_spreading_into_periods_that_miss_the_range_names_the_range() -> None:
    rng = DateRange(date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(InputError) as caught:
        spread_by_days(Decimal("100.00"), rng, [TABLE.starting(2020)])
    assert caught.value.code == "period.no_overlap"
    assert caught.value.describe("en") == "no period overlaps 2026-01-01 – 2026-12-31"


def test_nothing_to_spread_over_periods_that_miss_the_range_is_nothing_each() -> None:
    rng = DateRange(date(2026, 1, 1), date(2026, 12, 31))
    assert spread_by_days(Decimal("0.00"), rng, [TABLE.starting(2020)]) == [Decimal("0.00")]


def test_the_first_and_last_years_a_parsed_label_may_name() -> None:
    assert TABLE.parse("1900-1901", "year").start == date(1900, 4, 1)
    assert TABLE.parse("2198-2199", "year").end == date(2199, 3, 31)
    assert CITY.parse("2199", "year").end == date(2199, 12, 31)
    assert parse_date("2199-12-31") == date(2199, 12, 31)
    assert parse_date(date(1900, 1, 1)) == date(1900, 1, 1)


@pytest.mark.parametrize("label", ["2025-2126", "2025-1926", "2025-3026"])
def test_a_second_year_written_in_full_must_be_the_next_year_not_only_end_like_it(label: str) -> None:
    with pytest.raises(InputError) as caught:
        TABLE.parse(label, "year")
    assert (caught.value.code, caught.value.field) == ("period.bad_label", "year")


@pytest.mark.parametrize("label", ["2026-2126", "2026-1926", "2026-27"])
def test_a_calendar_year_named_twice_must_name_the_same_year(label: str) -> None:
    with pytest.raises(InputError) as caught:
        CITY.parse(label, "year")
    assert caught.value.describe("en") == f"year: invalid fiscal year '{label}': write 2026"


def test_a_second_year_may_be_written_with_its_last_two_digits() -> None:
    assert CITY.parse("2026-26").start == date(2026, 1, 1)
    assert TABLE.parse("2099-00").start == date(2099, 4, 1)


def test_words_for_a_fiscal_year_are_refused_with_the_words_and_an_example() -> None:
    with pytest.raises(InputError) as caught:
        TABLE.parse("deux mille", "year")
    assert caught.value.describe("en") == "year: invalid fiscal year 'deux mille': write 2025-2026"


def test_a_range_covers_another_up_to_both_of_its_ends() -> None:
    year = TABLE.starting(2025)
    assert year.covers(year)
    assert year.covers(DateRange(date(2025, 4, 1), date(2025, 4, 30)))
    assert year.covers(DateRange(date(2026, 3, 1), date(2026, 3, 31)))
    assert not year.covers(DateRange(date(2025, 3, 31), date(2025, 4, 30)))
    assert not year.covers(DateRange(date(2026, 3, 1), date(2026, 4, 1)))
    assert not year.covers(DateRange(date(2024, 1, 1), date(2027, 1, 1)))
