"""A funder's journey in Chromium: it logs in, reaches its home, and nothing else answers it
(the funders list and another funder's row are 404); the login page passes axe-core."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from fundtrack.db import make_engine, session_factory
from fundtrack.models import Funder
from fundtrack.roles import Role
from tests.browser.conftest import OTHER_FUNDER, Served, assert_accessible, log_in, off_the_loop


def _funder_ids(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            return {name: id_ for id_, name in session.execute(select(Funder.id, Funder.name))}
    finally:
        engine.dispose()


def test_the_login_page_passes_the_accessibility_check_in_french(page: Any) -> None:
    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Connexion").is_visible()
    assert_accessible(page)


def test_a_funder_reaches_its_home_and_gets_404_on_the_funders_and_on_another_funders_row(
    page: Any, served: Served
) -> None:
    ids = off_the_loop(_funder_ids, served.database)
    city = ids[OTHER_FUNDER[1]]
    log_in(page, Role.FUNDER)
    assert page.url == f"{served.base_url}/portal/"  # a funder's login lands on its portal
    assert page.get_by_text("Table de quartier de Parc-Extension").first.is_visible()
    assert page.get_by_role("link", name="Bailleurs de fonds").count() == 0  # not in its menu either
    for url in ("/funders/", f"/funders/details/?id={city}", f"/funders/edit/?id={city}", "/projects/"):
        response = page.goto(url)
        assert response is not None and response.status == 404, (url, response and response.status)
    page.goto("/")  # the journey ends on its home, as the screenshot shows it
    assert page.get_by_text("Table de quartier de Parc-Extension").first.is_visible()
    assert_accessible(page)
