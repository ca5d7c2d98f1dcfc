"""Which version of each budget counts: the current one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.models import Budget, BudgetVersion, VersionKind


def current_version_ids(session: Session, organisation_id: int) -> list[int]:
    """The current version of every budget of the organisation: the one marked current,
    else the latest adopted or revised one (a scenario never counts unless marked)."""
    query = (
        select(BudgetVersion.budget_id, BudgetVersion.id, BudgetVersion.current, BudgetVersion.kind)
        .join(BudgetVersion.budget)
        .where(Budget.organisation_id == organisation_id)
        .order_by(BudgetVersion.budget_id, BudgetVersion.id)
    )
    marked: dict[int, int] = {}
    kept: dict[int, int] = {}
    if session.autoflush:
        session.flush()  # as the session's own execute would, before plain rows from its connection
    for budget_id, version_id, current, kind in session.connection().execute(query).all():
        if current and budget_id not in marked:
            marked[budget_id] = version_id
        if kind is not VersionKind.SCENARIO:
            kept[budget_id] = version_id
    return [marked[b] if b in marked else kept[b] for b in sorted(marked.keys() | kept.keys())]
