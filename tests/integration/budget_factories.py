"""Plain factory functions for the budget and expense tests: the Table with two grants and a budget."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fundtrack.schemas.budgets import NewAllocation, NewCharge, NewExpense, VersionSchema, YearAmount
from fundtrack.schemas.interchange import NewOrganisation
from fundtrack.schemas.ledger import FunderSchema, GrantSchema, NewGrant, ProjectSchema
from fundtrack.services.allocations import allocate
from fundtrack.services.budgets import create_version
from fundtrack.services.context import Acting
from fundtrack.services.funders import create_funder, create_project
from fundtrack.services.grants import create_grant
from fundtrack.services.organisation import create_organisation

OPS = "Fonctionnement de la Table"


def the_table(session: Session) -> Acting:
    """The Table, Centraide's PIC (unrestricted) and the borough's restricted events grant,
    the operations budget for 2025-2026 with translation, rooms and catering lines; the
    treasurer acting for it."""
    acting = create_organisation(session, NewOrganisation("Table de quartier de Parc-Extension"))
    create_funder(session, acting, FunderSchema().load({"name": "Centraide", "kind": "centraide"}))
    create_funder(
        session,
        acting,
        FunderSchema().load({"name": "Arrondissement", "kind": "borough", "fiscal_start_month": 1, "fee_cap": "0.10"}),
    )
    create_project(session, acting, ProjectSchema().load({"name": OPS, "operations": True}))
    create_grant(session, acting, grant("PIC", "Centraide", "100000.00", date(2025, 4, 1), date(2026, 3, 31)))
    create_grant(
        session,
        acting,
        grant(
            "ARR-2025",
            "Arrondissement",
            "10000.00",
            date(2025, 1, 1),
            date(2025, 12, 31),
            restricted=True,
            eligible_categories=["translation", "room_rental", "administration"],
        ),
    )
    create_version(
        session,
        acting,
        VersionSchema().load(
            {
                "project": OPS,
                "name": "Adopté 2025",
                "kind": "adopted",
                "current": True,
                "lines": [
                    line("translation", "Interprètes et équipement", "12000.00"),
                    line("room_rental", "Salles des rassemblements", "6000.00"),
                    line("catering", "Traiteurs", "3600.00"),
                    line("administration", "Frais de gestion", "2400.00"),
                ],
            }
        ),
    )
    allocate(session, acting, alloc("ARR-2025", "translation", "6000.00"))
    allocate(session, acting, alloc("PIC", "translation", "4000.00"))
    allocate(session, acting, alloc("PIC", "catering", "3600.00"))
    session.flush()
    return acting


def grant(ref: str, funder: str, amount: str, start: date, end: date, **extra: Any) -> NewGrant:
    data: dict[str, Any] = {
        "reference": ref,
        "funder": funder,
        "title": ref,
        "status": extra.pop("status", "confirmed"),
        "amount": Decimal(amount),
        "start_date": start,
        "end_date": end,
        "projects": [OPS],
        **extra,
    }
    loaded: NewGrant = GrantSchema().load(data)
    return loaded


def line(category: str, description: str, amount: str, year: str = "2025-2026") -> dict[str, Any]:
    return {
        "category": category,
        "description": description,
        "amounts": [{"fiscal_year": year, "amount": Decimal(amount)}],
    }


def alloc(ref: str, category: str, amount: str, year: str = "2025-2026") -> NewAllocation:
    return NewAllocation(ref, OPS, category, (YearAmount(year, Decimal(amount)),))


def expense(day: date, pre_tax: str, category: str = "translation", **extra: Any) -> NewExpense:
    charges = tuple(NewCharge(c["grant"], Decimal(c["amount"])) for c in extra.pop("charges", []))
    return NewExpense(
        date=day,
        payee=extra.pop("payee", "Interprètes Montréal"),
        description=extra.pop("description", "Interprétation simultanée"),
        project=OPS,
        category=category,
        pre_tax=Decimal(pre_tax),
        charges=charges,
        **extra,
    )
