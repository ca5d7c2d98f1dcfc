"""Finding the rows people name (a funder by name, a grant by reference...), within a scope,
and locking the rows a write checks until it commits.

A name that does not exist, or that the scope may not see, is :class:`NotFound` with the
field it came from: a funder's login cannot tell another funder's grant from no grant.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from fundtrack.errors import InputError, NotFound, StaleRecord
from fundtrack.i18n import msg
from fundtrack.models import Budget, BudgetCategory, BudgetLine, BudgetVersion, Funder, Grant, Project, VersionKind
from fundtrack.models.base import Versioned
from fundtrack.queries.listing_rows import funder_named
from fundtrack.queries.scope import Scope

M_UNKNOWN_FUNDER = msg("funder.unknown")
M_UNKNOWN_PROJECT = msg("project.unknown")
M_UNKNOWN_GRANT = msg("grant.unknown")
M_UNKNOWN_CATEGORY = msg("category.unknown")
M_STALE = msg("record.stale")
M_NO_BUDGET = msg("budget.none")
M_UNKNOWN_VERSION = msg("budget.unknown_version")
M_NO_CURRENT = msg("budget.no_current")
M_UNKNOWN_LINE = msg("budget.unknown_line")
M_AMBIGUOUS_LINE = msg("budget.ambiguous_line")

V = TypeVar("V", bound=Versioned)


def funder_by_name(session: Session, scope: Scope, name: str, field: str | None = "funder") -> Funder:
    funder = session.scalar(select(Funder).where(funder_named(Funder.__table__, scope, name)))
    if funder is None or (scope.funder_id is not None and funder.id != scope.funder_id):
        raise NotFound(M_UNKNOWN_FUNDER, field=field, name=name)
    return funder


def project_by_name(session: Session, scope: Scope, name: str, field: str | None = "project") -> Project:
    project = session.scalar(
        select(Project).where(Project.organisation_id == scope.organisation_id, Project.name == name)
    )
    if project is None:
        raise NotFound(M_UNKNOWN_PROJECT, field=field, name=name)
    return project


def grant_by_reference(
    session: Session, scope: Scope, reference: str, field: str | None = "grant", *, lock: bool = False
) -> Grant:
    """The grant ``reference`` the scope may see; ``lock`` holds its row until the commit."""
    query = select(Grant).where(Grant.organisation_id == scope.organisation_id, Grant.reference == reference)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    grant = session.scalar(query)
    if grant is None or (scope.funder_id is not None and grant.funder_id != scope.funder_id):
        raise NotFound(M_UNKNOWN_GRANT, field=field, reference=reference)
    return grant


def category_by_code(session: Session, scope: Scope, code: str, field: str | None = None) -> BudgetCategory:
    cat = session.scalar(
        select(BudgetCategory).where(
            BudgetCategory.organisation_id == scope.organisation_id, BudgetCategory.code == code
        )
    )
    if cat is None:
        raise NotFound(M_UNKNOWN_CATEGORY, field=field, code=code)
    return cat


def project_budget(session: Session, scope: Scope, project: Project) -> Budget:
    budget = session.scalar(select(Budget).where(Budget.project_id == project.id))
    if budget is None or budget.organisation_id != scope.organisation_id:
        raise NotFound(M_NO_BUDGET, field="project", project=project.name)
    return budget


def version_of(session: Session, scope: Scope, project_name: str, name: str | None = None) -> BudgetVersion:
    """The version ``name`` of a project's budget, or its current version."""
    project = project_by_name(session, scope, project_name)
    budget = project_budget(session, scope, project)
    if name is not None:
        for v in budget.versions:
            if v.name == name:
                return v
        raise NotFound(M_UNKNOWN_VERSION, field="version", name=name, project=project.name)
    current = current_version(budget)
    if current is None:
        raise NotFound(M_NO_CURRENT, field="version", project=project.name)
    return current


def current_version(budget: Budget) -> BudgetVersion | None:
    """The version marked current, else the latest adopted or revised one."""
    for v in budget.versions:
        if v.current:
            return v
    kept = [v for v in budget.versions if v.kind is not VersionKind.SCENARIO]
    return kept[-1] if kept else None


def find_line(version: BudgetVersion, category: str, description: str | None, field: str = "line") -> BudgetLine:
    """The line of ``version`` with that category code and (if given) description."""
    project = version.budget.project.name
    matches = [ln for ln in version.lines if ln.category.code == category]
    if description:
        wanted = description.strip().casefold()
        matches = [ln for ln in matches if ln.description.strip().casefold() == wanted]
    if not matches:
        raise NotFound(
            M_UNKNOWN_LINE,
            field=field,
            category=category,
            description=f"« {description} »" if description else "",
            version=version.name,
            project=project,
        )
    if len(matches) > 1:
        raise InputError(M_AMBIGUOUS_LINE, field=field, category=category, project=project)
    return matches[0]


def lock_grants(session: Session, grant_ids: Iterable[int]) -> list[Grant]:
    """Lock the grants' rows (PostgreSQL: ``FOR UPDATE``, in id order so that two writers
    never wait for each other) and read them fresh: what remains of a grant is checked
    against rows no other transaction can change before this one commits. On SQLite the
    write transaction already holds the database (``BEGIN IMMEDIATE``)."""
    ids = sorted(set(grant_ids))
    if not ids:
        return []
    query = select(Grant).where(Grant.id.in_(ids)).order_by(Grant.id).with_for_update()
    return list(session.scalars(query.execution_options(populate_existing=True)))


def check_revision(row: V, revision: int | None, label: str, field: str = "revision") -> V:
    """Refuse an edit made from a stale read: ``revision`` is the row's revision its author saw
    (``None``: a script that read the row in the same transaction)."""
    if revision is not None and row.revision != revision:
        raise StaleRecord(M_STALE, field=field, record=label)
    return row


def new_revision(row: Versioned) -> None:
    """Give ``row`` a new revision at the next flush, as a whole record changed through its
    parts (a grant whose instalment is received): its UPDATE raises the revision, so that
    an edit from an earlier read is stale. A field that really changed keeps its value
    before for the audit log; with none, the row is marked changed without a value."""
    state = inspect(row)
    columns = [c for c in state.mapper.column_attrs if c.key != "revision" and not c.columns[0].primary_key]
    if not any(state.attrs[c.key].history.has_changes() for c in columns):
        flag_modified(row, columns[0].key)
