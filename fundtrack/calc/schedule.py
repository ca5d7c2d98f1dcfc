"""How a grant's amount falls in periods (domain.md 4.2).

An explicit schedule wins over spreading: amounts given per period are spread only
within their own period (by days, when the calendar asked for is not the one they
were given in); instalments place their amounts on their expected dates; otherwise
the whole amount is spread over the grant's period by days. Every split adds up
exactly to the grant's amount.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from fundtrack.money import ZERO
from fundtrack.periods import DateRange, FiscalCalendar, FiscalYear, Month, spread_by_days


class Basis(StrEnum):
    DAYS = "days"
    YEARS = "years"
    INSTALMENTS = "instalments"


@dataclass(frozen=True)
class GrantTerms:
    """What the schedule of a grant depends on."""

    amount: Decimal
    period: DateRange
    basis: Basis = Basis.DAYS
    schedule: tuple[tuple[DateRange, Decimal], ...] = field(default=())
    instalments: tuple[tuple[date, Decimal], ...] = field(default=())


def _pieces(terms: GrantTerms) -> list[tuple[DateRange, Decimal]]:
    """The grant as (range, amount) pieces, each to be spread by days within its range."""
    if terms.basis is Basis.YEARS and terms.schedule:
        pieces = []
        for rng, amount in terms.schedule:
            inside = rng.overlap(terms.period) or rng
            pieces.append((inside, amount))
        return pieces
    if terms.basis is Basis.INSTALMENTS and terms.instalments:
        pieces = [(DateRange(day, day), amount) for day, amount in terms.instalments]
        rest = terms.amount - sum((a for _, a in terms.instalments), ZERO)
        if rest > 0:
            pieces.append((terms.period, rest))
        return pieces
    return [(terms.period, terms.amount)]


def amounts_by_year(terms: GrantTerms, calendar: FiscalCalendar) -> dict[FiscalYear, Decimal]:
    """The grant's amount in each fiscal year of ``calendar`` it touches (adds up to the amount)."""
    out: dict[FiscalYear, Decimal] = defaultdict(lambda: ZERO)
    for rng, amount in _pieces(terms):
        years = calendar.years(rng)
        for year, part in zip(years, spread_by_days(amount, rng, years), strict=True):
            out[year] += part
    return dict(sorted(out.items()))


def amounts_by_month(terms: GrantTerms) -> dict[Month, Decimal]:
    """The grant's amount in each calendar month (adds up to the amount)."""
    out: dict[Month, Decimal] = defaultdict(lambda: ZERO)
    for rng, amount in _pieces(terms):
        months = rng.months()
        for month, part in zip(months, spread_by_days(amount, rng, months), strict=True):
            out[month] += part
    return dict(sorted(out.items()))


def amount_in(terms: GrantTerms, rng: DateRange) -> Decimal:
    """The part of the grant that falls in ``rng``, by days within each piece.

    For a fiscal year or a month, each piece is split over the years of that calendar
    (or over months) exactly as :func:`amounts_by_year` and :func:`amounts_by_month`
    split it, so that the parts in consecutive years add up to the grant. For any
    other range, a piece is split over the days before, in and after ``rng``.
    """
    total = ZERO
    for piece, amount in _pieces(terms):
        inside = piece.overlap_days(rng)
        if inside == piece.days:
            total += amount
        elif inside:
            periods = _grid(piece, rng)
            parts = spread_by_days(amount, piece, periods)
            total += next(p for period, p in zip(periods, parts, strict=True) if period.start == rng.start)
    return total


def _grid(piece: DateRange, rng: DateRange) -> list[DateRange]:
    """The periods ``piece`` is split over when asking for its part in ``rng`` (one starts with ``rng``)."""
    if isinstance(rng, FiscalYear):
        calendar = FiscalCalendar(rng.start.month)
        if calendar.starting(rng.start.year) == rng:
            return list(calendar.years(piece))
    if isinstance(rng, Month):
        return list(piece.months())
    inside = piece.overlap(rng)
    assert inside is not None
    grid: list[DateRange] = []
    if piece.start < inside.start:
        grid.append(DateRange(piece.start, inside.start - timedelta(days=1)))
    grid.append(DateRange(rng.start, inside.end) if rng.start <= piece.start else inside)
    if inside.end < piece.end:
        grid.append(DateRange(inside.end + timedelta(days=1), piece.end))
    return grid
