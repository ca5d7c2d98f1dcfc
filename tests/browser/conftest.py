"""The browser tests' fixtures: the admin served by waitress on a free port over this test's
copy of the example (the accounts of ``tests/web/conftest.py``), Debian's Chromium driven by
Playwright's sync API, a login helper, an accessibility check with axe-core, and a
screenshot of each journey's last page in ``artifacts/screenshots/`` (CI keeps them).

Chromium is never downloaded: Playwright launches ``/usr/bin/chromium``. Without it the
tests skip saying why, unless ``FUNDTRACK_REQUIRE_BROWSER=1`` (CI) makes them mandatory.
The app is built in a worker thread: Flask-SQLAlchemy-Lite's teardown refuses to run in a
thread where Playwright's event loop runs (see the stack notes).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from fundtrack.roles import Role
from tests.web.conftest import (  # noqa: F401  (the fixtures: this test's copy of the example)
    ACCOUNTS,
    CHEAP,
    OTHER_FUNDER,
    PASSWORD,
    database,
    postgres_template,
    sqlite_template,
)

CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = os.environ.get("FUNDTRACK_REQUIRE_BROWSER") == "1"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERIOUS = {"serious", "critical"}
T = TypeVar("T")


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    try:
        import axe_playwright_python  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(autouse=True)
def _browser_available() -> None:
    """Skip saying why when Chromium or Playwright is missing; fail instead when CI requires them."""
    reason = _missing()
    if reason is not None:
        if REQUIRED:
            pytest.fail(f"FUNDTRACK_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(f"browser tests skipped: {reason}")


def off_the_loop(fn: Any, *args: Any) -> Any:
    """Run ``fn`` in a worker thread (for the app and the database, once Playwright's loop runs)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


@dataclass
class Served:
    base_url: str
    app: Any
    database: str


@pytest.fixture
def served(database: str, tmp_path: Path) -> Iterator[Served]:  # noqa: F811
    """The admin under waitress, on a free port of 127.0.0.1, over this test's copy of the example."""
    from waitress.server import create_server

    from admin_app import create_app

    config = {
        "FUNDTRACK_DATABASE_URL": database,
        "SECRET_KEY": "browser-tests",
        "FUNDTRACK_PASSWORD_METHOD": CHEAP,
        "FUNDTRACK_DATA_DIR": str(tmp_path / "data"),
    }
    app = off_the_loop(create_app, config)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.effective_port}", app, database)
    finally:
        server.close()
        thread.join(timeout=10)
        app.extensions["fundtrack.engine"].dispose()


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    """Chromium for the browser tests, stopped with them: Playwright's sync API runs an event
    loop in the test thread, which the tests after them (Flask's test client) must not see."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(served: Served, chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser page (its own cookies) on the served admin; its last state is screenshotted."""
    context = chromium.new_context(base_url=served.base_url, locale="fr-CA", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        context.close()


def log_in(page: Any, role: Role | str) -> None:
    """Log in through the login form as ``role`` (or as the account ``role`` names by email)."""
    email = ACCOUNTS[Role(role)][0] if isinstance(role, Role) or role in {r.value for r in Role} else role
    page.goto("/login")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    assert not page.url.rstrip("/").endswith("/login"), f"still on the login page: {page.url}"


def assert_accessible(page: Any) -> None:
    """axe-core on the page as it stands: no serious or critical violation (each one named)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    described = [
        f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in violations
    ]
    assert not described, f"{page.url}: " + "; ".join(described)
