"""Budget vs actual: variance, variance % and the forecast to the end of the period.

domain.md 4.5: variance = budget − actual (positive means under budget), variance % =
variance / budget (none when the budget is zero); actual = the net cost of the
expenses charged in the period. The forecast to the end of the period is the actual
to date plus the budget of the months still to come (the months that start after
the "as of" date).

The caller hands in items at the finest grain (a budget line, or a grant's part of a
line) with their monthly budget and the actual the database summed for them; rows
are grouped by line, category, project, grant or funder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from fundtrack.calc.budgets import amount_in
from fundtrack.errors import InputError
from fundtrack.i18n import msg
from fundtrack.money import ZERO, round_half_up
from fundtrack.periods import DateRange, Month

Dimension = Literal["line", "category", "project", "grant", "funder"]
DIMENSIONS: tuple[Dimension, ...] = ("line", "category", "project", "grant", "funder")
# the glossary term that names each grouping
DIMENSION_LABELS: dict[Dimension, str] = {
    "line": msg("term.budget_line"),
    "category": msg("term.category"),
    "project": msg("term.project"),
    "grant": msg("term.grant"),
    "funder": msg("term.funder"),
}
RATE_PLACES = Decimal("0.0001")

M_BAD_DIMENSION = msg("variance.bad_dimension")
OWN_FUNDS = msg("variance.own_funds")


@dataclass(frozen=True)
class BudgetActual:
    """One item at the finest grain: a budget line, or one grant's part of a line.

    ``grant`` and ``funder`` are None for the part no grant pays (own funds).
    ``budget`` is per month; ``actual`` is the net cost charged in the period,
    to date.
    """

    line_id: int
    line: str
    category: str
    project: str
    budget: Mapping[Month, Decimal]
    actual: Decimal
    grant: str | None = None
    funder: str | None = None


@dataclass(frozen=True)
class BudgetTotal:
    """An item whose budget is already summed: ``budget`` over the period, ``to_come``
    over the months of the period that start after the "as of" date."""

    line: str
    category: str
    project: str
    budget: Decimal
    to_come: Decimal
    actual: Decimal
    grant: str | None = None
    funder: str | None = None


Item = BudgetActual | BudgetTotal


@dataclass(frozen=True)
class VarianceRow:
    key: str
    budget: Decimal
    actual: Decimal
    forecast: Decimal

    @property
    def variance(self) -> Decimal:
        return self.budget - self.actual

    @property
    def variance_rate(self) -> Decimal | None:
        """variance / budget, to four places (0.1234 = 12.34 %); None when the budget is 0."""
        if self.budget == 0:
            return None
        return round_half_up(self.variance / self.budget, RATE_PLACES)


@dataclass(frozen=True)
class VarianceTable:
    dimension: Dimension
    period: DateRange
    as_of: date
    rows: tuple[VarianceRow, ...]

    @property
    def total(self) -> VarianceRow:
        return VarianceRow(
            key="",
            budget=sum((r.budget for r in self.rows), ZERO),
            actual=sum((r.actual for r in self.rows), ZERO),
            forecast=sum((r.forecast for r in self.rows), ZERO),
        )


def check_dimension(value: str) -> Dimension:
    for dim in DIMENSIONS:
        if dim == value:
            return dim
    raise InputError(M_BAD_DIMENSION, field="by", value=value, choices=", ".join(DIMENSIONS))


def _key_of(dimension: Dimension, own_funds_label: str) -> Callable[[Item], str]:
    if dimension == "line":
        return lambda i: i.line
    if dimension == "category":
        return lambda i: i.category
    if dimension == "project":
        return lambda i: i.project
    if dimension == "grant":
        return lambda i: i.grant if i.grant is not None else own_funds_label
    return lambda i: i.funder if i.funder is not None else own_funds_label


def budget_to_come(budget: Mapping[Month, Decimal], period: DateRange, as_of: date) -> Decimal:
    """The budget of the months of ``period`` that start after ``as_of``."""
    start = max(period.start, Month.of(as_of).next().start)
    if start > period.end:
        return ZERO
    return amount_in(budget, DateRange(start, period.end))


def variance(
    items: Iterable[Item],
    dimension: Dimension,
    period: DateRange,
    as_of: date,
    own_funds_label: str = "",
) -> VarianceTable:
    """Budget vs actual over ``period`` grouped by ``dimension``, rows in key order.

    The budget of a row is the sum of its items' budgets in the period (a month the
    period covers in part counts for its share of days); the forecast is the actual
    plus the budget of the months still to come after ``as_of``. A
    :class:`BudgetTotal` brings its budget already summed over both.
    """
    key_of = _key_of(dimension, own_funds_label)
    start = max(period.start, Month.of(as_of).next().start)
    to_come_range = DateRange(start, period.end) if start <= period.end else None
    sums: dict[str, tuple[Decimal, Decimal, Decimal]] = {}
    for item in items:
        key = key_of(item)
        budget, actual, to_come = sums.get(key, (ZERO, ZERO, ZERO))
        if isinstance(item, BudgetTotal):
            budget += item.budget
            if to_come_range is not None:
                to_come += item.to_come
        elif item.budget:
            budget += amount_in(item.budget, period)
            if to_come_range is not None:
                to_come += amount_in(item.budget, to_come_range)
        sums[key] = (budget, actual + item.actual, to_come)
    rows = tuple(VarianceRow(key=key, budget=b, actual=a, forecast=a + c) for key, (b, a, c) in sorted(sums.items()))
    return VarianceTable(dimension, period, as_of, rows)
