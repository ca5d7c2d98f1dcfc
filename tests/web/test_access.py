"""Who reaches what: nothing but the login page without an account; each role its own."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask

from fundtrack.roles import Role
from tests.web.conftest import Browser


def test_every_page_but_the_login_needs_an_account(browser: Browser) -> None:
    for url in ("/", "/funders/", "/funders/edit/?id=1", "/projects/"):
        response = browser.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    assert browser.get("/login").status_code == 200


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(browser: Browser) -> None:
    page = browser.get("/login")
    from tests.web.conftest import csrf_token

    response = browser.client.post(
        "/login", data={"email": "tresoriere@parc-ex.example", "password": "non", "csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 401
    assert "Courriel ou mot de passe incorrect." in response.text
    assert browser.get("/").status_code == 302


def test_a_login_without_its_csrf_token_is_refused(browser: Browser) -> None:
    response = browser.client.post("/login", data={"email": "tresoriere@parc-ex.example", "password": "x"})
    assert response.status_code == 400


def test_the_treasurer_lists_the_funders_with_fee_caps_as_french_writes_them(browser: Browser) -> None:
    assert browser.login(Role.TREASURER).status_code == 302
    page = browser.get("/funders/")
    assert page.status_code == 200
    assert "Centraide du Grand Montréal" in page.text and "15,00\u00a0%" in page.text
    assert '<html lang="fr">' in page.text


def test_a_row_of_another_organisation_or_that_does_not_exist_answers_404(browser: Browser) -> None:
    browser.login(Role.TREASURER)
    assert browser.get("/funders/edit/?id=99999").status_code == 404
    assert browser.get("/funders/details/?id=1,2").status_code == 404
    assert browser.get("/funders/edit/?id=abc").status_code == 404


@pytest.mark.parametrize("role", [Role.BOARD, Role.COORDINATOR])
def test_a_board_member_and_the_coordinator_read_the_funders_but_cannot_change_them(
    browser: Browser, role: Role
) -> None:
    browser.login(role)
    assert browser.get("/funders/").status_code == 200
    assert browser.get("/funders/new/").status_code == 403
    assert browser.get("/funders/edit/?id=1").status_code == 403


def test_a_funders_login_does_not_see_the_funders_list(browser: Browser) -> None:
    browser.login(Role.FUNDER)
    assert browser.get("/funders/").status_code == 404


def test_every_response_carries_the_security_headers(browser: Browser) -> None:
    response = browser.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    browser.login(Role.TREASURER)
    cookie = browser.client.get_cookie("fundtrack_session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_the_treasurer_adds_a_funder_through_the_service_and_a_duplicate_is_refused_beside_its_field(
    browser: Browser,
) -> None:
    browser.login(Role.TREASURER)
    form = {
        "name": "Fondation Lucie et André Chagnon",
        "kind": "foundation",
        "fiscal_start_month": "1",
        "language": "fr",
    }
    created = browser.post_form("/funders/new/", form)
    assert created.status_code == 302
    assert "Fondation Lucie et André Chagnon" in browser.get("/funders/").text
    again = browser.post_form("/funders/new/", form)
    assert again.status_code == 200
    assert "le bailleur de fonds « Fondation Lucie et André Chagnon » existe déjà" in again.text


def test_an_edit_from_a_stale_read_is_refused_not_applied(browser: Browser) -> None:
    browser.login(Role.TREASURER)
    page = browser.get("/funders/edit/?id=1")
    import re

    from tests.web.conftest import csrf_token

    token = csrf_token(page.text)
    revision = re.search(r'name="revision"[^>]*value="(\d+)"', page.text) or re.search(
        r'value="(\d+)"[^>]*name="revision"', page.text
    )
    assert revision
    name = re.search(r'id="name" name="name"[^>]*value="([^"]*)"', page.text)
    assert name
    data = {"name": name.group(1), "kind": "borough", "fiscal_start_month": "1", "language": "fr", "csrf_token": token}
    first = browser.client.post("/funders/edit/?id=1", data={**data, "revision": revision.group(1), "notes": "une"})
    assert first.status_code == 302
    second = browser.client.post("/funders/edit/?id=1", data={**data, "revision": revision.group(1), "notes": "deux"})
    assert second.status_code == 200
    assert "« Centraide du Grand Montréal » a été modifié par quelqu'un d'autre" in html.unescape(second.text)


def test_a_refused_edit_keeps_what_was_typed_and_the_revision_read(browser: Browser) -> None:
    import re

    from tests.web.conftest import csrf_token

    browser.login(Role.TREASURER)
    page = browser.get("/funders/edit/?id=1")
    revision = re.search(r'name="revision"[^>]*value="(\d+)"', page.text) or re.search(
        r'value="(\d+)"[^>]*name="revision"', page.text
    )
    assert revision
    data = {
        "name": "Ville de Montréal",
        "kind": "borough",
        "fiscal_start_month": "13",  # refused beside the field
        "language": "en",
        "revision": str(int(revision.group(1)) - 1 if int(revision.group(1)) > 1 else 0),
        "csrf_token": csrf_token(page.text),
    }
    refused = browser.client.post("/funders/edit/?id=1", data=data)
    assert refused.status_code == 200
    text = html.unescape(refused.text)
    assert re.search(r'<option selected value="borough">', text), "the kind typed is lost"
    assert re.search(r'<option selected value="en">', text), "the language typed is lost"
    sent_back = re.search(r'name="revision"[^>]*value="(\d+)"', text) or re.search(
        r'value="(\d+)"[^>]*name="revision"', text
    )
    assert sent_back and sent_back.group(1) == data["revision"], "the form forgot the revision its author read"


def active_menu_item(page: str) -> str:
    found = re.search(r'class="(?:dropdown-item|nav-link) active\s*"\s+href="([^"]+)"', page)
    assert found, "the page's own item is marked in the menu"
    return found.group(1)


def test_the_menu_is_each_readers_own_role_language_and_page(app: Flask) -> None:
    """The menu is kept between requests: each reader still gets the one of their role, their
    language and the page they are on, whoever asked for a page before them."""
    treasurer, board = Browser(app.test_client()), Browser(app.test_client())
    treasurer.login(Role.TREASURER)
    board.login(Role.BOARD)
    page = treasurer.get("/expenses/").text
    assert 'href="/users/"' in page and "Importer des dépenses" in page
    assert active_menu_item(page) == "/expenses/"
    seen = board.get("/expenses/").text
    assert 'href="/users/"' not in seen and "Importer des dépenses" not in seen
    assert active_menu_item(board.get("/funders/").text) == "/funders/"
    assert treasurer.post_form("/expenses/", {"next": "/expenses/"}, url="/language/en").status_code == 302
    english = treasurer.get("/expenses/").text
    assert "Import expenses" in english and "Importer des dépenses" not in english
