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

from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from threading import Lock
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import (
    BigInteger,
    Date,
    Engine,
    Integer,
    String,
    bindparam,
    case,
    cast,
    func,
    null,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from fundtrack.calc.budgets import (
    NO_BUDGET,
    BudgetAmounts,
    Budgeted,
    PeriodBudget,
    less,
    spread_cents,
    whole_month_bounds,
)
from fundtrack.calc.variance import OWN_FUNDS, Dimension, LineKey, VarianceItem, VarianceTable, variance
from fundtrack.i18n import Lang, current_lang, translate
from fundtrack.models import (
    Allocation,
    Budget,
    BudgetCategory,
    BudgetLine,
    BudgetVersion,
    Expense,
    ExpenseCharge,
    Funder,
    Grant,
    Project,
    budget_stamps,
)
from fundtrack.money import ZERO, from_cents
from fundtrack.periods import DateRange
from fundtrack.queries.allocations import net_allocations
from fundtrack.queries.budget_lines import LineBudget, line_budgets, span_reader
from fundtrack.queries.lookups import project_by_name
from fundtrack.queries.scope import Scope
from fundtrack.queries.versions import current_version_ids

_K = TypeVar("_K")
_V = TypeVar("_V")
Actuals = tuple[Decimal, Decimal]  # the period's, and the part dated up to the "as of" date
NOTHING: Actuals = (ZERO, ZERO)


def cents_sum(column: Any) -> Any:
    """``SUM(column)`` of a money column as whole cents, an integer on either database
    (PostgreSQL's SUM of a bigint is a numeric, which would come back as a Decimal)."""
    return cast(func.sum(column), BigInteger)


def _actuals(total: int | None, to_date: int | None) -> Actuals:
    """The period's and the dated-up-to part's sums, from their cents."""
    return from_cents(total or 0), from_cents(to_date or 0)


def _rows(session: Session, query: Any, params: dict[str, Any] | None = None) -> Any:
    """Run ``query`` on the session's connection: plain rows, without the ORM's result
    machinery (the session flushed first, as its own ``execute`` would)."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(query, params).all()


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
    stamp: int | None = None  # the budget stamp it was read under (None: not kept)
    kept: dict[Hashable, Any] = field(default_factory=dict)  # what else was read under that stamp

    def keep(self, session: Session, key: Hashable, read: Callable[[], _V]) -> _V:
        """What ``read()`` gives, read once under this structure's stamp: kept when the
        stamp is still the one the structure was read under once it is read."""
        if key in self.kept:
            return self.kept[key]  # type: ignore[no-any-return]
        value = read()
        if self.stamp is not None and _stamp(session, self.scope.organisation_id) == self.stamp:
            self.kept[key] = value
        return value

    def key(self, line_id: int | None, project_id: int, category_id: int) -> LineKey:
        current = self.aliases.get(line_id, line_id) if line_id is not None else None
        if current is not None and current in self.lines:
            ln = self.lines[current]
            return (ln.project_id, ln.category_id, ln.line_id)
        return (project_id, category_id, None)

    def item(
        self,
        key: LineKey,
        budget: Budgeted,
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

    def of_grants(self, session: Session, grants: Iterable[int]) -> Any:
        """On PostgreSQL, the WHERE clause of the charges to ``grants`` (the organisation's):
        read by its grants, the period's charges are this organisation's alone, however many
        organisations the server holds (probing the charges of each expense of the period
        reads a deeper index the more it holds). SQLite holds one organisation's books and
        would probe each expense's charges once per grant: it reads them by expense alone."""
        if session.get_bind().dialect.name != "postgresql":
            return true()
        return ExpenseCharge.grant_id.in_(sorted(grants))

    def to_date(self, column: Any) -> Any:
        """``SUM(column)`` of the rows dated up to and including the "as of" date, in cents."""
        return cents_sum(case((Expense.expense_date <= self.as_of, column), else_=0))


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
    return variance(items, dimension, ctx.period, ctx.as_of, translate(OWN_FUNDS, lang))


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


KEPT_PER_DATABASE = 64  # budget structures kept per database (organisation, period, date, project, language)
_KeptKey = tuple[int, int, DateRange, date, int | None, str]
_kept: WeakKeyDictionary[Engine, OrderedDict[_KeptKey, _Lines]] = WeakKeyDictionary()
_kept_lock = Lock()


def _lines(session: Session, scope: Scope, period: DateRange, as_of: date, project: str | None, lang: Lang) -> _Lines:
    """The period's budget structure: kept per database under the organisation's budget
    stamp (:mod:`fundtrack.models.stamps`), read again only when the stamp has changed."""
    project_id = project_by_name(session, scope, project).id if project is not None else None
    org = scope.organisation_id
    stamp = _stamp(session, org)
    if stamp is None:  # no stamp yet: nothing may be kept
        return _read_lines(session, scope, period, as_of, project_id, lang)
    key: _KeptKey = (org, stamp, period, as_of, project_id, lang)
    engine = session.get_bind().engine
    with _kept_lock:
        kept = _kept.setdefault(engine, OrderedDict())
        found = kept.get(key)
        if found is not None:
            kept.move_to_end(key)
    if found is not None:
        return found if found.scope == scope else replace(found, scope=scope)
    ctx = _read_lines(session, scope, period, as_of, project_id, lang)
    if _stamp(session, org) == stamp:  # kept only if nobody changed the structure while it was read
        ctx.stamp = stamp
        with _kept_lock:
            kept[key] = ctx
            while len(kept) > KEPT_PER_DATABASE:
                kept.popitem(last=False)
    return ctx


def _stamp(session: Session, organisation_id: int) -> int | None:
    query = select(budget_stamps.c.stamp).where(budget_stamps.c.organisation_id == organisation_id)
    rows = _rows(session, query)
    return rows[0][0] if rows else None


def _read_lines(
    session: Session, scope: Scope, period: DateRange, as_of: date, project_id: int | None, lang: Lang
) -> _Lines:
    lines = line_budgets(session, current_version_ids(session, scope.organisation_id), period, project_id, as_of=as_of)
    categories: dict[int, str] = {}
    codes: dict[int, str] = {}
    projects: dict[int, str] = {}
    labels: Any = union_all(
        select(BudgetCategory.id, BudgetCategory.code, BudgetCategory.label_fr, BudgetCategory.label_en).where(
            BudgetCategory.organisation_id == scope.organisation_id
        ),
        select(Project.id, null(), Project.name, null()).where(Project.organisation_id == scope.organisation_id),
    )
    for row_id, code, label_fr, label_en in _rows(session, labels):
        if code is None:  # a project
            projects[row_id] = label_fr
        else:
            categories[row_id] = label_en if lang == "en" else label_fr
            codes[row_id] = code
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


def _line_actuals_query(by_project: bool) -> Any:
    """The net cost of a period per (line, project, category), and its part dated up to the
    "as of" date: built once, its dates and organisation (and project) bound at each call."""
    day = Expense.expense_date
    query = (
        select(
            Expense.line_id,
            Expense.project_id,
            Expense.category_id,
            cents_sum(Expense.net_cost),
            cents_sum(case((day <= bindparam("as_of", type_=Date), Expense.net_cost), else_=0)),
        )
        .where(
            Expense.organisation_id == bindparam("org", type_=Integer),
            day >= bindparam("start", type_=Date),
            day <= bindparam("end", type_=Date),
        )
        .group_by(Expense.line_id, Expense.project_id, Expense.category_id)
    )
    return query.where(Expense.project_id == bindparam("project", type_=Integer)) if by_project else query


_LINE_ACTUALS = {by_project: _line_actuals_query(by_project) for by_project in (False, True)}


def _line_items(session: Session, ctx: _Lines) -> list[VarianceItem]:
    """One item per line: its budget, and the net cost per (line, project, category) in one GROUP BY."""
    params = {"org": ctx.scope.organisation_id, "start": ctx.period.start, "end": ctx.period.end, "as_of": ctx.as_of}
    if ctx.project_id is not None:
        params["project"] = ctx.project_id
    query = _LINE_ACTUALS[ctx.project_id is not None]
    rows = list(_rows(session, query, params))
    _alias(session, ctx, (r[0] for r in rows))
    actual: dict[LineKey, Actuals] = {}
    for line_id, proj, cat, total, to_date in rows:
        key = ctx.key(line_id, proj, cat)
        before = actual.get(key)
        sums = _actuals(total, to_date)
        actual[key] = sums if before is None else (before[0] + sums[0], before[1] + sums[1])
    budgeted = ctx.keep(
        session, "line items", lambda: [ctx.item(ctx.key(i, 0, 0), ln.budget, NOTHING) for i, ln in ctx.lines.items()]
    )
    items = [item.with_actuals(*actual.pop(item.key, NOTHING)) for item in budgeted]
    items += [ctx.item(key, NO_BUDGET, sums) for key, sums in actual.items()]
    return items


def _grants(session: Session, scope: Scope) -> dict[int, tuple[str, str]]:
    query = (
        select(Grant.id, Grant.reference, Funder.name)
        .join(Grant.funder)
        # the organisation on both sides of the join: its funders read, not every organisation's
        .where(Grant.organisation_id == scope.organisation_id, Funder.organisation_id == scope.organisation_id)
    )
    return {g_id: (ref, funder) for g_id, ref, funder in _rows(session, query)}


def _allocated(session: Session, ctx: _Lines) -> dict[tuple[int, int], Budgeted]:
    """Net allocations per (line, grant), as budgets: summed from their cents for the lines
    whose budget was (:func:`_summed_allocations`), with their line's monthly profile for
    the others."""
    out: dict[tuple[int, int], Budgeted] = {}
    summed = [ln.line_id for ln in ctx.lines.values() if ln.summed is not None]
    if summed:
        out.update(_summed_allocations(session, ctx, summed, lambda line_id, grant_id: (line_id, grant_id)))
    others = [ln.line_id for ln in ctx.lines.values() if ln.summed is None]
    if not others:
        return out
    pools: dict[tuple[int, int], dict[DateRange, Decimal]] = defaultdict(dict)
    for a in net_allocations(session, line_ids=others, period=ctx.period, grants_filter=ctx.scope.grants_filter()):
        pools[(a.line_id, a.grant_id)][a.period] = a.amount
    out.update({key: BudgetAmounts(yearly, ctx.lines[key[0]].profile) for key, yearly in pools.items()})
    return out


def _summed_allocations(
    session: Session, ctx: _Lines, line_ids: list[int], key: Callable[[int, int], _K]
) -> dict[_K, PeriodBudget]:
    """The net allocations to ``line_ids`` (lines without a monthly profile) for the
    period and the days to come, each spread evenly over its months, summed by ``key`` of
    line and grant. The rows of one line, grant and period are netted by the database
    first (a correction cancels the row it reverses): the split is of the net."""
    bounds = whole_month_bounds(ctx.period, ctx.as_of)
    assert bounds is not None, "only lines whose budget was summed are asked for"
    whole, coming = bounds
    amount = type_coerce(func.sum(Allocation.amount), BigInteger)
    start, end = type_coerce(Allocation.period_start, String), type_coerce(Allocation.period_end, String)
    query = (
        select(Allocation.line_id, Allocation.grant_id, start, end, amount)
        .where(
            Allocation.line_id.in_(bindparam("line_ids", line_ids, expanding=True)),
            Allocation.period_start <= ctx.period.end,
            Allocation.period_end >= ctx.period.start,
        )
        .group_by(Allocation.line_id, Allocation.grant_id, Allocation.period_start, Allocation.period_end)
    )
    if ctx.scope.funder_id is not None:
        query = query.join(Allocation.grant).where(ctx.scope.grants_filter())
    sums: dict[_K, list[int]] = {}
    span_of = span_reader()
    for line_id, grant_id, first, last, net in _rows(session, query):
        if not net:
            continue  # cancelled by its correction
        span = span_of(first, last)
        total = sums.setdefault(key(line_id, grant_id), [0, 0])
        total[0] += spread_cents(int(net), span.start, span.end, *whole)
        total[1] += spread_cents(int(net), span.start, span.end, *coming) if coming is not None else 0
    return {k: PeriodBudget(ctx.period, ctx.as_of, from_cents(o), from_cents(c)) for k, (o, c) in sums.items()}


def _grant_items(session: Session, ctx: _Lines) -> list[VarianceItem]:
    """Items per line and grant: allocations as budget, charges as actual; the rest is own funds.

    One statement sums the period's charges per line and grant and, beside them, the net
    cost per line (grant NULL): what a line's cost leaves after its charges is own funds.
    """
    grants = ctx.keep(session, "grants", lambda: _grants(session, ctx.scope))
    allocated = ctx.keep(session, ("allocated", ctx.scope.funder_id), lambda: _allocated(session, ctx))
    with_net = ctx.scope.funder_id is None
    charges = (
        select(
            Expense.line_id,
            Expense.project_id,
            Expense.category_id,
            ExpenseCharge.grant_id,
            cents_sum(ExpenseCharge.amount).label("total"),
            ctx.to_date(ExpenseCharge.amount).label("to_date"),
        )
        .join(ExpenseCharge.expense)
        .where(*ctx.in_period(), ctx.of_grants(session, grants))
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
                cents_sum(Expense.net_cost).label("total"),
                ctx.to_date(Expense.net_cost).label("to_date"),
            )
            .where(*ctx.in_period())
            .group_by(Expense.line_id, Expense.project_id, Expense.category_id)
        )
        query = union_all(charges, net)
    rows = [(ln, p, c, g, *_actuals(total, to_date)) for ln, p, c, g, total, to_date in _rows(session, query)]
    _alias(session, ctx, (r[0] for r in rows))
    charged: dict[tuple[LineKey, int], Actuals] = defaultdict(lambda: (ZERO, ZERO))
    cost: dict[LineKey, Actuals] = defaultdict(lambda: (ZERO, ZERO))
    for ln, p, c, g, total, to_date in rows:
        key = ctx.key(ln, p, c)
        target = cost if g is None else charged
        slot = key if g is None else (key, g)
        before = target[slot]  # type: ignore[index]
        target[slot] = (before[0] + total, before[1] + to_date)  # type: ignore[index]
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
    ctx: _Lines, allocated: dict[tuple[int, int], Budgeted], rows: list[Any], cost: dict[LineKey, Actuals]
) -> list[VarianceItem]:
    """What no grant budgets or pays: each line's budget less its allocations, its cost less its charges."""
    charged: dict[LineKey, Actuals] = defaultdict(lambda: (ZERO, ZERO))
    for ln, p, c, g, total, to_date in rows:
        if g is not None:
            key = ctx.key(ln, p, c)
            before = charged[key]
            charged[key] = (before[0] + total, before[1] + to_date)
    parts: dict[int, list[Budgeted]] = defaultdict(list)
    for (line_id, _), budget in allocated.items():
        parts[line_id].append(budget)
    items = []
    for ln in ctx.lines.values():
        key = ctx.key(ln.line_id, 0, 0)
        spent, paid = cost.pop(key, (ZERO, ZERO)), charged.get(key, (ZERO, ZERO))
        items.append(ctx.item(key, less(ln.budget, parts[ln.line_id]), (spent[0] - paid[0], spent[1] - paid[1])))
    for key, spent in cost.items():
        paid = charged.get(key, (ZERO, ZERO))
        if spent != paid:
            items.append(ctx.item(key, NO_BUDGET, (spent[0] - paid[0], spent[1] - paid[1])))
    return items


def _grant_totals(session: Session, ctx: _Lines) -> list[VarianceItem]:
    """Items for grouping by grant or funder: each grant's allocations as budget (summed
    per grant for the lines whose budget was summed, per line for the others, with their
    monthly profile) and its charges of the period; what the charges leave of the net
    cost is own funds, and what the allocations leave of the lines' budget."""
    grants = ctx.keep(session, "grants", lambda: _grants(session, ctx.scope))
    summed = [ln.line_id for ln in ctx.lines.values() if ln.summed is not None]
    allocated: dict[tuple[int, int], Budgeted] = {}
    if len(summed) < len(ctx.lines):
        profiled = replace(ctx, lines={i: ln for i, ln in ctx.lines.items() if ln.summed is None}, kept={})
        allocated = ctx.keep(session, ("profiled", ctx.scope.funder_id), lambda: _allocated(session, profiled))
    items = [
        VarianceItem(ctx.key(line_id, 0, 0), "", "", "", budget, ZERO, ZERO, *grants[grant_id])
        for (line_id, grant_id), budget in allocated.items()
    ]
    per_grant: dict[int, PeriodBudget] = (
        ctx.keep(
            session,
            ("per grant", ctx.scope.funder_id),
            lambda: _summed_allocations(session, ctx, summed, lambda _, grant_id: grant_id),
        )
        if summed
        else {}
    )
    items += [VarianceItem((0, 0, None), "", "", "", b, ZERO, ZERO, *grants[g]) for g, b in per_grant.items()]
    charged, net = _charge_totals(session, ctx, grants)
    items += [VarianceItem((0, 0, None), "", "", "", NO_BUDGET, *sums, *grants[g]) for g, sums in charged.items()]
    if ctx.scope.funder_id is None:
        items += _own_fund_totals(ctx, allocated, list(per_grant.values()), charged, net)
    return items


def _charge_totals(session: Session, ctx: _Lines, grants: Iterable[int]) -> tuple[dict[int, Actuals], Actuals]:
    """The period's charges per grant of ``grants`` (the organisation's) the scope sees and,
    for the organisation's scope, the net cost of the period, summed by the database in one
    statement."""
    charges = (
        select(
            ExpenseCharge.grant_id, cents_sum(ExpenseCharge.amount).label("total"), ctx.to_date(ExpenseCharge.amount)
        )
        .join(ExpenseCharge.expense)
        .where(*ctx.in_period(), ctx.of_grants(session, grants))
        .group_by(ExpenseCharge.grant_id)
    )
    query: Any = charges
    if ctx.scope.funder_id is not None:
        query = charges.join(ExpenseCharge.grant).where(ctx.scope.grants_filter())
    else:
        cost = select(null().label("grant_id"), cents_sum(Expense.net_cost), ctx.to_date(Expense.net_cost))
        query = union_all(charges, cost.where(*ctx.in_period()))
    charged: dict[int, Actuals] = {}
    net = (ZERO, ZERO)
    for grant_id, total, to_date in _rows(session, query):
        if grant_id is None:
            net = _actuals(total, to_date)
        elif total:
            charged[grant_id] = _actuals(total, to_date)
    return charged, net


def _own_fund_totals(
    ctx: _Lines,
    allocated: dict[tuple[int, int], Budgeted],
    granted: list[PeriodBudget],
    charged: dict[int, Actuals],
    net: Actuals,
) -> list[VarianceItem]:
    """Own funds, for grouping by grant or funder: the lines' budget less the allocations
    (the summed lines in one sum, the others line by line), the net cost less the charges."""
    parts: dict[int, list[Budgeted]] = defaultdict(list)
    for (line_id, _), budget in allocated.items():
        parts[line_id].append(budget)
    items: list[VarianceItem] = []
    summed = [ln.summed for ln in ctx.lines.values() if ln.summed is not None]
    for ln in ctx.lines.values():
        if ln.summed is None:
            items.append(VarianceItem(ctx.key(ln.line_id, 0, 0), "", "", "", less(ln.budget, parts[ln.line_id]), ZERO))
    if summed:
        lines = PeriodBudget(
            ctx.period, ctx.as_of, sum((b.amount for b in summed), ZERO), sum((b.coming for b in summed), ZERO)
        )
        items.append(VarianceItem((0, 0, None), "", "", "", lines.minus(granted), ZERO))
    paid = (sum((c[0] for c in charged.values()), ZERO), sum((c[1] for c in charged.values()), ZERO))
    own = (net[0] - paid[0], net[1] - paid[1])
    if own != (ZERO, ZERO):
        items.append(VarianceItem((0, 0, None), "", "", "", NO_BUDGET, *own))
    return items
