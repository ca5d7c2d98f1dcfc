"""An instalment that comes in several payments: each counted in the period of its own date.

Centraide's 37 500 $ instalment of 2026-03-15 comes in two payments, 20 000 $ on
2026-03-20 (fiscal year 2025-2026) and 17 500 $ on 2026-04-10 (2026-2027): each year's
ledger shows its own payment, not the whole amount in the year of the last one.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import unit_of_work
from fundtrack.errors import FundtrackError
from fundtrack.models import InstalmentReceipt
from fundtrack.queries.ledger import ledger_for_year, received_by_funder
from fundtrack.queries.lookups import grant_by_reference
from fundtrack.services import interchange
from tests.conftest import receive, the_organisation, treasurer

from .conftest import add_grant

CENTRAIDE = "Centraide du Grand Montréal"
PIC = "PIC-2025-2027"
D = Decimal


def pic(**changes: Any) -> dict[str, Any]:
    data = {
        "reference": PIC,
        "funder": CENTRAIDE,
        "title": "Projet impact collectif",
        "status": "confirmed",
        "amount": "75000.00",
        "start_date": "2025-04-01",
        "end_date": "2027-03-31",
        "instalments": [
            {"expected_date": "2026-03-15", "amount": "37500.00"},
            {"expected_date": "2026-09-15", "amount": "37500.00"},
        ],
    }
    return {**data, **changes}


@pytest.fixture
def paid_twice(factory: sessionmaker[Session], table: int) -> int:
    """PIC's first instalment received in two payments, either side of April 1st."""
    with unit_of_work(factory) as session:
        acting = treasurer(session, table)
        add_grant(session, acting, **pic())
    with unit_of_work(factory) as session:
        receive(session, treasurer(session, table), PIC, date(2026, 3, 15), date(2026, 3, 20), D("20000.00"))
    with unit_of_work(factory) as session:
        receive(session, treasurer(session, table), PIC, date(2026, 3, 15), date(2026, 4, 10), D("17500.00"))
    return table


def test_each_payment_of_an_instalment_is_in_the_ledger_of_its_own_fiscal_year(
    factory: sessionmaker[Session], paid_twice: int
) -> None:
    with factory() as session:
        scope = treasurer(session, paid_twice).scope
        first, second = (ledger_for_year(session, scope, year) for year in ("2025-2026", "2026-2027"))
        by_funder = received_by_funder(session, scope, ledger_for_year(session, scope, "2025-2026").period)
    assert first.total.received == D("20000.00")
    assert second.total.received == D("17500.00")
    assert by_funder == {CENTRAIDE: D("20000.00")}


def test_the_instalment_shows_its_total_and_last_payment(factory: sessionmaker[Session], paid_twice: int) -> None:
    with factory() as session:
        grant = grant_by_reference(session, treasurer(session, paid_twice).scope, PIC)
        first = grant.instalments[0]
        assert (first.received_amount, first.received_date) == (D("37500.00"), date(2026, 4, 10))
        assert [(r.received_date, r.amount) for r in first.receipts] == [
            (date(2026, 3, 20), D("20000.00")),
            (date(2026, 4, 10), D("17500.00")),
        ]
        assert first.still_due == D("0.00")


def test_a_dump_lists_the_payments_and_loads_back_the_same(
    factory: sessionmaker[Session], paid_twice: int, empty_database: sessionmaker[Session]
) -> None:
    with factory() as session:
        document = interchange.dump_document(session, treasurer(session, paid_twice))
    (grant,) = document["grants"]
    assert grant["instalments"][0]["receipts"] == [
        {"received_date": "2026-03-20", "amount": "20000.00"},
        {"received_date": "2026-04-10", "amount": "17500.00"},
    ]
    assert "receipts" not in grant["instalments"][1]
    with unit_of_work(empty_database) as session:
        interchange.load_document(session, document)
    with empty_database() as session:
        assert len(session.scalars(select(InstalmentReceipt.id)).all()) == 2
        again = interchange.dump_document(session, treasurer(session, the_organisation(session).id))
    assert again == document


def test_a_single_receipt_is_written_as_before(factory: sessionmaker[Session], table: int) -> None:
    """A file from before (received date and amount on the instalment) loads as one payment."""
    with unit_of_work(factory) as session:
        acting = treasurer(session, table)
        add_grant(
            session,
            acting,
            **pic(
                instalments=[
                    {
                        "expected_date": "2026-03-15",
                        "amount": "37500.00",
                        "received_date": "2026-03-20",
                        "received_amount": "37500.00",
                    }
                ]
            ),
        )
    with factory() as session:
        acting = treasurer(session, table)
        (instalment,) = grant_by_reference(session, acting.scope, PIC).instalments
        assert [(r.received_date, r.amount) for r in instalment.receipts] == [(date(2026, 3, 20), D("37500.00"))]
        (dumped,) = interchange.dump_document(session, acting)["grants"][0]["instalments"]
    assert dumped == {
        "expected_date": "2026-03-15",
        "amount": "37500.00",
        "received_date": "2026-03-20",
        "received_amount": "37500.00",
    }


def test_payments_that_disagree_with_the_instalments_total_are_refused(
    factory: sessionmaker[Session], table: int
) -> None:
    instalment = {
        "expected_date": "2026-03-15",
        "amount": "37500.00",
        "received_date": "2026-04-10",
        "received_amount": "37500.00",
        "receipts": [{"received_date": "2026-03-20", "amount": "20000.00"}],
    }
    with pytest.raises(FundtrackError) as refused, unit_of_work(factory) as session:
        add_grant(session, treasurer(session, table), **pic(instalments=[instalment]))
    assert refused.value.field == "instalments[0].receipts"
    assert refused.value.describe("fr") == (
        "instalments[0].receipts : les paiements reçus sur ce versement totalisent 20\u00a0000,00\u00a0$, "
        "le dernier le 2026-03-20, mais le versement indique 37\u00a0500,00\u00a0$ reçus le 2026-04-10"
    )
    with factory() as session:
        assert session.scalars(select(InstalmentReceipt)).all() == []
