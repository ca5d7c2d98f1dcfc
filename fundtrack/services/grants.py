"""The treasurer's use cases on the funding ledger: funders, projects, grants, instalments.

Each function takes a :class:`~sqlalchemy.orm.Session` (the caller's unit of work),
the organisation, and the validated data of a schema in :mod:`fundtrack.schemas.ledger`;
it checks the rules, writes, flushes, and raises :class:`~fundtrack.errors.InputError`
naming the field and the rule. It never commits.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fundtrack.calc.schedule import Basis, GrantTerms
from fundtrack.errors import InputError, NotFound, RuleViolation
from fundtrack.i18n import msg
from fundtrack.models import (
    BudgetCategory,
    Funder,
    FunderKind,
    Grant,
    GrantScheduleEntry,
    GrantStatus,
    Instalment,
    Language,
    MatchingBasis,
    Organisation,
    Project,
    ReportDue,
    ScheduleBasis,
)
from fundtrack.money import ZERO, format_money
from fundtrack.periods import DateRange
from fundtrack.services.audit import record_change
from fundtrack.services.organisation import category_by_code
from fundtrack.services.scope import Scope

M_UNKNOWN_FUNDER = msg("funder.unknown")
M_DUPLICATE_FUNDER = msg("funder.duplicate")
M_UNKNOWN_PROJECT = msg("project.unknown")
M_DUPLICATE_PROJECT = msg("project.duplicate")
M_UNKNOWN_GRANT = msg("grant.unknown")
M_DUPLICATE_REFERENCE = msg("grant.duplicate_reference")
M_SCHEDULE_TOTAL = msg("grant.schedule_total")
M_SCHEDULE_OUTSIDE = msg("grant.schedule_outside")
M_SCHEDULE_PERIOD = msg("grant.schedule_period")
M_SCHEDULE_OVERLAP = msg("grant.schedule_overlap")
M_INSTALMENTS_EXCEED = msg("grant.instalments_exceed")
M_RECEIVED_BOTH = msg("instalment.received_both")
M_RESTRICTED_NO_CATEGORY = msg("grant.restricted_no_category")
M_INSTALMENTS_BASIS = msg("grant.instalments_basis")
M_UNKNOWN_INSTALMENT = msg("instalment.unknown")
M_RECEIVED_POSITIVE = msg("instalment.received_positive")
M_NO_PENDING_INSTALMENT = msg("instalment.none_pending")
M_ALREADY_RECEIVED = msg("instalment.already_received")


# --- funders -------------------------------------------------------------------------


def funder_by_name(session: Session, scope: Scope, name: str, field: str | None = "funder") -> Funder:
    query = select(Funder).where(Funder.organisation_id == scope.organisation_id, Funder.name == name)
    funder = session.scalar(query)
    if funder is None or (scope.funder_id is not None and funder.id != scope.funder_id):
        raise NotFound(M_UNKNOWN_FUNDER, field=field, name=name)
    return funder


def list_funders(session: Session, scope: Scope) -> list[Funder]:
    query = select(Funder).where(Funder.organisation_id == scope.organisation_id).order_by(Funder.name)
    if scope.funder_id is not None:
        query = query.where(Funder.id == scope.funder_id)
    return list(session.scalars(query))


def create_funder(session: Session, org: Organisation, data: dict[str, Any]) -> Funder:
    """Create a funder from :class:`~fundtrack.schemas.ledger.FunderSchema` data."""
    exists = session.scalar(select(Funder.id).where(Funder.organisation_id == org.id, Funder.name == data["name"]))
    if exists is not None:
        raise InputError(M_DUPLICATE_FUNDER, field="name", name=data["name"])
    funder = Funder(organisation_id=org.id)
    _apply_funder(funder, data)
    session.add(funder)
    session.flush()
    return funder


def update_funder(session: Session, scope: Scope, name: str, data: dict[str, Any]) -> Funder:
    """Change a funder; ``data`` holds the fields to change (a new ``name`` renames it)."""
    funder = funder_by_name(session, scope, name, field="name")
    new_name = data.get("name", name)
    if new_name != name:
        exists = session.scalar(
            select(Funder.id).where(Funder.organisation_id == scope.organisation_id, Funder.name == new_name)
        )
        if exists is not None:
            raise InputError(M_DUPLICATE_FUNDER, field="name", name=new_name)
    _apply_funder(funder, {**_funder_data(funder), **data})
    session.flush()
    return funder


def _apply_funder(funder: Funder, data: dict[str, Any]) -> None:
    funder.name = data["name"]
    funder.kind = FunderKind(data["kind"])
    funder.fiscal_start_month = data.get("fiscal_start_month", 4)
    funder.language = Language(data.get("language", "fr"))
    funder.contact_name = data.get("contact_name")
    funder.contact_email = data.get("contact_email")
    funder.fee_cap = data.get("fee_cap")
    funder.notes = data.get("notes")


def _funder_data(funder: Funder) -> dict[str, Any]:
    return {
        "name": funder.name,
        "kind": funder.kind.value,
        "fiscal_start_month": funder.fiscal_start_month,
        "language": funder.language.value,
        "contact_name": funder.contact_name,
        "contact_email": funder.contact_email,
        "fee_cap": funder.fee_cap,
        "notes": funder.notes,
    }


# --- projects ------------------------------------------------------------------------


def project_by_name(session: Session, org_id: int, name: str, field: str | None = "project") -> Project:
    project = session.scalar(select(Project).where(Project.organisation_id == org_id, Project.name == name))
    if project is None:
        raise NotFound(M_UNKNOWN_PROJECT, field=field, name=name)
    return project


def create_project(session: Session, org: Organisation, data: dict[str, Any]) -> Project:
    exists = session.scalar(select(Project.id).where(Project.organisation_id == org.id, Project.name == data["name"]))
    if exists is not None:
        raise InputError(M_DUPLICATE_PROJECT, field="name", name=data["name"])
    project = Project(
        organisation_id=org.id,
        name=data["name"],
        description=data.get("description"),
        desired_changes=list(data.get("desired_changes", [])),
        start_date=data.get("start_date"),
        end_date=data.get("end_date"),
        operations=data.get("operations", False),
    )
    session.add(project)
    session.flush()
    return project


# --- grants --------------------------------------------------------------------------


def grant_by_reference(session: Session, scope: Scope, reference: str, field: str | None = "grant") -> Grant:
    grant = session.scalar(
        select(Grant).where(Grant.organisation_id == scope.organisation_id, Grant.reference == reference)
    )
    if grant is None or (scope.funder_id is not None and grant.funder_id != scope.funder_id):
        raise NotFound(M_UNKNOWN_GRANT, field=field, reference=reference)
    return grant


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
            selectinload(Grant.instalments),
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


def create_grant(session: Session, org: Organisation, data: dict[str, Any]) -> Grant:
    """Create a grant agreement from :class:`~fundtrack.schemas.ledger.GrantSchema` data.

    Refuses an unknown funder, project or category, a duplicate reference, a schedule
    that does not add up to the amount or lies outside the grant, instalments that
    exceed it, and a restricted grant without eligible categories.
    """
    scope = Scope(org.id)
    exists = session.scalar(
        select(Grant.id).where(Grant.organisation_id == org.id, Grant.reference == data["reference"])
    )
    if exists is not None:
        raise InputError(M_DUPLICATE_REFERENCE, field="reference", reference=data["reference"])
    funder = funder_by_name(session, scope, data["funder"])
    grant = Grant(organisation_id=org.id, funder_id=funder.id)
    with session.no_autoflush:
        _apply_grant(session, org, grant, data)
    session.add(grant)
    session.flush()
    record_change(session, org.id, "create", "grant", grant.id, grant.reference, None, grant_data(grant))
    return grant


def update_grant(session: Session, scope: Scope, reference: str, data: dict[str, Any]) -> Grant:
    """Change a grant; ``data`` holds the fields to change, checked like a new grant."""
    grant = grant_by_reference(session, scope, reference, field="reference")
    org = session.get_one(Organisation, scope.organisation_id)
    before = grant_data(grant)
    merged = {**grant_data(grant), **data}
    if merged["reference"] != reference:
        exists = session.scalar(
            select(Grant.id).where(Grant.organisation_id == org.id, Grant.reference == merged["reference"])
        )
        if exists is not None:
            raise InputError(M_DUPLICATE_REFERENCE, field="reference", reference=merged["reference"])
    if merged["funder"] != grant.funder.name:
        grant.funder = funder_by_name(session, Scope(org.id), merged["funder"])
    with session.no_autoflush:
        _apply_grant(session, org, grant, merged)
    session.flush()
    record_change(session, org.id, "update", "grant", grant.id, grant.reference, before, grant_data(grant))
    return grant


def _apply_grant(session: Session, org: Organisation, grant: Grant, data: dict[str, Any]) -> None:
    period = DateRange.checked(data["start_date"], data["end_date"], "end_date")
    amount: Decimal = data["amount"]
    grant.reference = data["reference"]
    grant.title = data["title"]
    grant.status = GrantStatus(data["status"])
    grant.amount = amount
    grant.start_date, grant.end_date = period.start, period.end
    grant.restricted = data.get("restricted", False)
    grant.fee_cap = data.get("fee_cap")
    grant.no_combination = data.get("no_combination", False)
    grant.notes = data.get("notes")
    matching = data.get("matching")
    grant.matching_rate = matching["rate"] if matching else None
    grant.matching_basis = MatchingBasis(matching["basis"]) if matching else None
    grant.projects = [
        project_by_name(session, org.id, name, field=f"projects[{i}]")
        for i, name in enumerate(data.get("projects", []))
    ]
    categories: list[BudgetCategory] = [
        category_by_code(session, org.id, code, field=f"eligible_categories[{i}]")
        for i, code in enumerate(data.get("eligible_categories", []))
    ]
    if grant.restricted and not categories:
        raise RuleViolation(M_RESTRICTED_NO_CATEGORY, field="eligible_categories")
    grant.eligible_categories = categories
    schedule = _schedule_entries(org, period, amount, data.get("schedule", []))
    grant.schedule = [GrantScheduleEntry(period_start=r.start, period_end=r.end, amount=a) for r, a in schedule]
    grant.instalments = _instalments(amount, data.get("instalments", []))
    grant.report_dues = [
        ReportDue(due_date=r["due_date"], title=r["title"], submitted_on=r.get("submitted_on"))
        for r in data.get("report_dues", [])
    ]
    basis = data.get("schedule_basis") or ("years" if schedule else "days")
    if basis == "instalments" and not grant.instalments:
        raise RuleViolation(M_INSTALMENTS_BASIS, field="schedule_basis")
    if basis == "years" and not schedule:
        raise RuleViolation(M_SCHEDULE_PERIOD, field="schedule")
    grant.schedule_basis = ScheduleBasis(basis)


def _schedule_entries(
    org: Organisation, period: DateRange, amount: Decimal, entries: list[dict[str, Any]]
) -> list[tuple[DateRange, Decimal]]:
    out: list[tuple[DateRange, Decimal]] = []
    for i, entry in enumerate(entries):
        field = f"schedule[{i}]"
        if entry.get("fiscal_year"):
            rng: DateRange = org.calendar.parse(entry["fiscal_year"], f"{field}.fiscal_year")
        elif entry.get("start") and entry.get("end"):
            rng = DateRange.checked(entry["start"], entry["end"], f"{field}.end")
        else:
            raise InputError(M_SCHEDULE_PERIOD, field=field)
        if not rng.overlap(period):
            raise RuleViolation(M_SCHEDULE_OUTSIDE, field=field, period=str(rng), start=period.start, end=period.end)
        for other, _ in out:
            if other.overlap(rng):
                raise RuleViolation(M_SCHEDULE_OVERLAP, field=field, first=str(other), second=str(rng))
        out.append((DateRange(rng.start, rng.end), entry["amount"]))
    if out:
        total = sum((a for _, a in out), ZERO)
        if total != amount:
            raise RuleViolation(
                M_SCHEDULE_TOTAL, field="schedule", schedule=format_money(total), amount=format_money(amount)
            )
    return sorted(out, key=lambda e: e[0].start)


def _instalments(amount: Decimal, entries: list[dict[str, Any]]) -> list[Instalment]:
    out = []
    for i, entry in enumerate(entries):
        if (entry.get("received_date") is None) != (entry.get("received_amount") is None):
            raise InputError(M_RECEIVED_BOTH, field=f"instalments[{i}]")
        out.append(
            Instalment(
                expected_date=entry["expected_date"],
                expected_amount=entry["amount"],
                received_date=entry.get("received_date"),
                received_amount=entry.get("received_amount"),
                note=entry.get("note"),
            )
        )
    total = sum((i.expected_amount for i in out), ZERO)
    if total > amount:
        raise RuleViolation(
            M_INSTALMENTS_EXCEED, field="instalments", total=format_money(total), amount=format_money(amount)
        )
    return sorted(out, key=lambda i: i.expected_date)


def record_instalment_received(
    session: Session,
    scope: Scope,
    reference: str,
    expected_date: date | None,
    received_date: date,
    amount: Decimal,
) -> Instalment:
    """Record that the instalment expected on ``expected_date`` (default: the first one
    not yet received) was received on ``received_date``, for ``amount``.

    Raises :class:`NotFound` for an unknown grant or instalment, :class:`RuleViolation`
    if it was already received, :class:`InputError` for an amount that is not positive.
    """
    if amount <= 0:
        raise InputError(M_RECEIVED_POSITIVE, field="amount", value=amount)
    grant = grant_by_reference(session, scope, reference)
    if expected_date is None:
        pending = [i for i in grant.instalments if i.received_date is None]
        if not pending:
            raise NotFound(M_NO_PENDING_INSTALMENT, field="grant", reference=reference)
        expected_date = pending[0].expected_date
    for instalment in grant.instalments:
        if instalment.expected_date == expected_date:
            if instalment.received_date is not None:
                raise RuleViolation(
                    M_ALREADY_RECEIVED, field="expected_date", date=expected_date, received=instalment.received_date
                )
            instalment.received_date = received_date
            instalment.received_amount = amount
            session.flush()
            record_change(
                session,
                grant.organisation_id,
                "receive",
                "instalment",
                instalment.id,
                f"{reference} {expected_date}",
                {"expected_date": expected_date, "expected_amount": instalment.expected_amount},
                {"received_date": received_date, "received_amount": amount},
            )
            return instalment
    raise NotFound(M_UNKNOWN_INSTALMENT, field="expected_date", date=expected_date, reference=reference)


def grant_terms(grant: Grant) -> GrantTerms:
    """The pure description of a grant's schedule, for :mod:`fundtrack.calc.schedule`."""
    return GrantTerms(
        amount=grant.amount,
        period=grant.period,
        basis=Basis(grant.schedule_basis.value),
        schedule=tuple((e.period, e.amount) for e in grant.schedule),
        instalments=tuple((i.expected_date, i.expected_amount) for i in grant.instalments),
    )


def grant_data(grant: Grant) -> dict[str, Any]:
    """A grant as :class:`~fundtrack.schemas.ledger.GrantSchema` data (the inverse of create)."""
    return {
        "reference": grant.reference,
        "funder": grant.funder.name,
        "title": grant.title,
        "status": grant.status.value,
        "amount": grant.amount,
        "start_date": grant.start_date,
        "end_date": grant.end_date,
        "projects": [p.name for p in grant.projects],
        "restricted": grant.restricted,
        "eligible_categories": [c.code for c in grant.eligible_categories],
        "fee_cap": grant.fee_cap,
        "matching": {"rate": grant.matching_rate, "basis": grant.matching_basis.value}
        if grant.matching_rate is not None and grant.matching_basis is not None
        else None,
        "no_combination": grant.no_combination,
        "schedule_basis": grant.schedule_basis.value,
        "schedule": [{"start": e.period_start, "end": e.period_end, "amount": e.amount} for e in grant.schedule],
        "instalments": [
            {
                "expected_date": i.expected_date,
                "amount": i.expected_amount,
                "received_date": i.received_date,
                "received_amount": i.received_amount,
                "note": i.note,
            }
            for i in grant.instalments
        ],
        "report_dues": [
            {"due_date": r.due_date, "title": r.title, "submitted_on": r.submitted_on} for r in grant.report_dues
        ],
        "notes": grant.notes,
    }
