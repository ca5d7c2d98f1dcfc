"""Québec payroll projection (domain.md 4.3) for people whose month is not one plain position:
a raise on the month's last day, one person in two positions paid differently, gaps and
overlaps between a person's positions in a month, months without work."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fundtrack.calc.payroll import (
    CONTRIBUTION_FIELDS,
    PayrollAmounts,
    PayrollMonth,
    PositionTerms,
    Projection,
    project_payroll,
)
from fundtrack.errors import InputError
from fundtrack.money import allocate, round_half_up
from fundtrack.periods import DateRange, FiscalCalendar
from fundtrack.rates import shipped_book, shipped_rates

D = Decimal
BOOK = shipped_book()
TABLE = FiscalCalendar(4)
YEAR_2026 = DateRange(date(2026, 1, 1), date(2026, 12, 31))
JANUARY_2026 = DateRange(date(2026, 1, 1), date(2026, 1, 31))
RRQ_RATE = Fraction(63, 1000)  # 2026
EXEMPTION = Fraction(3500)  # 2026, per year


def project(*positions: PositionTerms, rng: DateRange = YEAR_2026) -> Projection:
    return project_payroll(positions, rng, BOOK, TABLE)


def by_label(lines: tuple[PayrollMonth, ...]) -> dict[str, PayrollMonth]:
    return {line.month.label: line for line in lines}


def contributions(line: PayrollMonth) -> list[Decimal]:
    return [getattr(line, name) for name in CONTRIBUTION_FIELDS]


# --- raises -----------------------------------------------------------------------------------


def test_a_raise_on_the_last_day_of_july_pays_that_one_day_at_the_new_salary() -> None:
    """48 000 $ a year, +2 % each 31 July: July is 30 days at 48 000 $ and 1 day at 48 960 $."""
    agent = PositionTerms(
        "communications", date(2026, 1, 1), annual_salary=D("48000"), raise_rate=D("0.02"), raise_on=(7, 31)
    )
    lines = by_label(project(agent).lines)
    six_months = 6 * Fraction(48000, 12)
    july = Fraction(48000, 12) * 30 / 31 + Fraction(48960, 12) * 1 / 31
    assert lines["2026-07"].gross == round_half_up(six_months + july) - round_half_up(six_months)
    assert lines["2026-08"].gross == round_half_up(Fraction(48960, 12))


def test_a_raise_on_the_first_day_worked_is_already_in_the_pay_given() -> None:
    """Hired on 16 July, the raise date: the pay given is that day's pay, no raise until next year."""
    agent = PositionTerms(
        "communications", date(2026, 7, 16), annual_salary=D("48000"), raise_rate=D("0.02"), raise_on=(7, 16)
    )
    rng = DateRange(date(2026, 7, 1), date(2027, 7, 31))
    lines = by_label(project(agent, rng=rng).lines)
    assert lines["2026-07"].gross == round_half_up(Fraction(48000, 12) * 16 / 31)
    assert lines["2026-08"].gross == round_half_up(Fraction(48000, 12))
    assert lines["2027-06"].gross == round_half_up(Fraction(48000, 12))
    # the ceilings start again in January 2027: July is the cumulative total since then less June's
    july_2027 = Fraction(48000, 12) * 15 / 31 + Fraction(48960, 12) * 16 / 31
    assert lines["2027-07"].gross == round_half_up(24000 + july_2027) - 24000


def test_a_raise_on_the_29th_of_february_falls_on_the_28th_in_other_years() -> None:
    agent = PositionTerms("coord", date(2026, 1, 1), annual_salary=D("36000"), raise_rate=D("0.10"), raise_on=(2, 29))
    lines = by_label(project(agent).lines)
    february = Fraction(36000, 12) * 27 / 28 + Fraction(39600, 12) * 1 / 28
    assert lines["2026-02"].gross == round_half_up(Fraction(3000) + february) - round_half_up(Fraction(3000))


def test_two_raises_compound_each_rounded_to_the_cent() -> None:
    """26,00 $ an hour, +3 % each April: 26,78 $ in 2027, 27,58 $ in 2028 (27,5834 rounded)."""
    agent = PositionTerms(
        "mobilisation", date(2026, 4, 1), hourly_rate=D("26"), weekly_hours=D("35"), raise_rate=D("0.03")
    )
    lines = by_label(project(agent, rng=DateRange(date(2027, 1, 1), date(2028, 4, 30))).lines)
    assert lines["2027-03"].gross == round_half_up(D("26") * 35 * 52 / 12)
    assert lines["2027-04"].gross == round_half_up(D("26.78") * 35 * 52 / 12)
    assert lines["2028-03"].gross == round_half_up(D("26.78") * 35 * 52 / 12)
    assert lines["2028-04"].gross == round_half_up(D("27.58") * 35 * 52 / 12)


# --- one person, two positions paid differently ------------------------------------------------


def test_a_persons_contributions_are_shared_between_two_positions_by_their_earnings() -> None:
    """The coordinator also runs a project: 60 000 $ with 4 % vacation pay, and 30 000 $ without."""
    coord = PositionTerms("coord", date(2026, 1, 1), annual_salary=D("60000"), vacation_rate=D("0.04"), employee="E1")
    projects = PositionTerms("projets", date(2026, 1, 1), annual_salary=D("30000"), employee="E1")
    together = project(coord, projects)
    mine, theirs = by_label(together.for_position("coord")), by_label(together.for_position("projets"))
    assert len(mine) == len(theirs) == 12
    for label in mine:
        a, b = mine[label], theirs[label]
        for name in CONTRIBUTION_FIELDS:
            month_total = getattr(a, name) + getattr(b, name)
            assert [getattr(a, name), getattr(b, name)] == allocate(month_total, [a.earnings, b.earnings])
    january = mine["2026-01"], theirs["2026-01"]
    assert [x.fss for x in january] == [D("85.80"), D("41.25")]  # 1,65 % of 5 200 $ and of 2 500 $


def test_one_person_in_two_positions_owes_what_one_position_of_the_same_pay_owes() -> None:
    coord = PositionTerms("coord", date(2026, 1, 1), annual_salary=D("60000"), employee="E1")
    projects = PositionTerms("projets", date(2026, 1, 1), annual_salary=D("30000"), employee="E1")
    one = PositionTerms("both", date(2026, 1, 1), annual_salary=D("90000"))
    together, alone = project(coord, projects), project(one)
    for month, amounts in together.by_month().items():
        assert contributions(amounts) == [getattr(alone.by_month()[month], n) for n in CONTRIBUTION_FIELDS]  # type: ignore[arg-type]
    assert together.total().contributions == alone.total().contributions


@settings(max_examples=25, deadline=None)
@given(
    st.integers(min_value=0, max_value=12_000_000).map(lambda c: D(c) / 100),
    st.integers(min_value=0, max_value=12_000_000).map(lambda c: D(c) / 100),
    st.sampled_from([D("0"), D("0.04")]),
)
def test_any_two_positions_of_one_person_share_its_contributions_by_earnings(
    first: Decimal, second: Decimal, vacation: Decimal
) -> None:
    a = PositionTerms("a", date(2026, 1, 1), annual_salary=first, vacation_rate=vacation, employee="E")
    b = PositionTerms("b", date(2026, 1, 1), annual_salary=second, employee="E")
    one = PositionTerms("ab", date(2026, 1, 1), annual_salary=first + second, vacation_rate=D("0"))
    together = project(a, b)
    lines_a, lines_b = by_label(together.for_position("a")), by_label(together.for_position("b"))
    assert len(lines_a) == len(lines_b) == 12
    for label in lines_a:
        x, y = lines_a[label], lines_b[label]
        for name in CONTRIBUTION_FIELDS:
            shares = [getattr(x, name), getattr(y, name)]
            weights = [x.earnings, y.earnings] if any((x.earnings, y.earnings)) else [1, 1]
            assert shares == allocate(sum(shares, D(0)), weights)
    if not vacation:
        assert together.total().contributions == project(one).total().contributions


def test_two_unpaid_positions_of_one_person_cost_nothing() -> None:
    a = PositionTerms("stage", date(2026, 1, 1), annual_salary=D("0"), employee="E")
    b = PositionTerms("benevole", date(2026, 1, 1), annual_salary=D("0"), employee="E")
    result = project(a, b, rng=JANUARY_2026)
    assert [line.position for line in result.lines] == ["stage", "benevole"]
    assert result.total().total == D("0.00")


# --- the RRQ exemption counts the days a person is employed, once -----------------------------


def january_rrq(earnings: Fraction, days_employed: int) -> Decimal:
    return round_half_up(RRQ_RATE * max(Fraction(0), earnings - EXEMPTION / 12 * days_employed / 31))


@pytest.mark.parametrize(
    ("first", "second", "days_employed"),
    [
        pytest.param((1, 10), (20, 31), 22, id="a gap of nine days between the positions"),
        pytest.param((1, 20), (10, 31), 31, id="positions overlapping from the 10th to the 20th"),
        pytest.param((1, 15), (16, 31), 31, id="one position ending the day before the other starts"),
        pytest.param((5, 12), (5, 12), 8, id="both positions on the same days"),
        pytest.param((20, 31), (1, 10), 22, id="the later position listed first"),
        pytest.param((1, 10), (12, 31), 30, id="a gap of one day"),
        pytest.param((1, 10), (10, 31), 31, id="positions sharing one day"),
    ],
)
def test_the_rrq_exemption_of_a_person_with_two_positions_in_a_month_counts_each_day_once(
    first: tuple[int, int], second: tuple[int, int], days_employed: int
) -> None:
    a = PositionTerms("a", date(2026, 1, first[0]), end=date(2026, 1, first[1]), annual_salary=D("31000"), employee="E")
    b = PositionTerms(
        "b", date(2026, 1, second[0]), end=date(2026, 1, second[1]), annual_salary=D("62000"), employee="E"
    )
    result = project(a, b, rng=JANUARY_2026)
    earnings = (
        Fraction(31000, 12) * (first[1] - first[0] + 1) / 31 + Fraction(62000, 12) * (second[1] - second[0] + 1) / 31
    )
    assert result.total().rrq == january_rrq(earnings, days_employed)


@pytest.mark.parametrize(
    ("spans", "days_employed"),
    [
        pytest.param([(1, 10), (8, 12), (20, 31)], 24, id="1-10, 8-12 and 20-31: a gap and an overlap"),
        pytest.param([(1, 5), (10, 15), (20, 31)], 23, id="1-5, 10-15 and 20-31: two gaps"),
        pytest.param([(20, 31), (1, 5), (10, 15)], 23, id="the same three listed out of order"),
    ],
)
def test_three_positions_of_one_person_in_a_month(spans: list[tuple[int, int]], days_employed: int) -> None:
    terms = [
        PositionTerms(f"p{i}", date(2026, 1, s), end=date(2026, 1, e), annual_salary=D("37200"), employee="E")
        for i, (s, e) in enumerate(spans)
    ]
    result = project(*terms, rng=JANUARY_2026)
    earnings = sum((Fraction(37200, 12) * (e - s + 1) / 31 for s, e in spans), Fraction(0))
    assert result.total().rrq == january_rrq(earnings, days_employed)


# --- months without work ------------------------------------------------------------------------


def test_a_month_when_none_of_a_persons_positions_is_worked_has_no_line_and_work_resumes_after() -> None:
    """A summer job in January–February, another from April: nothing in March, April is paid."""
    winter = PositionTerms("hiver", date(2026, 1, 1), end=date(2026, 2, 28), annual_salary=D("36000"), employee="E")
    spring = PositionTerms("printemps", date(2026, 4, 1), end=date(2026, 5, 31), annual_salary=D("36000"), employee="E")
    result = project(winter, spring, rng=DateRange(date(2026, 1, 1), date(2026, 5, 31)))
    assert [(x.position, x.month.label) for x in result.lines] == [
        ("hiver", "2026-01"),
        ("hiver", "2026-02"),
        ("printemps", "2026-04"),
        ("printemps", "2026-05"),
    ]
    april = result.lines[2]
    assert april.gross == D("3000.00")
    assert april.rrq == round_half_up(RRQ_RATE * (3000 - EXEMPTION / 12))


def test_one_position_idle_while_the_other_works_gets_no_line_that_month() -> None:
    full = PositionTerms("coord", date(2026, 1, 1), annual_salary=D("48000"), employee="E")
    later = PositionTerms("projets", date(2026, 3, 1), annual_salary=D("12000"), employee="E")
    result = project(full, later, rng=DateRange(date(2026, 1, 1), date(2026, 3, 31)))
    assert [(x.position, x.month.label) for x in result.lines] == [
        ("coord", "2026-01"),
        ("coord", "2026-02"),
        ("coord", "2026-03"),
        ("projets", "2026-03"),
    ]
    reversed_order = project(later, full, rng=DateRange(date(2026, 1, 1), date(2026, 3, 31)))
    assert [(x.position, x.month.label) for x in reversed_order.lines] == [
        ("projets", "2026-03"),
        ("coord", "2026-01"),
        ("coord", "2026-02"),
        ("coord", "2026-03"),
    ]
    assert reversed_order.total() == result.total()
    january = result.lines[0]
    alone = project(PositionTerms("seul", date(2026, 1, 1), annual_salary=D("48000")), rng=JANUARY_2026).lines[0]
    assert contributions(january) == contributions(alone)
    assert january.gross == D("4000.00")


def test_a_position_that_ended_before_the_range_has_no_line() -> None:
    old = PositionTerms("ancien", date(2025, 1, 1), end=date(2025, 12, 31), annual_salary=D("36000"))
    assert project(old).lines == ()


def test_a_position_starting_after_the_range_has_no_line() -> None:
    future = PositionTerms("futur", date(2027, 1, 1), annual_salary=D("36000"))
    assert project(future).lines == ()


def test_a_position_ending_after_the_range_is_projected_to_the_ranges_last_month() -> None:
    agent = PositionTerms("agent", date(2026, 1, 1), end=date(2026, 6, 30), annual_salary=D("36000"))
    lines = project(agent, rng=DateRange(date(2026, 1, 1), date(2026, 3, 15))).lines
    assert [x.month.label for x in lines] == ["2026-01", "2026-02", "2026-03"]
    assert lines[-1].gross == D("3000.00")


# --- refusals name their rule and field -------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "code", "field", "english"),
    [
        ({"key": "", "annual_salary": D("50000")}, "payroll.empty_key", "key", "empty position key"),
        ({"annual_salary": D("-1")}, "payroll.negative", "annual_salary", "negative value (-1)"),
        ({"hourly_rate": D("-1"), "weekly_hours": D("35")}, "payroll.negative", "hourly_rate", "negative value (-1)"),
        (
            {"hourly_rate": D("26"), "weekly_hours": D("-1")},
            "payroll.hours",
            "weekly_hours",
            "invalid weekly hours (-1): 0 to 168",
        ),
        (
            {"hourly_rate": D("26"), "weekly_hours": D("168.25")},
            "payroll.hours",
            "weekly_hours",
            "invalid weekly hours (168.25): 0 to 168",
        ),
        (
            {"hourly_rate": D("26"), "weekly_hours": 35.0},
            "payroll.not_decimal",
            "weekly_hours",
            "'35.0' is not an exact number (give a string or a Decimal)",
        ),
        (
            {"weekly_hours": D("35")},
            "payroll.pay_basis",
            "annual_salary",
            "give either an annual salary or an hourly rate with weekly hours",
        ),
        (
            {"annual_salary": D("50000"), "weekly_hours": D("35")},
            "payroll.pay_basis",
            "annual_salary",
            "give either an annual salary or an hourly rate with weekly hours",
        ),
        ({}, "payroll.pay_basis", "annual_salary", "give either an annual salary or an hourly rate with weekly hours"),
        (
            {"annual_salary": D("50000"), "raise_on": (13, 1)},
            "payroll.raise_date",
            "raise_on",
            "invalid raise date (13-01): a month and a day (MM-DD)",
        ),
        (
            {"annual_salary": D("50000"), "raise_on": (0, 1)},
            "payroll.raise_date",
            "raise_on",
            "invalid raise date (00-01): a month and a day (MM-DD)",
        ),
        (
            {"annual_salary": D("50000"), "raise_on": (4, 0)},
            "payroll.raise_date",
            "raise_on",
            "invalid raise date (04-00): a month and a day (MM-DD)",
        ),
        (
            {"annual_salary": D("50000"), "raise_on": (4, 31)},
            "payroll.raise_date",
            "raise_on",
            "invalid raise date (04-31): a month and a day (MM-DD)",
        ),
        (
            {"annual_salary": D("50000"), "end": date(2025, 12, 31)},
            "period.end_before_start",
            "end",
            "the end (2025-12-31) is before the start (2026-01-01)",
        ),
    ],
)
def test_each_refusal_of_a_positions_terms_names_its_rule_and_field(
    terms: dict[str, object], code: str, field: str, english: str
) -> None:
    values: dict[str, object] = {"key": "x", **terms}
    with pytest.raises(InputError) as err:
        PositionTerms(start=date(2026, 1, 1), **values)  # type: ignore[arg-type]
    assert (err.value.code, err.value.field) == (code, field)
    assert err.value.describe("en") == f"{field}: {english}"


def test_weekly_hours_typed_as_text_are_read_as_a_number() -> None:
    terms = PositionTerms("x", date(2026, 1, 1), hourly_rate=D("26"), weekly_hours="35")  # type: ignore[arg-type]
    assert terms.weekly_hours == D("35") and isinstance(terms.weekly_hours, Decimal)
    assert project(terms, rng=JANUARY_2026).lines[0].gross == round_half_up(D("26") * 35 * 52 / 12)


def test_the_limits_of_a_positions_terms_are_accepted() -> None:
    full_week = PositionTerms("x", date(2026, 1, 1), hourly_rate=D("0"), weekly_hours=D("168"), raise_on=(12, 31))
    assert full_week.weekly_hours == D("168") and full_week.is_hourly
    assert PositionTerms("y", date(2026, 1, 1), hourly_rate=D("26"), weekly_hours=D("0")).weekly_hours == D("0")
    assert PositionTerms("z", date(2026, 1, 1), annual_salary=D("1"), raise_on=(1, 1)).raise_on == (1, 1)
    assert not PositionTerms("s", date(2026, 1, 1), annual_salary=D("1")).is_hourly


def test_two_positions_with_the_same_key_are_refused_naming_the_key() -> None:
    with pytest.raises(InputError) as err:
        project(
            PositionTerms("coord", date(2026, 1, 1), annual_salary=D("1000")),
            PositionTerms("coord", date(2026, 1, 1), annual_salary=D("2000")),
        )
    assert (err.value.code, err.value.field, err.value.params) == ("payroll.same_key", "key", {"key": "coord"})


# --- what a projection reports -----------------------------------------------------------------


def test_a_projection_tells_its_range_and_the_notes_of_its_years_only() -> None:
    result = project(PositionTerms("coord", date(2026, 1, 1), annual_salary=D("36000")))
    assert result.range == YEAR_2026
    assert [(n.code, n.params) for n in result.notes] == [
        ("payroll.cnesst_placeholder", (("year", 2026), ("rate", D("0.0154"))))
    ]
    assert result.notes[0].message("en") == (
        "2026 CNESST rate: provincial average (1.54%), to be replaced by the organisation's own rate"
    )


def test_a_projection_of_nobody_costs_nothing() -> None:
    result = project()
    assert result.lines == () and result.positions == ()
    assert result.total().total == D("0.00")
    assert result.total() == PayrollAmounts.sum([])


def test_the_parameters_may_be_given_as_a_list_of_years() -> None:
    terms = PositionTerms("coord", date(2026, 1, 1), annual_salary=D("50000"))
    as_list = project_payroll([terms], YEAR_2026, list(shipped_rates().values()), TABLE)
    assert as_list.total() == project(terms).total()
    assert as_list.total().rrq == D("2929.50")


def test_totals_by_month_and_by_year_for_one_position_or_all() -> None:
    coord = PositionTerms("coord", date(2026, 1, 1), annual_salary=D("60000"))
    agent = PositionTerms("agent", date(2026, 3, 1), annual_salary=D("36000"))
    result = project(coord, agent)
    assert result.positions == ("coord", "agent")
    months = result.by_month()
    assert [m.label for m in months] == [f"2026-{n:02d}" for n in range(1, 13)]
    assert months[next(iter(months))].gross == D("5000.00")
    agent_months = result.by_month("agent")
    assert [m.label for m in agent_months] == [f"2026-{n:02d}" for n in range(3, 13)]
    assert all(x.gross == D("3000.00") for x in agent_months.values())
    assert [x.position for x in result.for_position("agent")] == ["agent"] * 10
    years = result.by_fiscal_year(TABLE, "agent")
    assert [(y.label, a.gross) for y, a in years.items()] == [("2025-2026", D("3000.00")), ("2026-2027", D("27000.00"))]
    assert result.total("agent").gross == D("30000.00")
    assert result.total("coord").gross == D("60000.00")


def test_an_organisation_whose_year_starts_in_january_raises_pay_on_the_first_of_january() -> None:
    agent = PositionTerms("agent", date(2026, 6, 1), annual_salary=D("36000"), raise_rate=D("0.10"))
    rng = DateRange(date(2027, 1, 1), date(2027, 1, 31))
    city_like = project_payroll([agent], rng, BOOK, FiscalCalendar(1))
    assert city_like.lines[0].gross == D("3300.00")
    assert project_payroll([agent], rng, BOOK).lines[0].gross == D("3000.00")  # April by default
