"""A restricted grant pays only the parts of a position's cost it may pay (pure).

domain.md 4.5: the staffing plan and the simulator follow the same eligibility as
allocations and charges; a grant restricted to translation, rooms and catering never
pays a salary, in any scenario. A position's month costs pay and vacation pay
(salaries), employer contributions and benefits, each in its own budget category.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fundtrack.calc.payroll import PayrollMonth, PositionTerms
from fundtrack.calc.staffing import (
    EVERY_PART,
    POSITION_CATEGORIES,
    FundingLine,
    FundingStatus,
    check_funds_position,
    cover,
    position_parts,
    simulate,
)
from fundtrack.errors import InputError, RuleViolation
from fundtrack.money import ZERO
from fundtrack.periods import DateRange, FiscalCalendar, Month
from fundtrack.rates import shipped_book

D = Decimal
BOOK = shipped_book()
TABLE = FiscalCalendar(4)
FY26, FY27 = TABLE.starting(2026), TABLE.starting(2027)
TWO_YEARS = DateRange(FY26.start, FY27.end)
EVENTS = ["translation", "room_rental", "catering", "administration"]

AGENT = PositionTerms(
    "mobilisation",
    date(2026, 4, 1),
    hourly_rate=D("26"),
    weekly_hours=D("32"),
    vacation_rate=D("0.04"),
    benefits_rate=D("0.04"),
)


def test_a_grant_restricted_to_translation_rooms_and_catering_pays_no_part_of_a_position() -> None:
    assert position_parts(True, EVENTS) == frozenset()
    borough = FundingLine(
        "ARR-VSP-2027",
        "Arrondissement",
        "mobilisation",
        share=D("1"),
        parts=position_parts(True, EVENTS),
    )
    sim = simulate([AGENT], [borough], TWO_YEARS, BOOK, TABLE)
    assert sim.confirmed.months and all(c.paid == () and c.gap == c.cost for c in sim.granted.months)
    assert all(y.confirmed == () and y.gap_confirmed == y.cost.total for y in sim.years)


def test_such_funding_is_refused_with_a_message_that_names_the_grant_and_the_rule() -> None:
    with pytest.raises(RuleViolation) as refused:
        check_funds_position("ARR-VSP-2027", True, EVENTS, field="funding[2].grant")
    assert refused.value.field == "funding[2].grant"
    assert refused.value.describe("en") == (
        "funding[2].grant: grant ARR-VSP-2027 is restricted to administration, catering, room_rental, "
        "translation: it may pay no part of a position (salaries, employer_contributions, benefits)"
    )
    assert check_funds_position("FGM", True, ["salaries", "communications"]) == {"salaries"}
    assert check_funds_position("PIC", False, []) == EVERY_PART


def test_a_grant_restricted_to_salaries_pays_pay_and_vacation_but_not_contributions_or_benefits() -> None:
    salaries_only = FundingLine(
        "FDN", "Fondation", "mobilisation", share=D("1"), parts=position_parts(True, ["salaries"])
    )
    sim = simulate([AGENT], [salaries_only], TWO_YEARS, BOOK, TABLE)
    months = {line.month: line for line in sim.projection.lines}
    for c in sim.confirmed.months:
        month = months[c.month]
        assert {category for _, category, _ in c.payments} == {"salaries"}
        assert c.paid == ((0, month.earnings),)
        assert c.gap == month.contributions + month.benefits > 0


def test_a_share_is_a_share_of_what_the_grant_may_pay() -> None:
    half = FundingLine("FDN", "Fondation", "mobilisation", share=D("0.5"), parts=frozenset({"salaries"}))
    sim = simulate([AGENT], [half], TWO_YEARS, BOOK, TABLE)
    months = {line.month: line for line in sim.projection.lines}
    for c in sim.confirmed.months:
        assert abs(c.cost - c.gap - months[c.month].earnings / 2) <= D("0.005")


@pytest.mark.parametrize("foundation_pays", [{"salaries"}, {"employer_contributions", "benefits"}])
def test_money_that_may_pay_every_part_pays_first_what_the_restricted_money_cannot(foundation_pays: set[str]) -> None:
    """April 2026: the Centraide money (any part, expiring first) is short of the month's
    cost; the foundation pays only some parts. Centraide pays first the parts the
    foundation may not pay, the foundation the rest: nothing is left uncovered."""
    april = replace(AGENT, end=date(2026, 4, 30))
    pic = FundingLine.per_year("PIC", "Centraide", "mobilisation", {FY26: D("4000")})
    foundation = FundingLine(
        "FDN",
        "Fondation",
        "mobilisation",
        share=D("1"),
        parts=frozenset(foundation_pays),
        period=DateRange(FY26.start, date(2028, 12, 31)),
    )
    sim = simulate([april], [pic, foundation], TWO_YEARS, BOOK, TABLE)
    (month,) = sim.confirmed.months
    assert month.cost > D("4000") and month.gap == 0
    paid = {(sim.confirmed.lines[i].key, category): amount for i, category, amount in month.payments}
    costs = dict(month.parts)
    for category in set(POSITION_CATEGORIES) - foundation_pays:
        assert paid[("PIC", category)] == costs[category]
    assert {c for key, c in paid if key == "FDN"} <= foundation_pays
    assert sum((a for (key, _), a in paid.items() if key == "PIC"), ZERO) == D("4000")


def test_a_funding_line_names_only_the_parts_of_a_position() -> None:
    with pytest.raises(InputError):
        FundingLine("X", "Fondation", "mobilisation", share=D("1"), parts=frozenset({"translation"}))


# --- for every input ------------------------------------------------------------------

MONTHS = TWO_YEARS.months()
cents = st.integers(min_value=0, max_value=900_000).map(lambda c: D(c).scaleb(-2))


def _month(position: str, month: Month, salaries: Decimal, contributions: Decimal, benefits: Decimal) -> PayrollMonth:
    zero = dict.fromkeys(("rrq2", "ei", "rqap", "fss", "cnt", "cnesst"), ZERO)
    return PayrollMonth(
        gross=salaries, vacation=ZERO, rrq=contributions, benefits=benefits, position=position, month=month, **zero
    )


@st.composite
def position_months(draw: st.DrawFn) -> list[PayrollMonth]:
    out = []
    for position in ("a", "b"):
        first = draw(st.integers(0, len(MONTHS) - 1))
        last = draw(st.integers(first, len(MONTHS) - 1))
        for month in MONTHS[first : last + 1]:
            out.append(_month(position, month, draw(cents), draw(cents), draw(cents)))
    return out


@st.composite
def funding_lines(draw: st.DrawFn) -> list[FundingLine]:
    lines = []
    for n in range(draw(st.integers(0, 6))):
        restricted = draw(st.booleans())
        eligible = draw(st.sets(st.sampled_from([*POSITION_CATEGORIES, *EVENTS])))
        share = draw(st.none() | st.sampled_from([D("0.25"), D("0.5"), D("1")]))
        amounts = ()
        if share is None or draw(st.booleans()):
            amounts = tuple((year, draw(cents) * 3) for year in (FY26, FY27) if draw(st.booleans())) or ((FY26, D(0)),)
        first = draw(st.integers(0, len(MONTHS) - 1))
        last = draw(st.integers(first, len(MONTHS) - 1))
        lines.append(
            FundingLine(
                f"G{n}",
                f"Funder {n % 3}",
                draw(st.sampled_from(["a", "b"])),
                status=draw(st.sampled_from(list(FundingStatus))),
                amounts=amounts,
                share=share,
                period=DateRange(MONTHS[first].start, MONTHS[last].end),
                restricted=restricted,
                parts=position_parts(restricted, eligible),
            )
        )
    return lines


@settings(max_examples=150, deadline=None)
@given(months=position_months(), lines=funding_lines())
def test_no_grant_ever_pays_a_part_its_categories_do_not_fund_and_every_month_adds_up(
    months: list[PayrollMonth], lines: list[FundingLine]
) -> None:
    granted = cover(months, lines)
    spent: dict[tuple[int, int], Decimal] = {}
    for c in granted.months:
        costs = dict(c.parts)
        paid: dict[str, Decimal] = {}
        for i, category, amount in c.payments:
            line = lines[i]
            assert category in line.parts, (line.key, category)
            assert not line.restricted or category in line.parts
            assert amount > 0 and line.position == c.position and line.pays_in(c.month)
            paid[category] = paid.get(category, ZERO) + amount
            if line.amounts:
                pool = line.pool_of(c.month)
                assert pool is not None
                spent[i, pool] = spent.get((i, pool), ZERO) + amount
        assert all(paid[k] <= costs[k] for k in paid)
        assert sum(paid.values(), ZERO) + c.gap == c.cost and c.gap >= 0
    for (i, pool), amount in spent.items():
        assert amount <= lines[i].amounts[pool][1]


@settings(max_examples=100, deadline=None)
@given(months=position_months(), lines=funding_lines())
def test_what_confirmed_money_pays_does_not_depend_on_the_requests(
    months: list[PayrollMonth], lines: list[FundingLine]
) -> None:
    confirmed_lines = [line for line in lines if line.status is FundingStatus.CONFIRMED]
    alone = cover(months, confirmed_lines)
    among = cover(months, lines).only(FundingStatus.CONFIRMED)
    for a, b in zip(alone.months, among.months, strict=True):
        assert a.gap == b.gap
        assert sorted((confirmed_lines[i].key, k, x) for i, k, x in a.payments) == sorted(
            (lines[i].key, k, x) for i, k, x in b.payments
        )
