"""Restoring a backup archive, checked by dumping the restored data again."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, func, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from fundtrack.db import WRITE, alembic_config, busy_timeout_ms, make_engine, upgrade
from fundtrack.i18n import lazy, msg
from fundtrack.models import Base, Organisation
from fundtrack.roles import Action, Role, may
from fundtrack.services import interchange
from fundtrack.services.backup.archive import SQLITE_MEMBER, Archive, BackupError
from fundtrack.services.backup.make import Progress, _quiet, dump_organisations
from fundtrack.services.context import NotAllowed

M_NOT_EMPTY = msg("restore.not_empty")
M_DIFFERS = msg("restore.differs")
M_NEWER_SCHEMA = msg("restore.newer_schema")
M_NOT_ALLOWED = msg("role.not_allowed")
M_VERIFYING = msg("restore.progress.verify")
M_COPYING = msg("restore.progress.copy")
M_LOADING = msg("restore.progress.load")
M_COMPARING = msg("restore.progress.compare")
M_UNSUPPORTED = msg("backup.unsupported_database")
M_DAMAGED = msg("restore.damaged")


@dataclass(frozen=True)
class Restored:
    organisations: tuple[str, ...]
    method: str  # "sqlite" (the database file itself) or "interchange"
    replaced: bool  # a database that held data was replaced (--force)
    files: int = 0  # attached files written back


def is_empty(engine: Engine) -> bool:
    """Whether the database holds no organisation and no table but fundtrack's (no schema
    at all counts as empty; another application's tables do not)."""
    tables = set(inspect(engine).get_table_names())
    if tables - set(Base.metadata.tables) - {"alembic_version"}:
        return False
    if Organisation.__tablename__ not in tables:
        return True
    with engine.connect() as connection:
        return not connection.scalar(select(func.count()).select_from(Organisation))


def restore_backup(
    engine: Engine,
    path: Path,
    *,
    force: bool = False,
    actor: str = "system",
    role: Role = Role.TREASURER,
    progress: Progress = _quiet,
    files: Path | None = None,
) -> Restored:
    """Restore the archive at ``path`` into the database at ``engine``, all or nothing.

    The archive is checked whole first (:class:`~fundtrack.services.backup.archive.Archive`).
    A database that holds data is refused unless ``force`` (it is then replaced whole).
    A SQLite archive restored into SQLite is the database file itself (the audit log and
    the accounts included), brought to the current schema; anything else is loaded from
    the organisations' interchange files in one transaction (the audit log then starts
    with the restore, by ``actor``). Either way each organisation is dumped again and
    compared with the archive's file: a difference refuses the restore and nothing is
    written. The archive's attached files are then written into ``files``, if given.
    Raises :class:`BackupError`, :class:`NotAllowed`.
    """
    if not (may(role, Action.SETTINGS) and may(role, Action.MONEY)):
        raise NotAllowed(M_NOT_ALLOWED, role=lazy(f"role.{role.value}"), action=lazy(f"action.{Action.SETTINGS.value}"))
    if engine.dialect.name not in ("sqlite", "postgresql"):
        raise BackupError(M_UNSUPPORTED, dialect=engine.dialect.name)
    progress(M_VERIFYING, path=str(path))
    archive = Archive(path)
    try:
        _check_schema_known(archive)
        empty = is_empty(engine)
        if not empty and not force:
            raise BackupError(M_NOT_EMPTY, url=engine.url.render_as_string(hide_password=True))
        expected = archive.organisation_documents()
        if engine.dialect.name == "sqlite" and archive.manifest.member(SQLITE_MEMBER) is not None:
            names = _restore_sqlite_file(engine, archive, expected, progress)
            method = "sqlite"
        else:
            names = _restore_interchange(engine, expected, actor, role, progress, replace=not empty)
            method = "interchange"
        restored_files = archive.restore_files(files) if files is not None else 0
        return Restored(names, method, not empty, restored_files)
    finally:
        archive.close()


def _check_schema_known(archive: Archive) -> None:
    from alembic.script import ScriptDirectory

    from fundtrack.db import MIGRATIONS_DIR

    scripts = ScriptDirectory(str(MIGRATIONS_DIR))
    revision = archive.manifest.schema_revision
    known = {s.revision for s in scripts.walk_revisions()}
    if revision is not None and revision not in known:
        raise BackupError(M_NEWER_SCHEMA, path=str(archive.path), revision=revision)


def _same(session: Session, expected: list[tuple[str, Any]]) -> tuple[str, ...]:
    """Dump every organisation again and compare with the archive's files; raise on a difference."""
    found = dump_organisations(session)
    restored = {name: json.loads(interchange.to_json(doc)) for name, doc in found}
    for name, document in expected:
        if restored.get(name) != document:
            raise BackupError(M_DIFFERS, name=name)
    if set(restored) != {name for name, _ in expected}:
        extra = sorted(set(restored) - {name for name, _ in expected})
        raise BackupError(M_DIFFERS, name=", ".join(extra))
    return tuple(name for name, _ in expected)


def _compare_file(database: Path, expected: list[tuple[str, Any]]) -> tuple[str, ...]:
    checker = create_engine(f"sqlite:///{database}")
    try:
        with checker.connect() as connection, Session(bind=connection) as session:
            return _same(session, expected)
    finally:
        checker.dispose()


def _restore_sqlite_file(
    engine: Engine, archive: Archive, expected: list[tuple[str, Any]], progress: Progress
) -> tuple[str, ...]:
    target = engine.url.database
    if not target or target == ":memory:":
        raise BackupError(M_UNSUPPORTED, dialect="sqlite :memory:")
    with tempfile.TemporaryDirectory(prefix=".fundtrack-restore-", dir=Path(target).resolve().parent) as folder:
        copy = Path(folder) / SQLITE_MEMBER
        progress(M_COPYING)
        archive.extract_to(SQLITE_MEMBER, copy)
        try:
            copy_engine = make_engine(f"sqlite:///{copy}")
            try:
                upgrade(copy_engine)  # an archive of an older fundtrack comes up to this one's schema
            finally:
                copy_engine.dispose()
            progress(M_COMPARING)
            _compare_file(copy, expected)
        except (sqlite3.DatabaseError, DBAPIError) as exc:
            raise BackupError(M_DAMAGED, path=str(archive.path), member=SQLITE_MEMBER) from exc
        engine.dispose()  # no connection of ours holds the target while it is replaced
        source = sqlite3.connect(copy)
        try:
            destination = sqlite3.connect(target, timeout=busy_timeout_ms() / 1000)
            try:
                source.backup(destination)  # the whole file in one step: all of it, or none
            finally:
                destination.close()
        finally:
            source.close()
    progress(M_COMPARING)
    return _compare_file(Path(target), expected)


def _drop_everything(connection: Connection) -> None:
    """Every table of fundtrack's (and the migrations' own), inside the restore's transaction."""
    Base.metadata.drop_all(connection)
    connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _restore_interchange(
    engine: Engine,
    expected: list[tuple[str, Any]],
    actor: str,
    role: Role,
    progress: Progress,
    *,
    replace: bool,
) -> tuple[str, ...]:
    from alembic import command

    with engine.connect() as connection:
        connection = connection.execution_options(**{WRITE: True})
        with connection.begin():
            if replace:
                _drop_everything(connection)
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
            with Session(bind=connection, expire_on_commit=False) as session:
                for name, document in expected:
                    progress(M_LOADING, name=name)
                    interchange.load_document(session, document, actor=actor, role=role)
                session.flush()
                progress(M_COMPARING)
                session.expire_all()
                return _same(session, expected)
