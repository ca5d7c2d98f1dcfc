"""The audit log: complete (replayed, it gives back every row as it stands), naming who acted,
nothing for a change that changes nothing, and append-only on SQLite and PostgreSQL."""

from __future__ import annotations

import getpass
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, delete, inspect, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import database_problem, make_engine, session_factory, unit_of_work, upgrade
from fundtrack.errors import RuleViolation
from fundtrack.models import AuditLog
from fundtrack.models.audit import COLLECTIONS, ENTITIES, SKIPPED, AuditLogIsAppendOnly
from fundtrack.periods import DateRange
from fundtrack.plain import plain
from fundtrack.queries.lookups import funder_by_name, grant_by_reference, project_by_name, version_of
from fundtrack.roles import Role
from fundtrack.schemas.budgets import NewInKind, NewOwnFunds, VersionSchema
from fundtrack.schemas.ledger import NewCategory, NewInstalment
from fundtrack.schemas.staffing import PositionSchema, RatesChange, ScenarioSchema
from fundtrack.services.allocations import allocate, correct_allocation, reverse_allocation
from fundtrack.services.budgets import copy_version, create_version, make_current
from fundtrack.services.context import Acting
from fundtrack.services.contributions import add_in_kind, add_own_funds
from fundtrack.services.expense_import import import_csv
from fundtrack.services.expenses import correct_expense, record_expense, reverse_expense
from fundtrack.services.funders import funder_command, project_command, update_funder, update_project
from fundtrack.services.grants import grant_command, update_grant
from fundtrack.services.organisation import add_category, organisation_command, update_settings
from fundtrack.services.payroll_rates import set_payroll_rates
from fundtrack.services.simulation import budget_lines_from_run, budget_version_from_scenario, simulate_scenario
from fundtrack.services.staffing import create_position, create_scenario
from tests.conftest import (
    POSTGRES_URL,
    PostgresDatabase,
    acting_as_role,
    change_funder,
    change_grant,
    receive,
    treasurer,
)

from .conftest import row_counts
from .proof_table import (
    CENTRAIDE,
    CITY_GRANT,
    EVENTS,
    OPS,
    PIC,
    SMALL,
    SMALL_GIFT,
    allocation,
    an_expense,
    budget,
    instalments_of,
    the_proof_table,
)
from .races import run_fundtrack

D = Decimal
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@pytest.fixture
def org_id(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as session:
        return the_proof_table(session).organisation_id


def as_(factory: sessionmaker[Session], org_id: int, actor: str, role: Role = Role.TREASURER) -> Callable[..., Any]:
    """Run ``fn(session, acting)`` in a unit of work of its own, as ``actor`` in ``role``."""

    def run(fn: Callable[[Session, Acting], Any]) -> Any:
        with unit_of_work(factory) as session:
            acting = replace(acting_as_role(session, org_id, role), actor=actor) if role is not Role.TREASURER else None
            return fn(session, acting or treasurer(session, org_id, actor))

    return run


POSITION = {
    "key": "mobilisation",
    "title_fr": "Agent·e de mobilisation",
    "title_en": "Mobilisation agent",
    "hourly_rate": "26.00",
    "weekly_hours": "32",
    "start_date": "2025-09-01",
    "vacation_rate": "0.04",
    "funding": [{"grant": PIC, "amounts": [{"fiscal_year": "2025-2026", "amount": "20000.00"}]}],
}
CSV = (
    "Date;Fournisseur;Projet;Catégorie;Montant avant taxes;Subvention\n"
    "02/10/2025;Salle paroissiale;Grands rendez-vous;room_rental;1 950,00 $;\n"
    "03/10/2025;Interprètes Montréal;Fonctionnement de la Table;translation;800,00 $;ARR-2025-2026\n"
)


CITY_IN_TWO = (
    NewInstalment(date(2025, 4, 1), D("15000.00")),
    NewInstalment(date(2025, 10, 1), D("15000.00")),
)


def a_year_of_work(factory: sessionmaker[Session], org_id: int) -> None:
    """What the treasurer (Léa) and the coordinator (Sami) write in a year, through every write service."""
    lea = as_(factory, org_id, "Léa")
    sami = as_(factory, org_id, "Sami", Role.COORDINATOR)
    lea(lambda s, a: change_funder(s, a, CENTRAIDE, fee_cap=D("0.15")))
    lea(
        lambda s, a: update_project(
            s,
            a,
            EVENTS,
            None,
            replace(project_command(project_by_name(s, a.scope, EVENTS)), description="Le Grand rendez-vous"),
        )
    )
    lea(lambda s, a: change_grant(s, a, PIC, title="Projet impact collectif (PIC)"))
    lea(lambda s, a: change_grant(s, a, SMALL_GIFT, eligible_categories=("translation", "room_rental")))
    lea(lambda s, a: change_grant(s, a, CITY_GRANT, instalments=CITY_IN_TWO))
    lea(lambda s, a: change_grant(s, a, SMALL_GIFT, funder="Arrondissement VSP"))
    lea(lambda s, a: receive(s, a, SMALL, date(2025, 5, 1), date(2025, 5, 9), D("0.01")))
    lea(lambda s, a: receive(s, a, SMALL, date(2025, 5, 1), date(2025, 5, 20), D("12499.99")))
    lea(lambda s, a: add_category(s, a, NewCategory("mobilisation", "Mobilisation citoyenne", "Citizen mobilisation")))
    lea(lambda s, a: add_category(s, a, NewCategory("mobilisation", "Mobilisation", "Mobilisation")))
    lea(
        lambda s, a: update_settings(
            s, a, None, replace(organisation_command(a.organisation(s)), cnesst_rate=D("0.0121"))
        )
    )
    lea(lambda s, a: set_payroll_rates(s, a, RatesChange(2026, cnesst_rate=D("0.0125"))))
    lea(lambda s, a: create_version(s, a, VersionSchema().load(budget("Adopté 2025-2026", "adopted", True, EVENTS))))
    allocated = lea(lambda s, a: allocate(s, a, allocation(SMALL, "translation", "8000.00")))
    lea(lambda s, a: allocate(s, a, allocation(PIC, "salaries", "40000.00")))
    corrected = lea(lambda s, a: correct_allocation(s, a, allocated[0].id, D("9000.00")))
    lea(lambda s, a: copy_version(s, a, OPS, None, "Révisé 2025-2026", factor=D("1.1"), with_allocations=True))
    lea(lambda s, a: make_current(s, a, OPS, "Révisé 2025-2026"))
    spent = lea(lambda s, a: record_expense(s, a, an_expense("1200.00")))
    lea(
        lambda s, a: record_expense(
            s, a, an_expense("450.00", CITY_GRANT, payee="Traiteur du parc", category="catering")
        )
    )
    replaced = lea(lambda s, a: correct_expense(s, a, spent.id, an_expense("1250.00")))
    lea(lambda s, a: import_csv(s, a, CSV))
    lea(
        lambda s, a: add_in_kind(
            s, a, NewInKind(EVENTS, "Paroisse", "Salle prêtée", D("1500.00"), date(2025, 10, 1), date(2025, 10, 2))
        )
    )
    lea(
        lambda s, a: add_own_funds(
            s, a, NewOwnFunds(OPS, "Surplus 2024-2025", D("5000.00"), date(2025, 4, 1), date(2026, 3, 31))
        )
    )
    sami(lambda s, a: create_position(s, a, PositionSchema().load(POSITION)))
    sami(
        lambda s, a: create_scenario(
            s,
            a,
            ScenarioSchema().load(
                {
                    "name": "plus d'heures",
                    "changes": [{"kind": "change_pay", "position": "mobilisation", "weekly_hours": "35"}],
                }
            ),
        )
    )
    sami(
        lambda s, a: budget_version_from_scenario(
            s, a, "plus d'heures", OPS, "Scénario mobilisation", rng=DateRange(date(2025, 4, 1), date(2026, 3, 31))
        )
    )
    lea(lambda s, a: reverse_allocation(s, a, corrected.id, "mauvaise ligne"))
    lea(lambda s, a: reverse_expense(s, a, replaced.id))


def comparable(values: dict[str, Any]) -> dict[str, Any]:
    """Figures compared as numbers (``"32"`` typed is ``32.00`` stored)."""
    out = {}
    for key, value in values.items():
        if isinstance(value, str) and NUMBER.fullmatch(value):
            value = Decimal(value).normalize()
        out[key] = value
    return out


def replayed(session: Session) -> dict[tuple[str, int], dict[str, Any]]:
    """Every row as the audit log tells it: its creation, then each change, until its deletion."""
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    for entry in session.scalars(select(AuditLog).order_by(AuditLog.id)):
        key = (entry.entity, entry.entity_id or 0)
        if entry.action in ("create", "reverse", "receive"):  # a receipt is a payment's own row
            assert key not in rows, entry.label
            rows[key] = dict(entry.after or {})
        elif entry.action == "update":
            rows[key].update(entry.after or {})
        else:
            assert entry.action == "delete"
            del rows[key]
    return rows


def as_stored(session: Session) -> dict[tuple[str, int], dict[str, Any]]:
    """Every audited row as the database holds it, in the audit log's terms."""
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    for model, entity in ENTITIES.items():
        for row in session.scalars(select(model)):
            mapper = inspect(row).mapper
            values: dict[str, Any] = {c.key: getattr(row, c.key) for c in mapper.column_attrs if c.key not in SKIPPED}
            for name, label in COLLECTIONS.get(model, {}).items():
                values[name] = sorted(label(m) for m in getattr(row, name))
            rows[(entity, row.id)] = plain(values)
    return rows


def test_the_audit_log_replayed_gives_back_every_row_as_it_stands(factory: sessionmaker[Session], org_id: int) -> None:
    """After a year of work through every write service, no change is missing from the log:
    replaying it from nothing gives every row of every audited table, field by field."""
    started = datetime.now(UTC)
    a_year_of_work(factory, org_id)
    with factory() as session:
        stored, told = as_stored(session), replayed(session)
        assert told.keys() == stored.keys()
        for key, values in stored.items():
            assert comparable(told[key]) == comparable(values), key
        entries = session.scalars(select(AuditLog)).all()
    assert {e.actor for e in entries} == {"system", "Léa", "Sami"}
    assert {e.role for e in entries if e.actor == "Sami"} == {"coordinator"}
    assert all(started - timedelta(minutes=1) <= e.at <= datetime.now(UTC) for e in entries if e.actor != "system")


# --- each change, with who, when, before and after ------------------------------------------


def entries_of(factory: sessionmaker[Session], org_id: int, change: Callable[[Session, Acting], Any]) -> list[AuditLog]:
    with factory() as session:
        last = session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) or 0
    as_(factory, org_id, "Léa")(change)
    with factory() as session:
        return list(session.scalars(select(AuditLog).where(AuditLog.id > last).order_by(AuditLog.id)))


def summary(entries: list[AuditLog]) -> list[tuple[str, str, dict[str, Any] | None, dict[str, Any] | None]]:
    return [(e.entity, e.action, e.before, e.after) for e in entries]


def test_making_a_version_current_is_recorded_on_both_versions(factory: sessionmaker[Session], org_id: int) -> None:
    as_(factory, org_id, "Léa")(lambda s, a: create_version(s, a, VersionSchema().load(budget("Révisé", "revised"))))
    entries = entries_of(factory, org_id, lambda s, a: make_current(s, a, OPS, "Révisé"))
    assert sorted((e.label, e.before, e.after) for e in entries) == [
        ("Adopté 2025-2026", {"current": True}, {"current": False}),
        ("Révisé", {"current": False}, {"current": True}),
    ]
    assert {(e.actor, e.role, e.entity) for e in entries} == {("Léa", "treasurer", "budget_version")}


def test_own_funds_and_in_kind_are_recorded_at_their_value(factory: sessionmaker[Session], org_id: int) -> None:
    own = entries_of(
        factory,
        org_id,
        lambda s, a: add_own_funds(
            s, a, NewOwnFunds(OPS, "Réserve", D("5000.00"), date(2025, 4, 1), date(2026, 3, 31))
        ),
    )
    kind = entries_of(
        factory,
        org_id,
        lambda s, a: add_in_kind(
            s, a, NewInKind(EVENTS, "Paroisse", "Salle", D("1500.00"), date(2025, 10, 1), date(2025, 10, 2))
        ),
    )
    assert [(e.entity, e.action, e.after["amount"]) for e in own if e.after] == [("own_funds", "create", "5000.00")]
    assert [(e.entity, e.action, e.after["fair_value"]) for e in kind if e.after] == [("in_kind", "create", "1500.00")]


def test_a_funders_fee_cap_is_recorded_before_and_after(factory: sessionmaker[Session], org_id: int) -> None:
    entries = entries_of(factory, org_id, lambda s, a: change_funder(s, a, CENTRAIDE, fee_cap=D("0.15")))
    assert summary(entries) == [("funder", "update", {"fee_cap": None}, {"fee_cap": "0.15"})]


def test_budget_line_amounts_are_recorded_line_by_line(factory: sessionmaker[Session], org_id: int) -> None:
    entries = entries_of(factory, org_id, lambda s, a: copy_version(s, a, OPS, None, "Révisé", factor=D("1.5")))
    amounts = sorted(e.after["amount"] for e in entries if e.entity == "budget_line_amount" and e.after)
    assert amounts == ["18000.00", "5400.00", "9000.00", "90000.00"]


def test_position_funding_is_recorded_with_its_amounts(factory: sessionmaker[Session], org_id: int) -> None:
    entries = entries_of(factory, org_id, lambda s, a: create_position(s, a, PositionSchema().load(POSITION)))
    assert [e.entity for e in entries] == ["position", "position_funding", "position_funding_amount"]
    assert entries[2].after is not None and entries[2].after["amount"] == "20000.00"


def test_an_instalment_received_is_recorded_as_a_receipt(factory: sessionmaker[Session], org_id: int) -> None:
    entries = entries_of(factory, org_id, lambda s, a: receive(s, a, SMALL, None, date(2025, 5, 3), D("12500.00")))
    receipt, totals = summary(entries)
    assert receipt[:3] == ("instalment_receipt", "receive", None)
    assert receipt[3] is not None
    assert (receipt[3]["received_date"], receipt[3]["amount"]) == ("2025-05-03", "12500.00")
    assert totals == (
        "instalment",
        "update",
        {"received_date": None, "received_amount": None},
        {"received_date": "2025-05-03", "received_amount": "12500.00"},
    )


def test_an_instalment_dropped_from_a_grant_is_recorded_as_deleted(factory: sessionmaker[Session], org_id: int) -> None:
    """The City's one instalment of 30 000 $ becomes two of 15 000 $: the log says which row went."""
    with factory() as session:
        (old,) = instalments_of(session, CITY_GRANT)
    entries = entries_of(factory, org_id, lambda s, a: change_grant(s, a, CITY_GRANT, instalments=CITY_IN_TWO))
    assert [(e.entity, e.action, e.entity_id) for e in entries if e.action == "delete"] == [
        ("instalment", "delete", old.id)
    ]
    assert sorted(e.after["expected_amount"] for e in entries if e.action == "create" and e.after) == ["15000.00"] * 2


def test_staffing_lines_that_carry_allocations_are_never_replaced(
    factory: sessionmaker[Session], engine: Engine, org_id: int
) -> None:
    """Writing a scenario's staffing into the current version would delete its salary line and,
    with it, the 40 000 $ of the PIC allocated there, unrecorded: refused, nothing written."""
    as_(factory, org_id, "Léa")(lambda s, a: allocate(s, a, allocation(PIC, "salaries", "40000.00")))
    as_(factory, org_id, "Sami", Role.COORDINATOR)(lambda s, a: create_position(s, a, PositionSchema().load(POSITION)))
    before = row_counts(engine)
    with pytest.raises(RuleViolation) as err, unit_of_work(factory) as session:
        acting = treasurer(session, org_id, "Léa")
        run = simulate_scenario(session, acting.scope, None, rng=DateRange(date(2025, 4, 1), date(2026, 3, 31)))
        budget_lines_from_run(session, acting, run, version_of(session, acting.scope, OPS).id)
    assert err.value.code == "budget.lines_in_use" and "Coordination" in err.value.describe("en")
    assert row_counts(engine) == before


NO_OPS: list[tuple[str, Callable[[Session, Acting], Any]]] = [
    (
        "a grant sent back unchanged",
        lambda s, a: update_grant(s, a, PIC, None, grant_command(grant_by_reference(s, a.scope, PIC))),
    ),
    (
        "a funder sent back unchanged",
        lambda s, a: update_funder(s, a, CENTRAIDE, None, funder_command(funder_by_name(s, a.scope, CENTRAIDE))),
    ),
    (
        "a project sent back unchanged",
        lambda s, a: update_project(s, a, OPS, None, project_command(project_by_name(s, a.scope, OPS))),
    ),
    (
        "the settings sent back unchanged",
        lambda s, a: update_settings(s, a, None, organisation_command(a.organisation(s))),
    ),
    ("the current version made current", lambda s, a: make_current(s, a, OPS, "Adopté 2025-2026")),
    (
        "a category relabelled as it is",
        lambda s, a: add_category(
            s, a, NewCategory("translation", "Traduction et interprétation", "Translation and interpretation")
        ),
    ),
]


@pytest.mark.parametrize("change", [c for _, c in NO_OPS], ids=[n for n, _ in NO_OPS])
def test_a_change_that_changes_nothing_writes_nothing(
    factory: sessionmaker[Session], org_id: int, change: Callable[[Session, Acting], Any]
) -> None:
    assert entries_of(factory, org_id, change) == []


def test_payroll_rates_set_again_to_the_same_values_write_nothing(factory: sessionmaker[Session], org_id: int) -> None:
    rates = RatesChange(2026, cnesst_rate=D("0.0125"))
    assert [e.entity for e in entries_of(factory, org_id, lambda s, a: set_payroll_rates(s, a, rates))] == [
        "payroll_rates"
    ]
    assert entries_of(factory, org_id, lambda s, a: set_payroll_rates(s, a, rates)) == []


# --- 8. who acted, from the command line ------------------------------------------------------

SMALL_FILE = {
    "format": "fundtrack",
    "version": 1,
    "organisation": {"name": "Table de quartier de Parc-Extension"},
    "funders": [{"name": "Ville de Montréal", "kind": "city", "fiscal_start_month": 1}],
    "projects": [{"name": OPS, "operations": True}],
    "grants": [
        {
            "reference": CITY_GRANT,
            "funder": "Ville de Montréal",
            "title": "Communications citoyennes 2025",
            "status": "confirmed",
            "amount": "30000.00",
            "start_date": "2025-01-01",
            "end_date": "2025-12-31",
            "instalments": [{"expected_date": "2025-03-01", "amount": "30000.00"}],
        }
    ],
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with nothing in it, not even tables (``fundtrack load`` builds them)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
        yield engine
        engine.dispose()
        return
    assert POSTGRES_URL
    database = PostgresDatabase(POSTGRES_URL)
    engine = database.engine(with_schema=False)
    try:
        yield engine
    finally:
        engine.dispose()
        database.drop()


def test_the_command_line_records_the_person_who_acts(fresh_database: Engine, tmp_path: Path) -> None:
    """``--as`` names who loads a file and who receives an instalment; without it, the
    system user running the command. Never "system"."""
    url = fresh_database.url.render_as_string(hide_password=False)
    document = tmp_path / "table.yaml"
    document.write_text(yaml.safe_dump(SMALL_FILE, allow_unicode=True), encoding="utf-8")
    loaded = run_fundtrack(url, "--as", "Marie Tremblay", "load", str(document))
    assert loaded.returncode == 0, loaded.stderr
    received = run_fundtrack(url, "receive", CITY_GRANT, "--amount", "15 000,00", "--date", "2025-03-04")
    assert received.returncode == 0, received.stderr
    with session_factory(fresh_database)() as session:
        entries = session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    first = next(n for n, e in enumerate(entries) if e.action == "receive")
    loading, receiving = entries[:first], entries[first:]
    assert [e.entity for e in receiving] == ["instalment_receipt", "instalment"]  # the payment, then the totals
    assert {(e.actor, e.role) for e in receiving} == {(getpass.getuser(), "treasurer")}
    assert {(e.actor, e.role) for e in loading} == {("Marie Tremblay", "treasurer")}
    assert {"organisation", "funder", "project", "grant", "instalment", "category"} <= {e.entity for e in entries}


def test_a_coordinator_named_on_the_command_line_is_recorded_in_that_role(
    factory: sessionmaker[Session], engine: Engine, org_id: int
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    done = run_fundtrack(url, "--as", "Sami", "--role", "coordinator", "receive", SMALL, "--amount", "1,00")
    assert done.returncode == 1 and "the coordinator role may not change the money" in done.stderr
    with factory() as session:
        assert session.scalars(select(AuditLog).where(AuditLog.actor == "Sami")).all() == []


# --- 9. append-only ---------------------------------------------------------------------------


def test_an_audit_entry_cannot_be_changed_or_deleted_through_the_application(
    factory: sessionmaker[Session], org_id: int
) -> None:
    edits: list[Callable[[Session, AuditLog], Any]] = [
        lambda s, e: setattr(e, "actor", "personne"),
        lambda s, e: s.delete(e),
        lambda s, e: s.execute(update(AuditLog).where(AuditLog.id == e.id).values(actor="personne")),
        lambda s, e: s.execute(delete(AuditLog).where(AuditLog.id == e.id)),
    ]
    with factory() as session:
        before = [(e.id, e.actor, e.after) for e in session.scalars(select(AuditLog).order_by(AuditLog.id))]
    for edit in edits:
        with pytest.raises(AuditLogIsAppendOnly) as err, unit_of_work(factory) as session:
            entry = session.scalars(select(AuditLog).order_by(AuditLog.id)).first()
            assert entry is not None
            edit(session, entry)
            session.flush()
        assert (
            err.value.describe("en")
            == "the audit log cannot be changed or deleted, only added to (nothing was written)"
        )
    with factory() as session:
        assert [(e.id, e.actor, e.after) for e in session.scalars(select(AuditLog).order_by(AuditLog.id))] == before


def refused_by_the_database(engine: Engine) -> None:
    for sql in ("UPDATE audit_log SET actor = 'personne'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError) as err, engine.begin() as conn:
            conn.execute(text(sql))
        assert "append-only" in str(err.value)
        assert database_problem(err.value).describe("en") == (
            "the audit log cannot be changed or deleted, only added to (nothing was written)"
        )


def test_the_database_itself_refuses_to_change_or_delete_an_audit_entry(
    factory: sessionmaker[Session], engine: Engine, org_id: int
) -> None:
    """Even SQL sent around the application (a console, another program) is refused by a trigger."""
    with factory() as session:
        count = len(session.scalars(select(AuditLog)).all())
    refused_by_the_database(engine)
    with factory() as session:
        assert len(session.scalars(select(AuditLog)).all()) == count > 0


def test_a_database_built_by_the_migrations_refuses_it_too(fresh_database: Engine) -> None:
    upgrade(fresh_database)
    with unit_of_work(session_factory(fresh_database)) as session:
        the_proof_table(session)
    refused_by_the_database(fresh_database)
