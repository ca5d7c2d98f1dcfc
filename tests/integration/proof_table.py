"""The Table as the proofs use it: a few grants with figures from the issue, and small helpers
that each run one person's action in a unit of work of its own (as the CLI does)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import unit_of_work
from fundtrack.models import Allocation, Expense, ExpenseCharge, Grant, Instalment
from fundtrack.queries.lookups import grant_by_reference
from fundtrack.schemas.budgets import NewAllocation, NewCharge, NewExpense, VersionSchema, YearAmount
from fundtrack.schemas.interchange import NewOrganisation
from fundtrack.schemas.ledger import FunderSchema, GrantSchema, ProjectSchema, Receipt
from fundtrack.services.budgets import create_version
from fundtrack.services.context import Acting
from fundtrack.services.expenses import record_expense
from fundtrack.services.funders import create_funder, create_project
from fundtrack.services.grants import create_grant, grant_command, update_grant
from fundtrack.services.organisation import create_organisation
from fundtrack.services.receipts import ReceiptRecorded, record_instalment_received
from tests.conftest import treasurer

D = Decimal
TABLE = "Table de quartier de Parc-Extension"
OPS = "Fonctionnement de la Table"
EVENTS = "Grands rendez-vous"
CENTRAIDE = "Centraide du Grand Montréal"
CITY = "Ville de Montréal"
FOUNDATION = "Fondation du Grand Montréal"

# 25 000 $ over the Table's year 2025-2026, unrestricted, for its operations and its events
SMALL = "ARR-2025-2026"
# 300 000 $ over two years with a schedule and four instalments, two of them received
PIC = "PIC-2025-2027"
# 30 000 $ from the City for calendar 2025, one instalment of 30 000 $
CITY_GRANT = "VDM-2025"
# 4 000 $ from the foundation for the events, one instalment
SMALL_GIFT = "FGM-2025"


def grant_data(reference: str) -> dict[str, Any]:
    grants: dict[str, dict[str, Any]] = {
        SMALL: {
            "funder": "Arrondissement VSP",
            "title": "Soutien au fonctionnement",
            "amount": "25000.00",
            "start_date": "2025-04-01",
            "end_date": "2026-03-31",
            "projects": [OPS, EVENTS],
            "instalments": [
                {"expected_date": "2025-05-01", "amount": "12500.00"},
                {"expected_date": "2025-11-01", "amount": "12500.00"},
            ],
        },
        PIC: {
            "funder": CENTRAIDE,
            "title": "Projet impact collectif",
            "amount": "300000.00",
            "start_date": "2025-04-01",
            "end_date": "2027-03-31",
            "projects": [OPS],
            "schedule": [
                {"fiscal_year": "2025-2026", "amount": "140000.00"},
                {"fiscal_year": "2026-2027", "amount": "160000.00"},
            ],
            "instalments": [
                {
                    "expected_date": "2025-06-01",
                    "amount": "70000.00",
                    "received_date": "2025-06-10",
                    "received_amount": "70000.00",
                },
                {
                    "expected_date": "2025-12-01",
                    "amount": "70000.00",
                    "received_date": "2026-01-05",
                    "received_amount": "70000.00",
                },
                {"expected_date": "2026-06-01", "amount": "80000.00"},
                {"expected_date": "2026-12-01", "amount": "80000.00"},
            ],
            "report_dues": [{"due_date": "2026-06-30", "title": "Rapport annuel 2025-2026"}],
        },
        CITY_GRANT: {
            "funder": CITY,
            "title": "Communications citoyennes 2025",
            "amount": "30000.00",
            "start_date": "2025-01-01",
            "end_date": "2025-12-31",
            "projects": [OPS],
            "instalments": [{"expected_date": "2025-03-01", "amount": "30000.00"}],
        },
        SMALL_GIFT: {
            "funder": FOUNDATION,
            "title": "Interprètes des rendez-vous",
            "amount": "4000.00",
            "start_date": "2025-04-01",
            "end_date": "2026-03-31",
            "projects": [EVENTS],
            "restricted": True,
            "eligible_categories": ["translation"],
            "instalments": [{"expected_date": "2025-05-15", "amount": "4000.00"}],
        },
    }
    return {"reference": reference, "status": "confirmed", **grants[reference]}


def the_proof_table(session: Session) -> Acting:
    """The Table, four funders, two projects, the four grants above and the operations'
    adopted budget for 2025-2026 (translation, rooms, catering, salaries); the treasurer
    acting for it."""
    acting = create_organisation(session, NewOrganisation(TABLE))
    for name, kind, month in (
        (CENTRAIDE, "centraide", 4),
        (CITY, "city", 1),
        ("Arrondissement VSP", "borough", 1),
        (FOUNDATION, "foundation", 7),
    ):
        create_funder(session, acting, FunderSchema().load({"name": name, "kind": kind, "fiscal_start_month": month}))
    create_project(session, acting, ProjectSchema().load({"name": OPS, "operations": True}))
    create_project(session, acting, ProjectSchema().load({"name": EVENTS}))
    for reference in (SMALL, PIC, CITY_GRANT, SMALL_GIFT):
        create_grant(session, acting, GrantSchema().load(grant_data(reference)))
    create_version(session, acting, VersionSchema().load(budget("Adopté 2025-2026", "adopted", current=True)))
    return acting


def budget(name: str, kind: str, current: bool = False, project: str = OPS, scale: int = 1) -> dict[str, Any]:
    lines = [
        ("translation", "Interprètes et équipement", 12000),
        ("room_rental", "Salles des rassemblements", 6000),
        ("catering", "Traiteurs", 3600),
        ("salaries", "Coordination", 60000),
    ]
    return {
        "project": project,
        "name": name,
        "kind": kind,
        "current": current,
        "lines": [
            {
                "category": category,
                "description": description,
                "amounts": [{"fiscal_year": "2025-2026", "amount": str(amount * scale)}],
            }
            for category, description, amount in lines
        ],
    }


def allocation(grant: str, category: str, amount: str, project: str = OPS, version: str | None = None) -> NewAllocation:
    """Part of ``grant`` to the line of ``category`` of ``project``'s budget, for 2025-2026."""
    return NewAllocation(grant, project, category, (YearAmount("2025-2026", D(amount)),), version=version)


def an_expense(amount: str, grant: str | None = SMALL, day: date = date(2025, 9, 15), **extra: Any) -> NewExpense:
    """An expense without sales tax (unless ``gst`` or ``qst`` is given), its whole net cost
    charged to ``grant`` (None: charged automatically)."""
    charges = (NewCharge(grant, D(amount)),) if grant else ()
    return NewExpense(
        date=day,
        payee=extra.pop("payee", "Interprètes Montréal"),
        project=extra.pop("project", OPS),
        category=extra.pop("category", "translation"),
        pre_tax=D(amount),
        gst=extra.pop("gst", D(0)),
        qst=extra.pop("qst", D(0)),
        charges=charges,
        **extra,
    )


def charge(factory: sessionmaker[Session], org_id: int, amount: str, grant: str = SMALL, **extra: Any) -> int:
    """One treasurer's expense charged wholly to ``grant``, in a unit of work of its own."""
    with unit_of_work(factory) as session:
        return record_expense(session, treasurer(session, org_id), an_expense(amount, grant, **extra)).id


def receive_on(
    factory: sessionmaker[Session], org_id: int, reference: str, expected: date | None, amount: str
) -> ReceiptRecorded:
    with unit_of_work(factory) as session:
        receipt = Receipt(reference, date(2025, 6, 20), D(amount), expected)
        return record_instalment_received(session, treasurer(session, org_id), receipt)


def read_grant(factory: sessionmaker[Session], org_id: int, reference: str) -> tuple[int, Any]:
    """What a person sees in the edit form: the grant's revision and its terms."""
    with factory() as session:
        grant = grant_by_reference(session, treasurer(session, org_id).scope, reference)
        return grant.revision, grant_command(grant)


def submit_grant(
    factory: sessionmaker[Session], org_id: int, reference: str, revision: int | None, command: Any, actor: str
) -> Grant:
    """The edit form sent back: ``command`` from the ``revision`` its author read."""
    with unit_of_work(factory) as session:
        return update_grant(session, treasurer(session, org_id, actor), reference, revision, command)


def charged_to(session: Session, reference: str) -> Decimal:
    total = session.scalar(
        select(func.coalesce(func.sum(ExpenseCharge.amount), 0))
        .join(ExpenseCharge.grant)
        .where(Grant.reference == reference)
    )
    return D(total or 0).quantize(D("0.01"))


def allocated_to(session: Session, reference: str) -> Decimal:
    total = session.scalar(
        select(func.sum(Allocation.amount)).join(Allocation.grant).where(Grant.reference == reference)
    )
    return D(total or 0).quantize(D("0.01"))


def grant_named(session: Session, reference: str) -> Grant:
    return session.scalars(select(Grant).where(Grant.reference == reference)).one()


def instalments_of(session: Session, reference: str) -> list[Instalment]:
    return list(
        session.scalars(
            select(Instalment)
            .join(Instalment.grant)
            .where(Grant.reference == reference)
            .order_by(Instalment.expected_date)
        )
    )


def expense_count(session: Session) -> int:
    return session.scalar(select(func.count(Expense.id))) or 0
