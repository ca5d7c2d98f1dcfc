"""The projection and its coverage count in whole units of a fraction of a cent: the same
figures as the rules of domain.md 4.3 worked day by day in exact fractions, for any pay,
hours, rates and raises, with any number of decimals."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal, localcontext
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from fundtrack.calc.payroll import (
    AMOUNT_FIELDS,
    CONTRIBUTION_FIELDS,
    PayrollRates,
    PositionTerms,
    cents_to_money,
    project_payroll,
)
from fundtrack.calc.staffing import FundingLine, cover
from fundtrack.money import from_cents, percent_of, round_half_up, round_half_up_each, round_half_up_units
from fundtrack.periods import DateRange, FiscalCalendar, iter_months
from fundtrack.rates import shipped_rates

D = Decimal
TABLE = FiscalCalendar(4)
ODD_2027 = PayrollRates(
    year=2027,
    rrq_rate=D("0.06275"),
    rrq_exemption=D("3500.00"),
    rrq_mga=D("76123.45"),
    rrq2_rate=D("0.0395"),
    rrq_msga=D("86999.99"),
    rqap_rate=D("0.004945"),
    rqap_max=D("104321.09"),
    ei_rate=D("0.018123"),
    ei_max=D("70123.01"),
    fss_rate=D("0.0165"),
    cnt_rate=D("0.0006"),
    cnesst_rate=D("0.012345"),
)
BOOK_TABLES = (shipped_rates()[2026].with_cnesst(D("0.0137")), ODD_2027)  # 2028 borrows 2027's
FIRST, LAST = date(2026, 1, 1), date(2028, 12, 31)

days = st.integers(min_value=0, max_value=(LAST - FIRST).days).map(lambda n: FIRST + timedelta(days=n))


def decimals(most: int, top: Fraction) -> st.SearchStrategy[Decimal]:
    """A number from 0 to ``top`` written with up to ``most`` decimals."""
    return st.integers(min_value=0, max_value=most).flatmap(
        lambda places: st.integers(min_value=0, max_value=int(top * 10**places)).map(lambda n: D(n).scaleb(-places))
    )


@st.composite
def positions(draw: st.DrawFn, key: str = "p", employee: str | None = None) -> PositionTerms:
    start = draw(days)
    end = draw(st.one_of(st.none(), days.filter(lambda d: d >= start)))
    if draw(st.booleans()):
        pay: dict[str, Decimal] = {"annual_salary": draw(st.integers(0, 15_000_000).map(lambda c: D(c).scaleb(-2)))}
    else:
        pay = {
            "hourly_rate": draw(st.integers(1500, 9000).map(lambda c: D(c).scaleb(-2))),
            "weekly_hours": draw(decimals(3, Fraction(60))),
        }
    raise_on = draw(st.one_of(st.none(), st.tuples(st.integers(1, 12), st.integers(1, 28))))
    return PositionTerms(
        key,
        start,
        end=end,
        vacation_rate=draw(decimals(5, Fraction(1, 10))),
        benefits_rate=draw(decimals(6, Fraction(1, 5))),
        raise_rate=draw(decimals(4, Fraction(1, 20))),
        raise_on=raise_on,
        pay_as_of=draw(st.one_of(st.none(), days.filter(lambda d: d <= start))),
        employee=employee,
        **pay,  # type: ignore[arg-type]
    )


ranges = st.tuples(days, days).map(lambda pair: DateRange(*sorted(pair)))


def table_of(year: int) -> PayrollRates:
    return max((t for t in BOOK_TABLES if t.year <= year), key=lambda t: t.year)


def annual_pay_on(terms: PositionTerms, day: date) -> Fraction:
    """The position's yearly pay in effect on ``day``: its pay raised on each raise date
    after its reference date, up to ``day``, each raise rounded to the cent."""
    month, dom = terms.raise_on or (TABLE.start_month, 1)

    def raise_day(year: int) -> date:
        return date(year, month, min(dom, calendar.monthrange(year, month)[1]))

    pay = terms.annual_salary if terms.annual_salary is not None else terms.hourly_rate
    assert pay is not None
    if terms.raise_rate:
        as_of = terms.pay_as_of or terms.start
        for year in range(as_of.year, day.year + 1):
            if as_of < raise_day(year) <= day:
                pay = round_half_up(pay * (1 + terms.raise_rate))
    if terms.weekly_hours is None:
        return Fraction(pay)
    return Fraction(pay) * Fraction(terms.weekly_hours) * 52


def gross_of(terms: PositionTerms, month: DateRange) -> Fraction:
    """The month's gross pay: each day worked paid a day's share of the yearly pay on that day."""
    employed = DateRange(terms.start, terms.end or date.max)
    dim = month.days
    return sum(
        (annual_pay_on(terms, day) / 12 / dim for day in dates(month) if day in employed),
        Fraction(0),
    )


def dates(month: DateRange) -> list[date]:
    return [month.start + timedelta(days=n) for n in range(month.days)]


def contributions_due(t: PayrollRates, earnings: Fraction, rrq_base: Fraction) -> dict[str, Fraction]:
    """The calendar year's contributions so far, from its cumulated earnings and RRQ base."""
    capped = min(earnings, Fraction(t.rqap_max))
    mga, msga = Fraction(t.rrq_mga), Fraction(t.rrq_msga)
    return {
        "rrq": min(Fraction(t.rrq_rate) * rrq_base, Fraction(t.rrq_rate) * (mga - Fraction(t.rrq_exemption))),
        "rrq2": Fraction(t.rrq2_rate) * min(max(Fraction(0), earnings - mga), msga - mga),
        "ei": Fraction(t.ei_rate) * min(earnings, Fraction(t.ei_max)),
        "rqap": Fraction(t.rqap_rate) * capped,
        "fss": Fraction(t.fss_rate) * earnings,
        "cnt": Fraction(t.cnt_rate) * capped,
        "cnesst": Fraction(t.cnesst_rate) * capped,
    }


def reference(group: list[PositionTerms], rng: DateRange) -> dict[tuple[str, date], dict[str, Decimal]]:
    """One employee's months of ``rng``, day by day in fractions: each position's pay, vacation
    pay and benefits, and the employee's contributions (under the first position that works
    the month), each month the rounded total so far this calendar year less last month's."""
    out: dict[tuple[str, date], dict[str, Decimal]] = {}
    for year in range(rng.start.year, rng.end.year + 1):
        t = table_of(year)
        exact: dict[tuple[str, str], Fraction] = {}
        rounded: dict[tuple[str, str], Decimal] = {}
        earnings = rrq_base = Fraction(0)
        for month in iter_months(date(year, 1, 1), min(rng.end, date(year, 12, 31))):
            worked = [g for g in group if month.overlap_days(DateRange(g.start, g.end or date.max))]
            if not worked:
                continue
            month_earnings = Fraction(0)
            for terms in worked:
                gross = gross_of(terms, month)
                for name, value in (
                    ("gross", gross),
                    ("vacation", gross * Fraction(terms.vacation_rate)),
                    ("benefits", gross * Fraction(terms.benefits_rate)),
                ):
                    exact[terms.key, name] = exact.get((terms.key, name), Fraction(0)) + value
                month_earnings += gross * (1 + Fraction(terms.vacation_rate))
            employed = sum(1 for day in dates(month) if any(g.start <= day <= (g.end or date.max) for g in group))
            rrq_base += max(Fraction(0), month_earnings - Fraction(t.rrq_exemption) / 12 * employed / month.days)
            earnings += month_earnings
            for name, value in contributions_due(t, earnings, rrq_base).items():
                exact["", name] = value
            shown = month.start >= rng.start.replace(day=1)
            for key, value in exact.items():
                now = round_half_up(value)
                position, name = key
                if shown and (not position or any(g.key == position for g in worked)):
                    row = out.setdefault((position or worked[0].key, month.start), {})
                    row[name] = now - rounded.get(key, D(0))
                rounded[key] = now
    return out


@settings(max_examples=60, deadline=None)
@given(positions(), ranges)
def test_every_month_of_any_position_is_the_rules_worked_day_by_day(terms: PositionTerms, rng: DateRange) -> None:
    projection = project_payroll([terms], rng, BOOK_TABLES, TABLE)
    expected = reference([terms], rng)
    got = {
        (line.position, line.month.start): {name: getattr(line, name) for name in AMOUNT_FIELDS}
        for line in projection.lines
    }
    assert got == expected
    assert all(value.as_tuple().exponent == -2 for row in got.values() for value in row.values())  # cents, written so


@settings(max_examples=40, deadline=None)
@given(positions("a", "someone"), positions("b", "someone"), ranges)
def test_an_employee_holding_two_positions_pays_the_contributions_of_their_earnings_together(
    first: PositionTerms, second: PositionTerms, rng: DateRange
) -> None:
    projection = project_payroll([first, second], rng, BOOK_TABLES, TABLE)
    expected = reference([first, second], rng)
    by_month: dict[date, dict[str, Decimal]] = {}
    for line in projection.lines:
        mine = expected[line.position, line.month.start]
        assert (line.gross, line.vacation, line.benefits) == (mine["gross"], mine["vacation"], mine["benefits"])
        month = by_month.setdefault(line.month.start, dict.fromkeys(CONTRIBUTION_FIELDS, D(0)))
        for name in CONTRIBUTION_FIELDS:
            month[name] += getattr(line, name)
    contributions = {
        month: {name: row[name] for name in CONTRIBUTION_FIELDS} for (_, month), row in expected.items() if "rrq" in row
    }
    assert by_month == contributions


@settings(max_examples=60, deadline=None)
@given(positions(), decimals(6, Fraction(1)))
def test_a_share_pays_its_share_of_each_months_cost_rounded_half_up(terms: PositionTerms, share: Decimal) -> None:
    projection = project_payroll([terms], DateRange(date(2026, 1, 1), date(2027, 12, 31)), BOOK_TABLES, TABLE)
    line = FundingLine("S", "Funder", "p", share=share)
    for month in cover(projection.lines, [line]).months:
        assert sum((amount for _, amount in month.paid), D(0)) == percent_of(month.cost, share)
        assert month.gap == month.cost - percent_of(month.cost, share)


whole = st.integers(min_value=-(10**30), max_value=10**30)
units = st.integers(min_value=1, max_value=10**24)


def half_up_in_decimal(value: int, unit: int) -> Decimal:
    with localcontext(prec=120):  # exact for these sizes: no digit of the quotient lost before rounding
        return round_half_up(D(value) / D(unit), D(1))


@settings(max_examples=500, deadline=None)
@given(whole, units)
def test_whole_units_round_half_up_as_money_rounds_a_decimal(value: int, unit: int) -> None:
    assert round_half_up_units(value, unit) == half_up_in_decimal(value, unit)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-1000, max_value=1000), st.integers(min_value=1, max_value=1000))
def test_ties_are_rounded_away_from_zero(whole_part: int, unit: int) -> None:
    tie = (2 * whole_part + 1) * unit  # (whole_part + ½) × 2 unit: exactly halfway, in units of 2 × unit
    expected = whole_part + 1 if tie > 0 else whole_part
    assert round_half_up_units(tie, 2 * unit) == expected


@given(st.lists(whole, max_size=12), units)
def test_each_of_several_values_rounds_as_alone(values: list[int], unit: int) -> None:
    assert round_half_up_each(values, unit) == [round_half_up_units(v, unit) for v in values]


@given(st.integers(min_value=-(10**17), max_value=10**17))
def test_cents_become_the_same_decimals_as_money_writes_them(value: int) -> None:
    made = cents_to_money()(value)
    assert (made, str(made)) == (from_cents(value), str(from_cents(value)))
