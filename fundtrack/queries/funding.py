"""The funding ledger of a period, read through SQLAlchemy Core (no ORM, no models).

The treasurer's ``fundtrack ledger`` and the dashboard read the same ledger: each funder's
confirmed and requested amounts in the period (the schedule rules of
:mod:`fundtrack.calc.schedule`), what came in and what is still to come. The grants
and what the ledger reads of them (funder, schedule, instalments, receipts) are four
statements on the light tables of :mod:`fundtrack.tables`, whatever the number of
grants; a Session is read through its connection (:func:`fundtrack.db.connection_of`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from fundtrack.calc.schedule import Basis, GrantTerms, amount_in
from fundtrack.db import connection_of
from fundtrack.kinds import GrantStatus
from fundtrack.money import ZERO
from fundtrack.periods import DateRange, FiscalCalendar
from fundtrack.queries.scope import Scope
from fundtrack.tables import funders, grant_schedule, grants, instalment_receipts, instalments, organisations

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

COMMITTED = (GrantStatus.CONFIRMED, GrantStatus.CLOSED)


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


@dataclass(frozen=True)
class _Instalment:
    expected_date: date
    expected_amount: Decimal
    received_amount: Decimal | None
    receipts: tuple[tuple[date, Decimal], ...]  # (received_date, amount), oldest first

    @property
    def still_due(self) -> Decimal:
        """What is still to come of this instalment (nothing once received in full)."""
        return max(self.expected_amount - (self.received_amount or ZERO), ZERO)

    def received_in(self, period: DateRange) -> Decimal:
        """What came in on this instalment during ``period`` (each receipt on its own date)."""
        return sum((amount for day, amount in self.receipts if day in period), ZERO)


@dataclass(frozen=True)
class _Grant:
    id: int
    reference: str
    status: GrantStatus
    funder_id: int
    funder: str
    funder_kind: str
    period: DateRange
    terms: GrantTerms
    instalments: tuple[_Instalment, ...]


def funding_ledger(db: Connection | Session, scope: Scope, period: DateRange, label: str | None = None) -> Ledger:
    """Per funder and in total, for ``period`` (usually one fiscal year):

    - *confirmed*: the part of confirmed (or closed) grants that falls in the period;
    - *requested*: the same for grants still requested;
    - *received*: instalments received in the period;
    - *to_receive*: instalments of confirmed grants expected in the period and not yet
      received, plus the part in the period of confirmed grants that have no instalments.
    """
    rows: dict[int, LedgerRow] = {}
    for grant in _ledger_grants(connection_of(db), scope):
        received_in = any(day in period for i in grant.instalments for day, _ in i.receipts)
        overlaps = grant.period.overlap(period) is not None
        if not overlaps and not received_in:
            continue
        share = amount_in(grant.terms, period) if overlaps else ZERO
        if grant.funder_id not in rows:
            rows[grant.funder_id] = LedgerRow(grant.funder, grant.funder_kind)
        r = rows[grant.funder_id]
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


def ledger_for_year(
    db: Connection | Session, scope: Scope, label: str, calendar: FiscalCalendar | None = None
) -> Ledger:
    """The ledger of one fiscal year, of the organisation's calendar unless another is given."""
    connection = connection_of(db)
    if calendar is None:
        start_month = connection.execute(
            select(organisations.c.fiscal_start_month).where(organisations.c.id == scope.organisation_id)
        ).scalar_one()
        calendar = FiscalCalendar(start_month)
    year = calendar.parse(label, "fiscal_year")
    return funding_ledger(connection, scope, year, year.label)


def _ledger_grants(connection: Connection, scope: Scope) -> list[_Grant]:
    """The confirmed, closed and requested grants of the scope, oldest first, with what the
    ledger reads of them: their funder (joined), schedule, instalments and receipts (four
    statements, the last three for every grant of the first at once)."""
    read = (scope.grants_filter(grants), grants.c.status.in_((*COMMITTED, GrantStatus.REQUESTED)))
    ids = select(grants.c.id).where(*read)
    schedules: dict[int, list[tuple[DateRange, Decimal]]] = defaultdict(list)
    for grant_id, start, end, amount in connection.execute(
        select(
            grant_schedule.c.grant_id,
            grant_schedule.c.period_start,
            grant_schedule.c.period_end,
            grant_schedule.c.amount,
        )
        .where(grant_schedule.c.grant_id.in_(ids))
        .order_by(grant_schedule.c.grant_id, grant_schedule.c.period_start)
    ):
        schedules[grant_id].append((DateRange(start, end), amount))
    receipts: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for instalment_id, day, amount in connection.execute(
        select(instalment_receipts.c.instalment_id, instalment_receipts.c.received_date, instalment_receipts.c.amount)
        .join_from(instalment_receipts, instalments, instalments.c.id == instalment_receipts.c.instalment_id)
        .where(instalments.c.grant_id.in_(ids))
        .order_by(instalment_receipts.c.received_date, instalment_receipts.c.id)
    ):
        receipts[instalment_id].append((day, amount))
    by_grant: dict[int, list[_Instalment]] = defaultdict(list)
    for inst_id, grant_id, expected_date, expected, received in connection.execute(
        select(
            instalments.c.id,
            instalments.c.grant_id,
            instalments.c.expected_date,
            instalments.c.expected_amount,
            instalments.c.received_amount,
        )
        .where(instalments.c.grant_id.in_(ids))
        .order_by(instalments.c.expected_date, instalments.c.id)
    ):
        by_grant[grant_id].append(_Instalment(expected_date, expected, received, tuple(receipts[inst_id])))
    query = (
        select(
            grants.c.id,
            grants.c.reference,
            grants.c.status,
            grants.c.amount,
            grants.c.start_date,
            grants.c.end_date,
            grants.c.schedule_basis,
            grants.c.funder_id,
            funders.c.name,
            funders.c.kind,
        )
        .join_from(grants, funders, funders.c.id == grants.c.funder_id)
        .where(*read)
        .order_by(grants.c.start_date, grants.c.reference)
    )
    return [
        _Grant(
            id=grant_id,
            reference=reference,
            status=status,
            funder_id=funder_id,
            funder=funder_name,
            funder_kind=kind.value,
            period=DateRange(start, end),
            terms=_terms(amount, DateRange(start, end), basis.value, schedules[grant_id], by_grant[grant_id]),
            instalments=tuple(by_grant[grant_id]),
        )
        for grant_id, reference, status, amount, start, end, basis, funder_id, funder_name, kind in connection.execute(
            query
        )
    ]


def _terms(
    amount: Decimal,
    period: DateRange,
    basis: str,
    schedule: Sequence[tuple[DateRange, Decimal]],
    instalments: Sequence[_Instalment],
) -> GrantTerms:
    """The grant as :mod:`fundtrack.calc.schedule` sees it (as :func:`fundtrack.queries.terms.grant_terms` does a model's)."""
    return GrantTerms(
        amount=amount,
        period=period,
        basis=Basis(basis),
        schedule=tuple(schedule),
        instalments=tuple((i.expected_date, i.expected_amount) for i in instalments),
    )
