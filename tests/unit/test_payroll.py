"""Québec payroll projection (domain.md 4.3), told as the Table's own hiring examples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from fundtrack.calc.payroll import (
    CONTRIBUTION_FIELDS,
    PayrollAmounts,
    PayrollRates,
    PositionTerms,
    Projection,
    RateBook,
    project_payroll,
)
from fundtrack.errors import InputError
from fundtrack.money import round_half_up
from fundtrack.periods import CALENDAR_YEAR, DateRange, FiscalCalendar, Month
from fundtrack.rates import PARAMETERS, parse_table, shipped_book, shipped_rates, shipped_tables

D = Decimal
TABLE = FiscalCalendar(4)
BOOK = shipped_book()
YEAR_2026 = DateRange(date(2026, 1, 1), date(2026, 12, 31))


def project(*positions: PositionTerms, rng: DateRange = YEAR_2026) -> Projection:
    return project_payroll(positions, rng, BOOK, TABLE)


def salaried(salary: str, start: date = date(2026, 1, 1), **terms: object) -> PositionTerms:
    return PositionTerms("coord", start, annual_salary=D(salary), **terms)  # type: ignore[arg-type]


# --- the shipped parameters -----------------------------------------------------------------


def test_the_shipped_tables_are_those_of_the_domain_guide_with_their_sources() -> None:
    rates = shipped_rates()
    assert sorted(rates) == [2025, 2026]
    r25, r26 = rates[2025], rates[2026]
    assert (r25.rrq_rate, r25.rrq_mga, r25.rrq_msga) == (D("0.064"), D("71300.00"), D("81200.00"))
    assert (r25.rqap_rate, r25.rqap_max, r25.ei_rate, r25.ei_max) == (
        D("0.00692"),
        D("98000.00"),
        D("0.01834"),
        D("65700.00"),
    )
    assert (r25.fss_rate, r25.cnt_rate, r25.cnesst_rate) == (D("0.0165"), D("0.0006"), D("0.0148"))
    assert (r26.rrq_rate, r26.rrq_exemption, r26.rrq_mga, r26.rrq2_rate, r26.rrq_msga) == (
        D("0.063"),
        D("3500.00"),
        D("74600.00"),
        D("0.04"),
        D("85000.00"),
    )
    assert (r26.rqap_rate, r26.rqap_max, r26.ei_rate, r26.ei_max) == (
        D("0.00602"),
        D("103000.00"),
        D("0.0182"),
        D("68900.00"),
    )
    assert (r26.fss_rate, r26.cnt_rate, r26.cnesst_rate) == (D("0.0165"), D("0.0006"), D("0.0154"))
    for table in shipped_tables():
        sources = dict(table.rates.sources)
        assert "Revenu Québec" in sources["rrq_rate"] and "Retraite Québec" in sources["rrq_mga"]
        assert "ESDC" in sources["ei_max"] and "CNESST" in sources["cnesst_rate"]
        assert table.rates.cnesst_placeholder
        assert "placeholder" in dict(table.notes)["en"]


def test_the_published_2026_employer_maxima_follow_from_the_table() -> None:
    r26 = shipped_rates()[2026]
    assert r26.rrq_max == D("4479.30")
    assert r26.rrq2_max == D("416.00")
    assert r26.ei_max_contribution == D("1253.98")
    assert r26.rqap_max_contribution == D("620.06")


def test_a_parameter_written_as_a_bare_number_is_refused_because_yaml_would_make_it_a_float() -> None:
    text = shipped_tables()[1]
    source = "year: 2027\nparameters:\n" + "".join(
        f"  {name}: {{value: {'0.063' if name == 'rrq_rate' else repr(str(getattr(text.rates, name)))}, source: x}}\n"
        for name in PARAMETERS
    )
    with pytest.raises(InputError) as err:
        parse_table(source)
    assert err.value.field == "rrq_rate"


def test_the_organisations_own_cnesst_rate_replaces_the_provincial_average() -> None:
    book = BOOK.with_cnesst({2026: D("0.0091")})
    result = project_payroll([salaried("50000")], YEAR_2026, book, TABLE)
    assert result.total().cnesst == D("455.00")
    assert not [n for n in result.notes if n.code == "payroll.cnesst_placeholder"]


# --- the worked example and its months ------------------------------------------------------


def test_the_worked_example_of_the_domain_guide_to_the_cent() -> None:
    """A full calendar year 2026 at 50,000 $, no vacation pay, no benefits."""
    total = project(salaried("50000")).total()
    assert total.gross == D("50000.00")
    assert total.rrq == D("2929.50")
    assert total.rrq2 == D("0.00")
    assert total.ei == D("910.00")
    assert total.rqap == D("301.00")
    assert total.fss == D("825.00")
    assert total.cnt == D("30.00")
    assert total.cnesst == D("770.00")
    assert total.contributions == D("5765.50")
    assert total.total == D("55765.50")


def test_rounding_without_drift_the_months_are_differences_of_rounded_cumulative_totals() -> None:
    months = project(salaried("50000")).lines
    assert [m.gross for m in months[:3]] == [D("4166.67"), D("4166.66"), D("4166.67")]
    assert [m.rrq for m in months[:2]] == [D("244.13"), D("244.12")]  # 244.125 a month
    assert sum((m.rrq for m in months), D(0)) == D("2929.50")


def test_vacation_pay_and_benefits_add_to_the_cost_and_contributions_are_due_on_vacation_pay() -> None:
    agent = PositionTerms(
        "liaison",
        date(2026, 1, 1),
        hourly_rate=D("26.00"),
        weekly_hours=D("32"),
        vacation_rate=D("0.04"),
        benefits_rate=D("0.05"),
    )
    total = project(agent).total()
    gross = D("26") * 32 * 52  # 43,264.00
    assert total.gross == gross
    assert total.vacation == D("1730.56")
    assert total.benefits == D("2163.20")
    assert total.ei == round_half_up((gross + D("1730.56")) * D("0.0182"))
    assert total.rrq == round_half_up((gross + D("1730.56") - 3500) * D("0.063"))


# --- partial months and the prorated exemption ----------------------------------------------


def test_a_mid_year_hire_is_paid_by_days_worked_and_gets_that_share_of_the_exemption() -> None:
    """The liaison agent starts on 15 July 2026: 17 of July's 31 days."""
    agent = PositionTerms("liaison", date(2026, 7, 15), hourly_rate=D("26"), weekly_hours=D("32"))
    july, august = project(agent).lines[:2]
    month_pay = Fraction(26 * 32 * 52, 12)
    july_pay = month_pay * 17 / 31
    assert july.month == Month.of(date(2026, 7, 1))
    assert july.gross == round_half_up(july_pay)
    exemption = Fraction(3500, 12) * 17 / 31
    assert july.rrq == round_half_up(Fraction(63, 1000) * (july_pay - exemption))
    both = round_half_up(Fraction(63, 1000) * (july_pay - exemption + month_pay - Fraction(3500, 12)))
    assert july.rrq + august.rrq == both
    assert len(project(agent).lines) == 6  # July to December


def test_a_position_that_ends_mid_month_stops_paying_that_day() -> None:
    agent = PositionTerms(
        "liaison", date(2026, 1, 1), end=date(2026, 3, 10), annual_salary=D("31000"), vacation_rate=D("0.04")
    )
    lines = project(agent).lines
    assert [line.month.month for line in lines] == [1, 2, 3]
    total = project(agent).total()
    exact_gross = Fraction(31000, 12) * 2 + Fraction(31000, 12) * 10 / 31
    assert total.gross == round_half_up(exact_gross)


# --- ceilings -------------------------------------------------------------------------------


def test_a_salary_above_the_ceilings_pays_each_maximum_once_and_nothing_after() -> None:
    """120,000 $ in 2026: 10,000 $ a month."""
    result = project(salaried("120000"))
    total = result.total()
    assert total.rrq == D("4479.30")
    assert total.rrq2 == D("416.00")
    assert total.ei == D("1253.98")
    assert total.rqap == D("620.06")
    assert total.fss == D("1980.00")  # no maximum
    by_month = {line.month.month: line for line in result.lines}
    # EI: 68,900 $ reached in July; RRQ: 71,100 $ above the exemptions in August;
    # RRQ2: 85,000 $ in September; RQAP, CNT and CNESST: 103,000 $ in November.
    assert by_month[7].ei > 0 and all(by_month[m].ei == 0 for m in range(8, 13))
    assert by_month[8].rrq > 0 and all(by_month[m].rrq == 0 for m in range(9, 13))
    assert all(by_month[m].rrq2 == 0 for m in range(1, 8))
    assert by_month[9].rrq2 > 0 and all(by_month[m].rrq2 == 0 for m in range(10, 13))
    assert by_month[11].rqap > 0 and by_month[12].rqap == 0 and by_month[12].cnesst == 0
    assert by_month[12].cnt == 0
    assert total.cnt == D("61.80") and total.cnesst == D("1586.20")


def test_the_ceilings_start_again_on_the_first_of_january() -> None:
    rng = DateRange(date(2026, 1, 1), date(2027, 12, 31))
    result = project(salaried("120000"), rng=rng)
    january_2027 = next(x for x in result.lines if x.month.start == date(2027, 1, 1))
    assert january_2027.ei > 0 and january_2027.rrq > 0
    per_year = result.by_fiscal_year(CALENDAR_YEAR)
    assert [y.ei for y in per_year.values()] == [D("1253.98"), D("1253.98")]


def test_a_range_starting_mid_year_still_counts_the_earnings_since_january() -> None:
    full = project(salaried("120000"))
    autumn = project(salaried("120000"), rng=DateRange(date(2026, 10, 1), date(2026, 12, 31)))
    assert autumn.lines == full.lines[9:]
    assert autumn.total().ei == 0


def test_one_person_in_two_positions_has_one_set_of_ceilings() -> None:
    first = PositionTerms("coord", date(2026, 1, 1), annual_salary=D("60000"), employee="E1")
    second = PositionTerms("projets", date(2026, 1, 1), annual_salary=D("60000"), employee="E1")
    total = project(first, second).total()
    assert total.ei == D("1253.98")
    assert total.rrq == D("4479.30")
    apart = project(first, PositionTerms("projets", date(2026, 1, 1), annual_salary=D("60000"))).total()
    assert apart.ei == D("2184.00")
    assert project(first, second).total("coord").ei + project(first, second).total("projets").ei == total.ei


# --- raises, years and notes ----------------------------------------------------------------


def test_a_raise_applies_on_the_first_day_of_the_tables_fiscal_year_by_default() -> None:
    agent = PositionTerms(
        "mobilisation", date(2026, 9, 1), hourly_rate=D("26"), weekly_hours=D("32"), raise_rate=D("0.03")
    )
    rng = DateRange(date(2026, 9, 1), date(2028, 5, 31))
    by_month = {line.month.label: line.gross for line in project(agent, rng=rng).lines}
    assert by_month["2027-03"] == round_half_up(Fraction(26 * 32 * 52, 12))
    assert by_month["2027-04"] == round_half_up(D("26.78") * 32 * 52 / 12)
    assert by_month["2028-04"] == round_half_up(D("27.58") * 32 * 52 / 12)  # 26.78 × 1.03 = 27.5834


def test_a_raise_in_the_middle_of_a_month_splits_that_month_by_days() -> None:
    agent = PositionTerms(
        "communications",
        date(2026, 1, 1),
        annual_salary=D("48000"),
        raise_rate=D("0.02"),
        raise_on=(7, 16),
    )
    july = project(agent).lines[6]
    exact = Fraction(48000, 12) * 15 / 31 + Fraction(48960, 12) * 16 / 31
    assert july.gross == round_half_up(exact + 6 * Fraction(48000, 12)) - round_half_up(6 * Fraction(48000, 12))


def test_the_pay_given_is_the_pay_of_its_date_and_raises_count_from_there() -> None:
    coordinator = PositionTerms(
        "coord",
        date(2019, 1, 7),
        hourly_rate=D("31.50"),
        weekly_hours=D("35"),
        raise_rate=D("0.03"),
        pay_as_of=date(2026, 11, 25),
    )
    rng = DateRange(date(2026, 12, 1), date(2027, 4, 30))
    lines = project(coordinator, rng=rng).lines
    assert lines[0].gross == round_half_up(D("31.50") * 35 * 52 / 12)
    assert lines[-1].gross == round_half_up(D("32.45") * 35 * 52 / 12)  # 32.445 rounded half up


def test_a_projection_across_a_calendar_year_and_a_fiscal_year() -> None:
    """The mobilisation agent from October 2026 to September 2027, seen by three calendars."""
    agent = PositionTerms(
        "mobilisation",
        date(2026, 10, 1),
        end=date(2027, 9, 30),
        hourly_rate=D("26"),
        weekly_hours=D("32"),
        vacation_rate=D("0.04"),
    )
    result = project(agent, rng=DateRange(date(2026, 4, 1), date(2028, 3, 31)))
    assert len(result.lines) == 12
    grand = result.total()
    for cal in (TABLE, CALENDAR_YEAR, FiscalCalendar(7)):
        years = result.by_fiscal_year(cal)
        assert PayrollAmounts.sum(years.values()) == grand
    table_years = result.by_fiscal_year(TABLE)
    assert [y.label for y in table_years] == ["2026-2027", "2027-2028"]
    assert PayrollAmounts.sum(result.by_month().values()) == grand
    # 2027 has no parameters: the 2026 ones are used, and the result says so.
    assert any(n.code == "payroll.year_borrowed" and dict(n.params)["used"] == 2026 for n in result.notes)
    assert "2027" in next(n for n in result.notes if n.code == "payroll.year_borrowed").message("en")
    # The exemption starts again in January: the 2027 RRQ is on 9 months less 9/12 of 3,500 $.
    earnings_2027 = sum((x.earnings for x in result.lines if x.month.year == 2027), D(0))
    rrq_2027 = sum((x.rrq for x in result.lines if x.month.year == 2027), D(0))
    assert rrq_2027 == round_half_up((earnings_2027 - D("2625")) * D("0.063"))


def test_2025_is_projected_with_the_2025_table() -> None:
    result = project_payroll(
        [salaried("50000", date(2025, 1, 1))], DateRange(date(2025, 1, 1), date(2025, 12, 31)), BOOK
    )
    assert result.total().rrq == D("2976.00")  # (50,000 − 3,500) × 6.40 %
    assert not [n for n in result.notes if n.code == "payroll.year_borrowed"]


# --- bad terms ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"annual_salary": 50000.0}, "annual_salary"),
        ({"annual_salary": D("50000"), "hourly_rate": D("26"), "weekly_hours": D("32")}, "annual_salary"),
        ({"hourly_rate": D("26")}, "annual_salary"),
        ({"annual_salary": D("50000.001")}, "annual_salary"),
        ({"hourly_rate": D("26"), "weekly_hours": D("200")}, "weekly_hours"),
        ({"annual_salary": D("50000"), "vacation_rate": D("4")}, "vacation_rate"),
        ({"annual_salary": D("50000"), "raise_on": (2, 30)}, "raise_on"),
        ({"annual_salary": D("50000"), "end": date(2025, 12, 31)}, "end"),
    ],
)
def test_bad_terms_are_refused_naming_the_field(terms: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as err:
        PositionTerms("x", date(2026, 1, 1), **terms)  # type: ignore[arg-type]
    assert err.value.field == field


def test_two_positions_with_the_same_key_are_refused() -> None:
    with pytest.raises(InputError):
        project(salaried("1000"), salaried("2000"))


def test_a_table_with_inconsistent_ceilings_is_refused() -> None:
    r26 = shipped_rates()[2026]
    with pytest.raises(InputError):
        RateBook.of([r26, r26])
    values = {name: getattr(r26, name) for name in PayrollRates.RATES + PayrollRates.AMOUNTS}
    values["rrq_msga"] = D("70000")
    with pytest.raises(InputError) as err:
        PayrollRates(year=2027, **values)
    assert err.value.field == "rrq_mga"


def test_contribution_fields_are_the_seven_employer_contributions() -> None:
    assert CONTRIBUTION_FIELDS == ("rrq", "rrq2", "ei", "rqap", "fss", "cnt", "cnesst")
