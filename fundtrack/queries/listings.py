"""The lists people read: funders, projects, grants (within a scope)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fundtrack.models import Funder, Grant, GrantStatus, Instalment, Project
from fundtrack.queries.scope import Scope


def list_funders(session: Session, scope: Scope) -> list[Funder]:
    query = select(Funder).where(Funder.organisation_id == scope.organisation_id).order_by(Funder.name)
    if scope.funder_id is not None:
        query = query.where(Funder.id == scope.funder_id)
    return list(session.scalars(query))


def list_projects(session: Session, scope: Scope) -> list[Project]:
    query = select(Project).where(Project.organisation_id == scope.organisation_id).order_by(Project.name)
    return list(session.scalars(query))


def list_grants(
    session: Session, scope: Scope, *, funder_id: int | None = None, statuses: tuple[GrantStatus, ...] | None = None
) -> list[Grant]:
    """The grants the scope may see, with their funder, schedule and instalments loaded."""
    query = (
        select(Grant)
        .where(scope.grants_filter())
        .options(
            selectinload(Grant.funder),
            selectinload(Grant.schedule),
            selectinload(Grant.instalments).selectinload(Instalment.receipts),
            selectinload(Grant.projects),
            selectinload(Grant.report_dues),
            selectinload(Grant.eligible_categories),
        )
        .order_by(Grant.start_date, Grant.reference)
    )
    if funder_id is not None:
        query = query.where(Grant.funder_id == funder_id)
    if statuses is not None:
        query = query.where(Grant.status.in_(statuses))
    return list(session.scalars(query))
