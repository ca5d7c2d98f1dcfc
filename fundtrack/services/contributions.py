"""In-kind contributions and the organisation's own funds committed to a project.

In-kind is recorded at fair value with a description; it counts among a package's
sources and in funder reports, and is never charged to a grant (domain.md 4.5).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from fundtrack.models import InKindContribution, OwnFunds
from fundtrack.periods import DateRange
from fundtrack.queries.lookups import category_by_code, project_by_name
from fundtrack.roles import Action
from fundtrack.schemas.budgets import NewInKind, NewOwnFunds
from fundtrack.services.context import Acting


def add_in_kind(session: Session, acting: Acting, cmd: NewInKind) -> InKindContribution:
    """Record an in-kind contribution to a project at fair value, over a period."""
    acting.require(session, Action.MONEY)
    project = project_by_name(session, acting.scope, cmd.project)
    period = DateRange.checked(cmd.start_date, cmd.end_date, "end_date")
    category = category_by_code(session, acting.scope, cmd.category, "category") if cmd.category else None
    row = InKindContribution(
        organisation_id=acting.organisation_id,
        project=project,
        category=category,
        contributor=cmd.contributor,
        description=cmd.description,
        fair_value=cmd.fair_value,
        start_date=period.start,
        end_date=period.end,
    )
    session.add(row)
    session.flush()
    return row


def add_own_funds(session: Session, acting: Acting, cmd: NewOwnFunds) -> OwnFunds:
    """Commit some of the organisation's own money to a project over a period."""
    acting.require(session, Action.MONEY)
    project = project_by_name(session, acting.scope, cmd.project)
    period = DateRange.checked(cmd.start_date, cmd.end_date, "end_date")
    row = OwnFunds(
        organisation_id=acting.organisation_id,
        project=project,
        description=cmd.description,
        amount=cmd.amount,
        start_date=period.start,
        end_date=period.end,
    )
    session.add(row)
    session.flush()
    return row
