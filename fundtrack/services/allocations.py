"""Allocations: a grant's part of a budget line for one fiscal year (its part of the package).

An allocation respects the agreement (:func:`fundtrack.calc.package.check_allocations`):
never more than the grant in total or in a year, only to eligible categories of a
restricted grant, never more administrative fees than the cap, only to a project the
grant funds. The grant's row is locked while its allocations are checked and written.
A correction is a reversing entry (:mod:`fundtrack.services.reversal`), then a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.calc.package import AllocationItem, Condition, allocation_conditions, check_allocations
from fundtrack.errors import RuleViolation
from fundtrack.i18n import msg
from fundtrack.models import Allocation, Budget, BudgetLine, BudgetVersion, Grant, GrantStatus, Organisation, Project
from fundtrack.money import shown
from fundtrack.periods import DateRange, FiscalYear
from fundtrack.queries.allocations import net_allocations
from fundtrack.queries.lookups import find_line, grant_by_reference, lock_grants, version_of
from fundtrack.queries.scope import Scope
from fundtrack.queries.terms import allocation_terms
from fundtrack.queries.versions import current_version_ids
from fundtrack.roles import Action
from fundtrack.schemas.budgets import NewAllocation
from fundtrack.services.context import Acting
from fundtrack.services.reversal import ReversalTexts, entry_by_id, reverse

M_GRANT_DECLINED = msg("allocation.grant_declined")
M_NOT_POSITIVE = msg("budget.not_positive")
M_NOT_FUNDED_PROJECT = msg("grant.project_not_funded")
TEXTS = ReversalTexts(
    field="allocation",
    unknown=msg("allocation.unknown"),
    reversal_of_reversal=msg("allocation.reversal_of_reversal"),
    already_reversed=msg("allocation.already_reversed"),
)


def allocation_items(
    session: Session, scope: Scope, grant: Grant, version: BudgetVersion | None = None
) -> list[AllocationItem]:
    """The grant's net allocations on the current versions (``version`` counting instead of
    the current version of its own budget), as the allocation rules take them."""
    versions = current_version_ids(session, scope.organisation_id)
    if version is not None:
        others = {v.id for v in version.budget.versions}
        versions = [v for v in versions if v not in others] + [version.id]
    return [
        AllocationItem(a.line_id, a.category, a.administrative, a.period, a.amount)
        for a in net_allocations(session, version_ids=versions, grant_ids=[grant.id])
    ]


def allocation_items_of(session: Session, scope: Scope, grant_ids: Sequence[int]) -> dict[int, list[AllocationItem]]:
    """:func:`allocation_items` of several grants at once (two statements in all): each
    grant's net allocations on the current versions, in the same order."""
    out: dict[int, list[AllocationItem]] = {g: [] for g in grant_ids}
    if not grant_ids:
        return out
    versions = current_version_ids(session, scope.organisation_id)
    for a in net_allocations(session, version_ids=versions, grant_ids=list(grant_ids)):
        out[a.grant_id].append(AllocationItem(a.line_id, a.category, a.administrative, a.period, a.amount))
    return out


def allocate(session: Session, acting: Acting, cmd: NewAllocation) -> list[Allocation]:
    """Allocate part of grant ``cmd.grant`` to a budget line, for each fiscal year given.

    The line is the project's version's (default: the current one) line of that
    category (and description, when the category has several lines).
    """
    acting.require(session, Action.MONEY)
    grant = grant_by_reference(session, acting.scope, cmd.grant)
    version = version_of(session, acting.scope, cmd.project, cmd.version)
    line = find_line(version, cmd.category, cmd.line)
    rows = []
    for i, entry in enumerate(cmd.amounts):
        year = acting.calendar.parse(entry.fiscal_year, f"amounts[{i}].fiscal_year")
        rows.append(write_allocation(session, acting, grant, line, year, entry.amount, cmd.note))
    return rows


def write_allocation(
    session: Session,
    acting: Acting,
    grant: Grant,
    line: BudgetLine,
    period: DateRange,
    amount: Decimal,
    note: str | None = None,
) -> Allocation:
    """Check one allocation against the agreement (the grant's row locked) and write it."""
    acting.require(session, Action.MONEY)
    (grant,) = lock_grants(session, [grant.id])
    if grant.status is GrantStatus.DECLINED:
        raise RuleViolation(M_GRANT_DECLINED, field="grant", grant=grant.reference)
    if amount <= 0:
        raise RuleViolation(M_NOT_POSITIVE, field="amount", value=shown(amount))
    project = line.version.budget.project
    if grant.projects and project.id not in {p.id for p in grant.projects}:
        raise RuleViolation(M_NOT_FUNDED_PROJECT, field="project", grant=grant.reference, project=project.name)
    existing = allocation_items(session, acting.scope, grant, line.version)
    new = AllocationItem(
        line.id, line.category.code, line.category.administrative, FiscalYear(period.start, period.end), amount
    )
    check_allocations(allocation_terms(acting.calendar, grant), [*existing, new])
    row = Allocation(
        organisation_id=acting.organisation_id,
        grant_id=grant.id,
        line_id=line.id,
        period_start=period.start,
        period_end=period.end,
        amount=amount,
        note=note,
    )
    session.add(row)
    session.flush()
    return row


def _negated(original: Allocation) -> Allocation:
    return Allocation(
        organisation_id=original.organisation_id,
        grant_id=original.grant_id,
        line_id=original.line_id,
        period_start=original.period_start,
        period_end=original.period_end,
        amount=-original.amount,
        note=original.note,
    )


def _allocated_grant(allocation: Allocation) -> list[int]:
    return [allocation.grant_id]


def reverse_allocation(session: Session, acting: Acting, allocation_id: int, note: str | None = None) -> Allocation:
    """Cancel an allocation with a reversing entry linked to it; the original stays."""
    acting.require(session, Action.MONEY)
    row = reverse(session, acting, Allocation, allocation_id, TEXTS, _negated, _allocated_grant)
    if note is not None:
        row.note = note
    return row


def correct_allocation(session: Session, acting: Acting, allocation_id: int, amount: Decimal) -> Allocation:
    """Replace an allocation's amount: a reversing entry, then a new allocation, checked.

    If the new amount is refused, nothing is left behind, the reversal included.
    """
    acting.require(session, Action.MONEY)
    original = entry_by_id(session, acting, Allocation, allocation_id, TEXTS)
    with session.begin_nested():
        reverse(session, acting, Allocation, allocation_id, TEXTS, _negated, _allocated_grant)
        return write_allocation(session, acting, original.grant, original.line, original.period, amount, original.note)


@dataclass(frozen=True)
class AllocationRow:
    grant: str
    project: str
    version: str
    category: str
    line: str
    period: DateRange
    amount: Decimal


def list_allocations(session: Session, scope: Scope, project: str | None = None) -> list[AllocationRow]:
    """Net allocations on the current versions, that the scope may see."""
    allocations = net_allocations(
        session, version_ids=current_version_ids(session, scope.organisation_id), grants_filter=scope.grants_filter()
    )
    if not allocations:
        return []
    lines = {
        line_id: (proj, ver, desc)
        for line_id, proj, ver, desc in session.execute(
            select(BudgetLine.id, Project.name, BudgetVersion.name, BudgetLine.description)
            .join(BudgetLine.version)
            .join(BudgetVersion.budget)
            .join(Budget.project)
            .where(BudgetLine.id.in_({a.line_id for a in allocations}))
        )
    }
    refs = {
        gid: ref
        for gid, ref in session.execute(
            select(Grant.id, Grant.reference).where(Grant.id.in_({a.grant_id for a in allocations}))
        )
    }
    rows = [
        AllocationRow(refs[a.grant_id], *lines[a.line_id][:2], a.category, lines[a.line_id][2], a.period, a.amount)
        for a in allocations
    ]
    rows = [r for r in rows if project is None or r.project == project]
    return sorted(rows, key=lambda r: (r.project, r.grant, r.period.start))


def grant_allocation_conditions(session: Session, scope: Scope, reference: str) -> list[Condition]:
    """Every allocation rule of grant ``reference`` over its allocations on the current
    versions, held or not. Raises :class:`NotFound` for a grant outside the scope."""
    grant = grant_by_reference(session, scope, reference)
    calendar = session.get_one(Organisation, scope.organisation_id).calendar
    return allocation_conditions(allocation_terms(calendar, grant), allocation_items(session, scope, grant))
