"""What the treasurer reads off the funding ledger: amounts per fiscal year, the ledger, receivables.

The ledger of a period itself is read through SQLAlchemy Core in :mod:`fundtrack.queries.funding`
(the listing command needs no ORM) and is imported here under its old names.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fundtrack.calc.schedule import amounts_by_year
from fundtrack.models import Funder, Grant, Instalment, InstalmentReceipt, Organisation
from fundtrack.money import ZERO
from fundtrack.periods import DateRange, FiscalYear
from fundtrack.queries.funding import COMMITTED as COMMITTED
from fundtrack.queries.funding import Ledger as Ledger
from fundtrack.queries.funding import LedgerRow as LedgerRow
from fundtrack.queries.funding import funding_ledger as funding_ledger
from fundtrack.queries.funding import ledger_for_year as ledger_for_year
from fundtrack.queries.lookups import grant_by_reference
from fundtrack.queries.scope import Scope
from fundtrack.queries.terms import grant_terms


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
