"""Shared fixtures: every integration test runs on SQLite, and on PostgreSQL when
``FUNDTRACK_TEST_POSTGRES_URL`` is set (CI sets it and requires the server)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

import fundtrack.models  # noqa: F401  (registers every table)
from fundtrack.db import database_url, make_engine, session_factory
from fundtrack.models.base import Base

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
