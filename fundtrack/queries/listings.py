"""The lists people read: funders, projects, grants (within a scope), as models.

Which funders and grants a scope lists, and in which order, is
:mod:`fundtrack.queries.listing_rows`'s rule, shared with the rows the listing commands
read through SQLAlchemy Core.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.base import ExecutableOption

from fundtrack.models import Funder, Grant, GrantStatus, Instalment, Project
from fundtrack.periods import DateRange
from fundtrack.queries.listing_rows import funders_select, grants_select
from fundtrack.queries.scope import Scope


def list_funders(session: Session, scope: Scope) -> list[Funder]:
    """The funders the scope may see, by name."""
    return list(session.scalars(funders_select(scope, Funder.__table__, Funder)))


def list_projects(session: Session, scope: Scope) -> list[Project]:
    query = select(Project).where(Project.organisation_id == scope.organisation_id).order_by(Project.name)
    return list(session.scalars(query))


# what a listing of grants shows of each: loaded with them, a statement each for all
GRANT_LOADS = (
    selectinload(Grant.funder),
    selectinload(Grant.schedule),
    selectinload(Grant.instalments).selectinload(Instalment.receipts),
    selectinload(Grant.projects),
    selectinload(Grant.report_dues),
    selectinload(Grant.eligible_categories),
)


def list_grants(
    session: Session, scope: Scope, *, funder_id: int | None = None, statuses: tuple[GrantStatus, ...] | None = None
) -> list[Grant]:
    """The grants the scope may see, with their funder, schedule and instalments loaded."""
    query = grants_select(scope, Grant.__table__, Grant, funder_id=funder_id, statuses=statuses)
    return list(session.scalars(query.options(*GRANT_LOADS)))


# what a report's summary shows of each grant (its funder is already in the session)
SUMMARY_LOADS = (
    selectinload(Grant.schedule),
    selectinload(Grant.instalments).selectinload(Instalment.receipts),
    selectinload(Grant.projects),
    selectinload(Grant.report_dues),
)


def list_grants_of_funders(
    session: Session,
    funder_ids: Sequence[int],
    *,
    touching: Mapping[DateRange, Sequence[int]] | None = None,
    loads: Sequence[ExecutableOption] = GRANT_LOADS,
) -> list[Grant]:
    """The grants of the funders ``funder_ids`` (each funder row is one organisation's), in
    the order :func:`list_grants` gives, loaded as it loads them (or with ``loads``): one
    statement for all the funders and one per relation, whatever their number.

    ``touching`` (a period: the funders read in it) keeps only the grants not declined that
    touch their funder's period, as a report of that period shows them."""
    query = (
        select(Grant)
        .join(Grant.funder)
        .where(Grant.funder_id.in_(list(funder_ids)), Grant.organisation_id == Funder.organisation_id)
        .options(*loads)
        .order_by(Grant.start_date, Grant.reference)
    )
    if touching is not None:
        query = query.where(
            Grant.status != GrantStatus.DECLINED,
            or_(
                *(
                    and_(Grant.funder_id.in_(list(ids)), Grant.start_date <= period.end, Grant.end_date >= period.start)
                    for period, ids in touching.items()
                ),
                false(),
            ),
        )
    return list(session.scalars(query))
