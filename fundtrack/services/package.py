"""The financial package of a project and the funding gap, month by month and by fiscal year.

Net allocations are summed by the database (GROUP BY per line, grant and year); the
budget lines of the current versions are read to share their years over months; the
pure rules live in :mod:`fundtrack.calc.package` and :mod:`fundtrack.calc.coverage`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fundtrack.calc.budgets import BudgetAmounts
from fundtrack.calc.coverage import GapReport, GrantRef, LineAllocation, LineCost, gap_report
from fundtrack.calc.package import (
    FinancialPackage,
    InKind,
    LinkedGrant,
    PackageGrant,
    allocation_conditions,
    cap_linked_grants,
    financial_package,
)
from fundtrack.calc.schedule import amount_in as grant_amount_in
from fundtrack.i18n import Lang, current_lang, msg, translate
from fundtrack.models import (
    BudgetCategory,
    Funder,
    Grant,
    GrantStatus,
    InKindContribution,
    Organisation,
    OwnFunds,
    Project,
)
from fundtrack.money import ZERO, allocate
from fundtrack.periods import DateRange
from fundtrack.queries.allocations import net_allocations
from fundtrack.queries.budget_lines import LineBudget, amounts_of, line_budgets, line_label, touches
from fundtrack.queries.lookups import current_version, project_budget, project_by_name
from fundtrack.queries.scope import Scope
from fundtrack.queries.terms import allocation_terms, grant_terms
from fundtrack.queries.versions import current_version_ids
from fundtrack.services.allocations import allocation_items_of

COUNTED = (GrantStatus.CONFIRMED, GrantStatus.CLOSED, GrantStatus.REQUESTED)
OWN_FUNDS_LABEL = msg("package.own_funds")


def _share_in(value: Decimal, rng: DateRange, period: DateRange) -> Decimal:
    """The part of ``value`` spread by days over ``rng`` that falls in ``period``."""
    inside = rng.overlap_days(period)
    if inside == rng.days:
        return value
    if not inside:
        return ZERO
    return allocate(value, [inside, rng.days - inside])[0]


def project_package(
    session: Session, scope: Scope, project_name: str, period: DateRange, grants: Sequence[Grant] | None = None
) -> FinancialPackage:
    """The financial package of a project over ``period`` (usually one fiscal year).

    ``grants`` are :func:`package_candidates` read once by a caller making several
    packages (a workbook: every project, every year); else they are read here.

    Total cost: the project's current budget version in the period. Sources: each grant
    allocated to its lines (amount in the period), or linked only to this project
    without allocations (its amount in the period, but at most the cost its allocated
    sources leave uncovered in the categories it may pay for); in-kind contributions
    and own funds in the period. Declined grants are left out.
    """
    org = session.get_one(Organisation, scope.organisation_id)
    project = project_by_name(session, scope, project_name)
    version = current_version(project_budget(session, scope, project))
    lines = [ln for ln in line_budgets(session, [version.id]) if touches(ln, period)] if version else []
    line_costs = {ln.line_id: amounts_of(ln, period).over(period) for ln in lines}
    total_cost = sum(line_costs.values(), ZERO)
    line_by_id = {ln.line_id: ln for ln in lines}
    amounts: dict[int, Decimal] = defaultdict(lambda: ZERO)
    uncovered: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        uncovered[line.category_id] += line_costs[line.line_id]
    if version is not None:
        for a in net_allocations(session, version_ids=[version.id]):
            ln = line_by_id.get(a.line_id)
            if ln is None:
                continue
            share = BudgetAmounts({a.period: a.amount}, ln.profile).over(period)
            amounts[a.grant_id] += share
            uncovered[ln.category_id] -= share
    candidates = package_candidates(session, scope) if grants is None else grants
    grants_of, linked = _package_grants(candidates, project, amounts, period)
    amounts.update(cap_linked_grants(linked, uncovered))
    in_kind = [
        InKind(k.description, _share_in(k.fair_value, k.period, period), k.contributor)
        for k in session.scalars(select(InKindContribution).where(InKindContribution.project_id == project.id))
        if k.period.overlap_days(period)
    ]
    own = sum(
        (
            _share_in(o.amount, o.period, period)
            for o in session.scalars(select(OwnFunds).where(OwnFunds.project_id == project.id))
        ),
        ZERO,
    )
    rules = []
    items = allocation_items_of(session, scope, list(grants_of))  # every grant's at once, not two statements each
    for grant in grants_of.values():
        rules += allocation_conditions(allocation_terms(org.calendar, grant), items[grant.id])
    package_grants = [
        PackageGrant(
            grant_id=g.id,
            label=g.reference,
            funder=g.funder.name,
            status=g.status.value,
            confirmed=g.status is not GrantStatus.REQUESTED,
            amount=amounts[g.id],
            matching_rate=g.matching_rate,
            matching_basis=g.matching_basis.value if g.matching_basis else None,
            no_combination=g.no_combination,
        )
        for g in grants_of.values()
        if amounts[g.id]
    ]
    return financial_package(
        project.name, period, total_cost, package_grants, in_kind, own, rules, translate(OWN_FUNDS_LABEL)
    )


def package_candidates(session: Session, scope: Scope) -> list[Grant]:
    """The grants a package may count (confirmed, closed or requested, in the scope), with
    what a package reads of them loaded."""
    query = (
        select(Grant)
        .where(scope.grants_filter(), Grant.status.in_(COUNTED))
        .options(selectinload(Grant.funder), selectinload(Grant.projects), selectinload(Grant.eligible_categories))
        .options(selectinload(Grant.schedule), selectinload(Grant.instalments))
        .order_by(Grant.id)
    )
    return list(session.scalars(query))


def _package_grants(
    candidates: Sequence[Grant], project: Project, amounts: dict[int, Decimal], period: DateRange
) -> tuple[dict[int, Grant], list[LinkedGrant]]:
    """The grants of the package: those allocated to its lines, and those linked to this
    project alone without allocations (returned apart, to be capped at the uncovered cost)."""
    out: dict[int, Grant] = {}
    linked: list[LinkedGrant] = []
    for grant in candidates:
        if grant.id in amounts:
            out[grant.id] = grant
        elif [p.id for p in grant.projects] == [project.id] and grant.period.overlap_days(period):
            eligible = frozenset(c.id for c in grant.eligible_categories) if grant.restricted else None
            confirmed = grant.status is not GrantStatus.REQUESTED
            share = grant_amount_in(grant_terms(grant), period)
            linked.append(LinkedGrant(grant.id, share, confirmed, eligible, grant.end_date))
            out[grant.id] = grant
    for grant_id in [g for g in amounts if g not in out]:
        del amounts[grant_id]  # outside the scope, or declined
    return out, linked


def funding_gap(
    session: Session, scope: Scope, period: DateRange | None = None, project: str | None = None
) -> tuple[GapReport, dict[int, GrantRef], dict[int, GapLine]]:
    """Coverage of every line of the current versions by month, twice (confirmed only, all).

    Returns the report, the grants by id and the lines by id (each with its project,
    category and description, its label in the current language). Five statements
    whatever the number of lines and grants: the current versions, their lines beside
    their amounts, the categories, the net allocations, the grants beside their funders.
    """
    versions = current_version_ids(session, scope.organisation_id)
    lines = [ln for ln in line_budgets(session, versions) if period is None or touches(ln, period)]
    if project is not None:
        project_by_name(session, scope, project)
        lines = [ln for ln in lines if ln.project == project]
    lang = current_lang()
    categories = {
        c.id: c
        for c in session.scalars(select(BudgetCategory).where(BudgetCategory.organisation_id == scope.organisation_id))
    }
    costs = [
        LineCost(
            ln.line_id,
            line_label(ln.project, categories[ln.category_id].label(lang), ln.description),
            amounts_of(ln).months(),
        )
        for ln in lines
    ]
    rows = net_allocations(
        session, line_ids=[ln.line_id for ln in lines], grants_filter=scope.grants_filter() & Grant.status.in_(COUNTED)
    )
    grant_ids = {a.grant_id for a in rows}
    refs: dict[int, GrantRef] = {}
    if grant_ids:
        query = (
            select(Grant.id, Grant.reference, Funder.name, Grant.start_date, Grant.end_date)
            .add_columns(Grant.restricted, Grant.status)
            .join(Grant.funder)
            .where(Grant.id.in_(grant_ids))
        )
        for gid, reference, funder, start, end, restricted, status in session.execute(query):
            refs[gid] = GrantRef(
                gid, reference, funder, DateRange(start, end), restricted, status is not GrantStatus.REQUESTED
            )
    pools: dict[tuple[int, int], dict[DateRange, Decimal]] = defaultdict(dict)
    for a in rows:
        pools[(a.line_id, a.grant_id)][a.period] = a.amount
    allocations = [LineAllocation(refs[g], ln, amounts) for (ln, g), amounts in pools.items()]
    if scope.funder_id is not None:
        # a funder's login sees only the lines its grants are allocated to
        funded = {ln for ln, _ in pools}
        costs = [c for c in costs if c.line_id in funded]
    kept = {c.line_id for c in costs}
    labels = {ln.line_id: _gap_line(ln, categories[ln.category_id], lang) for ln in lines if ln.line_id in kept}
    return gap_report(costs, allocations, period), refs, labels


@dataclass(frozen=True)
class GapLine:
    """A line of the gap: its identity in codes and data, and its label for a listing."""

    project: str
    category: str
    description: str
    label: str


def _gap_line(line: LineBudget, category: BudgetCategory, lang: Lang) -> GapLine:
    return GapLine(
        line.project,
        category.code,
        line.description,
        line_label(line.project, category.label(lang), line.description),
    )


def category_codes(session: Session, org_id: int) -> dict[int, str]:
    query = select(BudgetCategory.id, BudgetCategory.code).where(BudgetCategory.organisation_id == org_id)
    return {cid: code for cid, code in session.execute(query)}
