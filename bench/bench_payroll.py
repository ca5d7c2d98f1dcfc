"""Payroll simulation speed: five years, 20 positions, 10 grants, coverage and gap included.

Prints the time of one simulation (best of several runs) and its ratio to the bare
arithmetic measured in the same run: the same position-months multiplied out in a plain
loop (gross, vacation, seven contributions and benefits, each rounded, no ceilings, no
cumulation, no coverage). Also times the coordinator's three solvers. Aims: under 50 ms,
a ratio under 5, solvers under a second.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from fundtrack.calc.hiring import earliest_carried_start, funding_needed, most_carried_hours
from fundtrack.calc.payroll import PositionTerms
from fundtrack.calc.staffing import FundingLine, FundingStatus, simulate
from fundtrack.money import round_half_up
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


def bare(positions: list[PositionTerms]) -> Decimal:
    """The same months multiplied out plainly."""
    r = BOOK.tables[-1]
    rates = (r.rrq_rate, r.rrq2_rate, r.ei_rate, r.rqap_rate, r.fss_rate, r.cnt_rate, r.cnesst_rate)
    total = D(0)
    for p in positions:
        basis = p.annual_salary if p.annual_salary is not None else p.hourly_rate * p.weekly_hours * 52  # type: ignore[operator]
        for month in iter_months(max(p.start, RANGE.start), RANGE.end):
            dim = calendar.monthrange(month.year, month.month)[1]
            days = (month.end - max(p.start, month.start)).days + 1
            gross = round_half_up(basis / 12 * days / dim)
            vacation = round_half_up(gross * p.vacation_rate)
            earnings = gross + vacation
            total += gross + vacation + round_half_up(gross * p.benefits_rate)
            for rate in rates:
                total += round_half_up(earnings * rate)
    return total


def best(fn: Callable[[], object], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


def paired(first: Callable[[], object], second: Callable[[], object], runs: int = 15) -> tuple[float, float]:
    """Best times of two functions run alternately, so that a busy machine slows both alike."""
    a, b = [], []
    for _ in range(runs):
        a.append(best(first, 1))
        b.append(best(second, 1))
    return min(a), min(b)


def main() -> None:
    positions, lines = staffing()
    sim_time, bare_time = paired(lambda: simulate(positions, lines, RANGE, BOOK, TABLE), lambda: bare(positions))
    months = sum(len(list(iter_months(max(p.start, RANGE.start), RANGE.end))) for p in positions)
    print(f"payroll simulation: {len(positions)} positions, {len(lines)} funding lines, {months} position-months")
    print(f"  simulate (projection + coverage, confirmed and requested): {sim_time * 1000:.1f} ms (aim < 50)")
    print(f"  bare arithmetic, same months:                             {bare_time * 1000:.1f} ms")
    print(f"  ratio: {sim_time / bare_time:.2f} (aim < 5)")
    hire = PositionTerms("hire", date(2026, 6, 1), hourly_rate=D("26"), weekly_hours=D("32"), vacation_rate=D("0.04"))
    money = [FundingLine.per_year("PIC", "Centraide", "hire", {YEARS[0]: D("30000"), YEARS[1]: D("45000")})]
    until = YEARS[1].end
    for name, solver in (
        ("earliest carried start", lambda: earliest_carried_start(hire, money, BOOK, TABLE, YEARS[0].end)),
        ("most carried hours", lambda: most_carried_hours(hire, money, BOOK, TABLE, until)),
        ("funding needed", lambda: funding_needed(hire, money, BOOK, TABLE, until)),
    ):
        print(f"  solver {name}: {best(solver, 3) * 1000:.1f} ms (aim < 1000)")


if __name__ == "__main__":
    main()
