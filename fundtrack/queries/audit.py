"""Reading the audit log: who changed what, when, before and after.

Entries are written at each flush by :mod:`fundtrack.models.audit`, never by a service.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.models import AuditLog
from fundtrack.queries.scope import Scope


def history(
    session: Session,
    scope: Scope,
    entity: str | None = None,
    entity_id: int | None = None,
    actor: str | None = None,
) -> list[AuditLog]:
    """The organisation's audit entries, oldest first, optionally for one entity, row or person."""
    query = select(AuditLog).where(AuditLog.organisation_id == scope.organisation_id).order_by(AuditLog.id)
    if entity is not None:
        query = query.where(AuditLog.entity == entity)
    if entity_id is not None:
        query = query.where(AuditLog.entity_id == entity_id)
    if actor is not None:
        query = query.where(AuditLog.actor == actor)
    return list(session.scalars(query))
