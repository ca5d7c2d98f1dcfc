"""Nothing is lost or overspent when several people write at once, on SQLite and PostgreSQL.

Each race runs real sessions at the same time — threads with sessions of their own, or
``fundtrack`` processes — and is made to happen (see :mod:`tests.integration.races`):
one session writes and keeps its transaction open until the other waits behind its
lock, or a gate holds the lock until every contender waits behind it.
"""

from __future__ import annotations

import os
import random
import socket
from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import DatabaseProblem, make_engine, session_factory, unit_of_work
from fundtrack.errors import RuleViolation, StaleRecord
from fundtrack.models import Allocation, AuditLog, Funder, Grant
from fundtrack.queries.lookups import grant_by_reference
from fundtrack.roles import Role
from fundtrack.schemas.budgets import NewAllocation, YearAmount
from fundtrack.schemas.ledger import Receipt
from fundtrack.schemas.staffing import PositionSchema
from fundtrack.services.allocations import allocate, correct_allocation
from fundtrack.services.expenses import correct_expense, record_expense, reverse_expense
from fundtrack.services.grants import grant_command, update_grant
from fundtrack.services.receipts import record_instalment_received
from fundtrack.services.staffing import create_position
from tests.conftest import acting_as_role, change_grant, treasurer

from .proof_table import (
    CITY_GRANT,
    OPS,
    PIC,
    SMALL,
    allocated_to,
    an_expense,
    charge,
    charged_to,
    expense_count,
    grant_named,
    instalments_of,
    read_grant,
    receive_on,
    submit_grant,
    the_proof_table,
)
from .races import (
    Contender,
    Finished,
    StatementLog,
    fundtrack_env,
    hold_until_contended,
    lock_grant_row,
    process_race,
    race,
    run_fundtrack,
    write_connection,
)

D = Decimal


@pytest.fixture
def org_id(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as session:
        return the_proof_table(session).organisation_id


def refusal(contender: Contender) -> RuleViolation | StaleRecord:
    assert isinstance(contender.error, RuleViolation | StaleRecord), contender.error
    return contender.error


# --- 1. a grant is never overspent ------------------------------------------------------------


def test_two_treasurers_charging_the_same_grant_at_once_cannot_both_take_what_remains(
    factory: sessionmaker[Session], engine: Engine, org_id: int
) -> None:
    """21 022,97 $ left of 25 000 $; each charges 12 613,78 $: the second is refused, naming
    the grant and what remains, instead of 29 204,59 $ charged on a 25 000 $ grant."""
    charge(factory, org_id, "3977.03")
    second = Contender("second", lambda: charge(factory, org_id, "12613.78"))
    with StatementLog(engine) as log, unit_of_work(factory) as session:
        record_expense(session, treasurer(session, org_id), an_expense("12613.78"))
        hold_until_contended(engine, log, second)
    error = refusal(second.join())
    assert error.code == "charging.beyond_remaining"
    assert SMALL in error.describe("en") and "$8,409.19" in error.describe("en")
    with factory() as session:
        assert charged_to(session, SMALL) == D("16590.81")


def test_four_sessions_charging_at_once_charge_no_more_than_the_grant(
    factory: sessionmaker[Session], engine: Engine, org_id: int
) -> None:
    """37 613,79 $ asked of a 25 000 $ grant by four sessions let go at the same instant:
    two are charged, two are refused."""
    with factory() as session:
        grant_id = grant_named(session, SMALL).id
    amounts = ["9403.44", "9403.45", "9403.45", "9403.45"]
    contenders = race(
        engine,
        lock_grant_row(grant_id),
        *((f"treasurer {i}", partial(charge, factory, org_id, a)) for i, a in enumerate(amounts)),
    )
    refused = [refusal(c) for c in contenders if c.error is not None]
    assert [e.code for e in refused] == ["charging.beyond_remaining"] * 2
    with factory() as session:
        charged = charged_to(session, SMALL)
    assert charged == sum((D(a) for c, a in zip(contenders, amounts, strict=True) if c.error is None), D(0))
    assert D("18806.89") <= charged <= D("25000.00")


def test_a_write_locks_what_it_checks_before_it_reads_it(
    factory: sessionmaker[Session], engine: Engine, org_id: int
) -> None:
    """On SQLite a reader's transaction stays deferred (readers never wait) and a writer's
    begins with ``BEGIN IMMEDIATE``, before anything is read; on PostgreSQL the grant's row
    is locked (``FOR UPDATE``) before what is charged to it is summed."""
    seen: list[str] = []

    def log(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()).upper())

    event.listen(engine, "before_cursor_execute", log)
    try:
        with factory() as session, session.begin():
            grant_named(session, SMALL)
        reading = list(seen)
        seen.clear()
        charge(factory, org_id, "100.00")
    finally:
        event.remove(engine, "before_cursor_execute", log)
    if engine.dialect.name == "sqlite":
        assert reading[0] == "BEGIN" and seen[0] == "BEGIN IMMEDIATE"
    else:
        locked = next(i for i, s in enumerate(seen) if s.startswith("SELECT") and "FOR UPDATE" in s)
        summed = next(i for i, s in enumerate(seen) if "SUM(EXPENSE_CHARGES.AMOUNT)" in s)
        assert locked < summed < next(i for i, s in enumerate(seen) if s.startswith("INSERT INTO EXPENSES"))


@pytest.mark.parametrize("first", ["lowering", "charging"])
def test_lowering_a_grant_while_another_charges_it_never_leaves_it_overspent(
    factory: sessionmaker[Session], engine: Engine, org_id: int, first: str
) -> None:
    """The City's 30 000 $ with 10 000 $ charged: one person lowers it to 10 000 $ while
    another charges 15 818,38 $. Whoever comes second is refused (never −15 818,38 $ left)."""
    charge(factory, org_id, "10000.00", CITY_GRANT)

    def lower(session: Session) -> Grant:
        acting = treasurer(session, org_id)
        (instalment,) = grant_command(grant_by_reference(session, acting.scope, CITY_GRANT)).instalments
        ten = D("10000.00")
        return change_grant(session, acting, CITY_GRANT, amount=ten, instalments=(replace(instalment, amount=ten),))

    def spend(session: Session) -> object:
        return record_expense(session, treasurer(session, org_id), an_expense("15818.38", CITY_GRANT))

    works = {"lowering": lower, "charging": spend}
    second_name = "charging" if first == "lowering" else "lowering"

    def in_own_unit() -> object:
        with unit_of_work(factory) as s:
            return works[second_name](s)

    second = Contender(second_name, in_own_unit)
    with StatementLog(engine) as log, unit_of_work(factory) as session:
        works[first](session)
        hold_until_contended(engine, log, second)
    error = refusal(second.join())
    assert error.code == ("charging.beyond_remaining" if first == "lowering" else "grant.below_charged")
    named = (CITY_GRANT, "($0.00)") if first == "lowering" else ("$10,000.00", "$25,818.38")
    assert all(words in error.describe("en") for words in named), error.describe("en")
    with factory() as session:
        grant = grant_named(session, CITY_GRANT)
        assert grant.amount - charged_to(session, CITY_GRANT) >= 0
        assert (grant.amount, charged_to(session, CITY_GRANT)) == (
            (D("10000.00"), D("10000.00")) if first == "lowering" else (D("30000.00"), D("25818.38"))
        )


def allocate_part(factory: sessionmaker[Session], org_id: int, category: str, amount: str) -> list[Allocation]:
    with unit_of_work(factory) as session:
        cmd = NewAllocation(SMALL, OPS, category, (YearAmount("2025-2026", D(amount)),))
        return allocate(session, treasurer(session, org_id), cmd)


def fund_position(factory: sessionmaker[Session], org_id: int, key: str, amount: str) -> object:
    with unit_of_work(factory) as session:
        cmd = PositionSchema().load(
            {
                "key": key,
                "title_fr": key,
                "title_en": key,
                "annual_salary": "52000.00",
                "start_date": "2025-04-01",
                "funding": [{"grant": SMALL, "amounts": [{"fiscal_year": "2025-2026", "amount": amount}]}],
            }
        )
        return create_position(session, acting_as_role(session, org_id, Role.COORDINATOR), cmd)


@pytest.mark.parametrize(
    ("what", "code"),
    [("allocations", "allocation.over_period"), ("position funding", "staffing.over_grant")],
)
def test_two_people_giving_the_same_grant_away_at_once_never_give_more_than_it(
    factory: sessionmaker[Session], engine: Engine, org_id: int, what: str, code: str
) -> None:
    """15 000 $ of the 25 000 $ grant to translation and 15 000 $ to rooms, or to two positions,
    let go at the same instant: one of them is refused."""
    with factory() as session:
        grant_id = grant_named(session, SMALL).id
    if what == "allocations":
        works = [(c, partial(allocate_part, factory, org_id, c, "15000.00")) for c in ("translation", "room_rental")]
    else:
        works = [(k, partial(fund_position, factory, org_id, k, "15000.00")) for k in ("coordination", "liaison")]
    contenders = race(engine, lock_grant_row(grant_id), *works)
    assert sorted(c.error is None for c in contenders) == [False, True]
    (refused,) = [refusal(c) for c in contenders if c.error is not None]
    assert refused.code == code and SMALL in refused.describe("en")


def test_the_same_expense_reversed_twice_at_once_is_reversed_once(
    factory: sessionmaker[Session], engine: Engine, org_id: int
) -> None:
    expense_id = charge(factory, org_id, "1200.00")

    def reverse_it() -> object:
        with unit_of_work(factory) as session:
            return reverse_expense(session, treasurer(session, org_id), expense_id)

    second = Contender("second", reverse_it)
    with StatementLog(engine) as log, unit_of_work(factory) as session:
        reverse_expense(session, treasurer(session, org_id), expense_id)
        hold_until_contended(engine, log, second)
    assert refusal(second.join()).code == "expense.already_reversed"
    with factory() as session:
        assert charged_to(session, SMALL) == D("0.00") and expense_count(session) == 2


@pytest.mark.parametrize("what", ["expenses", "allocations"])
def test_two_corrections_at_once_on_the_same_grant_both_succeed(
    factory: sessionmaker[Session], engine: Engine, org_id: int, what: str
) -> None:
    """Two people each correct their own expense (or allocation) of the same grant, let go at
    the same instant: each waits its turn, neither is told the database is busy."""
    with factory() as session:
        grant_id = grant_named(session, SMALL).id
    if what == "expenses":
        ids = [charge(factory, org_id, "1200.00", payee=p) for p in ("Interprètes Montréal", "Traductions Parc-Ex")]
    else:
        ids = [allocate_part(factory, org_id, c, "3000.00")[0].id for c in ("translation", "room_rental")]

    def correct(entry_id: int) -> object:
        with unit_of_work(factory) as session:
            acting = treasurer(session, org_id)
            if what == "expenses":
                return correct_expense(session, acting, entry_id, an_expense("1100.00", payee=f"Corrigé {entry_id}"))
            return correct_allocation(session, acting, entry_id, D("2500.00"))

    contenders = race(engine, lock_grant_row(grant_id), *((str(i), partial(correct, i)) for i in ids))
    assert [c.error for c in contenders] == [None, None]
    with factory() as session:
        if what == "expenses":
            assert charged_to(session, SMALL) == D("2200.00")
        else:
            assert allocated_to(session, SMALL) == D("5000.00")


# --- 2. no update is lost -----------------------------------------------------------------------


def test_two_people_changing_the_same_grant_the_second_is_told_it_changed_and_nothing_is_lost(
    factory: sessionmaker[Session], engine: Engine, org_id: int
) -> None:
    """Both opened the 300 000 $ grant. The first raises it to 310 000 $; the second, from
    the same read, changes its title: refused, naming the grant; one audit entry only,
    from 300 000 $ to 310 000 $."""
    revision, terms = read_grant(factory, org_id, PIC)
    second = Contender(
        "second", lambda: submit_grant(factory, org_id, PIC, revision, replace(terms, title="PIC"), "Sami")
    )
    with StatementLog(engine) as log, unit_of_work(factory) as session:
        first_year, second_year = terms.schedule
        raised = replace(
            terms, amount=D("310000.00"), schedule=(replace(first_year, amount=D("150000.00")), second_year)
        )
        update_grant(session, treasurer(session, org_id, "Léa"), PIC, revision, raised)
        hold_until_contended(engine, log, second)
    error = refusal(second.join())
    assert isinstance(error, StaleRecord) and PIC in error.describe("en") and PIC in error.describe("fr")
    with factory() as session:
        grant = grant_named(session, PIC)
        assert (grant.amount, grant.title) == (D("310000.00"), "Projet impact collectif")
        updates = session.scalars(
            select(AuditLog).where(
                AuditLog.entity == "grant", AuditLog.action == "update", AuditLog.entity_id == grant.id
            )
        ).all()
        assert [(u.actor, u.before["amount"], u.after["amount"]) for u in updates if u.before and u.after] == [
            ("Léa", "300000.00", "310000.00")
        ]


def test_a_title_change_from_a_stale_read_never_erases_an_instalment_received_meanwhile(
    factory: sessionmaker[Session], engine: Engine, org_id: int
) -> None:
    revision, terms = read_grant(factory, org_id, PIC)  # the 2026-06-01 instalment not received yet
    second = Contender(
        "title", lambda: submit_grant(factory, org_id, PIC, revision, replace(terms, title="PIC 2025-2027"), "Sami")
    )
    with StatementLog(engine) as log, unit_of_work(factory) as session:
        receipt = Receipt(PIC, date(2026, 6, 3), D("80000.00"), date(2026, 6, 1))
        record_instalment_received(session, treasurer(session, org_id, "Léa"), receipt)
        hold_until_contended(engine, log, second)
    assert isinstance(second.join().error, StaleRecord)
    # a script that read nothing (no revision) changes the title and keeps the receipt
    submit_grant(factory, org_id, PIC, None, replace(terms, title="PIC 2025-2027"), "script")
    with factory() as session:
        assert grant_named(session, PIC).title == "PIC 2025-2027"
        received = {i.expected_date: i.received_amount for i in instalments_of(session, PIC)}
        assert received[date(2026, 6, 1)] == D("80000.00")


def test_the_same_instalment_received_twice_at_once_is_received_once(
    factory: sessionmaker[Session], engine: Engine, org_id: int
) -> None:
    with factory() as session:
        grant_id = grant_named(session, SMALL).id
    contenders = race(
        engine,
        lock_grant_row(grant_id),
        ("Léa", lambda: receive_on(factory, org_id, SMALL, date(2025, 5, 1), "12500.00")),
        ("Sami", lambda: receive_on(factory, org_id, SMALL, date(2025, 5, 1), "12500.00")),
    )
    assert sorted(c.error is None for c in contenders) == [False, True]
    (refused,) = [refusal(c) for c in contenders if c.error is not None]
    assert refused.code == "instalment.already_received"
    with factory() as session:
        assert [i.received_amount for i in instalments_of(session, SMALL)] == [D("12500.00"), None]


def test_an_edit_of_a_row_read_before_someone_elses_commit_is_refused_by_the_database(
    factory: sessionmaker[Session], org_id: int
) -> None:
    """Even code that forgets to check the revision cannot overwrite: the UPDATE matches the
    revision it read, and a row changed meanwhile is reported, nothing written."""
    with factory() as stale, stale.begin():
        funder = stale.scalars(select(Funder).where(Funder.name == "Ville de Montréal")).one()
    with unit_of_work(factory) as session:
        session.scalars(select(Funder).where(Funder.name == "Ville de Montréal")).one().fee_cap = D("0.10")
    with pytest.raises(DatabaseProblem) as err, unit_of_work(factory) as again:
        again.add(funder)
        funder.notes = "plafond à vérifier"
    assert err.value.code == "db.stale"
    with factory() as session:
        city = session.scalars(select(Funder).where(Funder.name == "Ville de Montréal")).one()
        assert (city.fee_cap, city.notes) == (D("0.10"), None)


def test_a_receipt_takes_the_grants_latest_revision(factory: sessionmaker[Session], org_id: int) -> None:
    """An instalment received counts as a change of the agreement: an edit from before it is stale."""
    revision, _ = read_grant(factory, org_id, SMALL)
    receive_on(factory, org_id, SMALL, date(2025, 5, 1), "12500.00")
    with factory() as session:
        assert grant_by_reference(session, treasurer(session, org_id).scope, SMALL).revision == revision + 1


# --- 3. several writers on one SQLite file, as fundtrack processes ------------------------------


def database_file(engine: Engine) -> Path | None:
    return Path(engine.url.database) if engine.dialect.name == "sqlite" and engine.url.database else None


def database_url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def expense_file(folder: Path, name: str, payee: str, amount: str, grant: str = SMALL) -> str:
    path = folder / f"{name}.csv"
    path.write_text(
        "Date;Fournisseur;Projet;Catégorie;Montant avant taxes;TPS;TVQ;Subvention\n"
        f"15/09/2025;{payee};Fonctionnement de la Table;translation;{amount};0;0;{grant}\n",
        encoding="utf-8",
    )
    return str(path)


def test_four_fundtrack_commands_at_once_on_one_database_all_succeed(
    factory: sessionmaker[Session], engine: Engine, org_id: int, tmp_path: Path
) -> None:
    """Two expense imports and two receipts started together, behind someone else's
    write: each waits its turn and succeeds (never "database is locked")."""
    with factory() as session:
        grant_id = grant_named(session, SMALL).id
    imports = [
        (
            "--as",
            f"Trésorier {i}",
            "expenses",
            "import",
            expense_file(tmp_path, f"month-{i}", f"Interprète {i}", "1 000,00"),
        )
        for i in range(2)
    ]
    receipts = [
        ("--as", f"Caissière {i}", "receive", SMALL, "--amount", "12 500,00", "--date", "2025-11-20", "--expected", day)
        for i, day in enumerate(("2025-05-01", "2025-11-01"))
    ]
    finished = process_race(
        engine, database_url_of(engine), database_file(engine), [*imports, *receipts], lock_grant_row(grant_id)
    )
    assert [(f.returncode, f.stderr) for f in finished] == [(0, "")] * 4
    with factory() as session:
        assert charged_to(session, SMALL) == D("2000.00")
        assert [i.received_amount for i in instalments_of(session, SMALL)] == [D("12500.00")] * 2
        actors = set(session.scalars(select(AuditLog.actor).where(AuditLog.action.in_(["create", "receive"]))))
        assert {"Trésorier 0", "Trésorier 1", "Caissière 0", "Caissière 1"} <= actors


def test_four_fundtrack_processes_charging_one_grant_at_once_never_overspend_it(
    factory: sessionmaker[Session], engine: Engine, org_id: int, tmp_path: Path
) -> None:
    """Four imports at once ask 37 613,79 $ of the 25 000 $ grant: two are charged, the two
    others exit with status 1 naming the grant and what remains of it."""
    with factory() as session:
        grant_id = grant_named(session, SMALL).id
    amounts = ["9403.44", "9403.45", "9403.45", "9403.45"]
    commands = [
        ("expenses", "import", expense_file(tmp_path, f"claim-{i}", f"Fournisseur {i}", amount))
        for i, amount in enumerate(amounts)
    ]
    finished = process_race(engine, database_url_of(engine), database_file(engine), commands, lock_grant_row(grant_id))
    assert sorted(f.returncode for f in finished) == [0, 0, 1, 1]
    for f in finished:
        if f.returncode:
            assert SMALL in f.stderr and "more than what remains" in f.stderr and "Traceback" not in f.stderr
    with factory() as session:
        charged = charged_to(session, SMALL)
    assert charged == sum((D(a) for f, a in zip(finished, amounts, strict=True) if f.returncode == 0), D(0))
    assert charged <= D("25000.00")


# --- 3. each database error worded for what it is ---------------------------------------------

RECEIVE = ("receive", SMALL, "--amount", "12 500,00", "--date", "2025-05-20")


def refused_cleanly(done: Finished, words: str) -> None:
    assert done.returncode == 1, done
    assert words in done.stderr and "Traceback" not in done.stderr, done.stderr


SQLITE_ONLY = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_a_read_only_database_is_worded_as_read_only_and_nothing_is_written(
    factory: sessionmaker[Session], engine: Engine, org_id: int
) -> None:
    path = database_file(engine)
    assert path is not None
    refused_cleanly(run_fundtrack(f"sqlite:///file:{path}?mode=ro&uri=true", *RECEIVE), "the database is read-only")
    if os.geteuid() != 0:  # the file's own permissions (root ignores them)
        path.chmod(0o444)
        try:
            refused_cleanly(run_fundtrack(f"sqlite:///{path}", *RECEIVE), "the database is read-only")
        finally:
            path.chmod(0o644)
    with factory() as session:
        assert [i.received_amount for i in instalments_of(session, SMALL)] == [None, None]


@pytest.mark.parametrize("command", [("funders",), RECEIVE], ids=["reading", "writing"])
def test_a_random_file_given_as_the_database_is_worded_as_not_a_database(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    path = tmp_path / "photo.sqlite3"
    path.write_bytes(random.Random(2018).randbytes(8192))
    refused_cleanly(run_fundtrack(f"sqlite:///{path}", *command), "this file is not a fundtrack database")


def test_an_unreachable_postgresql_server_is_worded_as_unreachable() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    refused_cleanly(
        run_fundtrack(f"postgresql://postgres@127.0.0.1:{port}/fundtrack", "funders"), "cannot reach the database"
    )


def test_a_write_held_beyond_the_busy_timeout_is_worded_as_busy_and_nothing_is_written(
    factory: sessionmaker[Session], engine: Engine, org_id: int
) -> None:
    """Someone else's long write holds the grant; a receipt waits 0,3 s (the timeout given),
    then is refused as busy."""
    with factory() as session:
        grant_id = grant_named(session, SMALL).id
    with write_connection(engine) as holder:
        lock_grant_row(grant_id)(holder)
        done = run_fundtrack(database_url_of(engine), *RECEIVE, env=fundtrack_env(FUNDTRACK_BUSY_TIMEOUT="0.3"))
    refused_cleanly(done, "the database is busy with someone else's change")
    with factory() as session:
        assert [i.received_amount for i in instalments_of(session, SMALL)] == [None, None]


@SQLITE_ONLY
def test_a_full_disk_is_worded_as_full_and_nothing_is_written(
    factory: sessionmaker[Session], engine: Engine, org_id: int
) -> None:
    """Simulated with SQLite's page limit: the file may not grow by one page."""
    path = database_file(engine)
    assert path is not None
    full = make_engine(f"sqlite:///{path}")

    @event.listens_for(full, "connect")
    def no_more_pages(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages}")
        cursor.close()

    try:
        with pytest.raises(DatabaseProblem) as err, unit_of_work(session_factory(full)) as session:
            acting = treasurer(session, org_id)
            for i in range(400):
                record_expense(session, acting, an_expense("1.00", None, payee=f"Fournisseur {i:03d} " + "x" * 150))
    finally:
        full.dispose()
    assert err.value.code == "db.disk_full"
    assert "disk is full" in err.value.describe("en")
    with factory() as session:
        assert expense_count(session) == 0
