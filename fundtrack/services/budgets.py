"""Budgets: versions and their lines, copies and comparisons, grant allocations, in-kind, own funds.

Each function takes the caller's session (one transaction per user action or file),
checks the rules, writes and flushes; it never commits. Allocations follow the rules
of :func:`fundtrack.calc.package.check_allocations`; a refused allocation writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session, selectinload

from fundtrack.calc.budgets import LineAmounts, LineComparison, compare_versions, monthly_amounts, scale
from fundtrack.calc.package import (
    AllocationItem,
    Condition,
    GrantTerms,
    allocation_conditions,
    check_allocations,
)
from fundtrack.calc.schedule import amounts_by_year
from fundtrack.errors import InputError, NotFound, RuleViolation
from fundtrack.i18n import msg
from fundtrack.models import (
    Allocation,
    Budget,
    BudgetCategory,
    BudgetLine,
    BudgetLineAmount,
    BudgetVersion,
    Grant,
    InKindContribution,
    Organisation,
    OwnFunds,
    Project,
    VersionKind,
)
from fundtrack.periods import DateRange, FiscalYear, Month
from fundtrack.services.audit import record_change
from fundtrack.services.grants import grant_by_reference, grant_terms, project_by_name
from fundtrack.services.organisation import category_by_code
from fundtrack.services.scope import Scope

M_NO_BUDGET = msg("budget.none")
M_UNKNOWN_VERSION = msg("budget.unknown_version")
M_NO_CURRENT = msg("budget.no_current")
M_DUPLICATE_VERSION = msg("budget.duplicate_version")
M_DUPLICATE_LINE = msg("budget.duplicate_line")
M_DUPLICATE_YEAR = msg("budget.duplicate_year")
M_UNKNOWN_LINE = msg("budget.unknown_line")
M_AMBIGUOUS_LINE = msg("budget.ambiguous_line")
M_UNKNOWN_ALLOCATION = msg("allocation.unknown")
M_ALREADY_REVERSED = msg("allocation.already_reversed")
M_REVERSAL_OF_REVERSAL = msg("allocation.reversal_of_reversal")
M_GRANT_DECLINED = msg("allocation.grant_declined")
M_NOT_POSITIVE = msg("budget.not_positive")

# --- budgets and versions ------------------------------------------------------------


def budget_of(session: Session, org_id: int, project: Project, create: bool = False) -> Budget:
    budget = session.scalar(select(Budget).where(Budget.project_id == project.id))
    if budget is None:
        if not create:
            raise NotFound(M_NO_BUDGET, field="project", project=project.name)
        budget = Budget(organisation_id=org_id, project_id=project.id)
        session.add(budget)
        session.flush()
    return budget


def version_of(session: Session, org_id: int, project_name: str, name: str | None = None) -> BudgetVersion:
    """The version ``name`` of a project's budget, or its current version."""
    project = project_by_name(session, org_id, project_name)
    budget = budget_of(session, org_id, project)
    if name is not None:
        for v in budget.versions:
            if v.name == name:
                return v
        raise NotFound(M_UNKNOWN_VERSION, field="version", name=name, project=project.name)
    current = current_version(budget)
    if current is None:
        raise NotFound(M_NO_CURRENT, field="version", project=project.name)
    return current


def current_version(budget: Budget) -> BudgetVersion | None:
    """The version marked current, else the latest adopted or revised one."""
    for v in budget.versions:
        if v.current:
            return v
    kept = [v for v in budget.versions if v.kind is not VersionKind.SCENARIO]
    return kept[-1] if kept else None


def create_version(session: Session, org: Organisation, data: dict[str, Any]) -> BudgetVersion:
    """Create a budget version from :class:`~fundtrack.schemas.budgets.VersionSchema` data.

    ``data``: project, name, kind, parent (a version name), current, adopted_on, notes,
    lines (category, description, amounts [{fiscal_year, amount}], monthly_profile).
    """
    project = project_by_name(session, org.id, data["project"])
    budget = budget_of(session, org.id, project, create=True)
    if any(v.name == data["name"] for v in budget.versions):
        raise InputError(M_DUPLICATE_VERSION, field="name", name=data["name"], project=project.name)
    parent = version_of(session, org.id, project.name, data["parent"]) if data.get("parent") else None
    version = BudgetVersion(
        budget=budget,
        name=data["name"],
        kind=VersionKind(data.get("kind", "adopted")),
        parent=parent,
        adopted_on=data.get("adopted_on"),
        notes=data.get("notes"),
    )
    session.add(version)
    seen: set[tuple[str, str]] = set()
    for i, line_data in enumerate(data.get("lines", [])):
        line = _line(session, org, line_data, f"lines[{i}]")
        key = (line.category.code, line.description.casefold())
        if key in seen:
            raise InputError(
                M_DUPLICATE_LINE, field=f"lines[{i}]", description=line.description, category=line.category.code
            )
        seen.add(key)
        line.position = i
        version.lines.append(line)
    session.add(version)
    session.flush()
    if data.get("current"):
        make_current(session, version)
    return version


def _line(session: Session, org: Organisation, data: dict[str, Any], field: str) -> BudgetLine:
    category = category_by_code(session, org.id, data["category"], field=f"{field}.category")
    profile = data.get("monthly_profile")
    line = BudgetLine(
        category=category,
        description=data["description"],
        monthly_profile=[str(w) for w in profile] if profile else None,
    )
    years: set[FiscalYear] = set()
    for j, entry in enumerate(data.get("amounts", [])):
        year = org.calendar.parse(entry["fiscal_year"], f"{field}.amounts[{j}].fiscal_year")
        if year in years:
            raise InputError(M_DUPLICATE_YEAR, field=f"{field}.amounts[{j}]", year=year.label)
        years.add(year)
        line.amounts.append(BudgetLineAmount(period_start=year.start, period_end=year.end, amount=entry["amount"]))
    if profile:
        monthly_amounts({y: Decimal(0) for y in years}, [Decimal(w) for w in profile])  # checks the profile
    return line


def make_current(session: Session, version: BudgetVersion) -> None:
    for v in version.budget.versions:
        v.current = v.id == version.id
    session.flush()


def copy_version(
    session: Session,
    org: Organisation,
    project_name: str,
    source: str | None,
    name: str,
    kind: VersionKind = VersionKind.REVISED,
    factor: Decimal = Decimal(1),
    with_allocations: bool = False,
    current: bool = False,
) -> BudgetVersion:
    """A new version copied from ``source`` (default: the current one), its amounts scaled by ``factor``.

    With ``with_allocations`` the source's net allocations are copied unscaled (the
    funding does not grow with the budget); they are checked like new ones.
    """
    origin = version_of(session, org.id, project_name, source)
    budget = origin.budget
    if any(v.name == name for v in budget.versions):
        raise InputError(M_DUPLICATE_VERSION, field="name", name=name, project=project_name)
    copy = BudgetVersion(budget=budget, name=name, kind=kind, parent=origin)
    session.add(copy)
    line_map: dict[int, BudgetLine] = {}
    for line in origin.lines:
        new = BudgetLine(
            category_id=line.category_id,
            description=line.description,
            position=line.position,
            monthly_profile=list(line.monthly_profile) if line.monthly_profile else None,
            amounts=[
                BudgetLineAmount(period_start=a.period_start, period_end=a.period_end, amount=scale(a.amount, factor))
                for a in line.amounts
            ],
        )
        copy.lines.append(new)
        line_map[line.id] = new
    session.add(copy)
    session.flush()
    if current:
        make_current(session, copy)
    if with_allocations:
        for line_id, grant_id, start, end, amount in _net_allocations(session, [origin.id]):
            _allocate(session, org, session.get_one(Grant, grant_id), line_map[line_id], DateRange(start, end), amount)
    return copy


def compare(session: Session, org: Organisation, project_name: str, first: str, second: str) -> list[LineComparison]:
    """Two versions of a project's budget side by side, line by line and year by year."""
    a = version_of(session, org.id, project_name, first)
    b = version_of(session, org.id, project_name, second)
    return compare_versions(_line_amounts(a), _line_amounts(b))


def _line_amounts(version: BudgetVersion) -> list[LineAmounts]:
    return [
        LineAmounts(
            line.category.code,
            line.description,
            {FiscalYear(a.period_start, a.period_end): a.amount for a in line.amounts},
        )
        for line in version.lines
    ]


def line_months(line: BudgetLine, period: DateRange | None = None) -> dict[Month, Decimal]:
    """The line's amount per month (even, or by its profile), for the years ``period`` touches."""
    amounts = {a.period: a.amount for a in line.amounts if period is None or a.period.overlap_days(period)}
    profile = [Decimal(w) for w in line.monthly_profile] if line.monthly_profile else None
    return monthly_amounts(amounts, profile)


def find_line(
    session: Session, version: BudgetVersion, category: str, description: str | None, field: str = "line"
) -> BudgetLine:
    """The line of ``version`` with that category code and (if given) description."""
    project = version.budget.project.name
    matches = [ln for ln in version.lines if ln.category.code == category]
    if description:
        wanted = description.strip().casefold()
        matches = [ln for ln in matches if ln.description.strip().casefold() == wanted]
    if not matches:
        raise NotFound(
            M_UNKNOWN_LINE,
            field=field,
            category=category,
            description=f"« {description} »" if description else "",
            version=version.name,
            project=project,
        )
    if len(matches) > 1:
        raise InputError(M_AMBIGUOUS_LINE, field=field, category=category, project=project)
    return matches[0]


def current_version_ids(session: Session, org_id: int) -> list[int]:
    """The current version of every budget of the organisation (as :func:`current_version`
    chooses it), from one plain query."""
    query = (
        select(BudgetVersion.budget_id, BudgetVersion.id, BudgetVersion.current, BudgetVersion.kind)
        .join(BudgetVersion.budget)
        .where(Budget.organisation_id == org_id)
        .order_by(BudgetVersion.budget_id, BudgetVersion.id)
    )
    marked: dict[int, int] = {}
    kept: dict[int, int] = {}
    for budget_id, version_id, current, kind in session.execute(query):
        if current and budget_id not in marked:
            marked[budget_id] = version_id
        if kind is not VersionKind.SCENARIO:
            kept[budget_id] = version_id
    return [marked[b] if b in marked else kept[b] for b in sorted(marked.keys() | kept.keys())]


# --- allocations ---------------------------------------------------------------------


@dataclass(frozen=True)
class AllocationRow:
    grant: str
    project: str
    version: str
    category: str
    line: str
    period: DateRange
    amount: Decimal


def allocate(session: Session, org: Organisation, data: dict[str, Any]) -> Allocation:
    """Allocate part of a grant to a budget line for one fiscal year.

    ``data``: grant (reference), project, version (default: current), category,
    line (description, optional if the category has one line), fiscal_year, amount.
    Refused with a :class:`RuleViolation` naming the rule: more than the grant in total
    or in that year, a category a restricted grant does not fund, administrative
    fees over the cap, a declined grant.
    """
    grant = grant_by_reference(session, Scope(org.id), data["grant"])
    version = version_of(session, org.id, data["project"], data.get("version"))
    line = find_line(session, version, data["category"], data.get("line"))
    year = org.calendar.parse(data["fiscal_year"], "fiscal_year")
    return _allocate(session, org, grant, line, year, data["amount"], data.get("note"))


def _allocate(
    session: Session,
    org: Organisation,
    grant: Grant,
    line: BudgetLine,
    period: DateRange,
    amount: Decimal,
    note: str | None = None,
) -> Allocation:
    if grant.status.value == "declined":
        raise RuleViolation(M_GRANT_DECLINED, field="grant", grant=grant.reference)
    if amount <= 0:
        raise RuleViolation(M_NOT_POSITIVE, field="amount", value=amount)
    existing = _grant_allocations(session, org, grant, line.version)
    new = AllocationItem(line.id, line.category.code, line.category.administrative, _as_year(period), amount)
    check_allocations(allocation_terms(org, grant), [*existing, new])
    row = Allocation(
        organisation_id=org.id,
        grant_id=grant.id,
        line_id=line.id,
        period_start=period.start,
        period_end=period.end,
        amount=amount,
        note=note,
    )
    session.add(row)
    session.flush()
    record_change(session, org.id, "create", "allocation", row.id, grant.reference, None, _allocation_data(row))
    return row


def _as_year(period: DateRange) -> DateRange:
    return FiscalYear(period.start, period.end)


def allocation_terms(org: Organisation, grant: Grant) -> GrantTerms:
    """The grant as the allocation rules see it: its amount in each of the organisation's years."""
    return GrantTerms(
        grant_id=grant.id,
        label=grant.reference,
        amount=grant.amount,
        period=grant.period,
        by_period={y: a for y, a in amounts_by_year(grant_terms(grant), org.calendar).items()},
        restricted=grant.restricted,
        eligible_categories=frozenset(c.code for c in grant.eligible_categories),
        fee_cap=grant.effective_fee_cap,
    )


def _grant_allocations(
    session: Session, org: Organisation, grant: Grant, version: BudgetVersion | None = None
) -> list[AllocationItem]:
    """The grant's net allocations on the current versions (and on ``version``, which
    replaces the current version of its own budget)."""
    versions = current_version_ids(session, org.id)
    if version is not None:
        others = {v.id for v in version.budget.versions}
        versions = [v for v in versions if v not in others] + [version.id]
    query = (
        select(
            BudgetLine.id,
            BudgetCategory.code,
            BudgetCategory.administrative,
            Allocation.period_start,
            Allocation.period_end,
            func.sum(Allocation.amount),
        )
        .join(Allocation.line)
        .join(BudgetLine.category)
        .where(Allocation.grant_id == grant.id, BudgetLine.version_id.in_(versions))
        .group_by(
            BudgetLine.id,
            BudgetCategory.code,
            BudgetCategory.administrative,
            Allocation.period_start,
            Allocation.period_end,
        )
    )
    return [
        AllocationItem(line_id, code, admin, FiscalYear(start, end), total)
        for line_id, code, admin, start, end, total in session.execute(query)
        if total
    ]


def _net_allocations(session: Session, version_ids: Sequence[int]) -> list[tuple[int, int, date, date, Decimal]]:
    """(line, grant, start, end, net amount) of the versions' allocations, summed by the database."""
    query = (
        select(
            Allocation.line_id,
            Allocation.grant_id,
            Allocation.period_start,
            Allocation.period_end,
            func.sum(Allocation.amount),
        )
        .join(Allocation.line)
        .where(BudgetLine.version_id.in_(version_ids))
        .group_by(Allocation.line_id, Allocation.grant_id, Allocation.period_start, Allocation.period_end)
        .order_by(Allocation.line_id, Allocation.grant_id, Allocation.period_start)
    )
    return [(ln, g, s, e, t) for ln, g, s, e, t in session.execute(query) if t]


def net_allocations(session: Session, version_ids: Sequence[int]) -> list[tuple[int, int, date, date, Decimal]]:
    return _net_allocations(session, version_ids)


def reverse_allocation(session: Session, org: Organisation, allocation_id: int, note: str | None = None) -> Allocation:
    """Cancel an allocation with a reversing entry linked to it; the original stays."""
    original = session.get(Allocation, allocation_id)
    if original is None or original.organisation_id != org.id:
        raise NotFound(M_UNKNOWN_ALLOCATION, field="allocation", id=allocation_id)
    if original.reverses_id is not None:
        raise RuleViolation(M_REVERSAL_OF_REVERSAL, field="allocation", id=allocation_id)
    if session.scalar(select(Allocation.id).where(Allocation.reverses_id == original.id)) is not None:
        raise RuleViolation(M_ALREADY_REVERSED, field="allocation", id=allocation_id)
    row = Allocation(
        organisation_id=org.id,
        grant_id=original.grant_id,
        line_id=original.line_id,
        period_start=original.period_start,
        period_end=original.period_end,
        amount=-original.amount,
        reverses_id=original.id,
        note=note,
    )
    session.add(row)
    session.flush()
    record_change(
        session,
        org.id,
        "reverse",
        "allocation",
        row.id,
        original.grant.reference,
        _allocation_data(original),
        _allocation_data(row),
    )
    return row


def correct_allocation(session: Session, org: Organisation, allocation_id: int, amount: Decimal) -> Allocation:
    """Replace an allocation's amount: a reversing entry, then a new allocation, checked."""
    original = session.get(Allocation, allocation_id)
    if original is None or original.organisation_id != org.id:
        raise NotFound(M_UNKNOWN_ALLOCATION, field="allocation", id=allocation_id)
    reverse_allocation(session, org, allocation_id)
    return _allocate(session, org, original.grant, original.line, original.period, amount, original.note)


def _allocation_data(row: Allocation) -> dict[str, Any]:
    return {
        "grant_id": row.grant_id,
        "line_id": row.line_id,
        "period_start": row.period_start,
        "period_end": row.period_end,
        "amount": row.amount,
        "reverses_id": row.reverses_id,
    }


def list_allocations(session: Session, scope: Scope, project: str | None = None) -> list[AllocationRow]:
    """Net allocations on the current versions, that the scope may see."""
    versions = current_version_ids(session, scope.organisation_id)
    query = (
        select(
            Grant.reference,
            Project.name,
            BudgetVersion.name,
            BudgetLine.category_id,
            BudgetLine.description,
            Allocation.period_start,
            Allocation.period_end,
            func.sum(Allocation.amount),
        )
        .join(Allocation.grant)
        .join(Allocation.line)
        .join(BudgetLine.version)
        .join(BudgetVersion.budget)
        .join(Budget.project)
        .where(scope.grants_filter(), BudgetLine.version_id.in_(versions))
        .group_by(
            Grant.reference,
            Project.name,
            BudgetVersion.name,
            BudgetLine.category_id,
            BudgetLine.description,
            Allocation.period_start,
            Allocation.period_end,
        )
        .order_by(Project.name, Grant.reference, Allocation.period_start)
    )
    if project is not None:
        query = query.where(Project.name == project)
    codes = {cid: code for cid, code in session.execute(select(BudgetCategory.id, BudgetCategory.code))}
    return [
        AllocationRow(ref, proj, ver, codes[cat], desc, FiscalYear(start, end), total)
        for ref, proj, ver, cat, desc, start, end, total in session.execute(query)
        if total
    ]


# --- in-kind and own funds -----------------------------------------------------------


def add_in_kind(session: Session, org: Organisation, data: dict[str, Any]) -> InKindContribution:
    """Record an in-kind contribution to a project at fair value, over a period."""
    project = project_by_name(session, org.id, data["project"])
    period = DateRange.checked(data["start_date"], data["end_date"], "end_date")
    category = category_by_code(session, org.id, data["category"], "category") if data.get("category") else None
    row = InKindContribution(
        organisation_id=org.id,
        project=project,
        category=category,
        contributor=data["contributor"],
        description=data["description"],
        fair_value=data["fair_value"],
        start_date=period.start,
        end_date=period.end,
    )
    session.add(row)
    session.flush()
    return row


def add_own_funds(session: Session, org: Organisation, data: dict[str, Any]) -> OwnFunds:
    """Commit some of the organisation's own money to a project over a period."""
    project = project_by_name(session, org.id, data["project"])
    period = DateRange.checked(data["start_date"], data["end_date"], "end_date")
    row = OwnFunds(
        organisation_id=org.id,
        project=project,
        description=data["description"],
        amount=data["amount"],
        start_date=period.start,
        end_date=period.end,
    )
    session.add(row)
    session.flush()
    return row


def lines_of_versions(
    session: Session, version_ids: Sequence[int], period: DateRange | None = None
) -> list[BudgetLine]:
    """The lines of the versions (with category, amounts, version and project loaded)."""
    query = (
        select(BudgetLine)
        .where(BudgetLine.version_id.in_(version_ids))
        .options(
            selectinload(BudgetLine.amounts),
            selectinload(BudgetLine.category),
            selectinload(BudgetLine.version).selectinload(BudgetVersion.budget).selectinload(Budget.project),
        )
        .order_by(BudgetLine.version_id, BudgetLine.position)
    )
    if period is not None:
        has_amount = (
            select(BudgetLineAmount.id)
            .where(
                BudgetLineAmount.line_id == BudgetLine.id,
                BudgetLineAmount.period_start <= period.end,
                BudgetLineAmount.period_end >= period.start,
            )
            .exists()
        )
        query = query.where(has_amount)
    return list(session.scalars(query))


@dataclass(frozen=True)
class LineBudget:
    """A budget line as the reports read it: plain values, its amounts per year in a period."""

    line_id: int
    project_id: int
    project: str
    category_id: int
    description: str
    profile: tuple[Decimal, ...] | None
    amounts: dict[DateRange, Decimal]

    def months(self) -> dict[Month, Decimal]:
        return monthly_amounts(self.amounts, list(self.profile) if self.profile else None)


def line_budgets(
    session: Session, version_ids: Sequence[int], period: DateRange | None = None, project_id: int | None = None
) -> list[LineBudget]:
    """The lines of the versions with their amounts for the years ``period`` touches.

    One plain query (each line beside its amounts), no ORM objects: fast on large budgets.
    """
    if not version_ids:
        return []
    in_period = (
        (BudgetLineAmount.period_start <= period.end) & (BudgetLineAmount.period_end >= period.start)
        if period is not None
        else true()
    )
    query = (
        select(
            BudgetLine.id,
            Budget.project_id,
            Project.name,
            BudgetLine.category_id,
            BudgetLine.description,
            BudgetLine.monthly_profile,
            BudgetLineAmount.period_start,
            BudgetLineAmount.period_end,
            BudgetLineAmount.amount,
        )
        .join(BudgetLine.version)
        .join(BudgetVersion.budget)
        .join(Budget.project)
        .outerjoin(BudgetLineAmount, (BudgetLineAmount.line_id == BudgetLine.id) & in_period)
        .where(BudgetLine.version_id.in_(version_ids))
        .order_by(BudgetLine.version_id, BudgetLine.position, BudgetLine.id)
    )
    if project_id is not None:
        query = query.where(Budget.project_id == project_id)
    out: list[LineBudget] = []
    last: LineBudget | None = None
    if session.autoflush:
        session.flush()  # as the session's own execute would, before plain rows from its connection
    for line_id, proj_id, proj, cat_id, desc, profile, start, end, amount in session.connection().execute(query):
        if last is None or last.line_id != line_id:
            if period is not None and start is None:
                continue  # no amount in the years the period touches
            weights = tuple(Decimal(w) for w in profile) if profile else None
            last = LineBudget(line_id, proj_id, proj, cat_id, desc, weights, {})
            out.append(last)
        if start is not None:
            last.amounts[FiscalYear(start, end)] = amount
    return out


def grant_allocation_conditions(session: Session, scope: Scope, reference: str) -> list[Condition]:
    """Every allocation rule of grant ``reference`` over its allocations on the current
    versions (total, periods, eligible categories, administrative fees under the cap),
    held or not. Raises :class:`NotFound` for a grant outside ``scope``.
    """
    grant = grant_by_reference(session, scope, reference)
    org = session.get_one(Organisation, scope.organisation_id)
    return allocation_conditions(allocation_terms(org, grant), _grant_allocations(session, org, grant))
