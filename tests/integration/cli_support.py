"""The ``fundtrack`` command on SQLite and PostgreSQL, for tests that feed it bad input.

``refused(result, ...)`` is what every refusal must look like: exit status 1, the
message on stderr, no traceback (no exception but the exit itself).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from alembic import command
from click.testing import CliRunner, Result
from sqlalchemy import func, select, text

from fundtrack.cli import main
from fundtrack.db import alembic_config, make_engine
from fundtrack.i18n import set_lang
from fundtrack.models import Base

from ..conftest import BACKENDS, POSTGRES_URL, PostgresDatabase

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "parc-extension.yaml"
EXPENSES = ROOT / "examples" / "expenses-2026-2027.csv"


ORG = "Table de quartier d'essai"


def document(**grant: Any) -> dict[str, Any]:
    """A small interchange file: the organisation, one funder, one project, one grant."""
    return {
        "format": "fundtrack",
        "version": 1,
        "organisation": {"name": ORG},
        "funders": [{"name": "Ville de Montréal", "kind": "city", "fiscal_start_month": 1, "notes": "Une\nligne"}],
        "projects": [{"name": "Grands rendez-vous"}],
        "grants": [
            {
                "reference": "VDM-2026",
                "funder": "Ville de Montréal",
                "title": "Communications citoyennes 2026",
                "status": "confirmed",
                "amount": "40000.00",
                "start_date": "2026-01-01",
                "end_date": "2026-12-31",
                "projects": ["Grands rendez-vous"],
                "instalments": [{"expected_date": "2026-02-15", "amount": "40000.00"}],
                **grant,
            }
        ],
    }


def write(path: Path, content: str | bytes) -> str:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def as_yaml(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def raw_amount(raw: str, fmt: str = "yaml") -> str:
    """The small file with the grant's amount written as ``raw``, exactly as given."""
    if fmt == "json":
        return json.dumps(document(amount="__A__")).replace('"__A__"', raw)
    text = as_yaml(document(amount="__A__"))
    assert "amount: __A__" in text
    return text.replace("amount: __A__", f"amount: {raw}")


def run(url: str, *args: str, lang: str = "fr") -> Result:
    """``fundtrack --database URL --lang LANG ARGS...``; exceptions are caught, as a shell would see them."""
    result = CliRunner().invoke(main, ["--database", url, "--lang", lang, *args])
    set_lang("fr")
    return result


def refused(result: Result, *expected: str) -> str:
    """Assert a refusal: status 1, no traceback, each of ``expected`` on stderr; return stderr."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for part in expected:
        assert part in result.stderr, f"{part!r} not in:\n{result.stderr}"
    return result.stderr


def refused_unchanged(url: str, args: list[str], *expected: str, lang: str = "fr") -> str:
    before = row_counts(url)
    stderr = refused(run(url, *args, lang=lang), *expected)
    assert row_counts(url) == before
    return stderr


def row_counts(url: str) -> dict[str, int]:
    """How many rows each table holds (a refusal changes none)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: conn.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def wipe(url: str) -> None:
    """Empty every table (after a file that was loaded): the SQLite file built anew, the
    audit log being append-only; PostgreSQL's tables truncated (which its owner may do)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        sqlite_schema(path)
        return
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


def _stamp(url: str) -> None:
    engine = make_engine(url)
    try:
        command.stamp(alembic_config(engine), "head")
    finally:
        engine.dispose()


def sqlite_schema(path: Path) -> str:
    """A SQLite file with the models' schema, stamped at the migrations' head."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    _stamp(url)
    return url


class Databases:
    """One empty database per backend for a test module (PostgreSQL: its own database)."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self.pg: PostgresDatabase | None = None
        if backend == "sqlite":
            self.url = sqlite_schema(folder / "fundtrack.sqlite3")
        else:
            assert POSTGRES_URL
            self.pg = PostgresDatabase(POSTGRES_URL)
            self.pg.engine().dispose()  # creates the schema
            self.url = self.pg.url
            _stamp(self.url)

    def drop(self) -> None:
        if self.pg is not None:
            self.pg.drop()


@pytest.fixture(scope="module", params=BACKENDS)
def empty_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database (schema only) for the module; each test leaves it empty."""
    dbs = Databases(request.param, tmp_path_factory.mktemp("empty"))
    yield dbs.url
    dbs.drop()


@pytest.fixture(scope="module", params=BACKENDS)
def loaded_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Parc-Extension example loaded, for the module; tests only try to change it."""
    dbs = Databases(request.param, tmp_path_factory.mktemp("loaded"))
    result = run(dbs.url, "load", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    yield dbs.url
    dbs.drop()
