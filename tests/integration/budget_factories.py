"""Plain factory functions for the budget and expense tests: the Table with two grants and a budget."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fundtrack.models import Organisation
from fundtrack.services.budgets import allocate, create_version
from fundtrack.services.grants import create_funder, create_grant, create_project
from fundtrack.services.organisation import create_organisation

OPS = "Fonctionnement de la Table"


def the_table(session: Session) -> Organisation:
    """The Table, Centraide's PIC (unrestricted) and the borough's restricted events grant,
    the operations budget for 2025-2026 with translation, rooms and catering lines."""
    org = create_organisation(session, "Table de quartier de Parc-Extension")
    create_funder(session, org, {"name": "Centraide", "kind": "centraide"})
    create_funder(
        session, org, {"name": "Arrondissement", "kind": "borough", "fiscal_start_month": 1, "fee_cap": Decimal("0.10")}
    )
    create_project(session, org, {"name": OPS, "operations": True})
    create_grant(session, org, grant("PIC", "Centraide", "100000.00", date(2025, 4, 1), date(2026, 3, 31)))
    create_grant(
        session,
        org,
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
        org,
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
        },
    )
    allocate(session, org, alloc("ARR-2025", "translation", "6000.00"))
    allocate(session, org, alloc("PIC", "translation", "4000.00"))
    allocate(session, org, alloc("PIC", "catering", "3600.00"))
    session.flush()
    return org


def grant(ref: str, funder: str, amount: str, start: date, end: date, **extra: Any) -> dict[str, Any]:
    return {
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


def line(category: str, description: str, amount: str, year: str = "2025-2026") -> dict[str, Any]:
    return {
        "category": category,
        "description": description,
        "amounts": [{"fiscal_year": year, "amount": Decimal(amount)}],
    }


def alloc(ref: str, category: str, amount: str, year: str = "2025-2026") -> dict[str, Any]:
    return {"grant": ref, "project": OPS, "category": category, "fiscal_year": year, "amount": Decimal(amount)}


def expense(day: date, pre_tax: str, category: str = "translation", **extra: Any) -> dict[str, Any]:
    return {
        "date": day,
        "payee": extra.pop("payee", "Interprètes Montréal"),
        "description": "Interprétation simultanée",
        "project": OPS,
        "category": category,
        "pre_tax": Decimal(pre_tax),
        **extra,
    }
