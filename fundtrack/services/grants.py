"""The treasurer's use cases on grant agreements: create one, change it in place, list them.

A grant is checked as a whole (its schedule adds up to its amount, its instalments do
not exceed it, a restricted grant names its categories) and against what it already
pays for: it is never lowered below what is charged or allocated to it, never declined
or un-confirmed while it has charges, never moved or restricted so that its charges no
longer fit. A change is made in place (the schedule, instalments and report due dates
keep their rows), from the revision its author read, while the grant's row is locked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.calc.package import check_allocations
from fundtrack.errors import InputError, RuleViolation
from fundtrack.i18n import lazy, msg
from fundtrack.models import (
    Grant,
    GrantScheduleEntry,
    GrantStatus,
    Instalment,
    InstalmentReceipt,
    MatchingBasis,
    ReportDue,
    ScheduleBasis,
)
from fundtrack.money import ZERO, shown
from fundtrack.periods import DateRange
from fundtrack.queries.charges import charges_of_grant
from fundtrack.queries.lookups import (
    category_by_code,
    check_revision,
    funder_by_name,
    grant_by_reference,
    new_revision,
    project_by_name,
)
from fundtrack.queries.terms import allocation_terms
from fundtrack.roles import Action
from fundtrack.schemas.ledger import Matching, NewGrant, NewInstalment, NewReportDue, ReceivedPayment, ScheduleEntry
from fundtrack.services.allocations import allocation_items
from fundtrack.services.context import Acting

M_DUPLICATE_REFERENCE = msg("grant.duplicate_reference")
M_SCHEDULE_TOTAL = msg("grant.schedule_total")
M_SCHEDULE_OUTSIDE = msg("grant.schedule_outside")
M_SCHEDULE_PERIOD = msg("grant.schedule_period")
M_SCHEDULE_OVERLAP = msg("grant.schedule_overlap")
M_INSTALMENTS_EXCEED = msg("grant.instalments_exceed")
M_RECEIVED_BOTH = msg("instalment.received_both")
M_RECEIVED_EXCEED = msg("grant.received_exceed")
M_RESTRICTED_NO_CATEGORY = msg("grant.restricted_no_category")
M_INSTALMENTS_BASIS = msg("grant.instalments_basis")
M_BELOW_CHARGED = msg("grant.below_charged")
M_STATUS_WITH_CHARGES = msg("grant.status_with_charges")
M_CHARGES_OUTSIDE = msg("grant.charges_outside")
M_CHARGES_INELIGIBLE = msg("grant.charges_ineligible")
M_RECEIPT_BY_RECEIVE = msg("grant.receipt_by_receive")
M_DUPLICATE_INSTALMENT = msg("grant.duplicate_instalment")
M_RECEIPTS_DISAGREE = msg("instalment.receipts_disagree")

CHARGEABLE = (GrantStatus.CONFIRMED, GrantStatus.CLOSED)


def create_grant(session: Session, acting: Acting, cmd: NewGrant) -> Grant:
    """Create a grant agreement. Refuses an unknown funder, project or category, a duplicate
    reference, a schedule that does not add up to the amount or lies outside the grant,
    instalments (or receipts) that exceed it, a restricted grant without categories."""
    acting.require(session, Action.MONEY)
    _check_reference_free(session, acting, cmd.reference)
    funder = funder_by_name(session, acting.scope, cmd.funder)
    grant = Grant(organisation_id=acting.organisation_id, funder_id=funder.id)
    with session.no_autoflush:
        _apply_terms(session, acting, grant, cmd)
        grant.instalments = [_new_instalment(e, n) for n, e in enumerate(_checked_instalments(cmd))]
        grant.report_dues = [
            ReportDue(due_date=r.due_date, title=r.title, submitted_on=r.submitted_on) for r in cmd.report_dues
        ]
        _check_basis(grant, cmd)
    session.add(grant)
    session.flush()
    return grant


def update_grant(session: Session, acting: Acting, reference: str, revision: int | None, cmd: NewGrant) -> Grant:
    """Change grant ``reference`` to ``cmd``'s terms, in place, from ``revision`` (the one its
    author read; ``None`` only for a script that read it in the same transaction).

    Refuses a stale revision (:class:`~fundtrack.errors.StaleRecord`), the rules of a new
    grant, and any change that what the grant already pays for would break. Receipts are
    recorded with :func:`fundtrack.services.receipts.record_instalment_received`, never
    changed here.
    """
    acting.require(session, Action.MONEY)
    grant = grant_by_reference(session, acting.scope, reference, field="reference", lock=True)
    check_revision(grant, revision, grant.reference)
    if cmd.reference != reference:
        _check_reference_free(session, acting, cmd.reference)
    if cmd.funder != grant.funder.name:
        grant.funder = funder_by_name(session, acting.scope, cmd.funder)
    with session.no_autoflush:
        _apply_terms(session, acting, grant, cmd)
        _update_instalments(grant, _checked_instalments(cmd))
        _update_report_dues(grant, cmd.report_dues)
        _check_basis(grant, cmd)
        new_revision(grant)  # the agreement as a whole
    _check_what_it_pays_for(session, acting, grant)
    session.flush()
    return grant


def _check_reference_free(session: Session, acting: Acting, reference: str) -> None:
    exists = session.scalar(
        select(Grant.id).where(Grant.organisation_id == acting.organisation_id, Grant.reference == reference)
    )
    if exists is not None:
        raise InputError(M_DUPLICATE_REFERENCE, field="reference", reference=reference)


def _apply_terms(session: Session, acting: Acting, grant: Grant, cmd: NewGrant) -> None:
    period = DateRange.checked(cmd.start_date, cmd.end_date, "end_date")
    grant.reference = cmd.reference
    grant.title = cmd.title
    grant.status = GrantStatus(cmd.status)
    grant.amount = cmd.amount
    grant.start_date, grant.end_date = period.start, period.end
    grant.restricted = cmd.restricted
    grant.fee_cap = cmd.fee_cap
    grant.no_combination = cmd.no_combination
    grant.notes = cmd.notes
    grant.matching_rate = cmd.matching.rate if cmd.matching else None
    grant.matching_basis = MatchingBasis(cmd.matching.basis) if cmd.matching else None
    grant.projects = [
        project_by_name(session, acting.scope, name, field=f"projects[{i}]") for i, name in enumerate(cmd.projects)
    ]
    categories = [
        category_by_code(session, acting.scope, code, field=f"eligible_categories[{i}]")
        for i, code in enumerate(cmd.eligible_categories)
    ]
    if grant.restricted and not categories:
        raise RuleViolation(M_RESTRICTED_NO_CATEGORY, field="eligible_categories")
    grant.eligible_categories = categories
    _update_schedule(grant, _schedule_entries(acting, period, cmd.amount, cmd.schedule))


def _schedule_entries(
    acting: Acting, period: DateRange, amount: Decimal, entries: Sequence[ScheduleEntry]
) -> list[tuple[DateRange, Decimal]]:
    out: list[tuple[DateRange, Decimal]] = []
    for i, entry in enumerate(entries):
        field = f"schedule[{i}]"
        if entry.fiscal_year:
            rng: DateRange = acting.calendar.parse(entry.fiscal_year, f"{field}.fiscal_year")
        elif entry.start and entry.end:
            rng = DateRange.checked(entry.start, entry.end, f"{field}.end")
        else:
            raise InputError(M_SCHEDULE_PERIOD, field=field)
        if not rng.overlap(period):
            raise RuleViolation(M_SCHEDULE_OUTSIDE, field=field, period=str(rng), start=period.start, end=period.end)
        for other, _ in out:
            if other.overlap(rng):
                raise RuleViolation(M_SCHEDULE_OVERLAP, field=field, first=str(other), second=str(rng))
        out.append((DateRange(rng.start, rng.end), entry.amount))
    if out:
        total = sum((a for _, a in out), ZERO)
        if total != amount:
            raise RuleViolation(M_SCHEDULE_TOTAL, field="schedule", schedule=shown(total), amount=shown(amount))
    return sorted(out, key=lambda e: e[0].start)


def _update_schedule(grant: Grant, entries: list[tuple[DateRange, Decimal]]) -> None:
    """Keep the rows of periods that stay, change their amounts, add and remove the others."""
    existing = {e.period_start: e for e in grant.schedule}
    kept = []
    for rng, amount in entries:
        row = existing.pop(rng.start, None) or GrantScheduleEntry(period_start=rng.start)
        row.period_end, row.amount = rng.end, amount
        kept.append(row)
    grant.schedule = kept


def _checked_instalments(cmd: NewGrant) -> list[NewInstalment]:
    seen = set()
    received = ZERO
    for i, entry in enumerate(cmd.instalments):
        if (entry.received_date is None) != (entry.received_amount is None) and not entry.receipts:
            raise InputError(M_RECEIVED_BOTH, field=f"instalments[{i}]")
        if entry.expected_date in seen:
            raise InputError(M_DUPLICATE_INSTALMENT, field=f"instalments[{i}].expected_date", date=entry.expected_date)
        seen.add(entry.expected_date)
        received += _received(entry, i)[0] or ZERO
    total = sum((i.amount for i in cmd.instalments), ZERO)
    if total > cmd.amount:
        raise RuleViolation(M_INSTALMENTS_EXCEED, field="instalments", total=shown(total), amount=shown(cmd.amount))
    if received > cmd.amount:
        raise RuleViolation(M_RECEIVED_EXCEED, field="instalments", received=shown(received), amount=shown(cmd.amount))
    return sorted(cmd.instalments, key=lambda i: i.expected_date)


def _payments(entry: NewInstalment) -> list[ReceivedPayment]:
    """The receipts an instalment's entry writes: one by one, or its total as one receipt."""
    if entry.receipts:
        return sorted(entry.receipts, key=lambda r: r.received_date)
    if entry.received_date is not None and entry.received_amount:
        return [ReceivedPayment(entry.received_date, entry.received_amount)]
    return []


def _received(entry: NewInstalment, index: int) -> tuple[Decimal | None, date | None]:
    """What came in on the instalment and when last; its receipts and totals must agree."""
    if not entry.receipts:
        return entry.received_amount, entry.received_date
    total = sum((r.amount for r in entry.receipts), ZERO)
    last = max(r.received_date for r in entry.receipts)
    if (entry.received_amount is not None and entry.received_amount != total) or (
        entry.received_date is not None and entry.received_date != last
    ):
        raise InputError(
            M_RECEIPTS_DISAGREE,
            field=f"instalments[{index}].receipts",
            total=shown(total),
            last=last,
            amount=shown(entry.received_amount or ZERO),
            date=entry.received_date or last,
        )
    return total, last


def _new_instalment(entry: NewInstalment, index: int) -> Instalment:
    amount, last = _received(entry, index)
    return Instalment(
        expected_date=entry.expected_date,
        expected_amount=entry.amount,
        received_date=last,
        received_amount=amount,
        note=entry.note,
        receipts=[InstalmentReceipt(received_date=p.received_date, amount=p.amount) for p in _payments(entry)],
    )


def _same_receipts(entry: NewInstalment, row: Instalment) -> bool:
    if entry.receipts:
        mine = [(p.received_date, p.amount) for p in _payments(entry)]
        return mine == [(r.received_date, r.amount) for r in row.receipts]
    if entry.received_date is None:
        return True  # a script that leaves receipts out keeps them
    return (entry.received_date, entry.received_amount) == (row.received_date, row.received_amount)


def _update_instalments(grant: Grant, entries: list[NewInstalment]) -> None:
    """Instalments matched by expected date; a receipt is kept as recorded (received with
    ``receive``), and an instalment already received cannot be removed."""
    existing = {i.expected_date: i for i in grant.instalments}
    kept = []
    for n, entry in enumerate(entries):
        row = existing.pop(entry.expected_date, None)
        if row is None:
            kept.append(_new_instalment(entry, n))
            continue
        if not _same_receipts(entry, row):
            raise RuleViolation(M_RECEIPT_BY_RECEIVE, field=f"instalments[{n}].received_amount", date=row.expected_date)
        row.expected_amount, row.note = entry.amount, entry.note
        kept.append(row)
    for gone in existing.values():
        if gone.received_date is not None:
            raise RuleViolation(M_RECEIPT_BY_RECEIVE, field="instalments", date=gone.expected_date)
    grant.instalments = kept


def _update_report_dues(grant: Grant, entries: Sequence[NewReportDue]) -> None:
    existing = {(r.due_date, r.title): r for r in grant.report_dues}
    kept = []
    for entry in entries:
        row = existing.pop((entry.due_date, entry.title), None) or ReportDue(due_date=entry.due_date, title=entry.title)
        row.submitted_on = entry.submitted_on
        kept.append(row)
    grant.report_dues = kept


def _check_basis(grant: Grant, cmd: NewGrant) -> None:
    basis = cmd.schedule_basis or ("years" if grant.schedule else "days")
    if basis == "instalments" and not grant.instalments:
        raise RuleViolation(M_INSTALMENTS_BASIS, field="schedule_basis")
    if basis == "years" and not grant.schedule:
        raise RuleViolation(M_SCHEDULE_PERIOD, field="schedule")
    grant.schedule_basis = ScheduleBasis(basis)


def _check_what_it_pays_for(session: Session, acting: Acting, grant: Grant) -> None:
    """The changed grant still covers its charges and its allocations (domain.md 4.5)."""
    charges = charges_of_grant(session, grant.id)
    if charges.any:
        if grant.amount < charges.total:
            raise RuleViolation(
                M_BELOW_CHARGED,
                field="amount",
                amount=shown(grant.amount),
                charged=shown(charges.total),
            )
        if grant.status not in CHARGEABLE:
            raise RuleViolation(
                M_STATUS_WITH_CHARGES,
                field="status",
                status=lazy(f"grant_status.{grant.status.value}"),
                charged=shown(charges.total),
            )
        if (
            charges.first is not None
            and charges.last is not None
            and (charges.first < grant.start_date or charges.last > grant.end_date)
        ):
            raise RuleViolation(M_CHARGES_OUTSIDE, field="start_date", first=charges.first, last=charges.last)
        eligible = {c.code for c in grant.eligible_categories}
        outside = sorted(charges.categories - eligible) if grant.restricted else []
        if outside:
            raise RuleViolation(M_CHARGES_INELIGIBLE, field="eligible_categories", categories=", ".join(outside))
    items = allocation_items(session, acting.scope, grant)
    if items:
        check_allocations(allocation_terms(acting.calendar, grant), items)


def grant_command(grant: Grant) -> NewGrant:
    """A grant's terms as the command that would create it (the inverse of :func:`create_grant`)."""
    matching = (
        Matching(grant.matching_rate, grant.matching_basis.value)
        if grant.matching_rate is not None and grant.matching_basis is not None
        else None
    )
    return NewGrant(
        reference=grant.reference,
        funder=grant.funder.name,
        title=grant.title,
        status=grant.status.value,
        amount=grant.amount,
        start_date=grant.start_date,
        end_date=grant.end_date,
        projects=tuple(p.name for p in grant.projects),
        restricted=grant.restricted,
        eligible_categories=tuple(c.code for c in grant.eligible_categories),
        fee_cap=grant.fee_cap,
        matching=matching,
        no_combination=grant.no_combination,
        schedule_basis=grant.schedule_basis.value,
        schedule=tuple(ScheduleEntry(e.amount, start=e.period_start, end=e.period_end) for e in grant.schedule),
        instalments=tuple(
            NewInstalment(
                i.expected_date,
                i.expected_amount,
                i.received_date,
                i.received_amount,
                i.note,
                # one receipt is its total; several are written one by one
                tuple(ReceivedPayment(r.received_date, r.amount) for r in i.receipts) if len(i.receipts) > 1 else (),
            )
            for i in grant.instalments
        ),
        report_dues=tuple(NewReportDue(r.due_date, r.title, r.submitted_on) for r in grant.report_dues),
        notes=grant.notes,
    )
