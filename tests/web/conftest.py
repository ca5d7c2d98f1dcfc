"""The admin's test fixtures: a fresh app per test on a copy of the example, on SQLite and
PostgreSQL, with one account per role, and a client that logs in as any of them.

The example is loaded once per backend into a template (a file on SQLite, a template
database on PostgreSQL); each test gets its own copy of it, so a test may write.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from werkzeug.test import TestResponse

from admin_app import create_app
from fundtrack.db import database_url, make_engine, session_factory, unit_of_work
from fundtrack.models import Base
from fundtrack.roles import Role
from fundtrack.services import interchange
from fundtrack.services.context import acting_for
from fundtrack.services.users import NewUser, create_user

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "parc-extension.yaml"
POSTGRES_URL = os.environ.get("FUNDTRACK_TEST_POSTGRES_URL")
CHEAP = "pbkdf2:sha256:1000"  # the tests log in hundreds of times: scrypt's cost is for people
PASSWORD = "mot-de-passe-de-test"
ACCOUNTS = {
    Role.TREASURER: ("tresoriere@parc-ex.example", None),
    Role.COORDINATOR: ("coordination@parc-ex.example", None),
    Role.BOARD: ("ca@parc-ex.example", None),
    Role.FUNDER: ("centraide@parc-ex.example", "Centraide du Grand Montréal"),
}
OTHER_FUNDER = ("ville@parc-ex.example", "Ville de Montréal")


def _fill(url: str) -> None:
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        interchange.load_document(session, interchange.read_file(EXAMPLE))
    with unit_of_work(factory) as session:
        acting = acting_for(session)
        for role, (email, funder) in ACCOUNTS.items():
            create_user(session, acting, NewUser(email, role.value, role.value, funder), PASSWORD, method=CHEAP)
        email, funder = OTHER_FUNDER
        create_user(session, acting, NewUser(email, "Ville", "funder", funder), PASSWORD, method=CHEAP)
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web") / "template.sqlite3"
    _fill(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("FUNDTRACK_TEST_POSTGRES_URL is not set")
    server = database_url(POSTGRES_URL)
    name = f"fundtrack_webtpl_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    _fill(make_url(server).set(database=name).render_as_string(hide_password=False))
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of this test's own copy of the example, with the accounts."""
    if request.param == "sqlite":
        copy = tmp_path / "fundtrack.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), copy)
        yield f"sqlite:///{copy}"
        return
    template = request.getfixturevalue("postgres_template")
    server = database_url(POSTGRES_URL)
    name = f"fundtrack_web_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def app(database: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(
        {
            "FUNDTRACK_DATABASE_URL": database,
            "SECRET_KEY": "tests",
            "TESTING": True,
            "FUNDTRACK_PASSWORD_METHOD": CHEAP,
            "FUNDTRACK_DATA_DIR": str(tmp_path / "data"),
        }
    )
    yield application
    application.extensions["fundtrack.engine"].dispose()
    with application.app_context():
        from admin_app.extensions import db

        for engine in db.engines.values():
            engine.dispose()


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert found, "the page has no CSRF token"
    return found.group(1)


@dataclass
class Browser:
    """A test client that logs in and posts forms with their CSRF token."""

    client: FlaskClient

    def login(self, role: Role | str) -> TestResponse:
        email = ACCOUNTS[Role(role)][0] if role in {r.value for r in Role} or isinstance(role, Role) else role
        page = self.client.get("/login")
        return self.client.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(page.text)}
        )

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.client.get(url, **kwargs)

    def post_form(self, page_url: str, data: dict[str, Any], url: str | None = None, **kwargs: Any) -> TestResponse:
        """Open ``page_url``, take its CSRF token, and post ``data`` to ``url`` (default: the page)."""
        page = self.client.get(page_url)
        assert page.status_code == 200, page.status_code
        return self.client.post(url or page_url, data={**data, "csrf_token": csrf_token(page.text)}, **kwargs)


@pytest.fixture
def browser(app: Flask) -> Browser:
    return Browser(app.test_client())


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app runs inside the block (to show a page's count is constant)."""
    engine = app.extensions["fundtrack.engine"]
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
