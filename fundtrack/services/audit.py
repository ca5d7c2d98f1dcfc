"""The audit log: every change to money (grants, instalments, allocations, expenses).

Services call :func:`record_change` inside the caller's transaction, so an entry is
written exactly when the change is. Who made the change comes from
:func:`acting_as` (the CLI sets the system user, the admin the logged-in person).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.models.expenses import AuditLog
from fundtrack.plain import plain

_actor: contextvars.ContextVar[str] = contextvars.ContextVar("fundtrack_actor", default="system")


@contextmanager
def acting_as(actor: str) -> Iterator[None]:
    """Attribute the changes made in the block to ``actor``."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> str:
    return _actor.get()


def jsonable(value: Any) -> Any:
    """Amounts as exact strings, dates in ISO, enums as their value, recursively."""
    return plain(value)


def record_change(
    session: Session,
    organisation_id: int,
    action: str,
    entity: str,
    entity_id: int | None,
    label: str | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditLog:
    """Write one audit entry (``action`` is create, update, reverse, receive...)."""
    entry = AuditLog(
        organisation_id=organisation_id,
        actor=current_actor(),
        action=action,
        entity=entity,
        entity_id=entity_id,
        label=label,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
    )
    session.add(entry)
    return entry


def history(
    session: Session, organisation_id: int, entity: str | None = None, entity_id: int | None = None
) -> list[AuditLog]:
    """The audit entries of the organisation, oldest first, optionally for one entity."""
    query = select(AuditLog).where(AuditLog.organisation_id == organisation_id).order_by(AuditLog.id)
    if entity is not None:
        query = query.where(AuditLog.entity == entity)
    if entity_id is not None:
        query = query.where(AuditLog.entity_id == entity_id)
    return list(session.scalars(query))
