"""Allocations on the budgets' current versions: within their grant, its years, its
categories, its fee cap and its projects; reversals that mirror what they cancel."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import and_, exists, func, not_, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from fundtrack.calc.package import AllocationItem, allocation_conditions
from fundtrack.models import Allocation, Budget, BudgetLine, BudgetVersion, Grant, Organisation, Project
from fundtrack.models.ledger import grant_projects
from fundtrack.queries.allocations import net_allocations
from fundtrack.queries.integrity import Breach, Check
from fundtrack.queries.terms import allocation_terms
from fundtrack.queries.versions import current_version_ids

RULE_OF = {
    "total": "allocation_total",
    "period": "allocation_period",
    "eligible": "allocation_eligible",
    "fee_cap": "allocation_fee_cap",
}


def allocations_within_grants(session: Session) -> Iterator[Breach]:
    """Each grant's net allocations on the current versions keep every allocation rule:
    within the grant in total and in each fiscal year (its schedule, or its amount spread
    by days), only to eligible categories of a restricted grant, within the fee cap."""
    for org in session.scalars(select(Organisation).order_by(Organisation.id)):
        versions = current_version_ids(session, org.id)
        if not versions:
            continue
        items: dict[int, list[AllocationItem]] = defaultdict(list)
        for a in net_allocations(session, version_ids=versions):
            items[a.grant_id].append(AllocationItem(a.line_id, a.category, a.administrative, a.period, a.amount))
        grants = session.scalars(
            select(Grant)
            .where(Grant.id.in_(list(items)))
            .options(
                selectinload(Grant.schedule),
                selectinload(Grant.instalments),
                selectinload(Grant.eligible_categories),
                selectinload(Grant.funder),
            )
            .order_by(Grant.id)
        )
        for grant in grants:
            for condition in allocation_conditions(allocation_terms(org.calendar, grant), items[grant.id]):
                if condition.holds:
                    continue
                params = (("limit", condition.limit), ("actual", condition.actual), ("detail", condition.detail or "—"))
                yield Breach(RULE_OF[condition.rule], "grant", grant.id, grant.reference, params)


def allocations_to_funded_projects(session: Session) -> Iterator[Breach]:
    """A grant that names the projects it funds is allocated only to their budgets' lines."""
    names_any = exists().where(grant_projects.c.grant_id == Allocation.grant_id)
    funds = exists().where(
        grant_projects.c.grant_id == Allocation.grant_id, grant_projects.c.project_id == Budget.project_id
    )
    net = func.sum(Allocation.amount)
    query = (
        select(Allocation.grant_id, Grant.reference, Allocation.line_id, BudgetLine.description, Project.name, net)
        .join(Grant, Grant.id == Allocation.grant_id)
        .join(BudgetLine, BudgetLine.id == Allocation.line_id)
        .join(BudgetVersion, BudgetVersion.id == BudgetLine.version_id)
        .join(Budget, Budget.id == BudgetVersion.budget_id)
        .join(Project, Project.id == Budget.project_id)
        .where(names_any, not_(funds))
        .group_by(Allocation.grant_id, Grant.reference, Allocation.line_id, BudgetLine.description, Project.name)
        .having(net != 0)
        .order_by(Allocation.grant_id, Allocation.line_id)
    )
    for grant_id, reference, _line_id, line, project, amount in session.execute(query):
        params = (("project", project), ("line", line), ("amount", amount))
        yield Breach("allocation_project", "grant", grant_id, reference, params)


def reversals_mirror(session: Session) -> Iterator[Breach]:
    """A reversing allocation cancels its original exactly (same grant, line and period,
    the opposite amount) and no reversal is itself reversed."""
    original = aliased(Allocation)
    query = (
        select(Allocation.id, Grant.reference, Allocation.period_start, Allocation.period_end, original.id)
        .join(original, original.id == Allocation.reverses_id)
        .join(Grant, Grant.id == Allocation.grant_id)
        .where(
            or_(
                Allocation.amount + original.amount != 0,
                Allocation.grant_id != original.grant_id,
                Allocation.line_id != original.line_id,
                not_(
                    and_(Allocation.period_start == original.period_start, Allocation.period_end == original.period_end)
                ),
                original.reverses_id.is_not(None),
            )
        )
        .order_by(Allocation.id)
    )
    for allocation_id, reference, low, high, original_id in session.execute(query):
        label = f"{reference} · {low}:{high}"
        yield Breach("allocation_reversal", "allocation", allocation_id, label, (("original", original_id),))


CHECKS: tuple[Check, ...] = (allocations_within_grants, allocations_to_funded_projects, reversals_mirror)
