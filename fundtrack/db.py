"""Engines, sessions, transactions and schema upgrades: the one public way to reach the database.

The database comes from an explicit URL, else ``FUNDTRACK_DATABASE_URL``, else a
SQLite file ``fundtrack.sqlite3`` in the current folder. :func:`make_engine` builds an
engine and :func:`configure_engine` gives any engine (one a web layer made itself, say)
fundtrack's settings; :func:`unit_of_work` opens one transaction per user action or
file. The schema is created and upgraded only through the Alembic migrations.

On SQLite every connection enforces foreign keys, lets SQLAlchemy (not the driver) open
transactions so that savepoints work, waits up to the busy timeout for another writer,
and a file database uses write-ahead logging so that readers do not block the writer.
A unit of work that writes begins with ``BEGIN IMMEDIATE``: it takes the write lock
before it reads what it checks, so two writers take turns instead of failing.
On PostgreSQL the services lock the rows they check (``SELECT ... FOR UPDATE``), and a
session waits for a lock no longer than the same busy timeout.

The busy timeout is :data:`BUSY_TIMEOUT_MS`, or ``FUNDTRACK_BUSY_TIMEOUT`` seconds: past
it, the change is refused as "busy" and nothing is written.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from fundtrack.errors import FundtrackError
from fundtrack.i18n import msg

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///fundtrack.sqlite3"
ENV_VAR = "FUNDTRACK_DATABASE_URL"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
BUSY_TIMEOUT_VAR = "FUNDTRACK_BUSY_TIMEOUT"  # seconds, overrides BUSY_TIMEOUT_MS
WRITE = "fundtrack_write"  # connection execution option: this transaction will write

M_BUSY = msg("db.busy")
M_READ_ONLY = msg("db.read_only")
M_DISK_FULL = msg("db.disk_full")
M_NOT_A_DATABASE = msg("db.not_a_database")
M_UNREACHABLE = msg("db.unreachable")
M_STALE = msg("db.stale")
M_REFUSED = msg("db.refused")
M_APPEND_ONLY = msg("db.append_only")
APPEND_ONLY = "append-only"  # in the refusal of the audit log's triggers (fundtrack.models.audit)


class DatabaseProblem(FundtrackError):
    """The database refused or failed (busy, read-only, full, not a database, out of reach),
    or refused to change the append-only audit log."""


def database_url(explicit: str | None = None) -> str:
    """The URL to use: ``explicit``, else the environment, else the default SQLite file."""
    url = explicit or os.environ.get(ENV_VAR) or DEFAULT_URL
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def busy_timeout_ms() -> int:
    """How long a writer waits for another one: ``FUNDTRACK_BUSY_TIMEOUT`` seconds, else 30 s."""
    text = os.environ.get(BUSY_TIMEOUT_VAR, "").strip()
    try:
        seconds = float(text) if text else None
    except ValueError:
        seconds = None
    return BUSY_TIMEOUT_MS if seconds is None or seconds < 0 else int(seconds * 1000)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # let SQLAlchemy, not the pysqlite driver, open transactions, so that SAVEPOINTs work
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms()}")
    cursor.execute("PRAGMA database_list")
    files = [row[2] for row in cursor.fetchall() if row[1] == "main"]
    if files and files[0]:  # a file, not an in-memory database
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    write = connection.get_execution_options().get(WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _postgres_connect(dbapi_connection: Any, _record: Any) -> None:
    # outside any transaction, so that the setting holds for the whole session
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    with dbapi_connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = {busy_timeout_ms()}")
    dbapi_connection.autocommit = autocommit


def configure_engine(engine: Engine) -> Engine:
    """Give ``engine`` fundtrack's connection settings (once).

    Use it on an engine made elsewhere (a web layer's) so that its sessions behave
    exactly like the CLI's: foreign keys, savepoints, busy timeout, write transactions.
    """
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_connect):
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    if engine.dialect.name == "postgresql" and not event.contains(engine, "connect", _postgres_connect):
        event.listen(engine, "connect", _postgres_connect)
    return engine


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` (see :func:`database_url`) with fundtrack's settings."""
    return configure_engine(create_engine(database_url(url), **kwargs))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine`` (configured first) whose objects stay readable after commit."""
    from sqlalchemy.orm import sessionmaker  # the ORM, imported by what uses sessions only

    return configure_sessionmaker(sessionmaker(), engine)


def configure_sessionmaker(factory: sessionmaker[Session], engine: Engine) -> sessionmaker[Session]:
    """Bind an existing sessionmaker (a web layer's) to ``engine`` with fundtrack's settings."""
    factory.configure(bind=configure_engine(engine), expire_on_commit=False)
    return factory


def begin_write(session: Session) -> None:
    """Make the session's transaction a write transaction from its start (``BEGIN IMMEDIATE``
    on SQLite). Call it before the first statement of a transaction that will write."""
    session.connection(execution_options={WRITE: True})


@contextmanager
def unit_of_work(factory: sessionmaker[Session], *, write: bool = True, acting: Any = None) -> Iterator[Session]:
    """One transaction for one user action or file: commit at the end, roll back on any error.

    ``write`` (the default) takes the write lock first on SQLite; ``acting`` (an
    :class:`~fundtrack.services.context.Acting`) is bound to the session so that the
    audit log names who acted. A database failure is raised as :class:`DatabaseProblem`.
    """
    from sqlalchemy.orm.exc import StaleDataError

    try:
        with factory() as session, session.begin():
            if acting is not None:
                session.info["fundtrack.acting"] = acting
            if write:
                begin_write(session)
            yield session
    except (DBAPIError, StaleDataError) as exc:
        raise database_problem(exc) from exc


def connection_of(db: Connection | Session) -> Connection:
    """The Connection a SQLAlchemy Core read runs on: ``db`` itself, or the connection of
    the Session ``db`` in its transaction, after flushing what the session holds (as the
    ORM's own queries would, unless autoflush is off), so that a Core read sees the same
    rows an ORM query would."""
    if isinstance(db, Connection):
        return db
    if db.autoflush:
        db.flush()
    return db.connection()


def is_stale_data(exc: BaseException) -> bool:
    """Whether ``exc`` is the ORM's StaleDataError (an UPDATE that matched no row), looked
    up only if the ORM is imported: a Core read does not pay for importing it."""
    orm_exc = sys.modules.get("sqlalchemy.orm.exc")
    return orm_exc is not None and isinstance(exc, orm_exc.StaleDataError)


def database_problem(exc: BaseException) -> DatabaseProblem:
    """The database error ``exc`` worded for what it is, in the reader's language."""
    if is_stale_data(exc):
        return DatabaseProblem(M_STALE)
    orig = getattr(exc, "orig", None)
    raw = str(orig if orig is not None else exc).strip()
    text = raw.splitlines()[0] if raw else ""
    lowered = text.lower()
    sqlstate = getattr(orig, "sqlstate", None) or ""
    if "locked" in lowered or "busy" in lowered or sqlstate in ("40001", "40P01", "55P03"):
        return DatabaseProblem(M_BUSY)
    if "readonly" in lowered or "read-only" in lowered or sqlstate == "25006":
        return DatabaseProblem(M_READ_ONLY)
    if "disk is full" in lowered or "disk full" in lowered or sqlstate == "53100":
        return DatabaseProblem(M_DISK_FULL)
    if "not a database" in lowered or "malformed" in lowered:
        return DatabaseProblem(M_NOT_A_DATABASE)
    if APPEND_ONLY in lowered:
        return DatabaseProblem(M_APPEND_ONLY)
    if isinstance(exc, OperationalError | InterfaceError) or orig is None:
        return DatabaseProblem(M_UNREACHABLE, detail=text[:200])
    return DatabaseProblem(M_REFUSED, detail=text[:200])  # a constraint or a value the database refused


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision`` through the migrations."""
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
