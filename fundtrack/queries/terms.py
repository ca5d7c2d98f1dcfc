"""A grant as the pure rules see it: its schedule, and its amounts for the allocation rules."""

from __future__ import annotations

from fundtrack.calc.package import GrantTerms as AllocationTerms
from fundtrack.calc.schedule import Basis, GrantTerms, amounts_by_year
from fundtrack.models import Grant
from fundtrack.periods import FiscalCalendar


def grant_terms(grant: Grant) -> GrantTerms:
    """The pure description of a grant's schedule, for :mod:`fundtrack.calc.schedule`."""
    return GrantTerms(
        amount=grant.amount,
        period=grant.period,
        basis=Basis(grant.schedule_basis.value),
        schedule=tuple((e.period, e.amount) for e in grant.schedule),
        instalments=tuple((i.expected_date, i.expected_amount) for i in grant.instalments),
    )


def allocation_terms(calendar: FiscalCalendar, grant: Grant) -> AllocationTerms:
    """The grant as the allocation rules see it: its amount in each of the organisation's years."""
    return AllocationTerms(
        grant_id=grant.id,
        label=grant.reference,
        amount=grant.amount,
        period=grant.period,
        by_period={year: amount for year, amount in amounts_by_year(grant_terms(grant), calendar).items()},
        restricted=grant.restricted,
        eligible_categories=frozenset(c.code for c in grant.eligible_categories),
        fee_cap=grant.effective_fee_cap,
    )
