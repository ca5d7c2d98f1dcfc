"""The sections of the interchange file, in the order they are written (a record may name
only records of the sections before it)."""

from __future__ import annotations

from fundtrack.services.interchange import attachments, budgets, ledger, staffing
from fundtrack.services.interchange.section import Section

SECTIONS: tuple[Section, ...] = (
    ledger.CATEGORIES,
    ledger.FUNDERS,
    ledger.PROJECTS,
    ledger.GRANTS,
    budgets.VERSIONS,
    budgets.ALLOCATIONS,
    budgets.IN_KIND,
    budgets.OWN_FUNDS,
    budgets.EXPENSES,
    staffing.PAYROLL_RATES,
    staffing.POSITIONS,
    staffing.SCENARIOS,
    attachments.ATTACHMENTS,
)
