"""Benchmark: the staffing simulation (5 years, 20 positions, 10 grants), against a bare loop.

:func:`fundtrack.calc.staffing.simulate` projects every position month by month (per-year
parameters, raises, the RRQ exemption, the ceilings, contributions cumulated from
1 January and rounded cumulatively), pays each month from the funding lines (restricted
money first, shares and yearly pools) and sums each fiscal year: the cost, what each
funder pays (confirmed and requested), and both gaps.

The bare loop does the same in plain integers (amounts in fixed units of a dollar,
rounding half up in integer arithmetic at the same places) for this staffing plan's
shape: one position per employee, pay rates in cents, whole weekly hours, every line
paying every part of a position's cost. Its figures per fiscal year are checked equal to
the product's, to the cent, before anything is timed. Goal: ≤ 2×. The coordinator's
three solvers are then timed alone (aim: well under a second each).

Run: .venv/bin/python bench/bench_payroll.py
"""

from __future__ import annotations

import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

from fundtrack.calc.hiring import earliest_carried_start, funding_needed, most_carried_hours
from fundtrack.calc.payroll import AMOUNT_FIELDS, PositionTerms
from fundtrack.calc.staffing import FundingLine, FundingStatus, simulate
from fundtrack.periods import DateRange, FiscalCalendar, iter_months
from fundtrack.rates import shipped_book

D = Decimal
TABLE = FiscalCalendar(4)
BOOK = shipped_book()
RANGE = DateRange(date(2026, 4, 1), date(2031, 3, 31))
YEARS = TABLE.years(RANGE)


def staffing() -> tuple[list[PositionTerms], list[FundingLine]]:
    positions = []
    for i in range(20):
        start = date(2026, 4 + i % 6, 1 + i)
        if i % 4 == 0:
            pay: dict[str, Decimal] = {"annual_salary": D(52000 + 1500 * i)}
        else:
            pay = {"hourly_rate": D("24.00") + D(i) / 2, "weekly_hours": D(28 + i % 8)}
        positions.append(
            PositionTerms(
                f"p{i:02d}",
                start,
                vacation_rate=D("0.04"),
                benefits_rate=D("0.03"),
                raise_rate=D("0.025"),
                **pay,  # type: ignore[arg-type]
            )
        )
    lines = []
    for g in range(10):
        status = FundingStatus.CONFIRMED if g < 6 else FundingStatus.REQUESTED
        for p in (positions[2 * g], positions[2 * g + 1]):
            amounts = {year: D(30000 + 1000 * g) for year in YEARS[: 3 + g % 3]}
            lines.append(FundingLine.per_year(f"G{g}", f"Funder {g}", p.key, amounts, status=status))
        lines.append(FundingLine(f"S{g}", f"Share {g}", positions[(2 * g + 5) % 20].key, share=D("0.2"), period=RANGE))
    return positions, lines


Years = list[tuple[Any, ...]]  # per fiscal year: start, ten cost fields, confirmed, requested, both gaps


def product(positions: list[PositionTerms], lines: list[FundingLine]) -> Years:
    sim = simulate(positions, lines, RANGE, BOOK, TABLE)
    return [
        (
            y.year.start.year,
            *(round(getattr(y.cost, f) * 100) for f in AMOUNT_FIELDS),
            tuple((f, round(a * 100)) for f, a in y.confirmed),
            tuple((f, round(a * 100)) for f, a in y.requested),
            round(y.gap_confirmed * 100),
            round(y.gap_requested * 100),
        )
        for y in sim.years
    ]


# --- the bare loop ---------------------------------------------------------------------------

SCALE = 12 * 377_580  # a month's share of a year and a day's share of any month are whole
PER_DAY = {dim: SCALE // (12 * dim) for dim in (28, 29, 30, 31)}
PPM = 1_000_000
W = PPM * SCALE  # amounts before rates: 1 / W of a cent
X = PPM * W  # amounts after a rate: 1 / X of a cent


def ppm(rate: Decimal) -> int:
    value = rate * PPM
    assert value == int(value), rate
    return int(value)


def cents_of(amount: Decimal) -> int:
    value = amount * 100
    assert value == int(value), amount
    return int(value)


def half_up(value: int, unit: int) -> int:
    """``value / unit`` rounded half up (value ≥ 0)."""
    return (2 * value + unit) // (2 * unit)


def year_rates(year: int) -> tuple[int, ...]:
    t, _ = BOOK.for_year(year)
    return (
        ppm(t.rrq_rate), ppm(t.rrq2_rate), ppm(t.ei_rate), ppm(t.rqap_rate), ppm(t.fss_rate), ppm(t.cnt_rate),
        ppm(t.cnesst_rate), cents_of(t.rrq_exemption), cents_of(t.rrq_mga) * W, cents_of(t.rrq_msga) * W,
        cents_of(t.ei_max) * W, cents_of(t.rqap_max) * W,
    )  # fmt: skip


def bare(positions: list[PositionTerms], lines: list[FundingLine]) -> Years:
    rates: dict[int, tuple[int, ...]] = {}
    raise_month = TABLE.start_month
    months = list(iter_months(RANGE.start, RANGE.end))
    # each position's months: (month, gross, vacation, benefits, 7 contributions), in cents
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for p in positions:
        assert p.employee is None and p.end is None and p.raise_on is None and p.pay_as_of is None
        vac, ben, rise = ppm(p.vacation_rate), ppm(p.benefits_rate), ppm(p.raise_rate)
        pay0 = cents_of(p.annual_salary if p.annual_salary is not None else p.hourly_rate)  # type: ignore[arg-type]
        hours = 1 if p.annual_salary is not None else int(p.weekly_hours) * 52  # type: ignore[arg-type]
        assert p.annual_salary is not None or p.weekly_hours == hours // 52
        first_raise = p.start.year if date(p.start.year, raise_month, 1) > p.start else p.start.year + 1
        bases = [pay0 * hours]
        pay = pay0
        out: list[tuple[Any, ...]] = []
        year = 0
        for month in months:
            if month.end < p.start:
                continue
            if month.year != year:
                year = month.year
                r = rates.get(year) or rates.setdefault(year, year_rates(year))
                (rrq, rrq2, ei, rqap, fss, cnt, cnesst, exemption, mga, msga, ei_max, rqap_max) = r
                own = [0, 0, 0]  # exact running totals (W), gross, vacation, benefits
                own_rounded = [0, 0, 0]
                employer_rounded = [0] * 7
                rrq_base = cumulated = 0
            start = max(p.start, month.start)
            days = (month.end - start).days + 1
            per_day = PER_DAY[month.days]
            raise_day = date(month.year, raise_month, 1)
            done = max(0, (start.year if raise_day <= start else start.year - 1) - first_raise + 1) if rise else 0
            while len(bases) <= done:
                pay = half_up(pay * (PPM + rise), PPM)
                bases.append(pay * hours)
            if rise and start < raise_day <= month.end:
                before = (raise_day - start).days
                after_raises = max(0, month.year - first_raise + 1)
                while len(bases) <= after_raises:
                    pay = half_up(pay * (PPM + rise), PPM)
                    bases.append(pay * hours)
                scaled = (bases[done] * before + bases[after_raises] * (days - before)) * per_day
            else:
                scaled = bases[done] * days * per_day
            gross, vacation, benefits = scaled * PPM, scaled * vac, scaled * ben
            own[0] += gross
            own[1] += vacation
            own[2] += benefits
            parts = []
            for k in range(3):
                now = half_up(own[k], W)
                parts.append(now - own_rounded[k])
                own_rounded[k] = now
            earnings = gross + vacation
            rrq_base += max(0, earnings - exemption * days * per_day * PPM)
            cumulated += earnings
            capped = min(cumulated, rqap_max)
            exact = (
                min(rrq * rrq_base, rrq * (mga - exemption * W)),
                rrq2 * min(max(0, cumulated - mga), msga - mga),
                ei * min(cumulated, ei_max),
                rqap * capped,
                fss * cumulated,
                cnt * capped,
                cnesst * capped,
            )
            contributions = []
            for k in range(7):
                now = half_up(exact[k], X)
                contributions.append(now - employer_rounded[k])
                employer_rounded[k] = now
            out.append((month, *parts, *contributions))
        rows[p.key] = out
    return _cover(positions, lines, rows)


def _cover(  # noqa: C901  (one plain loop, as a bare baseline should be)
    positions: list[PositionTerms], lines: list[FundingLine], rows: dict[str, list[tuple[Any, ...]]]
) -> Years:
    """Pay each position's months from its lines (priority order), then sum per fiscal year."""
    order: dict[str, list[FundingLine]] = {}
    for line in sorted(lines, key=lambda x: x.priority()):
        assert len(line.parts) == 3
        order.setdefault(line.position, []).append(line)
    pools = {(line.key, line.position, rng): cents_of(amount) for line in lines for rng, amount in line.amounts}
    shares = {id(line): ppm(line.share) for line in lines if line.share is not None}
    years: dict[int, list[Any]] = {}
    for p in positions:
        for month, gross, vacation, benefits, *contributions in rows[p.key]:
            fy = month.year if month.month >= TABLE.start_month else month.year - 1
            year = years.setdefault(fy, [[0] * 10, {}, {}, 0, 0])
            cost_fields = year[0]
            cost_fields[0] += gross
            cost_fields[1] += vacation
            for k, c in enumerate(contributions):
                cost_fields[2 + k] += c
            cost_fields[9] += benefits
            cost = gross + vacation + sum(contributions) + benefits
            left = cost
            confirmed_paid = 0
            for line in order.get(p.key, ()):
                if left <= 0:
                    break
                if line.period is not None and not line.period.overlap_days(month):
                    continue
                cap = None
                pool = None
                if line.amounts:
                    pool = next(((line.key, line.position, rng) for rng, _ in line.amounts if month.start in rng), None)
                    if pool is None:
                        continue
                    cap = pools[pool]
                if id(line) in shares:
                    share = half_up(cost * shares[id(line)], PPM)
                    cap = share if cap is None else min(cap, share)
                take = left if cap is None else min(left, cap)
                if take <= 0:
                    continue
                left -= take
                if pool is not None:
                    pools[pool] -= take
                confirmed = line.status is FundingStatus.CONFIRMED
                paid = year[1] if confirmed else year[2]
                paid[line.funder] = paid.get(line.funder, 0) + take
                if confirmed:
                    confirmed_paid += take
            year[3] += cost - confirmed_paid
            year[4] += left
    return [
        (fy, *y[0], tuple(sorted(y[1].items())), tuple(sorted(y[2].items())), y[3], y[4])
        for fy, y in sorted(years.items())
    ]


def best(fn: Any, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    positions, lines = staffing()
    harness.header("staffing simulation")
    months = sum(len(list(iter_months(max(p.start, RANGE.start), RANGE.end))) for p in positions)
    print(f"  {len(positions)} positions, {len(lines)} funding lines, {months} position-months")
    harness.compare(
        "simulate (projection, coverage, both gaps) vs bare loop",
        lambda: product(positions, lines),
        lambda: bare(positions, lines),
        goal=2.0,
    )
    hire = PositionTerms("hire", date(2026, 6, 1), hourly_rate=D("26"), weekly_hours=D("32"), vacation_rate=D("0.04"))
    money = [FundingLine.per_year("PIC", "Centraide", "hire", {YEARS[0]: D("30000"), YEARS[1]: D("45000")})]
    until = YEARS[1].end
    for name, solver in (
        ("earliest carried start", lambda: earliest_carried_start(hire, money, BOOK, TABLE, YEARS[0].end)),
        ("most carried hours", lambda: most_carried_hours(hire, money, BOOK, TABLE, until)),
        ("funding needed", lambda: funding_needed(hire, money, BOOK, TABLE, until)),
    ):
        print(f"  solver {name}: {best(solver) * 1000:.1f} ms (aim < 1000)")
    harness.finish()


_ = timedelta

if __name__ == "__main__":
    main()
