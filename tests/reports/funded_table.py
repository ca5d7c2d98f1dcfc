"""The Table of the budget tests with expenses charged, a requested grant and an in-kind loan.

Used by the report tests until the Parc-Extension example carries budgets and expenses
of its own: Centraide's PIC and the borough's restricted grant pay parts of the
operations budget for 2025-2026; a foundation's request would pay the rooms; a partner
lends a room; expenses are charged to the grants (one payee and one description look
like formulas).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fundtrack.schemas.budgets import InKindSchema
from fundtrack.schemas.ledger import FunderSchema
from fundtrack.services.allocations import allocate
from fundtrack.services.context import Acting
from fundtrack.services.contributions import add_in_kind
from fundtrack.services.expenses import record_expense
from fundtrack.services.funders import create_funder
from fundtrack.services.grants import create_grant
from tests.integration.budget_factories import OPS, alloc, expense, grant, the_table

HOSTILE_PAYEE = '=HYPERLINK("http://example.com/x","Cliquez")'
HOSTILE_DESCRIPTION = "+1 -1 @SUM(A1)"


def funded_table(session: Session) -> Acting:
    org = the_table(session)
    create_funder(session, org, FunderSchema().load({"name": "Fondation du quartier", "kind": "foundation"}))
    create_grant(
        session,
        org,
        grant("FDQ-2025", "Fondation du quartier", "5000.00", date(2025, 4, 1), date(2026, 3, 31), status="requested"),
    )
    allocate(session, org, alloc("FDQ-2025", "room_rental", "2500.00"))
    allocate(session, org, alloc("PIC", "administration", "1200.00"))
    allocate(session, org, alloc("ARR-2025", "administration", "800.00"))
    add_in_kind(
        session,
        org,
        InKindSchema().load(
            {
                "project": OPS,
                "contributor": "Centre communautaire",
                "description": "Salle prêtée pour le Grand rendez-vous",
                "fair_value": Decimal("1500.00"),
                "start_date": date(2025, 4, 1),
                "end_date": date(2026, 3, 31),
            }
        ),
    )
    expenses: list[tuple[date, str, str, dict[str, Any]]] = [
        (date(2025, 5, 14), "1000.00", "translation", {"charges": [{"grant": "PIC", "amount": Decimal("1074.87")}]}),
        (
            date(2025, 6, 12),
            "2000.00",
            "translation",
            {"charges": [{"grant": "ARR-2025", "amount": Decimal("2149.75")}]},
        ),
        (
            date(2025, 9, 3),
            "800.00",
            "catering",
            {
                "payee": HOSTILE_PAYEE,
                "description": HOSTILE_DESCRIPTION,
                "receipt_reference": "@R-1",
                "charges": [{"grant": "PIC", "amount": Decimal("400.00")}],
                "own_funds": Decimal("459.90"),
            },
        ),
        (date(2025, 10, 20), "300.00", "administration", {"charges": [{"grant": "PIC", "amount": Decimal("322.46")}]}),
        (date(2025, 11, 5), "450.00", "room_rental", {"charge": "own"}),
    ]
    for day, pre_tax, category, extra in expenses:
        record_expense(session, org, expense(day, pre_tax, category, **extra))
    session.flush()
    return org
