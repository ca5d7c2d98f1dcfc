"""Budget vs actual for any period, grouped by line, category, project, grant or funder.

The actuals are summed by the database (GROUP BY over the money columns, the part dated
up to the "as of" date beside the whole period's): one query for the net cost per budget
line, one for the charges per line and grant when grouping by grant or funder. Only the
budget lines (a few hundred) are read into Python, as :class:`BudgetAmounts`.

A line is one line (domain.md 4.5): expenses recorded against a line of an earlier
version count for the current version's line of the same project, category and
description; two lines of the same description in different categories stay apart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, null, select, union_all
from sqlalchemy.orm import Session

from fundtrack.calc.budgets import NO_BUDGET, BudgetAmounts
from fundtrack.calc.variance import OWN_FUNDS, Dimension, LineKey, VarianceItem, VarianceTable, variance
from fundtrack.i18n import Lang, current_lang, translate
from fundtrack.models import (
    Budget,
    BudgetCategory,
    BudgetLine,
    BudgetVersion,
    Expense,
    ExpenseCharge,
    Funder,
    Grant,
    Project,
)
from fundtrack.money import ZERO
from fundtrack.periods import DateRange
from fundtrack.queries.allocations import net_allocations
from fundtrack.queries.budget_lines import LineBudget, line_budgets
from fundtrack.queries.lookups import project_by_name
from fundtrack.queries.scope import Scope
from fundtrack.queries.versions import current_version_ids

Actuals = tuple[Decimal, Decimal]  # the period's, and the part dated up to the "as of" date


def _rows(session: Session, query: Any) -> Any:
    """Run ``query`` on the session's connection: plain rows, without the ORM's result
    machinery (the session flushed first, as its own ``execute`` would)."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(query)


@dataclass
class _Lines:
    """The current lines of the period, and how the rows of the database map onto them."""

    scope: Scope
    period: DateRange
    as_of: date
    project_id: int | None
    lines: dict[int, LineBudget]
    categories: dict[int, str]
    codes: dict[int, str]
    projects: dict[int, str]
    aliases: dict[int, int]  # a line of an earlier version → the current line it continues

    def key(self, line_id: int | None, project_id: int, category_id: int) -> LineKey:
        current = self.aliases.get(line_id, line_id) if line_id is not None else None
        if current is not None and current in self.lines:
            ln = self.lines[current]
            return (ln.project_id, ln.category_id, ln.line_id)
        return (project_id, category_id, None)

    def item(
        self,
        key: LineKey,
        budget: BudgetAmounts,
        actuals: Actuals,
        grant: tuple[str, str] | None = None,
    ) -> VarianceItem:
        proj_id, cat_id, line_id = key
        category, project = self.categories[cat_id], self.projects[proj_id]
        line = self.lines[line_id].description if line_id is not None else category
        ref, funder = grant if grant is not None else (None, None)
        return VarianceItem(
            key,
            f"{project} · {line}",
            category,
            project,
            budget,
            actuals[0],
            actuals[1],
            ref,
            funder,
            self.codes[cat_id],
        )

    def in_period(self) -> tuple[Any, ...]:
        """The WHERE clause of the expenses of the period (and project)."""
        return (
            Expense.organisation_id == self.scope.organisation_id,
            Expense.expense_date >= self.period.start,
            Expense.expense_date <= self.period.end,
            *((Expense.project_id == self.project_id,) if self.project_id is not None else ()),
        )

    def to_date(self, column: Any) -> Any:
        """``SUM(column)`` of the rows dated up to and including the "as of" date."""
        return func.sum(case((Expense.expense_date <= self.as_of, column), else_=0))


def budget_vs_actual(
    session: Session,
    scope: Scope,
    period: DateRange,
    dimension: Dimension = "line",
    as_of: date | None = None,
    project: str | None = None,
    lang: Lang | None = None,
) -> VarianceTable:
    """Budget, actual (net cost charged in ``period``), variance and forecast, by ``dimension``.

    The budget is the current version of each project's budget. ``as_of`` (default: the
    end of the period) is the date of the actuals: the forecast is the actual up to it
    plus the budget of the days after it. A funder's scope sees only its grants: their
    allocations as budget, their charges as actual.
    """
    lang = lang or current_lang()
    ctx = _lines(session, scope, period, as_of or period.end, project, lang)
    if dimension in ("grant", "funder"):
        items = _grant_totals(session, ctx)
    elif scope.funder_id is not None:
        items = _grant_items(session, ctx)
    else:
        items = _line_items(session, ctx)
    return variance(items, dimension, period, ctx.as_of, translate(OWN_FUNDS, lang))


def budget_actual_items(
    session: Session,
    scope: Scope,
    period: DateRange,
    project: str | None = None,
    lang: Lang | None = None,
    as_of: date | None = None,
) -> list[VarianceItem]:
    """The items :func:`budget_vs_actual` groups, at the finest grain: one per budget line
    and grant (its allocations as budget, its charges as actual), plus, for the
    organisation's scope, each line's part no grant budgets or pays (``grant`` None).

    Feed a selection of them to :func:`fundtrack.calc.variance.variance` to group them
    (one grant's lines, the other grants' lines...).
    """
    return _grant_items(session, _lines(session, scope, period, as_of or period.end, project, lang or current_lang()))


def _lines(session: Session, scope: Scope, period: DateRange, as_of: date, project: str | None, lang: Lang) -> _Lines:
    project_id = project_by_name(session, scope, project).id if project is not None else None
    lines = line_budgets(session, current_version_ids(session, scope.organisation_id), period, project_id)
    rows = list(
        _rows(
            session,
            select(BudgetCategory.id, BudgetCategory.code, BudgetCategory.label_fr, BudgetCategory.label_en).where(
                BudgetCategory.organisation_id == scope.organisation_id
            ),
        )
    )
    categories = {cat_id: label_en if lang == "en" else label_fr for cat_id, _, label_fr, label_en in rows}
    codes = {cat_id: code for cat_id, code, _, _ in rows}
    projects = {
        pid: name
        for pid, name in _rows(
            session, select(Project.id, Project.name).where(Project.organisation_id == scope.organisation_id)
        )
    }
    return _Lines(scope, period, as_of, project_id, {ln.line_id: ln for ln in lines}, categories, codes, projects, {})


def _alias(session: Session, ctx: _Lines, line_ids: Iterable[int | None]) -> None:
    """Map the lines of earlier versions that rows name onto the current lines they continue."""
    unknown = {i for i in line_ids if i is not None and i not in ctx.lines and i not in ctx.aliases}
    if not unknown:
        return
    current = {
        (ln.project_id, ln.category_id, ln.description.strip().casefold()): ln.line_id for ln in ctx.lines.values()
    }
    query = (
        select(BudgetLine.id, Budget.project_id, BudgetLine.category_id, BudgetLine.description)
        .join(BudgetLine.version)
        .join(BudgetVersion.budget)
        .where(BudgetLine.id.in_(unknown))
    )
    for line_id, proj, cat, desc in _rows(session, query):
        found = current.get((proj, cat, desc.strip().casefold()))
        if found is not None:
            ctx.aliases[line_id] = found


def _line_items(session: Session, ctx: _Lines) -> list[VarianceItem]:
    """One item per line: its budget, and the net cost per (line, project, category) in one GROUP BY."""
    query = (
        select(
            Expense.line_id,
            Expense.project_id,
            Expense.category_id,
            func.sum(Expense.net_cost),
            ctx.to_date(Expense.net_cost),
        )
        .where(*ctx.in_period())
        .group_by(Expense.line_id, Expense.project_id, Expense.category_id)
    )
    rows = list(_rows(session, query))
    _alias(session, ctx, (r[0] for r in rows))
    actual: dict[LineKey, Actuals] = defaultdict(lambda: (ZERO, ZERO))
    for line_id, proj, cat, total, to_date in rows:
        key = ctx.key(line_id, proj, cat)
        before = actual[key]
        actual[key] = (before[0] + total, before[1] + (to_date or ZERO))
    items = [
        ctx.item(ctx.key(ln.line_id, 0, 0), ln.budget, actual.pop(ctx.key(ln.line_id, 0, 0), (ZERO, ZERO)))
        for ln in ctx.lines.values()
    ]
    items += [ctx.item(key, NO_BUDGET, sums) for key, sums in actual.items()]
    return items


def _grants(session: Session, scope: Scope) -> dict[int, tuple[str, str]]:
    query = (
        select(Grant.id, Grant.reference, Funder.name)
        .join(Grant.funder)
        .where(Grant.organisation_id == scope.organisation_id)
    )
    return {g_id: (ref, funder) for g_id, ref, funder in _rows(session, query)}


def _allocated(session: Session, ctx: _Lines) -> dict[tuple[int, int], BudgetAmounts]:
    """Net allocations per (line, grant), as budgets with their line's monthly profile."""
    pools: dict[tuple[int, int], dict[DateRange, Decimal]] = defaultdict(dict)
    for a in net_allocations(
        session, line_ids=list(ctx.lines), period=ctx.period, grants_filter=ctx.scope.grants_filter()
    ):
        pools[(a.line_id, a.grant_id)][a.period] = a.amount
    return {key: BudgetAmounts(yearly, ctx.lines[key[0]].profile) for key, yearly in pools.items()}


def _grant_items(session: Session, ctx: _Lines) -> list[VarianceItem]:
    """Items per line and grant: allocations as budget, charges as actual; the rest is own funds.

    One statement sums the period's charges per line and grant and, beside them, the net
    cost per line (grant NULL): what a line's cost leaves after its charges is own funds.
    """
    grants = _grants(session, ctx.scope)
    allocated = _allocated(session, ctx)
    with_net = ctx.scope.funder_id is None
    charges = (
        select(
            Expense.line_id,
            Expense.project_id,
            Expense.category_id,
            ExpenseCharge.grant_id,
            func.sum(ExpenseCharge.amount).label("total"),
            ctx.to_date(ExpenseCharge.amount).label("to_date"),
        )
        .join(ExpenseCharge.expense)
        .where(*ctx.in_period())
        .group_by(Expense.line_id, Expense.project_id, Expense.category_id, ExpenseCharge.grant_id)
    )
    if ctx.scope.funder_id is not None:
        charges = charges.join(ExpenseCharge.grant).where(ctx.scope.grants_filter())
    query: Any = charges
    if with_net:
        net = (
            select(
                Expense.line_id,
                Expense.project_id,
                Expense.category_id,
                null().label("grant_id"),
                func.sum(Expense.net_cost).label("total"),
                ctx.to_date(Expense.net_cost).label("to_date"),
            )
            .where(*ctx.in_period())
            .group_by(Expense.line_id, Expense.project_id, Expense.category_id)
        )
        query = union_all(charges, net)
    rows = list(_rows(session, query))
    _alias(session, ctx, (r[0] for r in rows))
    charged: dict[tuple[LineKey, int], Actuals] = defaultdict(lambda: (ZERO, ZERO))
    cost: dict[LineKey, Actuals] = defaultdict(lambda: (ZERO, ZERO))
    for ln, p, c, g, total, to_date in rows:
        key = ctx.key(ln, p, c)
        target = cost if g is None else charged
        slot = key if g is None else (key, g)
        before = target[slot]  # type: ignore[index]
        target[slot] = (before[0] + total, before[1] + (to_date or ZERO))  # type: ignore[index]
    items: list[VarianceItem] = []
    for (line_id, grant_id), budget in allocated.items():
        key = ctx.key(line_id, 0, 0)
        items.append(ctx.item(key, budget, charged.pop((key, grant_id), (ZERO, ZERO)), grants[grant_id]))
    for (key, grant_id), sums in charged.items():
        items.append(ctx.item(key, NO_BUDGET, sums, grants[grant_id]))
    if with_net:
        items += _own_funds(ctx, allocated, rows, cost)
    return items


def _own_funds(
    ctx: _Lines, allocated: dict[tuple[int, int], BudgetAmounts], rows: list[Any], cost: dict[LineKey, Actuals]
) -> list[VarianceItem]:
    """What no grant budgets or pays: each line's budget less its allocations, its cost less its charges."""
    charged: dict[LineKey, Actuals] = defaultdict(lambda: (ZERO, ZERO))
    for ln, p, c, g, total, to_date in rows:
        if g is not None:
            key = ctx.key(ln, p, c)
            before = charged[key]
            charged[key] = (before[0] + total, before[1] + (to_date or ZERO))
    parts: dict[int, list[BudgetAmounts]] = defaultdict(list)
    for (line_id, _), budget in allocated.items():
        parts[line_id].append(budget)
    items = []
    for ln in ctx.lines.values():
        key = ctx.key(ln.line_id, 0, 0)
        spent, paid = cost.pop(key, (ZERO, ZERO)), charged.get(key, (ZERO, ZERO))
        items.append(ctx.item(key, ln.budget.minus(parts[ln.line_id]), (spent[0] - paid[0], spent[1] - paid[1])))
    for key, spent in cost.items():
        paid = charged.get(key, (ZERO, ZERO))
        if spent != paid:
            items.append(ctx.item(key, NO_BUDGET, (spent[0] - paid[0], spent[1] - paid[1])))
    return items


def _grant_totals(session: Session, ctx: _Lines) -> list[VarianceItem]:
    """Items for grouping by grant or funder: the allocations per line and grant as budget,
    the period's charges per grant and the net cost in all, summed by the database in one
    statement; what the charges leave of the cost is own funds."""
    grants = _grants(session, ctx.scope)
    allocated = _allocated(session, ctx)
    items = [
        ctx.item(ctx.key(line_id, 0, 0), budget, (ZERO, ZERO), grants[grant_id])
        for (line_id, grant_id), budget in allocated.items()
    ]
    charges = (
        select(ExpenseCharge.grant_id, func.sum(ExpenseCharge.amount).label("total"), ctx.to_date(ExpenseCharge.amount))
        .join(ExpenseCharge.expense)
        .where(*ctx.in_period())
        .group_by(ExpenseCharge.grant_id)
    )
    with_net = ctx.scope.funder_id is None
    if not with_net:
        charges = charges.join(ExpenseCharge.grant).where(ctx.scope.grants_filter())
    query: Any = charges
    if with_net:
        query = union_all(
            charges,
            select(null().label("grant_id"), func.sum(Expense.net_cost), ctx.to_date(Expense.net_cost)).where(
                *ctx.in_period()
            ),
        )
    net, paid = (ZERO, ZERO), (ZERO, ZERO)
    for grant_id, total, to_date in _rows(session, query):
        sums = (total or ZERO, to_date or ZERO)
        if grant_id is None:
            net = sums
        elif total:
            ref, funder = grants[grant_id]
            items.append(VarianceItem((0, 0, None), "", "", "", NO_BUDGET, sums[0], sums[1], ref, funder))
            paid = (paid[0] + sums[0], paid[1] + sums[1])
    if with_net:
        parts: dict[int, list[BudgetAmounts]] = defaultdict(list)
        for (line_id, _), budget in allocated.items():
            parts[line_id].append(budget)
        for ln in ctx.lines.values():
            items.append(ctx.item(ctx.key(ln.line_id, 0, 0), ln.budget.minus(parts[ln.line_id]), (ZERO, ZERO)))
        own = (net[0] - paid[0], net[1] - paid[1])
        if own != (ZERO, ZERO):
            items.append(VarianceItem((0, 0, None), "", "", "", NO_BUDGET, own[0], own[1]))
    return items
