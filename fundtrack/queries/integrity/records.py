"""Records as such: every money row has its entry in the audit log, every edited row a
version number, every budget at most one current version."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import exists, func, inspect, not_, select
from sqlalchemy.orm import Session

from fundtrack.models import (
    Allocation,
    AuditLog,
    Budget,
    BudgetLineAmount,
    BudgetVersion,
    Expense,
    ExpenseCharge,
    Grant,
    GrantScheduleEntry,
    InKindContribution,
    Instalment,
    InstalmentReceipt,
    OwnFunds,
    Project,
)
from fundtrack.models.audit import ENTITIES
from fundtrack.models.base import Versioned
from fundtrack.models.staffing import PositionFundingAmount
from fundtrack.queries.integrity import Breach, Check

# the tables that hold money: each of their rows was created through the application,
# which wrote an entry for it ("reverse" for a reversal, "receive" for a receipt)
MONEY_MODELS: tuple[type[Any], ...] = (
    Grant,
    GrantScheduleEntry,
    Instalment,
    InstalmentReceipt,
    BudgetLineAmount,
    Allocation,
    InKindContribution,
    OwnFunds,
    Expense,
    ExpenseCharge,
    PositionFundingAmount,
)
CREATED = ("create", "reverse", "receive")


def money_rows_audited(session: Session) -> Iterator[Breach]:
    """Each row of a money table has the audit entry that records its creation."""
    for model in MONEY_MODELS:
        entity = ENTITIES[model]
        entry = exists().where(AuditLog.entity == entity, AuditLog.entity_id == model.id, AuditLog.action.in_(CREATED))
        query = select(model.id).where(not_(entry)).order_by(model.id)
        for (row_id,) in session.execute(query):
            yield Breach(
                "audit_create", entity, row_id, f"{model.__tablename__} #{row_id}", (("table", model.__tablename__),)
            )


def versioned_models() -> list[type[Any]]:
    """Every model whose rows carry a revision."""
    return [model for model in ENTITIES if issubclass(model, Versioned)]


def revisions_counted(session: Session) -> Iterator[Breach]:
    """Each row a person edits carries a version number of at least 1."""
    for model in versioned_models():
        table = inspect(model).local_table
        query = select(table.c.id, table.c.revision).where(table.c.revision < 1).order_by(table.c.id)
        for row_id, revision in session.execute(query):
            yield Breach("revision", ENTITIES[model], row_id, f"{table.name} #{row_id}", (("revision", revision),))


def one_current_version(session: Session) -> Iterator[Breach]:
    """A budget has at most one version marked current."""
    marked = func.count(BudgetVersion.id)
    query = (
        select(Budget.id, Project.name, marked)
        .join(Project, Project.id == Budget.project_id)
        .join(BudgetVersion, BudgetVersion.budget_id == Budget.id)
        .where(BudgetVersion.current.is_(True))
        .group_by(Budget.id, Project.name)
        .having(marked > 1)
        .order_by(Budget.id)
    )
    for budget_id, project, count in session.execute(query):
        yield Breach("one_current_version", "budget", budget_id, project, (("count", count),))


CHECKS: tuple[Check, ...] = (money_rows_audited, revisions_counted, one_current_version)
