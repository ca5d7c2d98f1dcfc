"""The lists people read (funders, grants), as rows read through SQLAlchemy Core.

Which funders and grants a scope lists, and in which order, is written once here
(:func:`funders_select`, :func:`grants_select`) over a table passed in: the light
tables of :mod:`fundtrack.tables` for the rows below, which the listing commands print
without importing the ORM, or a model's table for :mod:`fundtrack.queries.listings`,
which loads the models the admin and the reports need.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, FromClause, Select, func, select

from fundtrack.db import connection_of
from fundtrack.errors import NotFound
from fundtrack.i18n import msg
from fundtrack.kinds import FunderKind, GrantStatus, Language
from fundtrack.queries.scope import Scope
from fundtrack.tables import funders, grants, instalments

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

M_UNKNOWN_FUNDER = msg("funder.unknown")


def funders_select(scope: Scope, table: FromClause, *entities: Any) -> Select[Any]:
    """``entities`` of the funders ``scope`` may see (of the funders' ``table``), by name."""
    query = select(*entities).where(table.c.organisation_id == scope.organisation_id).order_by(table.c.name)
    if scope.funder_id is not None:
        query = query.where(table.c.id == scope.funder_id)
    return query


def grants_select(
    scope: Scope,
    table: FromClause,
    *entities: Any,
    funder_id: int | None = None,
    statuses: tuple[GrantStatus, ...] | None = None,
) -> Select[Any]:
    """``entities`` of the grants ``scope`` may see (of the grants' ``table``), of one
    funder or of some statuses only if asked, oldest first."""
    query = select(*entities).where(scope.grants_filter(table)).order_by(table.c.start_date, table.c.reference)
    if funder_id is not None:
        query = query.where(table.c.funder_id == funder_id)
    if statuses is not None:
        query = query.where(table.c.status.in_(statuses))
    return query


def funder_named(table: FromClause, scope: Scope, name: str) -> ColumnElement[bool]:
    """The WHERE clause of the organisation's funder called ``name`` (the scope checked apart)."""
    return (table.c.organisation_id == scope.organisation_id) & (table.c.name == name)


@dataclass(frozen=True)
class FunderRow:
    """A funder as its listing shows it."""

    id: int
    name: str
    kind: FunderKind
    fiscal_start_month: int
    language: Language
    fee_cap: Decimal | None


@dataclass(frozen=True)
class GrantRow:
    """A grant as its listing shows it: ``received`` is what came in on all its instalments."""

    id: int
    reference: str
    funder: str
    title: str
    status: GrantStatus
    amount: Decimal
    start_date: date
    end_date: date
    received: Decimal


def funder_rows(db: Connection | Session, scope: Scope) -> list[FunderRow]:
    """The funders the scope may see, by name."""
    f = funders
    query = funders_select(scope, f, f.c.id, f.c.name, f.c.kind, f.c.fiscal_start_month, f.c.language, f.c.fee_cap)
    return [FunderRow(*row) for row in connection_of(db).execute(query)]


def grant_rows(db: Connection | Session, scope: Scope, *, funder_id: int | None = None) -> list[GrantRow]:
    """The grants the scope may see (of one funder if asked), oldest first, each with its
    funder's name and what came in on its instalments (summed in cents by the database)."""
    g = grants
    received = (
        select(func.coalesce(func.sum(instalments.c.received_amount), 0))
        .where(instalments.c.grant_id == g.c.id)
        .scalar_subquery()
    )
    query = grants_select(
        scope,
        g,
        g.c.id,
        g.c.reference,
        funders.c.name,
        g.c.title,
        g.c.status,
        g.c.amount,
        g.c.start_date,
        g.c.end_date,
        received,
        funder_id=funder_id,
    ).join_from(g, funders, funders.c.id == g.c.funder_id)
    return [GrantRow(*row) for row in connection_of(db).execute(query)]


def funder_id_named(db: Connection | Session, scope: Scope, name: str, field: str | None = "funder") -> int:
    """The id of the funder called ``name`` that the scope may see; :class:`NotFound` naming
    ``field`` otherwise (as :func:`fundtrack.queries.lookups.funder_by_name`)."""
    found = connection_of(db).scalar(select(funders.c.id).where(funder_named(funders, scope, name)))
    if found is None or (scope.funder_id is not None and found != scope.funder_id):
        raise NotFound(M_UNKNOWN_FUNDER, field=field, name=name)
    return int(found)
