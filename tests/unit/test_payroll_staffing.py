"""Who pays each month, scenarios and the coordinator's three questions (pure)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from fundtrack.calc.hiring import earliest_carried_start, funding_needed, most_carried_hours
from fundtrack.calc.payroll import PositionTerms
from fundtrack.calc.staffing import (
    AddPosition,
    ChangePay,
    EndPosition,
    FundingLine,
    FundingStatus,
    MoveDates,
    apply_changes,
    compare,
    simulate,
)
from fundtrack.errors import InputError, NotFound
from fundtrack.periods import DateRange, FiscalCalendar
from fundtrack.rates import shipped_book

D = Decimal
BOOK = shipped_book()
TABLE = FiscalCalendar(4)
CITY = FiscalCalendar(1)
FY26, FY27 = TABLE.starting(2026), TABLE.starting(2027)
TWO_YEARS = DateRange(FY26.start, FY27.end)

COORDINATOR = PositionTerms(
    "coordination", date(2026, 4, 1), hourly_rate=D("31.50"), weekly_hours=D("35"), vacation_rate=D("0.04")
)
LIAISON = PositionTerms(
    "liaison", date(2026, 4, 1), hourly_rate=D("26.00"), weekly_hours=D("32"), vacation_rate=D("0.04")
)
MOBILISATION = PositionTerms(
    "mobilisation", date(2027, 1, 5), hourly_rate=D("26"), weekly_hours=D("32"), vacation_rate=D("0.04")
)


def pic(position: str, per_year: str) -> FundingLine:
    """Centraide's Projet impact collectif: the same amount in each of the Table's years."""
    return FundingLine.per_year("PIC", "Centraide", position, {FY26: D(per_year), FY27: D(per_year)})


def test_a_month_is_paid_by_confirmed_money_first_then_by_the_request_and_the_rest_is_the_gap() -> None:
    borough = FundingLine(
        "ARR-2026",
        "Arrondissement",
        "liaison",
        status=FundingStatus.REQUESTED,
        amounts=((CITY.starting(2026), D("6000")), (CITY.starting(2027), D("6000"))),
    )
    sim = simulate([LIAISON], [pic("liaison", "40000"), borough], TWO_YEARS, BOOK, TABLE)
    first = sim.years[0]
    assert first.confirmed == (("Centraide", D("40000.00")),)
    cost = first.cost.total
    assert first.gap_confirmed == cost - D("40000")
    assert first.requested == (("Arrondissement", min(D("6000.00"), cost - D("40000"))),)
    assert first.gap_requested == cost - D("40000") - first.requested[0][1]
    runway = sim.runway("liaison")
    assert runway is not None and runway.label == "2027-01"
    # the month the PIC runs out, the borough's request pays the rest
    month, payers = next((c, p) for c, p in sim.who_pays("liaison") if c.month == runway)
    assert [line.funder for line, _ in payers] == ["Centraide", "Arrondissement"]
    assert sum((amount for _, amount in payers), D(0)) + month.gap == month.cost


def test_a_share_of_cost_pays_that_share_of_every_month() -> None:
    share = FundingLine("FONDATION", "Fondation", "coordination", share=D("0.25"), period=TWO_YEARS)
    sim = simulate([COORDINATOR], [share], TWO_YEARS, BOOK, TABLE)
    for c in sim.confirmed.months:
        paid = sum((a for _, a in c.paid), D(0))
        assert abs(paid - c.cost * D("0.25")) <= D("0.005")
        assert c.gap == c.cost - paid


def test_a_grant_pays_no_month_outside_its_period() -> None:
    line = FundingLine(
        "VILLE", "Ville de Montréal", "liaison", share=D("1"), period=DateRange(date(2026, 7, 1), date(2026, 9, 30))
    )
    sim = simulate([LIAISON], [line], TWO_YEARS, BOOK, TABLE)
    paid_months = [c.month.label for c in sim.confirmed.months if c.paid]
    assert paid_months == ["2026-07", "2026-08", "2026-09"]
    assert sim.runway("liaison") is not None and sim.runway("liaison").label == "2026-04"  # type: ignore[union-attr]


def test_per_fiscal_year_cost_equals_the_projection_and_funders_plus_gap_equal_cost() -> None:
    lines = [pic("coordination", "60000"), pic("liaison", "45000")]
    sim = simulate([COORDINATOR, LIAISON], lines, TWO_YEARS, BOOK, TABLE)
    for summary in sim.years:
        paid = sum((a for _, a in summary.confirmed + summary.requested), D(0))
        assert paid + summary.gap_requested == summary.cost.total


def test_a_scenario_is_the_current_staffing_plus_its_changes() -> None:
    plan = (COORDINATOR, LIAISON)
    changes = [
        AddPosition(MOBILISATION, (pic("mobilisation", "20000"),)),
        ChangePay("liaison", weekly_hours=D("35")),
        MoveDates("coordination", end=date(2027, 12, 31)),
        EndPosition("liaison", date(2027, 6, 30)),
    ]
    positions, lines = apply_changes(plan, [pic("liaison", "45000")], changes)
    by_key = {p.key: p for p in positions}
    assert by_key["liaison"].weekly_hours == D("35") and by_key["liaison"].hourly_rate == D("26.00")
    assert by_key["liaison"].end == date(2027, 6, 30)
    assert by_key["coordination"].end == date(2027, 12, 31)
    assert [line.position for line in lines] == ["liaison", "mobilisation"]
    assert plan[1].weekly_hours == D("32")  # the current plan is untouched
    to_salary = apply_changes(plan, [], [ChangePay("liaison", annual_salary=D("52000"))])[0][1]
    assert to_salary.annual_salary == D("52000.00") and to_salary.hourly_rate is None
    with pytest.raises(NotFound):
        apply_changes(plan, [], [ChangePay("communications", hourly_rate=D("30"))])
    with pytest.raises(InputError):
        apply_changes(plan, [], [AddPosition(LIAISON)])
    with pytest.raises(InputError):
        apply_changes(plan, [], [EndPosition("liaison", date(2026, 1, 1))])


def test_scenarios_side_by_side_per_fiscal_year() -> None:
    base = simulate([COORDINATOR], [pic("coordination", "60000")], TWO_YEARS, BOOK, TABLE)
    positions, lines = apply_changes([COORDINATOR], [pic("coordination", "60000")], [AddPosition(MOBILISATION)])
    hire = simulate(positions, lines, TWO_YEARS, BOOK, TABLE)
    table = compare({"actuel": base, "mobilisation": hire})
    assert list(table) == [FY26, FY27]
    for year in table.values():
        assert year["mobilisation"].cost.total > year["actuel"].cost.total
        assert year["mobilisation"].gap_confirmed > year["actuel"].gap_confirmed


def test_a_funding_line_that_gives_nothing_or_overlaps_itself_is_refused() -> None:
    with pytest.raises(InputError):
        FundingLine("X", "Fondation", "liaison")
    with pytest.raises(InputError):
        FundingLine("X", "Fondation", "liaison", amounts=((FY26, D("10")), (CITY.starting(2026), D("10"))))
    with pytest.raises(InputError):
        FundingLine("X", "Fondation", "liaison", amounts=((FY26, D("-10")),))


# --- the coordinator's three questions ------------------------------------------------------

HIRE = PositionTerms(
    "mobilisation", date(2026, 6, 1), hourly_rate=D("26"), weekly_hours=D("32"), vacation_rate=D("0.04")
)
MONEY = [FundingLine.per_year("PIC", "Centraide", "mobilisation", {FY26: D("30000"), FY27: D("45000")})]


def test_the_extra_funding_needed_per_fiscal_year_for_a_hire_as_planned() -> None:
    needed = funding_needed(HIRE, MONEY, BOOK, TABLE, FY27.end)
    sim = simulate([HIRE], MONEY, TWO_YEARS, BOOK, TABLE)
    assert list(needed) == [FY26, FY27]
    assert needed[FY26] == sim.years[0].cost.total - D("30000")
    assert needed[FY27] == sim.years[1].cost.total - D("45000")
    assert funding_needed(HIRE, [pic("mobilisation", "90000")], BOOK, TABLE, FY27.end) == {FY26: 0, FY27: 0}


def test_how_late_the_hire_must_start_for_the_confirmed_money_to_carry_it_to_march() -> None:
    start = earliest_carried_start(HIRE, MONEY, BOOK, TABLE, FY26.end)
    assert start is not None and HIRE.start < start < FY26.end
    carried = funding_needed(replace(HIRE, start=start), MONEY, BOOK, TABLE, FY26.end)
    assert carried[FY26] == 0
    a_day_earlier = funding_needed(replace(HIRE, start=start - timedelta(days=1)), MONEY, BOOK, TABLE, FY26.end)
    assert a_day_earlier[FY26] > 0
    assert earliest_carried_start(HIRE, [pic("mobilisation", "90000")], BOOK, TABLE, FY26.end) == HIRE.start
    assert earliest_carried_start(HIRE, [], BOOK, TABLE, FY26.end) is None


def test_the_most_weekly_hours_the_money_carries_from_the_planned_start() -> None:
    hours = most_carried_hours(HIRE, MONEY, BOOK, TABLE, FY27.end)
    assert D("0") < hours < D("32") and hours % D("0.25") == 0
    assert sum(funding_needed(replace(HIRE, weekly_hours=hours), MONEY, BOOK, TABLE, FY27.end).values()) == 0
    more = replace(HIRE, weekly_hours=hours + D("0.25"))
    assert sum(funding_needed(more, MONEY, BOOK, TABLE, FY27.end).values()) > 0
    assert most_carried_hours(HIRE, [pic("mobilisation", "90000")], BOOK, TABLE, FY27.end) == D("40")
    with pytest.raises(InputError):
        most_carried_hours(
            replace(COORDINATOR, hourly_rate=None, weekly_hours=None, annual_salary=D("60000")),
            MONEY,
            BOOK,
            TABLE,
            FY27.end,
        )


def test_the_solvers_answer_well_under_a_second() -> None:
    began = time.perf_counter()
    earliest_carried_start(HIRE, MONEY, BOOK, TABLE, FY27.end)
    most_carried_hours(HIRE, MONEY, BOOK, TABLE, FY27.end)
    funding_needed(HIRE, MONEY, BOOK, TABLE, FY27.end)
    assert time.perf_counter() - began < 1.0
