"""Budget vs actual for any period, grouped by line, category, project, grant or funder.

The actuals are summed by the database (GROUP BY over the money columns): one query for
the net cost per budget line, one for the charges per line and grant when grouping by
grant or funder. Only the budget lines (a few hundred) are read into Python, to share
their yearly amounts over months.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, null, select, union_all
from sqlalchemy.orm import Session

from fundtrack.calc.budgets import amount_over, monthly_amounts, whole_months
from fundtrack.calc.variance import (
    OWN_FUNDS,
    BudgetActual,
    BudgetTotal,
    Dimension,
    Item,
    VarianceTable,
    variance,
)
from fundtrack.i18n import Lang, current_lang, translate
from fundtrack.models import (
    Allocation,
    BudgetCategory,
    BudgetLine,
    Expense,
    ExpenseCharge,
    Funder,
    Grant,
    Project,
)
from fundtrack.money import ZERO
from fundtrack.periods import DateRange, Month
from fundtrack.services.budgets import LineBudget, current_version_ids, line_budgets
from fundtrack.services.scope import Scope

LineKey = tuple[int, int, str]  # project, category, description (casefolded)
Totals = tuple[Decimal, Decimal]  # the budget over the period, and over the months to come
Budgeted = dict[Month, Decimal] | Totals


@dataclass(frozen=True)
class _Spread:
    """How budgets are shared: over months, or, for a period of whole months (no month
    cut by days, so sums can be taken in any order), straight to their totals."""

    period: DateRange
    to_come: DateRange | None
    totals: bool

    @classmethod
    def of_period(cls, period: DateRange, as_of: date, totals: bool = True) -> _Spread:
        start = max(period.start, Month.of(as_of).next().start)
        to_come = DateRange(start, period.end) if start <= period.end else None
        return cls(period, to_come, totals and whole_months(period))

    def budget(self, amounts: Mapping[DateRange, Decimal], profile: tuple[Decimal, ...] | None) -> Budgeted:
        weights = list(profile) if profile else None
        if not self.totals:
            return monthly_amounts(amounts, weights)
        to_come = amount_over(amounts, weights, self.to_come) if self.to_come is not None else ZERO
        return (amount_over(amounts, weights, self.period), to_come)


def _item(
    line: str,
    category: str,
    project: str,
    budget: Budgeted,
    actual: Decimal,
    grant: str | None = None,
    funder: str | None = None,
) -> Item:
    if isinstance(budget, tuple):
        return BudgetTotal(line, category, project, budget[0], budget[1], actual, grant, funder)
    return BudgetActual(0, line, category, project, budget, actual, grant, funder)


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
    end of the period) splits the months done from those still to come for the forecast.
    A funder's scope sees only its grants: their allocations as budget, their charges as
    actual.
    """
    lang = lang or current_lang()
    as_of = as_of or period.end
    versions = current_version_ids(session, scope.organisation_id)
    project_id = _project_id(session, scope, project)
    lines = line_budgets(session, versions, period, project_id)
    categories = _categories(session, scope.organisation_id, lang)
    spread = _Spread.of_period(period, as_of)
    months = {ln.line_id: spread.budget(ln.amounts, ln.profile) for ln in lines}
    key_of = {ln.line_id: (ln.project_id, ln.category_id, ln.description.strip().casefold()) for ln in lines}
    label_of = {key_of[ln.line_id]: _line_label(ln.project, ln.description) for ln in lines}
    projects = _projects(session, scope.organisation_id)
    by_grant = dimension in ("grant", "funder") or scope.funder_id is not None
    items: list[Item] = []
    if not by_grant:
        actual = _actual_by_line(session, scope, period, project_id)
        unknown = {lid for (lid, _, _) in actual if lid is not None and lid not in key_of}
        old_keys = _old_line_keys(session, unknown)
        sums: dict[LineKey, Decimal] = defaultdict(lambda: ZERO)
        for (line_id, proj_id, cat_id), total in actual.items():
            key = key_of.get(line_id) if line_id is not None else None
            if key is None:
                key = old_keys.get(line_id, (proj_id, cat_id, "")) if line_id is not None else (proj_id, cat_id, "")
            sums[key] += total
        budget_by_key: dict[LineKey, Budgeted] = {}
        for ln in lines:
            key = key_of[ln.line_id]
            budget_by_key[key] = (
                _add(budget_by_key[key], months[ln.line_id]) if key in budget_by_key else months[ln.line_id]
            )
        for key in set(budget_by_key) | set(sums):
            proj_id, cat_id, _ = key
            label = label_of.get(key) or _line_label(projects[proj_id], categories[cat_id])
            items.append(
                _item(label, categories[cat_id], projects[proj_id], budget_by_key.get(key, {}), sums.get(key, ZERO))
            )
    else:
        ctx = _context(
            session, scope, period, lines, months, key_of, label_of, categories, projects, project_id, spread
        )
        items = _grant_totals(session, ctx) if dimension in ("grant", "funder") else _grant_items(session, ctx)
    return variance(items, dimension, period, as_of, translate(OWN_FUNDS, lang))


def _rows(session: Session, query: Any) -> Any:
    """Run ``query`` on the session's connection: plain rows, without the ORM's result
    machinery (the session flushed first, as its own ``execute`` would)."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(query)


def _line_label(project: str, description: str) -> str:
    return f"{project} · {description}"


def _totals(budget: Budgeted) -> Totals:
    if isinstance(budget, tuple):
        return budget
    assert not budget, "months and totals are never mixed but for an empty budget"
    return (ZERO, ZERO)


def _add(a: Budgeted, b: Budgeted) -> Budgeted:
    if isinstance(a, tuple) or isinstance(b, tuple):
        (a1, a2), (b1, b2) = _totals(a), _totals(b)
        return (a1 + b1, a2 + b2)
    out = dict(a)
    for m, v in b.items():
        out[m] = out.get(m, ZERO) + v
    return out


def _sub(a: Budgeted, b: Budgeted) -> Budgeted:
    if isinstance(a, tuple) or isinstance(b, tuple):
        (a1, a2), (b1, b2) = _totals(a), _totals(b)
        return (a1 - b1, a2 - b2)
    return _add(a, {m: -v for m, v in b.items()})


def _project_id(session: Session, scope: Scope, project: str | None) -> int | None:
    if project is None:
        return None
    from fundtrack.services.grants import project_by_name

    return project_by_name(session, scope.organisation_id, project).id


def _categories(session: Session, org_id: int, lang: Lang) -> dict[int, str]:
    query = select(BudgetCategory).where(BudgetCategory.organisation_id == org_id)
    return {c.id: c.label(lang) for c in session.scalars(query)}


def _projects(session: Session, org_id: int) -> dict[int, str]:
    query = select(Project.id, Project.name).where(Project.organisation_id == org_id)
    return {pid: name for pid, name in _rows(session, query)}


def _actual_by_line(
    session: Session, scope: Scope, period: DateRange, project_id: int | None
) -> dict[tuple[int | None, int, int], Decimal]:
    """Net cost per (line, project, category) in the period: one GROUP BY."""
    query = (
        select(Expense.line_id, Expense.project_id, Expense.category_id, func.sum(Expense.net_cost))
        .where(
            Expense.organisation_id == scope.organisation_id,
            Expense.expense_date >= period.start,
            Expense.expense_date <= period.end,
        )
        .group_by(Expense.line_id, Expense.project_id, Expense.category_id)
    )
    if project_id is not None:
        query = query.where(Expense.project_id == project_id)
    return {(ln, p, c): total for ln, p, c, total in _rows(session, query)}


def _old_line_keys(session: Session, line_ids: set[int]) -> dict[int, LineKey]:
    """Lines of earlier versions matched to the current ones by project, category and description."""
    if not line_ids:
        return {}
    from fundtrack.models import Budget, BudgetVersion

    query = (
        select(BudgetLine.id, Budget.project_id, BudgetLine.category_id, BudgetLine.description)
        .join(BudgetLine.version)
        .join(BudgetVersion.budget)
        .where(BudgetLine.id.in_(line_ids))
    )
    return {lid: (p, c, d.strip().casefold()) for lid, p, c, d in _rows(session, query)}


ChargeKey = tuple[int | None, int, int, int]  # line, project, category, grant


@dataclass
class _Context:
    scope: Scope
    period: DateRange
    lines: dict[int, LineBudget]
    months: dict[int, Budgeted]
    key_of: dict[int, LineKey]
    label_of: dict[LineKey, str]
    categories: dict[int, str]
    projects: dict[int, str]
    project_id: int | None
    grants: dict[int, tuple[str, str]]
    spread: _Spread
    items: list[Item] = field(default_factory=list)

    def add(self, key: LineKey, budget: Budgeted, actual: Decimal, grant_id: int | None) -> None:
        proj_id, cat_id, _ = key
        ref, funder = self.grants[grant_id] if grant_id is not None else (None, None)
        self.items.append(
            _item(
                self.label_of.get(key) or _line_label(self.projects[proj_id], self.categories[cat_id]),
                self.categories[cat_id],
                self.projects[proj_id],
                budget,
                actual,
                ref,
                funder,
            )
        )

    def key(self, line_id: int | None, project_id: int, category_id: int) -> LineKey:
        if line_id is not None and line_id in self.key_of:
            return self.key_of[line_id]
        return (project_id, category_id, "")


def _grant_items(session: Session, ctx: _Context) -> list[Item]:
    """Items per line and grant: allocations as budget, charges as actual; the rest is own funds.

    One statement sums the period's charges per line and grant and, beside them, the
    net cost per line (grant NULL): what a line's cost leaves after its charges is own funds.
    """
    scope = ctx.scope
    allocated = _allocated_months(session, ctx)
    charged, net = _charged(session, ctx, with_net=scope.funder_id is None)
    by_line_grant: dict[tuple[int | None, int], Decimal] = defaultdict(lambda: ZERO)
    for (ln, _, _, g), total in charged.items():
        by_line_grant[(ln, g)] += total
    for (line_id, grant_id), budget in allocated.items():
        ctx.add(ctx.key_of[line_id], budget, by_line_grant.get((line_id, grant_id), ZERO), grant_id)
    for (ln, p, c, g), total in charged.items():
        if ln is None or (ln, g) not in allocated:
            ctx.add(ctx.key(ln, p, c), {}, total, g)
    if scope.funder_id is None:
        _own_funds_items(ctx, allocated, charged, net)
    return ctx.items


def _context(
    session: Session,
    scope: Scope,
    period: DateRange,
    lines: list[LineBudget],
    months: dict[int, Budgeted],
    key_of: dict[int, LineKey],
    label_of: dict[LineKey, str],
    categories: dict[int, str],
    projects: dict[int, str],
    project_id: int | None,
    spread: _Spread,
) -> _Context:
    """What both ways of grouping need: the lines, their months and labels, and the grants' names."""
    grants = {
        g_id: (ref, funder)
        for g_id, ref, funder in _rows(
            session,
            select(Grant.id, Grant.reference, Funder.name)
            .join(Grant.funder)
            .where(Grant.organisation_id == scope.organisation_id),
        )
    }
    return _Context(
        scope,
        period,
        {ln.line_id: ln for ln in lines},
        months,
        key_of,
        label_of,
        categories,
        projects,
        project_id,
        grants,
        spread,
    )


def _grant_totals(session: Session, ctx: _Context) -> list[Item]:
    """Items for grouping by grant or funder: the allocations per line and grant as budget,
    and the period's charges per grant and the net cost in all, summed by the database
    in one statement; what the charges leave of the cost is own funds."""
    scope = ctx.scope
    allocated = _allocated_months(session, ctx)
    for (line_id, grant_id), budget in allocated.items():
        ctx.add(ctx.key_of[line_id], budget, ZERO, grant_id)
    charged, net = _charged_by_grant(session, ctx, with_net=scope.funder_id is None)
    for grant_id, total in charged.items():
        ref, funder = ctx.grants[grant_id]
        ctx.items.append(BudgetActual(0, "", "", "", {}, total, ref, funder))
    if scope.funder_id is None:
        allocated_by_line: dict[int, Budgeted] = {}
        for (line_id, _), budget in allocated.items():
            allocated_by_line[line_id] = _add(allocated_by_line.get(line_id, {}), budget)
        for line_id in ctx.lines:
            ctx.add(ctx.key_of[line_id], _sub(ctx.months[line_id], allocated_by_line.get(line_id, {})), ZERO, None)
        own = net - sum(charged.values(), ZERO)
        if own:
            ctx.items.append(BudgetActual(0, "", "", "", {}, own))
    return ctx.items


def _charged_by_grant(session: Session, ctx: _Context, with_net: bool) -> tuple[dict[int, Decimal], Decimal]:
    """The period's charges per grant and (``with_net``) the period's net cost, in one statement."""
    in_period = _in_period(ctx)
    charges = (
        select(ExpenseCharge.grant_id, func.sum(ExpenseCharge.amount).label("total"))
        .join(ExpenseCharge.expense)
        .where(*in_period)
        .group_by(ExpenseCharge.grant_id)
    )
    if ctx.scope.funder_id is not None:
        charges = charges.join(ExpenseCharge.grant).where(ctx.scope.grants_filter())
    query: Any = charges
    if with_net:
        query = union_all(charges, select(null().label("grant_id"), func.sum(Expense.net_cost)).where(*in_period))
    charged: dict[int, Decimal] = {}
    net = ZERO
    for grant_id, total in _rows(session, query):
        if grant_id is None:
            net = total or ZERO
        elif total:
            charged[grant_id] = total
    return charged, net


def _in_period(ctx: _Context) -> tuple[Any, ...]:
    """The WHERE clause of the expenses of the context's period (and project)."""
    return (
        Expense.organisation_id == ctx.scope.organisation_id,
        Expense.expense_date >= ctx.period.start,
        Expense.expense_date <= ctx.period.end,
        *((Expense.project_id == ctx.project_id,) if ctx.project_id is not None else ()),
    )


def _allocated_months(session: Session, ctx: _Context) -> dict[tuple[int, int], Budgeted]:
    """Net allocations per (line, grant), summed by the database, shared over months."""
    query = (
        select(
            Allocation.line_id,
            Allocation.grant_id,
            Allocation.period_start,
            Allocation.period_end,
            func.sum(Allocation.amount),
        )
        .join(Allocation.grant)
        .where(
            ctx.scope.grants_filter(),
            Allocation.line_id.in_(list(ctx.lines)),
            Allocation.period_start <= ctx.period.end,
            Allocation.period_end >= ctx.period.start,
        )
        .group_by(Allocation.line_id, Allocation.grant_id, Allocation.period_start, Allocation.period_end)
    )
    out: dict[tuple[int, int], Budgeted] = {}
    for line_id, grant_id, start, end, total in _rows(session, query):
        if not total:
            continue
        part = ctx.spread.budget({DateRange(start, end): total}, ctx.lines[line_id].profile)
        out[(line_id, grant_id)] = _add(out.get((line_id, grant_id), {}), part)
    return out


LineCostKey = tuple[int | None, int, int]  # line, project, category


def _charged(
    session: Session, ctx: _Context, with_net: bool
) -> tuple[dict[ChargeKey, Decimal], dict[LineCostKey, Decimal]]:
    """The period's charges per (line, project, category, grant) and, ``with_net``, the net
    cost per (line, project, category): both summed by the database in one statement."""
    in_period = _in_period(ctx)
    charges = (
        select(
            Expense.line_id,
            Expense.project_id,
            Expense.category_id,
            ExpenseCharge.grant_id,
            func.sum(ExpenseCharge.amount).label("total"),
        )
        .join(ExpenseCharge.expense)
        .where(*in_period)
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
            )
            .where(*in_period)
            .group_by(Expense.line_id, Expense.project_id, Expense.category_id)
        )
        query = union_all(charges, net)
    charged: dict[ChargeKey, Decimal] = {}
    costs: dict[LineCostKey, Decimal] = {}
    for ln, p, c, g, total in _rows(session, query):
        if g is None:
            costs[(ln, p, c)] = total
        else:
            charged[(ln, p, c, g)] = total
    return charged, costs


def _own_funds_items(
    ctx: _Context,
    allocated: dict[tuple[int, int], Budgeted],
    charged: dict[ChargeKey, Decimal],
    net: dict[LineCostKey, Decimal],
) -> None:
    """What no grant budgets or pays: each line's budget less its allocations, its cost less its charges."""
    charged_by_line: dict[LineCostKey, Decimal] = defaultdict(lambda: ZERO)
    for (ln, p, c, _), t in charged.items():
        charged_by_line[(ln, p, c)] += t
    allocated_by_line: dict[int, Budgeted] = {}
    for (line_id, _), budget in allocated.items():
        allocated_by_line[line_id] = _add(allocated_by_line.get(line_id, {}), budget)
    own_by_line: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    for k, t in net.items():
        if k[0] is not None and k[0] in ctx.lines:
            own_by_line[k[0]] += t - charged_by_line[k]
    for line_id in ctx.lines:
        rest = _sub(ctx.months[line_id], allocated_by_line.get(line_id, {}))
        ctx.add(ctx.key_of[line_id], rest, own_by_line.get(line_id, ZERO), None)
    for k, t in net.items():
        if k[0] is None or k[0] not in ctx.lines:
            own = t - charged_by_line[k]
            if own:
                ctx.add(ctx.key(k[0], k[1], k[2]), {}, own, None)


def budget_actual_items(
    session: Session,
    scope: Scope,
    period: DateRange,
    project: str | None = None,
    lang: Lang | None = None,
) -> list[BudgetActual]:
    """The items :func:`budget_vs_actual` groups, at the finest grain: one per budget line
    and grant (its allocations as budget, its charges as actual), plus, for the
    organisation's scope, each line's part no grant budgets or pays (``grant`` None).

    Feed a selection of them to :func:`fundtrack.calc.variance.variance` to group them
    (one grant's lines, the other grants' lines...).
    """
    lang = lang or current_lang()
    versions = current_version_ids(session, scope.organisation_id)
    project_id = _project_id(session, scope, project)
    lines = line_budgets(session, versions, period, project_id)
    categories = _categories(session, scope.organisation_id, lang)
    spread = _Spread.of_period(period, period.end, totals=False)  # items with their months
    months: dict[int, Budgeted] = {ln.line_id: ln.months() for ln in lines}
    key_of = {ln.line_id: (ln.project_id, ln.category_id, ln.description.strip().casefold()) for ln in lines}
    label_of = {key_of[ln.line_id]: _line_label(ln.project, ln.description) for ln in lines}
    projects = _projects(session, scope.organisation_id)
    ctx = _context(session, scope, period, lines, months, key_of, label_of, categories, projects, project_id, spread)
    items = _grant_items(session, ctx)
    return [i for i in items if isinstance(i, BudgetActual)]  # all are: months, not totals
