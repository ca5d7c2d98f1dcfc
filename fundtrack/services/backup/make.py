"""Writing a backup archive of the whole database (every organisation)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, select
from sqlalchemy.orm import Session

from fundtrack.db import busy_timeout_ms, current_revision
from fundtrack.i18n import msg
from fundtrack.models import Organisation
from fundtrack.roles import Role
from fundtrack.services import interchange
from fundtrack.services.backup.archive import (
    ORGANISATIONS,
    PG_DUMP_MEMBER,
    SQLITE_MEMBER,
    BackupError,
    Manifest,
    writing,
)
from fundtrack.services.context import SYSTEM, acting_for

Progress = Callable[..., object]  # progress(code, **params): a step of long work, for stderr

M_COPYING = msg("backup.progress.copy")
M_DUMPING = msg("backup.progress.dump")
M_PG_DUMP = msg("backup.progress.pg_dump")
M_PG_DUMP_FAILED = msg("backup.progress.pg_dump_failed")
M_NO_PG_DUMP = msg("backup.progress.no_pg_dump")
M_WRITING = msg("backup.progress.write")
M_UNSUPPORTED = msg("backup.unsupported_database")
M_NO_SCHEMA = msg("backup.no_schema")
PG_DUMP_PLACES = ("/usr/lib/postgresql/15/bin/pg_dump",)


@dataclass(frozen=True)
class BackupWritten:
    path: Path
    source: str
    organisations: tuple[str, ...]
    size: int
    with_pg_dump: bool


def _quiet(code: str, **params: Any) -> None:
    pass


def fundtrack_version() -> str:
    try:
        return version("fundtrack")
    except PackageNotFoundError:  # pragma: no cover - run from a checkout without install
        return ""


def dump_organisations(session: Session, progress: Progress = _quiet) -> list[tuple[str, dict[str, Any]]]:
    """Every organisation of the database as its interchange document, oldest first."""
    out = []
    for org_id, name in session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.id)).all():
        progress(M_DUMPING, name=name)
        acting = acting_for(session, organisation_id=org_id, role=Role.TREASURER, actor=SYSTEM)
        out.append((name, interchange.dump_document(session, acting)))
    return out


def _dumps_of(connection: Connection, progress: Progress) -> list[tuple[str, dict[str, Any]]]:
    with Session(bind=connection) as session:
        return dump_organisations(session, progress)


def find_pg_dump() -> str | None:
    """pg_dump on PATH, else where Debian puts PostgreSQL 15's, else None (never required)."""
    found = shutil.which("pg_dump")
    if found:
        return found
    return next((p for p in PG_DUMP_PLACES if os.access(p, os.X_OK)), None)


def write_backup(
    engine: Engine, path: Path, progress: Progress = _quiet, *, files: Path | None = None
) -> BackupWritten:
    """Write an archive of the whole database at ``engine`` to ``path`` (see
    :mod:`fundtrack.services.backup.archive`), safe while others write: a SQLite database
    is copied through SQLite's online backup API, a PostgreSQL one read in one repeatable
    read transaction (and passed to ``pg_dump`` when it is installed). Either way each
    organisation's interchange file, read from that same snapshot, goes in too.

    ``files``, if given, is the folder of attached files (receipts, agreements): every
    file under it goes in too, by content hash. The archive appears at ``path`` only once
    complete. Raises :class:`BackupError`.
    """
    revision = current_revision(engine)
    if revision is None:
        raise BackupError(M_NO_SCHEMA, url=engine.url.render_as_string(hide_password=True))
    created = datetime.now(UTC).isoformat(timespec="seconds")
    if engine.dialect.name == "sqlite":
        return _sqlite_backup(engine, path, progress, Manifest(created, "sqlite", revision), files)
    if engine.dialect.name == "postgresql":
        return _postgres_backup(engine, path, progress, Manifest(created, "postgresql", revision), files)
    raise BackupError(M_UNSUPPORTED, dialect=engine.dialect.name)


def _add_dumps(writer: Any, dumps: list[tuple[str, dict[str, Any]]]) -> None:
    for number, (name, document) in enumerate(dumps, start=1):
        member = f"{ORGANISATIONS}{number:04d}.json"
        writer.add_bytes(member, interchange.to_json(document).encode("utf-8"))
        writer.manifest.organisations.append({"name": name, "path": member})


def _sqlite_backup(
    engine: Engine, path: Path, progress: Progress, manifest: Manifest, files: Path | None
) -> BackupWritten:
    manifest.fundtrack_version = fundtrack_version()
    with tempfile.TemporaryDirectory(prefix="fundtrack-backup-") as folder:
        copy = Path(folder) / SQLITE_MEMBER
        progress(M_COPYING)
        raw = engine.raw_connection()
        try:
            source = raw.driver_connection
            assert isinstance(source, sqlite3.Connection)
            target = sqlite3.connect(copy)
            try:
                source.backup(target)  # one step: a consistent snapshot, writers go on meanwhile (WAL)
            finally:
                target.close()
        finally:
            raw.close()
        copy_engine = create_engine(f"sqlite:///{copy}")
        try:
            with copy_engine.connect() as connection:
                dumps = _dumps_of(connection, progress)
        finally:
            copy_engine.dispose()
        progress(M_WRITING, path=str(path))
        with writing(path, manifest) as writer:
            writer.add_file(SQLITE_MEMBER, copy)
            _add_dumps(writer, dumps)
            if files is not None:
                writer.add_attached_files(files)
    return BackupWritten(path, "sqlite", tuple(n for n, _ in dumps), path.stat().st_size, False)


def _postgres_backup(
    engine: Engine, path: Path, progress: Progress, manifest: Manifest, files: Path | None
) -> BackupWritten:
    manifest.fundtrack_version = fundtrack_version()
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            dumps = _dumps_of(connection, progress)
    with tempfile.TemporaryDirectory(prefix="fundtrack-backup-") as folder:
        sql = _pg_dump(engine, Path(folder) / PG_DUMP_MEMBER, progress)
        progress(M_WRITING, path=str(path))
        with writing(path, manifest) as writer:
            _add_dumps(writer, dumps)
            if sql is not None:
                writer.add_file(PG_DUMP_MEMBER, sql)
            if files is not None:
                writer.add_attached_files(files)
    return BackupWritten(path, "postgresql", tuple(n for n, _ in dumps), path.stat().st_size, sql is not None)


def _pg_dump(engine: Engine, target: Path, progress: Progress) -> Path | None:
    """pg_dump's plain SQL of the database, or None (not installed, or it failed: said on stderr)."""
    program = find_pg_dump()
    if program is None:
        progress(M_NO_PG_DUMP)
        return None
    progress(M_PG_DUMP, program=program)
    url = engine.url.set(drivername="postgresql")
    env = {**os.environ}
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)  # not on the command line, where others could read it
    dsn = url.set(password=None).render_as_string(hide_password=False)
    timeout = max(busy_timeout_ms() // 1000, 1) * 20
    with target.open("wb") as out:
        try:
            done = subprocess.run(
                [program, "--no-owner", "--no-privileges", "--dbname", dsn],
                stdout=out,
                stderr=subprocess.PIPE,
                env=env,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            progress(M_PG_DUMP_FAILED, detail=str(exc)[:200])
            return None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        progress(M_PG_DUMP_FAILED, detail=(detail[0] if detail else str(done.returncode))[:200])
        return None
    return target
