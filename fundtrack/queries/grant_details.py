"""What a grant's page shows: its amount in each fiscal year, what came in, what is still to receive."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from fundtrack.calc.schedule import amounts_by_year
from fundtrack.models import Grant, GrantStatus, Organisation
from fundtrack.money import ZERO
from fundtrack.periods import FiscalYear
from fundtrack.queries.terms import grant_terms

COMMITTED = (GrantStatus.CONFIRMED, GrantStatus.CLOSED)


@dataclass(frozen=True)
class YearFigures:
    """One fiscal year of the organisation: the grant's part of it and the payments received in it."""

    year: FiscalYear
    amount: Decimal
    received: Decimal


@dataclass(frozen=True)
class GrantFigures:
    """A grant's amount per fiscal year and in total, what was received, what is still to receive
    (nothing is to receive on a grant requested or declined)."""

    years: list[YearFigures]
    amount: Decimal
    received: Decimal
    to_receive: Decimal


def grant_figures(session: Session, grant: Grant) -> GrantFigures:
    """The figures of ``grant`` (already read within the caller's scope) in the organisation's years."""
    calendar = session.get_one(Organisation, grant.organisation_id).calendar
    by_year = amounts_by_year(grant_terms(grant), calendar)
    received_by_year: dict[FiscalYear, Decimal] = {}
    for instalment in grant.instalments:
        for receipt in instalment.receipts:
            year = calendar.year_of(receipt.received_date)
            received_by_year[year] = received_by_year.get(year, ZERO) + receipt.amount
    years = sorted(set(by_year) | set(received_by_year), key=lambda y: y.start)
    received = sum(received_by_year.values(), ZERO)
    return GrantFigures(
        years=[YearFigures(y, by_year.get(y, ZERO), received_by_year.get(y, ZERO)) for y in years],
        amount=grant.amount,
        received=received,
        to_receive=grant.amount - received if grant.status in COMMITTED else ZERO,
    )
