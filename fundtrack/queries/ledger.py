"""What the treasurer reads off the funding ledger: amounts per fiscal year, the ledger, receivables."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from fundtrack.calc.schedule import amount_in, amounts_by_year
from fundtrack.models import Funder, Grant, GrantStatus, Instalment, InstalmentReceipt, Organisation
from fundtrack.money import ZERO
from fundtrack.periods import DateRange, FiscalCalendar, FiscalYear
from fundtrack.queries.lookups import grant_by_reference
from fundtrack.queries.scope import Scope
from fundtrack.queries.terms import grant_terms

COMMITTED = (GrantStatus.CONFIRMED, GrantStatus.CLOSED)


@dataclass(frozen=True)
class GrantYears:
    """A grant's amount in each fiscal year of the organisation and of its funder."""

    reference: str
    funder: str
    amount: Decimal
    organisation_years: dict[FiscalYear, Decimal]
    funder_years: dict[FiscalYear, Decimal]


def grant_years(session: Session, scope: Scope, reference: str) -> GrantYears:
    grant = grant_by_reference(session, scope, reference)
    org = session.get_one(Organisation, scope.organisation_id)
    terms = grant_terms(grant)
    return GrantYears(
        reference=grant.reference,
        funder=grant.funder.name,
        amount=grant.amount,
        organisation_years=amounts_by_year(terms, org.calendar),
        funder_years=amounts_by_year(terms, grant.funder.calendar),
    )


@dataclass
class LedgerRow:
    """One funder's money in a period."""

    funder: str
    kind: str
    confirmed: Decimal = ZERO
    requested: Decimal = ZERO
    received: Decimal = ZERO
    to_receive: Decimal = ZERO
    grants: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Ledger:
    period: DateRange
    label: str
    rows: list[LedgerRow]
    total: LedgerRow


def funding_ledger(session: Session, scope: Scope, period: DateRange, label: str | None = None) -> Ledger:
    """Per funder and in total, for ``period`` (usually one fiscal year):

    - *confirmed*: the part of confirmed (or closed) grants that falls in the period;
    - *requested*: the same for grants still requested;
    - *received*: instalments received in the period;
    - *to_receive*: instalments of confirmed grants expected in the period and not yet
      received, plus the part in the period of confirmed grants that have no instalments.
    """
    rows: dict[int, LedgerRow] = {}

    def row(funder: Funder) -> LedgerRow:
        if funder.id not in rows:
            rows[funder.id] = LedgerRow(funder.name, funder.kind.value)
        return rows[funder.id]

    for grant in _ledger_grants(session, scope):
        received_in = any(i.any_received_in(period) for i in grant.instalments)
        if not grant.period.overlap(period) and not received_in:
            continue
        share = amount_in(grant_terms(grant), period) if grant.period.overlap(period) else ZERO
        r = row(grant.funder)
        r.grants.append(grant.reference)
        if grant.status is GrantStatus.REQUESTED:
            r.requested += share
            continue
        r.confirmed += share
        if not grant.instalments:
            r.to_receive += share
        for inst in grant.instalments:
            r.received += inst.received_in(period)
            if inst.expected_date in period:
                r.to_receive += inst.still_due
    ordered = sorted(rows.values(), key=lambda r: (-r.confirmed, r.funder))
    total = LedgerRow("", "")
    for r in ordered:
        total.confirmed += r.confirmed
        total.requested += r.requested
        total.received += r.received
        total.to_receive += r.to_receive
    return Ledger(period, label or str(period), ordered, total)


def _ledger_grants(session: Session, scope: Scope) -> list[Grant]:
    """The confirmed, closed and requested grants of the scope with what the ledger reads of
    them: their funder (joined), schedule, instalments and receipts (four statements)."""
    query = (
        select(Grant)
        .where(scope.grants_filter(), Grant.status.in_((*COMMITTED, GrantStatus.REQUESTED)))
        .options(
            joinedload(Grant.funder),
            selectinload(Grant.schedule),
            selectinload(Grant.instalments).selectinload(Instalment.receipts),
        )
        .order_by(Grant.start_date, Grant.reference)
    )
    return list(session.scalars(query))


def ledger_for_year(session: Session, scope: Scope, label: str, calendar: FiscalCalendar | None = None) -> Ledger:
    """The ledger of one fiscal year, of the organisation's calendar unless another is given."""
    org = session.get_one(Organisation, scope.organisation_id)
    year = (calendar or org.calendar).parse(label, "fiscal_year")
    return funding_ledger(session, scope, year, year.label)


@dataclass(frozen=True)
class Receivable:
    """An instalment still due: all of it, or (``received`` > 0) what a short receipt left."""

    funder: str
    reference: str
    expected_date: date
    amount: Decimal
    overdue_days: int
    received: Decimal = ZERO

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0


def receivables(session: Session, scope: Scope, as_of: date) -> list[Receivable]:
    """Instalments of confirmed grants not received in full, oldest first, each with what is
    still due; overdue as of ``as_of``."""
    short = Instalment.received_amount.is_(None) | (Instalment.received_amount < Instalment.expected_amount)
    query = (
        select(
            Funder.name,
            Grant.reference,
            Instalment.expected_date,
            Instalment.expected_amount,
            Instalment.received_amount,
        )
        .join(Instalment.grant)
        .join(Grant.funder)
        # the organisation on both sides of the funders' join: its own read, not every one's
        .where(
            scope.grants_filter(), Funder.organisation_id == scope.organisation_id, Grant.status.in_(COMMITTED), short
        )
        .order_by(Instalment.expected_date, Funder.name, Grant.reference)
    )
    return [
        Receivable(name, ref, expected, amount - (received or ZERO), max(0, (as_of - expected).days), received or ZERO)
        for name, ref, expected, amount, received in session.execute(query)
    ]


def received_by_funder(session: Session, scope: Scope, period: DateRange) -> dict[str, Decimal]:
    """What came in during ``period`` (each receipt on its own date), summed by the database per funder."""
    query = (
        select(Funder.name, func.sum(InstalmentReceipt.amount))
        .join(InstalmentReceipt.instalment)
        .join(Instalment.grant)
        .join(Grant.funder)
        .where(
            scope.grants_filter(),
            Funder.organisation_id == scope.organisation_id,
            InstalmentReceipt.received_date >= period.start,
            InstalmentReceipt.received_date <= period.end,
        )
        .group_by(Funder.name)
    )
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for name, total in session.execute(query):
        out[name] = total if total is not None else ZERO
    return dict(out)
