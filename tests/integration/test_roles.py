"""Who may write what, proven for every write service and every role from one table.

The treasurer writes the money (and everything else); the coordinator the staffing plan,
its scenarios and draft budget versions (scenario versions, never current); a board
member and a funder write nothing. A refusal is :class:`NotAllowed`, raised before
anything is written: a caller that catches it and commits commits nothing.
"""

from __future__ import annotations

import atexit
import importlib
import inspect
import pkgutil
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import fundtrack.services
from fundtrack.db import begin_write, make_engine, session_factory, unit_of_work
from fundtrack.models import Base, BudgetLine, Expense, VersionKind
from fundtrack.periods import DateRange, FiscalCalendar
from fundtrack.queries.lookups import funder_by_name, grant_by_reference, project_by_name, version_of
from fundtrack.roles import Role
from fundtrack.schemas.attachments import AttachmentRecord, NewAttachment
from fundtrack.schemas.budgets import NewInKind, NewOwnFunds, VersionSchema
from fundtrack.schemas.interchange import NewOrganisation
from fundtrack.schemas.ledger import FunderSchema, GrantSchema, NewCategory, ProjectSchema, Receipt
from fundtrack.schemas.staffing import PositionSchema, RatesChange, ScenarioSchema
from fundtrack.services import interchange
from fundtrack.services.allocations import allocate, correct_allocation, reverse_allocation, write_allocation
from fundtrack.services.attachments import AttachmentStore, attach, detach, restore_attachment
from fundtrack.services.budgets import copy_version, create_version, make_current
from fundtrack.services.context import Acting, NotAllowed
from fundtrack.services.contributions import add_in_kind, add_own_funds
from fundtrack.services.expense_import import import_csv
from fundtrack.services.expenses import correct_expense, propose_split, record_expense, reverse_expense
from fundtrack.services.funders import (
    create_funder,
    create_project,
    funder_command,
    project_command,
    update_funder,
    update_project,
)
from fundtrack.services.grants import create_grant, grant_command, update_grant
from fundtrack.services.organisation import add_category, create_organisation, organisation_command, update_settings
from fundtrack.services.payroll_rates import set_payroll_rates
from fundtrack.services.receipts import record_instalment_received
from fundtrack.services.simulation import budget_lines_from_run, budget_version_from_scenario, simulate_scenario
from fundtrack.services.staffing import (
    create_position,
    create_scenario,
    delete_position,
    delete_scenario,
    update_position,
    update_scenario,
)
from fundtrack.services.users import NewAccess, NewUser, create_user, grant_access, set_active, set_password
from tests.conftest import POSTGRES_URL, PostgresDatabase, acting_as_role, treasurer

from .proof_table import (
    CITY,
    CITY_GRANT,
    EVENTS,
    OPS,
    PIC,
    SMALL,
    allocation,
    an_expense,
    budget,
    grant_data,
    the_proof_table,
)

D = Decimal
T, C = Role.TREASURER, Role.COORDINATOR
EVERYONE = tuple(Role)
ROLE_NAMES = {
    Role.TREASURER: "treasurer",
    Role.COORDINATOR: "coordinator",
    Role.BOARD: "board member",
    Role.FUNDER: "funder",
}
YEAR = DateRange(date(2025, 4, 1), date(2026, 3, 31))
POSITION = {
    "key": "coordination",
    "title_fr": "Coordonnatrice",
    "title_en": "Coordinator",
    "annual_salary": "58000.00",
    "start_date": "2025-04-01",
    "funding": [{"grant": PIC, "amounts": [{"fiscal_year": "2025-2026", "amount": "30000.00"}]}],
}
ACCOUNT = "coordination@table.example"
OTHER_ACCOUNT = "ca@villeray.example"  # an account of another organisation, to be let in
PASSWORD = "un-mot-de-passe-assez-long"
CHEAP = "pbkdf2:sha256:1000"  # the table's accounts are made once per role: scrypt's cost is for people
CSV = "Date;Fournisseur;Projet;Catégorie;Montant avant taxes\n02/10/2025;Salle paroissiale;Grands rendez-vous;room_rental;1 950,00 $\n"


@dataclass(frozen=True)
class Setup:
    """What the writes of the table need from the database: ids of rows made once."""

    allocation_id: int
    expense_id: int
    draft_version_id: int
    current_version_id: int
    user_email: str


def setup_table(factory: sessionmaker[Session]) -> Setup:
    with unit_of_work(factory) as session:
        acting = the_proof_table(session)
        (allocated,) = allocate(session, acting, allocation(SMALL, "translation", "5000.00"))
        spent = record_expense(session, acting, an_expense("1000.00"))
        create_position(session, acting, PositionSchema().load(POSITION))
        create_position(session, acting, PositionSchema().load({**POSITION, "key": "accueil", "funding": []}))
        create_scenario(
            session,
            acting,
            ScenarioSchema().load(
                {
                    "name": "plus d'heures",
                    "changes": [{"kind": "change_pay", "position": "coordination", "annual_salary": "60000.00"}],
                }
            ),
        )
        draft = create_version(session, acting, VersionSchema().load(budget("Brouillon", "scenario")))
        current = version_of(session, acting.scope, OPS)
        user = create_user(session, acting, NewUser(ACCOUNT, "Awa", "coordinator", None), PASSWORD, method=CHEAP)
        other = create_organisation(session, NewOrganisation("Table de Villeray"))
        create_user(session, other, NewUser(OTHER_ACCOUNT, "Lou", "board", None), PASSWORD, method=CHEAP)
        return Setup(allocated.id, spent.id, draft.id, current.id, user.email)


Write = Callable[[Session, Acting, Setup], Any]


def new_grant(s: Session, a: Acting, _: Setup) -> Any:
    return create_grant(s, a, GrantSchema().load({**grant_data(SMALL), "reference": "ARR-2026-2027"}))


def grant_retitled(s: Session, a: Acting, _: Setup) -> Any:
    terms = grant_command(grant_by_reference(s, treasurer(s, a.organisation_id).scope, PIC))
    return update_grant(s, a, PIC, None, replace(terms, title="PIC"))


def funder_capped(s: Session, a: Acting, _: Setup) -> Any:
    terms = funder_command(funder_by_name(s, treasurer(s, a.organisation_id).scope, CITY))
    return update_funder(s, a, CITY, None, replace(terms, fee_cap=D("0.1")))


def project_described(s: Session, a: Acting, _: Setup) -> Any:
    terms = project_command(project_by_name(s, treasurer(s, a.organisation_id).scope, EVENTS))
    return update_project(s, a, EVENTS, None, replace(terms, description="Le Grand rendez-vous"))


def settings_changed(s: Session, a: Acting, _: Setup) -> Any:
    terms = organisation_command(treasurer(s, a.organisation_id).organisation(s))
    return update_settings(s, a, None, replace(terms, cnesst_rate=D("0.0121")))


def line_allocated(s: Session, a: Acting, setup: Setup) -> Any:
    grant = grant_by_reference(s, treasurer(s, a.organisation_id).scope, SMALL)
    line = s.scalars(select(BudgetLine).where(BudgetLine.version_id == setup.current_version_id)).first()
    assert line is not None
    return write_allocation(s, a, grant, line, FiscalCalendar(4).parse("2025-2026"), D("100.00"))


def lines_from_run(version: Callable[[Setup], int]) -> Write:
    def write(s: Session, a: Acting, setup: Setup) -> Any:
        run = simulate_scenario(s, treasurer(s, a.organisation_id).scope, "plus d'heures", rng=YEAR)
        return budget_lines_from_run(s, a, run, version(setup))

    return write


_STORE: list[AttachmentStore] = []


def store() -> AttachmentStore:
    """One data folder for the table's receipts (a folder of the system's temporary files)."""
    if not _STORE:
        folder = tempfile.mkdtemp(prefix="fundtrack-roles-")
        atexit.register(shutil.rmtree, folder, True)
        _STORE.append(AttachmentStore(folder))
    return _STORE[0]


def receipt_attached(s: Session, a: Acting, setup: Setup) -> Any:
    return attach(s, a, NewAttachment("expense", setup.expense_id, "recu.pdf", b"%PDF-1.7 recu"), store())


def receipt_removed(s: Session, a: Acting, setup: Setup) -> Any:
    receipt_attached(s, a, setup)
    return detach(s, a, "expense", setup.expense_id)


def receipt_restored(s: Session, a: Acting, setup: Setup) -> Any:
    record = AttachmentRecord("a" * 64, "recu.pdf", "application/pdf", 12, expense="dep-1")
    return restore_attachment(s, a, record, expense_id=setup.expense_id)


def small_file(name: str) -> dict[str, Any]:
    return {"format": "fundtrack", "version": 1, "organisation": {"name": name}, "projects": [{"name": OPS}]}


# (write service, what it writes, the write, the roles that may make it)
TABLE: list[tuple[str, str, Write, tuple[Role, ...]]] = [
    (
        "create_funder",
        "a funder",
        lambda s, a, _: create_funder(s, a, FunderSchema().load({"name": "Fondation Lucie", "kind": "foundation"})),
        (T,),
    ),
    ("update_funder", "a funder's fee cap", funder_capped, (T,)),
    (
        "create_project",
        "a project",
        lambda s, a, _: create_project(s, a, ProjectSchema().load({"name": "Jardins"})),
        (T,),
    ),
    ("update_project", "a project", project_described, (T,)),
    ("create_grant", "a grant", new_grant, (T,)),
    ("update_grant", "a grant's title", grant_retitled, (T,)),
    (
        "record_instalment_received",
        "an instalment received",
        lambda s, a, _: record_instalment_received(s, a, Receipt(SMALL, date(2025, 5, 2), D("12500.00"))),
        (T,),
    ),
    (
        "create_version",
        "an adopted version",
        lambda s, a, _: create_version(s, a, VersionSchema().load(budget("Adopté 2026", "adopted"))),
        (T,),
    ),
    (
        "create_version",
        "a draft version",
        lambda s, a, _: create_version(s, a, VersionSchema().load(budget("Ébauche", "scenario"))),
        (T, C),
    ),
    (
        "create_version",
        "a scenario version made current",
        lambda s, a, _: create_version(s, a, VersionSchema().load(budget("Ébauche", "scenario", current=True))),
        (T,),
    ),
    ("copy_version", "a revised version", lambda s, a, _: copy_version(s, a, OPS, None, "Révisé"), (T,)),
    (
        "copy_version",
        "a draft copy",
        lambda s, a, _: copy_version(s, a, OPS, None, "Ébauche", kind=VersionKind.SCENARIO),
        (T, C),
    ),
    (
        "copy_version",
        "a draft copy with the allocations",
        lambda s, a, _: copy_version(s, a, OPS, None, "Ébauche", kind=VersionKind.SCENARIO, with_allocations=True),
        (T,),
    ),
    ("make_current", "the current version", lambda s, a, _: make_current(s, a, OPS, "Brouillon"), (T,)),
    ("allocate", "an allocation", lambda s, a, _: allocate(s, a, allocation(SMALL, "room_rental", "1000.00")), (T,)),
    ("write_allocation", "an allocation", line_allocated, (T,)),
    (
        "reverse_allocation",
        "an allocation's reversal",
        lambda s, a, setup: reverse_allocation(s, a, setup.allocation_id),
        (T,),
    ),
    (
        "correct_allocation",
        "an allocation corrected",
        lambda s, a, setup: correct_allocation(s, a, setup.allocation_id, D("4000.00")),
        (T,),
    ),
    (
        "add_in_kind",
        "an in-kind contribution",
        lambda s, a, _: add_in_kind(
            s, a, NewInKind(EVENTS, "Paroisse", "Salle", D("1500.00"), date(2025, 10, 1), date(2025, 10, 2))
        ),
        (T,),
    ),
    (
        "add_own_funds",
        "own funds",
        lambda s, a, _: add_own_funds(
            s, a, NewOwnFunds(OPS, "Réserve", D("5000.00"), date(2025, 4, 1), date(2026, 3, 31))
        ),
        (T,),
    ),
    ("record_expense", "an expense", lambda s, a, _: record_expense(s, a, an_expense("300.00", CITY_GRANT)), (T,)),
    ("reverse_expense", "an expense's reversal", lambda s, a, setup: reverse_expense(s, a, setup.expense_id), (T,)),
    (
        "correct_expense",
        "an expense corrected",
        lambda s, a, setup: correct_expense(s, a, setup.expense_id, an_expense("900.00")),
        (T,),
    ),
    ("import_csv", "a month of expenses", lambda s, a, _: import_csv(s, a, CSV), (T,)),
    (
        "propose_split",
        "an expense's proposed split (nothing is written)",
        lambda s, a, _: propose_split(s, a, an_expense("300.00")),
        (T,),
    ),
    ("attach", "an expense's receipt", receipt_attached, (T,)),
    ("detach", "an expense's receipt removed", receipt_removed, (T,)),
    ("restore_attachment", "a receipt listed in a backup", receipt_restored, (T,)),
    (
        "create_position",
        "a position",
        lambda s, a, _: create_position(s, a, PositionSchema().load({**POSITION, "key": "liaison", "funding": []})),
        (T, C),
    ),
    (
        "create_scenario",
        "a scenario",
        lambda s, a, _: create_scenario(s, a, ScenarioSchema().load({"name": "statu quo"})),
        (T, C),
    ),
    (
        "update_position",
        "a position's pay and funding",
        lambda s, a, _: update_position(
            s, a, "coordination", None, PositionSchema().load({**POSITION, "annual_salary": "60000.00"})
        ),
        (T, C),
    ),
    ("delete_position", "a position no scenario changes", lambda s, a, _: delete_position(s, a, "accueil"), (T, C)),
    (
        "update_scenario",
        "a scenario's changes",
        lambda s, a, _: update_scenario(
            s,
            a,
            "plus d'heures",
            None,
            ScenarioSchema().load(
                {
                    "name": "plus d'heures",
                    "changes": [{"kind": "change_pay", "position": "coordination", "annual_salary": "61000.00"}],
                }
            ),
        ),
        (T, C),
    ),
    ("delete_scenario", "a scenario", lambda s, a, _: delete_scenario(s, a, "plus d'heures"), (T, C)),
    (
        "budget_version_from_scenario",
        "a draft version from a scenario",
        lambda s, a, _: budget_version_from_scenario(s, a, "plus d'heures", OPS, "Scénario", rng=YEAR),
        (T, C),
    ),
    (
        "budget_lines_from_run",
        "a draft version's staffing lines",
        lines_from_run(lambda setup: setup.draft_version_id),
        (T, C),
    ),
    (
        "budget_lines_from_run",
        "the current version's staffing lines",
        lines_from_run(lambda setup: setup.current_version_id),
        (T,),
    ),
    (
        "set_payroll_rates",
        "the payroll parameters",
        lambda s, a, _: set_payroll_rates(s, a, RatesChange(2026, cnesst_rate=D("0.0125"))),
        (T,),
    ),
    ("update_settings", "the organisation's settings", settings_changed, (T,)),
    (
        "add_category",
        "a budget category",
        lambda s, a, _: add_category(s, a, NewCategory("jardins", "Jardins", "Gardens")),
        (T,),
    ),
    (
        "create_organisation",
        "an organisation",
        lambda s, a, _: create_organisation(s, NewOrganisation("Table de Saint-Michel"), actor=a.actor, role=a.role),
        (T,),
    ),
    (
        "create_user",
        "an account",
        lambda s, a, _: create_user(
            s, a, NewUser("ca@table.example", "Conseil", "board", None), PASSWORD, method=CHEAP
        ),
        (T,),
    ),
    (
        "grant_access",
        "another organisation's account let in",
        lambda s, a, _: grant_access(s, a, NewAccess(OTHER_ACCOUNT)),
        (T,),
    ),
    ("set_active", "an account's access", lambda s, a, setup: set_active(s, a, setup.user_email, False), (T,)),
    (
        "set_password",
        "another person's password",
        lambda s, a, setup: set_password(s, a, setup.user_email, "un-autre-mot-de-passe", method=CHEAP),
        (T,),
    ),
    (
        "load_document",
        "an interchange file",
        lambda s, a, _: interchange.load_document(s, small_file("Table de Saint-Michel"), actor=a.actor, role=a.role),
        (T,),
    ),
]

# public functions of fundtrack.services that write, but are no write of their own
HELPERS = {
    "authenticate": "logging in (it records when; anyone with the password)",
    "set_language": "a person's own choice of language for the admin",
    "require_version_write": "the role check of budget versions itself",
    "reverse": "the reversal under reverse_expense and reverse_allocation (it checks the role too)",
}


# --- one database for the whole table, each write rolled back -------------------------------


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def table_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[sessionmaker[Session], Setup, int]]:
    """The Table, built once per database; every test's writes are rolled back."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('roles') / 'roles.sqlite3'}")
        Base.metadata.create_all(engine)
        database = None
    else:
        assert POSTGRES_URL
        database = PostgresDatabase(POSTGRES_URL)
        engine = database.engine()
    factory = session_factory(engine)
    setup = setup_table(factory)
    with factory() as session:
        org_id = session.scalars(select(Expense.organisation_id)).first()
    assert org_id is not None
    try:
        yield factory, setup, org_id
    finally:
        engine.dispose()
        if database is not None:
            database.drop()


def acting_in_role(session: Session, org_id: int, role: Role) -> Acting:
    acting = acting_as_role(session, org_id, role, funder=CITY if role is Role.FUNDER else None)
    return replace(acting, actor=f"une personne ({role.value})")


def counts(session: Session) -> dict[str, int]:
    return {t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


def cases() -> Iterator[Any]:
    for name, what, write, allowed in TABLE:
        for role in EVERYONE:
            verdict = "allowed" if role in allowed else "refused"
            yield pytest.param(write, role, role in allowed, id=f"{name}: {what} by the {role.value}: {verdict}")


@pytest.mark.parametrize(("write", "role", "allowed"), list(cases()))
def test_each_role_makes_exactly_the_writes_it_may(
    table_database: tuple[sessionmaker[Session], Setup, int], write: Write, role: Role, allowed: bool
) -> None:
    factory, setup, org_id = table_database
    session = factory()
    session.begin()
    begin_write(session)
    try:
        before = counts(session)
        acting = acting_in_role(session, org_id, role)
        if allowed:
            write(session, acting, setup)
            session.flush()
            return
        with pytest.raises(NotAllowed) as err:
            write(session, acting, setup)
        assert err.value.describe("en").startswith(f"the {ROLE_NAMES[role]} role may not change ")
        assert not (session.new or session.dirty or session.deleted)
        session.flush()  # the caller carries on: nothing was written
        assert counts(session) == before
    finally:
        session.rollback()
        session.close()


def test_every_write_service_is_in_the_table() -> None:
    """A write service added later without a line in the table fails here."""
    writes: set[str] = set()
    for info in pkgutil.walk_packages(fundtrack.services.__path__, "fundtrack.services."):
        module = importlib.import_module(info.name)
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
                continue
            source = inspect.getsource(fn)
            if any(
                mark in source
                for mark in ("session.add(", "session.flush(", "session.delete(", ".require(", "require_version_write(")
            ):
                writes.add(name)
    tabled = {name for name, *_ in TABLE}
    assert writes - set(HELPERS) <= tabled, sorted(writes - set(HELPERS) - tabled)
    assert {"budget_version_from_scenario", "load_document"} <= tabled
