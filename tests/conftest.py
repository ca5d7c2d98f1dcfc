"""Shared fixtures: every integration test runs on SQLite, and on PostgreSQL when
``FUNDTRACK_TEST_POSTGRES_URL`` is set (CI sets it and requires the server)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

import fundtrack.models  # noqa: F401  (registers every table)
from fundtrack.db import database_url, make_engine, session_factory
from fundtrack.models import Funder, Grant, Organisation
from fundtrack.models.base import Base
from fundtrack.queries.lookups import funder_by_name, grant_by_reference
from fundtrack.queries.scope import Scope
from fundtrack.roles import Role
from fundtrack.schemas.ledger import Receipt
from fundtrack.services.context import Acting, acting_for
from fundtrack.services.funders import funder_command, update_funder
from fundtrack.services.grants import grant_command, update_grant
from fundtrack.services.receipts import ReceiptRecorded, record_instalment_received

POSTGRES_URL = os.environ.get("FUNDTRACK_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if POSTGRES_URL:
        return
    skip = pytest.mark.skip(reason="FUNDTRACK_TEST_POSTGRES_URL is not set")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


class PostgresDatabase:
    """A throwaway database on the test server, created once per test run."""

    def __init__(self, server_url: str) -> None:
        self.server_url = database_url(server_url)
        self.name = f"fundtrack_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        admin.dispose()
        self.url = make_url(self.server_url).set(database=self.name).render_as_string(hide_password=False)
        self._schema_ready = False

    def engine(self, *, with_schema: bool = True) -> Engine:
        engine = make_engine(self.url)
        if with_schema and not self._schema_ready:
            Base.metadata.create_all(engine)
            self._schema_ready = True
        return engine

    def truncate(self, engine: Engine) -> None:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))

    def drop(self) -> None:
        admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[PostgresDatabase]:
    if not POSTGRES_URL:
        pytest.skip("FUNDTRACK_TEST_POSTGRES_URL is not set")
    db = PostgresDatabase(POSTGRES_URL)
    yield db
    db.drop()


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An engine on an empty schema built from the models (the migrations have their own tests)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "fundtrack.sqlite3"
        eng = make_engine(f"sqlite:///{path}")
        Base.metadata.create_all(eng)
        yield eng
        eng.dispose()
    else:
        pg: PostgresDatabase = request.getfixturevalue("postgres_database")
        eng = pg.engine()
        try:
            yield eng
        finally:
            pg.truncate(eng)
            eng.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for reading back what a test did (and for small setups it commits itself)."""
    with factory() as s:
        yield s


def treasurer(session: Session, organisation_id: int, actor: str = "trésorière") -> Acting:
    """The treasurer acting for the organisation, as the CLI builds the context."""
    return acting_for(session, organisation_id=organisation_id, role=Role.TREASURER, actor=actor)


def acting_as_role(session: Session, organisation_id: int, role: Role, funder: str | None = None) -> Acting:
    """Someone of ``role`` acting for the organisation (a funder's login names its funder)."""
    return acting_for(session, organisation_id=organisation_id, role=role, actor=role.value, funder=funder)


def the_organisation(session: Session) -> Organisation:
    """The only organisation of the database."""
    return session.scalars(select(Organisation)).one()


def the_scope(session: Session) -> Scope:
    """The whole organisation, as its treasurer, coordinator and board read it."""
    return Scope(the_organisation(session).id)


def acting_in(session: Session, scope: Scope) -> Acting:
    """The treasurer reading and writing as ``scope`` allows (one funder's grants, or all)."""
    acting = treasurer(session, scope.organisation_id)
    return replace(acting, funder_id=scope.funder_id)


def change_grant(session: Session, acting: Acting, current: str, **changes: Any) -> Grant:
    """Change some terms of grant ``current`` (by its reference), from the revision read in this session."""
    grant = grant_by_reference(session, acting.scope, current, field="reference")
    return update_grant(session, acting, current, grant.revision, replace(grant_command(grant), **changes))


def change_funder(session: Session, acting: Acting, current: str, **changes: Any) -> Funder:
    """Change some terms of funder ``current`` (by its name), from the revision read in this session."""
    funder = funder_by_name(session, acting.scope, current, field="name")
    return update_funder(session, acting, current, funder.revision, replace(funder_command(funder), **changes))


def receive(
    session: Session, acting: Acting, reference: str, expected: date | None, on: date, amount: Decimal
) -> ReceiptRecorded:
    """Record an instalment received, as ``fundtrack receive`` does."""
    return record_instalment_received(session, acting, Receipt(reference, on, amount, expected))


@pytest.fixture
def empty_database(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    """Sessions on a second, empty database of the same kind as ``engine`` (its schema
    built): where a dump is loaded back, the audit log of the first being append-only."""
    if engine.dialect.name == "sqlite":
        path = tmp_path_factory.mktemp("db") / "restored.sqlite3"
        other = make_engine(f"sqlite:///{path}")
        Base.metadata.create_all(other)
        yield session_factory(other)
        other.dispose()
        return
    assert POSTGRES_URL
    database = PostgresDatabase(POSTGRES_URL)
    other = database.engine()
    try:
        yield session_factory(other)
    finally:
        other.dispose()
        database.drop()
