"""Budgets and their versions: create a version with its lines, copy one, make one current, compare two.

The treasurer writes adopted and revised versions and chooses the current one; the
coordinator drafts scenario versions (never current). Making a version current is
refused when its allocations would then exceed a grant (domain.md 4.5).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.calc.budgets import LineAmounts, LineComparison, compare_versions, monthly_amounts, scale
from fundtrack.calc.package import check_allocations
from fundtrack.errors import InputError, NotFound
from fundtrack.i18n import msg
from fundtrack.models import (
    Budget,
    BudgetLine,
    BudgetLineAmount,
    BudgetVersion,
    Grant,
    Project,
    VersionKind,
)
from fundtrack.periods import FiscalYear
from fundtrack.queries.allocations import net_allocations
from fundtrack.queries.lookups import category_by_code, check_revision, lock_grants, project_by_name, version_of
from fundtrack.queries.scope import Scope
from fundtrack.queries.terms import allocation_terms
from fundtrack.roles import Action
from fundtrack.schemas.budgets import NewLine, NewVersion
from fundtrack.services.allocations import allocation_items, write_allocation
from fundtrack.services.context import Acting

M_NO_BUDGET = msg("budget.none")
M_DUPLICATE_VERSION = msg("budget.duplicate_version")
M_DUPLICATE_LINE = msg("budget.duplicate_line")
M_DUPLICATE_YEAR = msg("budget.duplicate_year")


def _budget_of(session: Session, acting: Acting, project: Project, create: bool = False) -> Budget:
    budget = session.scalar(select(Budget).where(Budget.project_id == project.id))
    if budget is None:
        if not create:
            raise NotFound(M_NO_BUDGET, field="project", project=project.name)
        budget = Budget(organisation_id=acting.organisation_id, project_id=project.id)
        session.add(budget)
        session.flush()
    return budget


def require_version_write(session: Session, acting: Acting, kind: VersionKind, current: bool) -> None:
    """A draft (a scenario version, not current) is the coordinator's too; the rest is money."""
    draft = kind is VersionKind.SCENARIO and not current
    acting.require(session, Action.DRAFT_BUDGET if draft else Action.MONEY)


def create_version(session: Session, acting: Acting, cmd: NewVersion) -> BudgetVersion:
    """Create a budget version with its lines (category, description, amount per fiscal year)."""
    kind = VersionKind(cmd.kind)
    require_version_write(session, acting, kind, cmd.current)
    project = project_by_name(session, acting.scope, cmd.project)
    budget = _budget_of(session, acting, project, create=True)
    if any(v.name == cmd.name for v in budget.versions):
        raise InputError(M_DUPLICATE_VERSION, field="name", name=cmd.name, project=project.name)
    parent = version_of(session, acting.scope, project.name, cmd.parent) if cmd.parent else None
    version = BudgetVersion(
        budget=budget, name=cmd.name, kind=kind, parent=parent, adopted_on=cmd.adopted_on, notes=cmd.notes
    )
    session.add(version)
    seen: set[tuple[str, str]] = set()
    for i, line_cmd in enumerate(cmd.lines):
        line = _line(session, acting, line_cmd, f"lines[{i}]")
        key = (line.category.code, line.description.casefold())
        if key in seen:
            raise InputError(
                M_DUPLICATE_LINE, field=f"lines[{i}]", description=line.description, category=line.category.code
            )
        seen.add(key)
        line.position = i
        version.lines.append(line)
    session.flush()
    if cmd.current:
        make_current(session, acting, project.name, version.name)
    return version


def _line(session: Session, acting: Acting, cmd: NewLine, field: str) -> BudgetLine:
    category = category_by_code(session, acting.scope, cmd.category, field=f"{field}.category")
    profile = cmd.monthly_profile
    line = BudgetLine(
        category=category,
        description=cmd.description,
        monthly_profile=[str(w) for w in profile] if profile else None,
    )
    years: set[FiscalYear] = set()
    for j, entry in enumerate(cmd.amounts):
        year = acting.calendar.parse(entry.fiscal_year, f"{field}.amounts[{j}].fiscal_year")
        if year in years:
            raise InputError(M_DUPLICATE_YEAR, field=f"{field}.amounts[{j}]", year=year.label)
        years.add(year)
        line.amounts.append(BudgetLineAmount(period_start=year.start, period_end=year.end, amount=entry.amount))
    if profile:
        monthly_amounts({y: Decimal(0) for y in years}, list(profile))  # checks the profile
    return line


def make_current(
    session: Session, acting: Acting, project: str, name: str, revision: int | None = None
) -> BudgetVersion:
    """Make version ``name`` of ``project``'s budget the current one.

    Refused with the allocation rule it would break when the version's allocations,
    counted instead of the current version's, would exceed one of its grants.
    """
    acting.require(session, Action.MONEY)
    chosen = version_of(session, acting.scope, project, name)
    check_revision(chosen, revision, chosen.name)
    grant_ids = sorted({a.grant_id for a in net_allocations(session, version_ids=[chosen.id])})
    for grant in lock_grants(session, grant_ids):
        check_allocations(
            allocation_terms(acting.calendar, grant), allocation_items(session, acting.scope, grant, chosen)
        )
    for v in chosen.budget.versions:
        v.current = v.id == chosen.id
    session.flush()
    return chosen


def copy_version(
    session: Session,
    acting: Acting,
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
    require_version_write(session, acting, kind, current)
    if with_allocations:  # allocations are money, whatever the version
        acting.require(session, Action.MONEY)
    origin = version_of(session, acting.scope, project_name, source)
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
    session.flush()
    if with_allocations:
        for a in net_allocations(session, version_ids=[origin.id]):
            grant = session.get_one(Grant, a.grant_id)
            write_allocation(session, acting, grant, line_map[a.line_id], a.period, a.amount)
    if current:
        make_current(session, acting, project_name, copy.name)
    return copy


def compare(session: Session, scope: Scope, project_name: str, first: str, second: str) -> list[LineComparison]:
    """Two versions of a project's budget side by side, line by line and year by year."""
    a = version_of(session, scope, project_name, first)
    b = version_of(session, scope, project_name, second)
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
