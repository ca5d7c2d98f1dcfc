"""The audit log: every change to money or to a rule's input, written at the session's flush.

No service writes an entry itself: a listener on every session's flush (registered when
the models are imported) records each row created, changed or deleted — who (the acting
context bound to the session, else the person named by :func:`acting_person`, else
``system``), when, what (entity, id, a label), and the values before and after (only the
fields that changed; nothing for a change that changes nothing). The log is append-only:
the application refuses to change or delete an entry (one by one or in bulk), and a
trigger refuses it in the database, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, event, insert, inspect, select
from sqlalchemy.orm import Mapped, Mapper, ORMExecuteState, Session, UOWTransaction, mapped_column, object_session
from sqlalchemy.orm.base import NO_VALUE
from sqlalchemy.orm.state import InstanceState

from fundtrack.errors import FundtrackError
from fundtrack.i18n import msg
from fundtrack.models.attachments import Attachment
from fundtrack.models.base import Base, UTCDateTime, utcnow
from fundtrack.models.budgets import (
    Allocation,
    Budget,
    BudgetLine,
    BudgetLineAmount,
    BudgetVersion,
    InKindContribution,
    OwnFunds,
)
from fundtrack.models.expenses import Expense, ExpenseCharge
from fundtrack.models.ledger import (
    BudgetCategory,
    Funder,
    Grant,
    GrantScheduleEntry,
    Instalment,
    InstalmentReceipt,
    Organisation,
    Project,
    ReportDue,
)
from fundtrack.models.staffing import (
    PayrollRateTable,
    Position,
    PositionFunding,
    PositionFundingAmount,
    Scenario,
    ScenarioChange,
)
from fundtrack.models.users import User, UserAccess
from fundtrack.plain import plain

SYSTEM = "system"
ACTING_KEY = "fundtrack.acting"  # where the services' acting context sits in session.info
DELETED_KEY = "fundtrack.audit.deleted"  # rows deleted during the flush under way
ACTOR_KEY = "fundtrack.audit.actor"  # who acts, before there is an acting context


class AuditLog(Base):
    """One change: who (and in which role), when, what (entity, id, label), before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(30))
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int | None] = mapped_column()
    label: Mapped[str | None] = mapped_column(String(300))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


APPEND_ONLY_MESSAGE = "the audit log is append-only"  # the triggers' refusal (worded by fundtrack.db)
M_APPEND_ONLY = msg("db.append_only")
SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
)
POSTGRES_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
)
for _sql in SQLITE_TRIGGERS:
    event.listen(AuditLog.__table__, "after_create", DDL(_sql).execute_if(dialect="sqlite"))  # type: ignore[no-untyped-call]
for _sql in POSTGRES_TRIGGERS:
    event.listen(AuditLog.__table__, "after_create", DDL(_sql).execute_if(dialect="postgresql"))  # type: ignore[no-untyped-call]


class AuditLogIsAppendOnly(FundtrackError):
    """Raised when code tries to change or delete an audit entry; nothing was written."""

    def __init__(self) -> None:
        super().__init__(M_APPEND_ONLY)


# what each audited row is called in the log, and how it is labelled for a person
ENTITIES: dict[type[Any], str] = {
    Organisation: "organisation",
    BudgetCategory: "category",
    Funder: "funder",
    Project: "project",
    Grant: "grant",
    GrantScheduleEntry: "grant_schedule",
    Instalment: "instalment",
    InstalmentReceipt: "instalment_receipt",
    ReportDue: "report_due",
    Budget: "budget",
    BudgetVersion: "budget_version",
    BudgetLine: "budget_line",
    BudgetLineAmount: "budget_line_amount",
    Allocation: "allocation",
    InKindContribution: "in_kind",
    OwnFunds: "own_funds",
    Expense: "expense",
    ExpenseCharge: "expense_charge",
    PayrollRateTable: "payroll_rates",
    Position: "position",
    PositionFunding: "position_funding",
    PositionFundingAmount: "position_funding_amount",
    Scenario: "scenario",
    ScenarioChange: "scenario_change",
    User: "user",
    UserAccess: "user_access",
    Attachment: "attachment",
}

# the parent a row belongs to, for its organisation and its label
PARENTS: dict[type[Any], str] = {
    GrantScheduleEntry: "grant",
    Instalment: "grant",
    InstalmentReceipt: "instalment",
    ReportDue: "grant",
    BudgetVersion: "budget",
    BudgetLine: "version",
    BudgetLineAmount: "line",
    ExpenseCharge: "expense",
    PositionFundingAmount: "funding",
    ScenarioChange: "scenario",
    UserAccess: "user",
}

LABELS: dict[type[Any], Callable[[Any], str]] = {
    Organisation: lambda o: o.name,
    BudgetCategory: lambda o: o.code,
    Funder: lambda o: o.name,
    Project: lambda o: o.name,
    Grant: lambda o: o.reference,
    GrantScheduleEntry: lambda o: f"{o.period_start}:{o.period_end}",
    Instalment: lambda o: str(o.expected_date),
    InstalmentReceipt: lambda o: str(o.received_date),
    ReportDue: lambda o: f"{o.due_date} {o.title}",
    BudgetVersion: lambda o: o.name,
    BudgetLine: lambda o: o.description,
    BudgetLineAmount: lambda o: f"{o.period_start}:{o.period_end}",
    Allocation: lambda o: f"{o.period_start}:{o.period_end}",
    InKindContribution: lambda o: f"{o.contributor} — {o.description}",
    OwnFunds: lambda o: o.description,
    Expense: lambda o: f"{o.expense_date} {o.payee}",
    PayrollRateTable: lambda o: str(o.year),
    Position: lambda o: o.key,
    Scenario: lambda o: o.name,
    ScenarioChange: lambda o: f"{o.seq} {o.kind} {o.position_key}",
    User: lambda o: o.email,
    Attachment: lambda o: f"{o.file_name} {o.sha256[:12]}",
}

# many-to-many collections recorded with their owner, by what names their members
COLLECTIONS: dict[type[Any], dict[str, Callable[[Any], str]]] = {
    Grant: {"projects": lambda p: p.name, "eligible_categories": lambda c: c.code},
}

SKIPPED = frozenset({"revision", "created_at", "password_hash", "last_login_at"})


def _loaded(obj: Any, name: str) -> Any:
    """The value of relationship ``name`` if it is already loaded (no SQL during the flush)."""
    value = inspect(obj).attrs[name].loaded_value
    return None if value is NO_VALUE else value


def _owner_chain(obj: Any) -> Iterable[Any]:
    current = obj
    while current is not None:
        yield current
        parent = PARENTS.get(type(current))
        current = _loaded(current, parent) if parent else None


def _organisation_id(session: Session, obj: Any) -> int | None:
    acting = session.info.get(ACTING_KEY)
    if acting is not None:
        return int(acting.organisation_id)
    for row in _owner_chain(obj):
        if isinstance(row, Organisation):
            return row.id
        org_id = getattr(row, "organisation_id", None)
        if org_id is not None:
            return int(org_id)
        if isinstance(row, PositionFunding):  # a position's or a scenario change's funding
            owner = _loaded(row, "position") or _loaded(row, "change")
            if owner is not None:
                return _organisation_id(session, owner)
    return _organisation_by_query(session, obj)


def _organisation_by_query(session: Session, obj: Any) -> int | None:
    """The organisation of a row whose parents are not loaded, read through its keys."""
    conn = session.connection()
    if isinstance(obj, GrantScheduleEntry | Instalment | ReportDue):
        return conn.scalar(select(Grant.organisation_id).where(Grant.id == obj.grant_id))
    if isinstance(obj, InstalmentReceipt):
        query = select(Grant.organisation_id).join(Instalment).where(Instalment.id == obj.instalment_id)
        return conn.scalar(query)
    if isinstance(obj, ExpenseCharge):
        return conn.scalar(select(Expense.organisation_id).where(Expense.id == obj.expense_id))
    if isinstance(obj, BudgetVersion):
        return conn.scalar(select(Budget.organisation_id).where(Budget.id == obj.budget_id))
    if isinstance(obj, BudgetLine):
        query = select(Budget.organisation_id).join(BudgetVersion).where(BudgetVersion.id == obj.version_id)
        return conn.scalar(query)
    if isinstance(obj, BudgetLineAmount):
        query = (
            select(Budget.organisation_id)
            .join(BudgetVersion)
            .join(BudgetLine, BudgetLine.version_id == BudgetVersion.id)
            .where(BudgetLine.id == obj.line_id)
        )
        return conn.scalar(query)
    if isinstance(obj, ScenarioChange):
        return conn.scalar(select(Scenario.organisation_id).where(Scenario.id == obj.scenario_id))
    if isinstance(obj, PositionFunding):
        if obj.position_id is not None:
            return conn.scalar(select(Position.organisation_id).where(Position.id == obj.position_id))
        query = select(Scenario.organisation_id).join(ScenarioChange).where(ScenarioChange.id == obj.change_id)
        return conn.scalar(query)
    if isinstance(obj, PositionFundingAmount):
        funding = session.get(PositionFunding, obj.funding_id)
        return _organisation_id(session, funding) if funding is not None else None
    return None


def _label(obj: Any) -> str | None:
    parts = []
    for row in _owner_chain(obj):
        fn = LABELS.get(type(row))
        if fn is not None:
            parts.append(str(fn(row)))
    return " · ".join(reversed(parts))[:300] if parts else None


def _columns(obj: Any) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    return {c.key: getattr(obj, c.key) for c in mapper.column_attrs if c.key not in SKIPPED}


def _collections(obj: Any, when: str) -> dict[str, list[str]]:
    """Each many-to-many collection as names: as it is now (``after``) or was (``before``)."""
    out: dict[str, list[str]] = {}
    for name, fn in COLLECTIONS.get(type(obj), {}).items():
        hist = inspect(obj).attrs[name].history
        if when == "after":
            members = [*hist.unchanged, *hist.added]
        else:
            members = [*hist.unchanged, *hist.deleted]
        out[name] = sorted(fn(m) for m in members)
    return out


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields of a changed row that really changed: their values before and after."""
    state: InstanceState[Any] = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in SKIPPED or attr.key not in state.committed_state:
            continue
        old = state.committed_state[attr.key]
        if old is NO_VALUE:
            continue  # marked modified without a change (a whole record's new revision)
        new = getattr(obj, attr.key)
        if old != new:
            before[attr.key], after[attr.key] = old, new
    for name in COLLECTIONS.get(type(obj), {}):
        if state.attrs[name].history.has_changes():
            was, now = _collections(obj, "before")[name], _collections(obj, "after")[name]
            if was != now:
                before[name], after[name] = was, now
    return before, after


def _action(obj: Any, kind: str, before: dict[str, Any] | None) -> str:
    if kind == "create" and getattr(obj, "reverses_id", None) is not None:
        return "reverse"
    if kind == "create" and isinstance(obj, InstalmentReceipt):
        return "receive"  # a payment that came in (its instalment's totals are an update beside it)
    return kind


def acting_person(session: Session, actor: str, role: str | None) -> None:
    """Name who writes in ``session`` before an acting context can be bound to it (the
    organisation being created has no id yet): its own entries name them too."""
    session.info[ACTOR_KEY] = (actor, role)


def _who(session: Session) -> tuple[str, object]:
    acting = session.info.get(ACTING_KEY)
    if acting is not None:
        return str(getattr(acting, "actor", SYSTEM)), getattr(acting, "role", None)
    actor, role = session.info.get(ACTOR_KEY, (SYSTEM, None))
    return str(actor), role


def _entries(session: Session) -> list[dict[str, Any]]:
    actor, role = _who(session)
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []

    def add(obj: Any, kind: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        org_id = _organisation_id(session, obj)
        if org_id is None:
            return
        rows.append(
            {
                "organisation_id": org_id,
                "at": now,
                "actor": actor[:200],
                "role": str(role.value if hasattr(role, "value") else role) if role is not None else None,
                "action": _action(obj, kind, before),
                "entity": ENTITIES[type(obj)],
                "entity_id": getattr(obj, "id", None),
                "label": _label(obj),
                "before": plain(before) if before is not None else None,
                "after": plain(after) if after is not None else None,
            }
        )

    for obj in session.new:
        if type(obj) in ENTITIES:
            add(obj, "create", None, {**_columns(obj), **_collections(obj, "after")})
    for obj in session.dirty:
        if type(obj) in ENTITIES and session.is_modified(obj):
            before, after = _changes(obj)
            if before or after:
                add(obj, "update", before, after)
    # session.deleted holds the rows deleted by name; rows deleted as orphans or by cascade
    # (an instalment dropped from its grant) are known only once the flush deletes them
    deleted = dict.fromkeys([*session.deleted, *session.info.pop(DELETED_KEY, [])])
    for obj in deleted:
        if type(obj) in ENTITIES:
            add(obj, "delete", {**_columns(obj), **_collections(obj, "before")}, None)
    return rows


def _note_deleted(_mapper: Mapper[Any], _connection: object, target: Any) -> None:
    session = object_session(target)
    if session is not None:
        session.info.setdefault(DELETED_KEY, []).append(target)


for _model in ENTITIES:
    event.listen(_model, "after_delete", _note_deleted)


@event.listens_for(Session, "before_flush")
def _refuse_audit_edits(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    session.info.pop(DELETED_KEY, None)  # left by a flush that failed
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditLog) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly()


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_audit_edits(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(m.class_ is AuditLog for m in state.all_mappers):
        raise AuditLogIsAppendOnly()


@event.listens_for(Session, "after_flush")
def _write_audit_entries(session: Session, _flush: UOWTransaction) -> None:
    rows = _entries(session)
    if rows:
        session.connection().execute(insert(AuditLog), rows)
