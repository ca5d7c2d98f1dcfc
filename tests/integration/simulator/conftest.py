"""The simulator's tests: the Parc-Extension example in the test database (SQLite or PostgreSQL)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.cli import main
from fundtrack.db import make_engine, unit_of_work
from fundtrack.i18n import set_lang
from fundtrack.services import interchange

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "parc-extension.yaml"


@cache
def _example() -> Any:
    return interchange.read_file(EXAMPLE)


def example_document() -> Any:
    """The example file's document (a fresh copy each time, free to change)."""
    return copy.deepcopy(_example())


@pytest.fixture
def example_org(factory: sessionmaker[Session]) -> int:
    """The example loaded into the test database; the organisation's id."""
    with unit_of_work(factory) as session:
        return interchange.load_document(session, example_document()).organisation_id


@pytest.fixture
def example_url(engine: Engine, example_org: int) -> str:
    """The URL of the test database holding the example, for the command line."""
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture(autouse=True)
def french_by_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No language from the environment; a command's --lang does not outlive its test."""
    monkeypatch.delenv("FUNDTRACK_LANG", raising=False)
    monkeypatch.delenv("FUNDTRACK_DATABASE_URL", raising=False)
    yield
    set_lang("fr")


def run(url: str, *args: str) -> Result:
    """``fundtrack --database URL ARGS...`` (stdout and stderr apart); a traceback fails the test.

    The command's engine is disposed of afterwards, as the end of its process would.
    """
    made: list[Engine] = []

    def recorded(*args: Any, **kwargs: Any) -> Engine:
        made.append(make_engine(*args, **kwargs))
        return made[-1]

    try:
        with patch("fundtrack.cli.base.make_engine", recorded):
            return CliRunner().invoke(main, ["--database", url, *args], catch_exceptions=False)
    finally:
        for engine in made:
            engine.dispose()
