"""Budget vs actual (domain.md 4.5): variance, variance % and the forecast to the end of the period.

variance = budget − actual (positive means under budget); variance % = variance / budget
(none when the budget is zero); actual = the net cost of the expenses charged in the
period. The forecast to the end of the period is the actual up to and including the
"as of" date plus the budget of the days after it (:meth:`BudgetAmounts.to_come`: the
as-of month counts for the days left in it), so moving the date by a day moves the
forecast by about a day of budget. The rule is written once, in :func:`forecast`.

The caller hands in items at the finest grain (a budget line, or a grant's part of a
line) with their budget and the actuals the database summed for them; rows are grouped
by line (each line is one line: its id, never its description alone), category,
project, grant or funder.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from fundtrack.calc.budgets import NO_BUDGET, Budgeted
from fundtrack.errors import InputError
from fundtrack.i18n import msg
from fundtrack.money import ZERO, round_half_up
from fundtrack.periods import DateRange

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

LineKey = tuple[int, int, int | None]  # project, category, line (None: expenses without a line)


@dataclass(frozen=True)
class VarianceItem:
    """One item at the finest grain: a budget line, or one grant's part of a line.

    ``key`` is the line's identity (project, category, line id); ``line`` its label,
    ``category`` and ``project`` the labels of its category and project. ``grant`` and
    ``funder`` are None for the part no grant pays (own funds). ``actual`` is the net
    cost charged in the period, ``actual_to_date`` the part of it dated up to the "as of"
    date (None: all of it).
    """

    key: LineKey
    line: str
    category: str
    project: str
    budget: Budgeted
    actual: Decimal
    actual_to_date: Decimal | None = None
    grant: str | None = None
    funder: str | None = None
    category_code: str = ""

    @property
    def to_date(self) -> Decimal:
        return self.actual if self.actual_to_date is None else self.actual_to_date

    def with_actuals(self, actual: Decimal, actual_to_date: Decimal) -> VarianceItem:
        """This item with other actuals (its budget and what it is unchanged): a copy of its
        fields, without the frozen class's field-by-field ``__init__`` (a budget's lines are
        copied so on every call)."""
        fields = vars(self).copy()
        fields["actual"], fields["actual_to_date"] = actual, actual_to_date
        item = object.__new__(VarianceItem)
        object.__setattr__(item, "__dict__", fields)
        return item

    @property
    def line_description(self) -> str | None:
        """The line's own description (None for expenses outside any budgeted line)."""
        return self.line.partition(" · ")[2] if self.key[2] is not None else None


@dataclass(frozen=True)
class VarianceRow:
    """One row: ``key`` as the reader sees it (with ``category`` beside a budget line)."""

    key: str
    budget: Decimal
    actual: Decimal
    forecast: Decimal
    category: str | None = None
    ident: Hashable = None
    codes: tuple[tuple[str, object], ...] = ()  # what the row is, in codes and data (not labels)

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


def forecast(actual_to_date: Decimal, budget: Budgeted, period: DateRange, as_of: date) -> Decimal:
    """The forecast to the end of ``period``: the actual up to and including ``as_of`` plus
    the budget of the days after it."""
    return actual_to_date + budget.to_come(period, as_of)


Group = tuple[Hashable, str, str | None, tuple[tuple[str, object], ...]]


def _group(dimension: Dimension, own_funds_label: str) -> Callable[[VarianceItem], Group]:
    """How an item is grouped: (the group's identity, its label, the category beside it, its codes)."""
    if dimension == "line":
        return lambda i: (
            i.key,
            i.line,
            i.category,
            (("project", i.project), ("category", i.category_code), ("line", i.line_description)),
        )
    if dimension == "category":
        return lambda i: (i.category_code or i.category, i.category, None, (("category", i.category_code),))
    if dimension == "project":
        return lambda i: (i.project, i.project, None, (("project", i.project),))
    if dimension == "grant":
        return lambda i: (i.grant, i.grant if i.grant is not None else own_funds_label, None, (("grant", i.grant),))
    return lambda i: (i.funder, i.funder if i.funder is not None else own_funds_label, None, (("funder", i.funder),))


@dataclass
class _Sum:
    label: str
    category: str | None
    ident: Hashable
    codes: tuple[tuple[str, object], ...]
    budget: Decimal = ZERO
    actual: Decimal = ZERO
    forecast: Decimal = ZERO


def variance(
    items: Iterable[VarianceItem],
    dimension: Dimension,
    period: DateRange,
    as_of: date,
    own_funds_label: str = "",
) -> VarianceTable:
    """Budget vs actual over ``period`` grouped by ``dimension``, rows in label order.

    A row's budget is its items' budget over the period (a month the period cuts counts
    for its days); its forecast is the sum of its items' :func:`forecast`.
    """
    group = _group(dimension, own_funds_label)
    sums: dict[Hashable, _Sum] = {}
    for item in items:
        ident, label, category, codes = group(item)
        budget = item.budget
        if budget:
            amount, ahead = budget.over(period), forecast(item.to_date, budget, period, as_of)
        else:
            amount, ahead = ZERO, item.to_date
        row = sums.get(ident)
        if row is None:
            sums[ident] = _Sum(label, category, ident, codes, amount, item.actual, ahead)
        else:
            row.budget += amount
            row.actual += item.actual
            row.forecast += ahead
    rows = sorted(
        (VarianceRow(s.label, s.budget, s.actual, s.forecast, s.category, s.ident, s.codes) for s in sums.values()),
        key=lambda r: (r.key, r.category or ""),
    )
    return VarianceTable(dimension, period, as_of, tuple(rows))


__all__ = ["NO_BUDGET", "VarianceItem", "VarianceRow", "VarianceTable", "check_dimension", "forecast", "variance"]
