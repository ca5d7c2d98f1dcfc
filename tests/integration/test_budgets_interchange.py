"""Budgets, allocations, in-kind, own funds and expenses in the interchange file: in, out, in again."""

from __future__ import annotations

import copy
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import unit_of_work
from fundtrack.errors import ValidationFailed
from fundtrack.i18n import using_lang
from fundtrack.models import Allocation, BudgetLine, Expense, ExpenseCharge
from fundtrack.services import interchange

from .conftest import row_counts
from .test_interchange import dump, load

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "parc-extension.yaml"
OPS = "Fonctionnement de la Table"
EVENTS = "Grands rendez-vous et assemblées"


def budget_document() -> dict[str, Any]:
    """The example's ledger with a small budget of every kind of record, a reversal included."""
    document = interchange.read_file(EXAMPLE)
    for key in ("budgets", "allocations", "in_kind", "own_funds", "expenses"):
        document.pop(key, None)
    document["budgets"] = [
        {
            "project": EVENTS,
            "name": "Adopté 2026",
            "kind": "adopted",
            "adopted_on": "2026-03-20",
            "lines": [
                {
                    "category": "translation",
                    "description": "Interprètes et équipement",
                    "amounts": [{"fiscal_year": "2026-2027", "amount": "14000.00"}],
                    "monthly_profile": ["1", "1", "3", "0", "0", "1", "1", "1", "0", "0", "1", "3"],
                },
                {
                    "category": "room_rental",
                    "description": "Salles du Grand rendez-vous",
                    "amounts": [{"fiscal_year": "2026-2027", "amount": "6000.00"}],
                },
            ],
        },
        {
            "project": EVENTS,
            "name": "Révisé 2026",
            "kind": "revised",
            "parent": "Adopté 2026",
            "current": True,
            "lines": [
                {
                    "category": "translation",
                    "description": "Interprètes et équipement",
                    "amounts": [{"fiscal_year": "2026-2027", "amount": "15000.00"}],
                },
                {
                    "category": "room_rental",
                    "description": "Salles du Grand rendez-vous",
                    "amounts": [{"fiscal_year": "2026-2027", "amount": "6000.00"}],
                },
            ],
        },
    ]
    document["allocations"] = [
        {
            "grant": "ARR-VSP-2026",
            "project": EVENTS,
            "category": "translation",
            "amounts": [{"fiscal_year": "2026-2027", "amount": "9000.00"}],
        },
        {
            "grant": "PIC-2025-2028",
            "project": EVENTS,
            "version": "Adopté 2026",
            "category": "room_rental",
            "amounts": [{"fiscal_year": "2026-2027", "amount": "3000.00"}],
        },
    ]
    document["in_kind"] = [
        {
            "project": EVENTS,
            "contributor": "Centre communautaire (illustratif)",
            "description": "Grande salle prêtée pour l'assemblée",
            "fair_value": "1200.00",
            "start_date": "2026-10-01",
            "end_date": "2026-10-31",
            "category": "room_rental",
        }
    ]
    document["own_funds"] = [
        {
            "project": EVENTS,
            "description": "Surplus 2025-2026",
            "amount": "2000.00",
            "start_date": "2026-04-01",
            "end_date": "2027-03-31",
        }
    ]
    document["expenses"] = [
        {
            "key": "interp-mai",
            "date": "2026-05-14",
            "payee": "Interprètes Montréal",
            "description": "Interprétation simultanée",
            "project": EVENTS,
            "category": "translation",
            "pre_tax": "1000.00",
            "payment_method": "cheque",
            "receipt_reference": "F-1001",
            "charges": [{"grant": "ARR-VSP-2026", "amount": "1000.00"}],
            "own_funds": "74.87",
        },
        {"reverses": "interp-mai", "date": "2026-05-20"},
        {
            "date": "2026-05-21",
            "payee": "Interprètes Montréal",
            "project": EVENTS,
            "category": "translation",
            "pre_tax": "900.00",
            "charge": "auto",
        },
        {
            "date": "2026-06-02",
            "payee": "Salle paroissiale",
            "project": EVENTS,
            "category": "room_rental",
            "pre_tax": "450.00",
            "gst": "0.00",
            "qst": "0.00",
            "charge": "own",
        },
    ]
    return document


def test_budgets_and_expenses_load_with_their_figures(factory: sessionmaker[Session], session: Session) -> None:
    load(factory, budget_document())
    expenses = session.scalars(select(Expense).order_by(Expense.id)).all()
    assert [e.net_cost for e in expenses] == [
        Decimal("1074.87"),
        Decimal("-1074.87"),
        Decimal("967.39"),
        Decimal("450.00"),
    ]
    assert expenses[1].reverses_id == expenses[0].id
    assert [(c.amount) for c in expenses[2].charges] == [Decimal("967.39")]
    assert expenses[3].charges == []
    total = session.scalar(select(func.sum(Allocation.amount)))
    assert total == Decimal("12000.00")
    profiles = [line.monthly_profile for line in session.scalars(select(BudgetLine).order_by(BudgetLine.id))]
    assert [len(p) if p else 0 for p in profiles] == [12, 0, 0, 0]


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_dump_then_load_gives_the_same_budgets_and_expenses_back(
    factory: sessionmaker[Session], engine: Engine, empty_database: sessionmaker[Session], fmt: str
) -> None:
    load(factory, budget_document())
    first = dump(factory)
    assert [e.get("reverses") for e in first["expenses"]] == [None, "dep-1", None, None]
    assert first["expenses"][0]["key"] == "dep-1"
    assert first["budgets"][1]["parent"] == "Adopté 2026"
    counts = row_counts(engine)
    text = interchange.to_yaml(first) if fmt == "yaml" else interchange.to_json(first)
    load(empty_database, interchange.parse_text(text, f"table.{fmt}"))
    assert dump(empty_database) == first
    assert row_counts(empty_database.kw["bind"]) == counts


def test_a_reversal_holds_nothing_but_what_it_cancels_and_its_date(
    factory: sessionmaker[Session], engine: Engine
) -> None:
    document = budget_document()
    document["expenses"][1]["pre_tax"] = "10.00"
    document["expenses"][2].pop("payee")
    with pytest.raises(ValidationFailed) as caught, using_lang("en"), unit_of_work(factory) as s:
        interchange.load_document(s, document)
    assert [e.describe("en") for e in caught.value.errors] == [
        "expenses[1].pre_tax: a reversal holds only 'reverses' and 'date' (it repeats the original expense)",
        "expenses[2].payee: required field",
    ]
    assert set(row_counts(engine).values()) == {0}


def test_a_refused_charge_or_allocation_is_reported_with_its_path_and_nothing_is_written(
    factory: sessionmaker[Session], engine: Engine
) -> None:
    document = budget_document()
    document["allocations"][0]["amounts"][0]["amount"] = "26000.00"
    document["expenses"][0]["charges"][0]["grant"] = "IMSDSL-2025-2028"
    document["expenses"].append({"reverses": "nowhere", "date": "2026-07-01"})
    with pytest.raises(ValidationFailed) as caught, using_lang("en"), unit_of_work(factory) as s:
        interchange.load_document(s, document)
    paths = [e.path for e in caught.value.errors]
    assert paths[0].startswith("allocations[0].amounts[0]")
    assert "expenses[0].charges[0].amount" in paths
    assert paths[-1] == "expenses[4].reverses"
    assert set(row_counts(engine).values()) == {0}


def test_thousands_of_expenses_load_quickly(factory: sessionmaker[Session], session: Session) -> None:
    document = budget_document()
    template = document["expenses"][3]
    document["expenses"] = []
    for i in range(1000):
        row = copy.deepcopy(template)
        row["date"] = (date(2026, 4, 1) + timedelta(days=i % 300)).isoformat()
        row["pre_tax"] = f"{10 + i}.25"
        document["expenses"].append(row)
    start = time.perf_counter()
    load(factory, document)
    elapsed = time.perf_counter() - start
    assert session.scalar(select(func.count()).select_from(Expense)) == 1000
    assert session.scalar(select(func.count()).select_from(ExpenseCharge)) == 0
    assert elapsed < 20, elapsed
