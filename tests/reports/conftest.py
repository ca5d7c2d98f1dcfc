"""Fixtures for the report tests: LibreOffice when present (required in CI), workbook readers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

import fundtrack.models  # noqa: F401  (registers every table)
from fundtrack.db import make_engine, session_factory, unit_of_work
from fundtrack.models.base import Base
from fundtrack.queries.scope import Scope
from fundtrack.reports.printcheck import find_pdftotext
from fundtrack.reports.recalc import find_soffice
from fundtrack.services import interchange
from fundtrack.services.expense_import import import_csv
from tests.conftest import the_organisation, the_scope, treasurer

REQUIRE_ENV = "FUNDTRACK_REQUIRE_LIBREOFFICE"
SKIP_MESSAGE = (
    "LibreOffice (soffice) is not installed: formulas were not recalculated "
    "(apt-get install libreoffice-calc-nogui; CI sets FUNDTRACK_REQUIRE_LIBREOFFICE=1)"
)


def libreoffice_or_skip() -> str:
    """soffice's path; skip the test without it, or fail it when CI requires LibreOffice."""
    exe = find_soffice()
    if exe is None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but LibreOffice (soffice) is not on PATH")
        pytest.skip(SKIP_MESSAGE)
    return exe


@pytest.fixture(scope="session")
def soffice() -> str:
    return libreoffice_or_skip()


@pytest.fixture(scope="session")
def pdftotext() -> str:
    """pdftotext's path (poppler-utils), to read printed pages; required where LibreOffice is."""
    exe = find_pdftotext()
    if exe is None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but pdftotext (poppler-utils) is not on PATH")
        pytest.skip("pdftotext (poppler-utils) is not installed: printed pages were not read")
    return exe


def load(path: Path, *, values: bool = False) -> Any:
    """The workbook read back by openpyxl: formulas, or (``values=True``) stored values."""
    from openpyxl import load_workbook

    return load_workbook(path, data_only=values)


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "parc-extension.yaml"
EXPENSES = EXAMPLE.parent / "expenses-2026-2027.csv"
TODAY = date(2026, 11, 25)


def load_example(factory: sessionmaker[Session], *, expenses: bool = True) -> None:
    """The Parc-Extension example, and this year's expenses as the README imports them."""
    with unit_of_work(factory) as session:
        interchange.load_document(session, interchange.read_file(EXAMPLE))
    if expenses:
        with unit_of_work(factory) as session:
            acting = treasurer(session, the_organisation(session).id)
            import_csv(session, acting, EXPENSES.read_text(encoding="utf-8"))


@pytest.fixture
def parc_extension(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """The example with the 2026-2027 expenses imported, on SQLite and on PostgreSQL."""
    load_example(factory)
    return factory


@pytest.fixture(scope="session")
def parc_extension_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding the example and the 2026-2027 expenses (for the commands)."""
    path = tmp_path_factory.mktemp("parc-extension") / "parc-extension.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    load_example(session_factory(engine))
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def example_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding the Parc-Extension example, loaded once with the interchange loader."""
    path = tmp_path_factory.mktemp("example") / "parc-extension.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with session_factory(engine)() as session, session.begin():
        interchange.load_document(session, interchange.read_file(EXAMPLE))
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def example_factory(example_db: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{example_db}")
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def example(example_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A read-only look at the example (rolled back at the end)."""
    with example_factory() as session:
        yield session
        session.rollback()


@pytest.fixture
def org_scope(example: Session) -> Scope:
    return the_scope(example)
