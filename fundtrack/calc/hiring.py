"""The coordinator's questions about one hire, answered from the money available to it.

The money is given as :class:`~fundtrack.calc.staffing.FundingLine`\\ s for the position
(amounts per fiscal year, shares of cost): the confirmed lines for "what confirmed money
can carry", every line for "if every request is granted". A hire is *carried* to a date
when :func:`~fundtrack.calc.staffing.cover` leaves no gap in any of its months up to that
date, the same rule as the simulator's runway, so the answers and the runway agree.

- :func:`funding_needed`: the extra money needed per fiscal year for the hire as planned.
- :func:`earliest_carried_start`: how late the hire must start for the money to carry it
  to a date (the latest start the issue speaks of is the limit below which the money
  falls short: any start on or after the answer is carried).
- :func:`most_carried_hours`: the most weekly hours the money carries from the start.

The searches are bisections, over days and over steps of hours: a later start or fewer
hours never costs more in a month, so being carried is monotone (a contribution ceiling
reached later in a calendar year can shift a few dollars between two fiscal years; the
answer is always checked, never just assumed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from fundtrack.calc.payroll import PositionTerms, RateBook, exact, project_in_cents
from fundtrack.calc.staffing import Coverage, FundingLine, cover_in_cents
from fundtrack.errors import InputError
from fundtrack.i18n import msg
from fundtrack.money import ZERO
from fundtrack.periods import DateRange, FiscalCalendar, FiscalYear

M_NOT_HOURLY = msg("hiring.not_hourly")
M_UNTIL_BEFORE_START = msg("hiring.until_before_start")
M_STEP = msg("hiring.step")


def _coverage(
    terms: PositionTerms, funding: Sequence[FundingLine], rates: RateBook, calendar_: FiscalCalendar, until: date
) -> Coverage:
    if until < terms.start:
        raise InputError(M_UNTIL_BEFORE_START, field="until", until=until, start=terms.start)
    position = replace(terms, end=min(terms.end or until, until))
    rng = DateRange(calendar_.year_of(position.start).start, until)
    projection, amounts = project_in_cents([position], rng, rates, calendar_)
    lines = [line for line in funding if line.position == terms.key]
    return cover_in_cents(projection.lines, amounts, lines)


def _carried(
    terms: PositionTerms, funding: Sequence[FundingLine], rates: RateBook, calendar_: FiscalCalendar, until: date
) -> bool:
    return all(c.gap == 0 for c in _coverage(terms, funding, rates, calendar_, until).months)


def funding_needed(
    terms: PositionTerms,
    funding: Sequence[FundingLine],
    rates: RateBook,
    calendar_: FiscalCalendar,
    until: date,
) -> dict[FiscalYear, Decimal]:
    """Per fiscal year of ``calendar_``, what the hire as planned costs beyond ``funding``.

    Every fiscal year from the start to ``until`` is present (zero when carried).
    """
    gaps = _coverage(terms, funding, rates, calendar_, until).gap_by_year(calendar_)
    years = calendar_.years(DateRange(terms.start, until))
    return {year: gaps.get(year, ZERO) for year in years}


def earliest_carried_start(
    terms: PositionTerms,
    funding: Sequence[FundingLine],
    rates: RateBook,
    calendar_: FiscalCalendar,
    until: date,
    not_before: date | None = None,
) -> date | None:
    """The earliest start, from ``not_before`` (default the planned start), that ``funding``
    carries to ``until``; None when even a start on ``until`` is not carried.
    """
    low = not_before or terms.start
    if _carried(_starting(terms, low), funding, rates, calendar_, until):
        return low
    if not _carried(_starting(terms, until), funding, rates, calendar_, until):
        return None
    high = until  # carried; low is not
    while (high - low).days > 1:
        middle = low + timedelta(days=(high - low).days // 2)
        if _carried(_starting(terms, middle), funding, rates, calendar_, until):
            high = middle
        else:
            low = middle
    return high


def most_carried_hours(
    terms: PositionTerms,
    funding: Sequence[FundingLine],
    rates: RateBook,
    calendar_: FiscalCalendar,
    until: date,
    most: Decimal = Decimal("40"),
    step: Decimal = Decimal("0.25"),
) -> Decimal:
    """The most weekly hours, in steps of ``step`` up to ``most``, that ``funding`` carries
    from the planned start to ``until`` (zero when even an hour is too much).

    Raises :class:`InputError` for a position paid an annual salary.
    """
    if not terms.is_hourly:
        raise InputError(M_NOT_HOURLY, field="weekly_hours", key=terms.key)
    step = exact(step, "step")
    if step <= 0:
        raise InputError(M_STEP, field="step", value=step)
    top = int(exact(most, "most") / step)

    def carried(steps: int) -> bool:
        return _carried(replace(terms, weekly_hours=step * steps), funding, rates, calendar_, until)

    if carried(top):
        return step * top
    low, high = 0, top  # low is carried (no hours cost nothing); high is not
    while high - low > 1:
        middle = (low + high) // 2
        if carried(middle):
            low = middle
        else:
            high = middle
    return step * low


def _starting(terms: PositionTerms, start: date) -> PositionTerms:
    end = terms.end if terms.end is None or terms.end >= start else start
    return replace(terms, start=start, end=end)
