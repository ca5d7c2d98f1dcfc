"""The treasurer's users page: accounts listed, created, disabled and enabled, given a new
password; for every other role the page does not exist."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fundtrack.models.users import User
from fundtrack.roles import Role
from tests.web.conftest import ACCOUNTS, PASSWORD, Browser, csrf_token, statements

NEW = "nouvelle@parc-ex.example"


def account(app: Flask, email: str) -> User | None:
    with Session(app.extensions["fundtrack.engine"]) as session:
        return session.scalar(select(User).where(User.email == email))


def count_accounts(app: Flask) -> int:
    with Session(app.extensions["fundtrack.engine"]) as session:
        return session.scalar(select(func.count(User.id))) or 0


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def beside(page: str, field: str) -> str:
    """The text shown right after form field ``field`` (where its errors are)."""
    start = page.index(f'id="{field}"')
    end = page.find('class="form-group', start)
    return text_of(page[start : end if end > 0 else None])


def new_account(**changes: Any) -> dict[str, Any]:
    form = {
        "email": NEW,
        "name": "Nouvelle Personne",
        "role": "funder",
        "funder": "Ville de Montréal",
        "language": "en",
        "password": "un-long-mot-de-passe",
        "password_again": "un-long-mot-de-passe",
    }
    form.update(changes)
    return form


def logs_in(app: Flask, email: str, password: str) -> bool:
    fresh = Browser(app.test_client())
    page = fresh.get("/login")
    answer = fresh.client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_token(page.text)}
    )
    return answer.status_code == 302


def test_the_treasurer_lists_the_accounts_with_their_roles_and_funders(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    shown = text_of(browser.get("/users/").text)
    assert "centraide@parc-ex.example funder bailleur de fonds Centraide du Grand Montréal français Actif" in shown
    assert "ville@parc-ex.example Ville bailleur de fonds Ville de Montréal" in shown
    counts = []
    for size in (2, 20):
        with statements(app) as seen:
            assert browser.get(f"/users/?page_size={size}").status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.BOARD, Role.FUNDER])
def test_the_users_page_does_not_exist_for_anyone_but_the_treasurer(browser: Browser, app: Flask, role: Role) -> None:
    browser.login(role)
    for url in ("/users/", "/users/new/", "/users/password/?id=1", "/users/details/?id=1"):
        assert browser.get(url).status_code == 404, url
    token = csrf_token(browser.get("/grants/").text)
    refused = browser.client.post("/users/active/", data={"id": 1, "active": "0", "revision": 1, "csrf_token": token})
    assert refused.status_code == 404
    assert all(account(app, email) is not None and account(app, email).active for email, _ in ACCOUNTS.values())  # type: ignore[union-attr]


def test_the_treasurer_creates_a_funders_login_that_then_logs_in(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    created = browser.post_form("/users/new/", new_account())
    assert created.status_code == 302
    user = account(app, NEW)
    assert user is not None and user.role is Role.FUNDER and user.language.value == "en"
    assert "un-long-mot-de-passe" not in user.password_hash
    assert logs_in(app, NEW, "un-long-mot-de-passe")


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"funder": ""}, "funder", "bailleur de fonds"),
        ({"password_again": "un-autre-mot-de-passe"}, "password_again", "pas identiques"),
        ({"password": "court", "password_again": "court"}, "password", "10"),
        ({"email": "tresoriere@parc-ex.example", "role": "board", "funder": ""}, "email", "existe"),
        ({"email": "pas-un-courriel"}, "email", "pas-un-courriel"),
    ],
)
def test_a_refused_account_is_refused_beside_its_field_and_nothing_is_written(
    browser: Browser, app: Flask, changes: dict[str, str], field: str, words: str
) -> None:
    browser.login(Role.TREASURER)
    before = count_accounts(app)
    refused = browser.post_form("/users/new/", new_account(**changes))
    assert refused.status_code == 200
    assert words in beside(refused.text, field)
    assert count_accounts(app) == before


def _toggle(browser: Browser, app: Flask, email: str, active: str, revision: int | None = None) -> Any:
    page = browser.get("/users/")
    user = account(app, email)
    assert user is not None
    data = {
        "id": user.id,
        "active": active,
        "revision": revision if revision is not None else user.revision,
        "csrf_token": csrf_token(page.text),
    }
    return browser.client.post("/users/active/", data=data)


def test_a_disabled_account_cannot_log_in_until_it_is_enabled_again(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    email = ACCOUNTS[Role.BOARD][0]
    assert _toggle(browser, app, email, "0").status_code == 302
    assert not logs_in(app, email, PASSWORD)
    assert "Désactivé" in text_of(browser.get("/users/").text)
    assert _toggle(browser, app, email, "1").status_code == 302
    assert logs_in(app, email, PASSWORD)


def test_the_last_treasurer_cannot_be_disabled(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    email = ACCOUNTS[Role.TREASURER][0]
    answer = _toggle(browser, app, email, "0")
    assert answer.status_code == 302
    user = account(app, email)
    assert user is not None and user.active
    assert "est le dernier compte de trésorerie actif" in text_of(browser.get("/users/").text)


def test_disabling_from_a_stale_read_is_refused(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    email = ACCOUNTS[Role.BOARD][0]
    user = account(app, email)
    assert user is not None
    read = user.revision
    assert _toggle(browser, app, email, "0", read).status_code == 302
    assert _toggle(browser, app, email, "1", read).status_code == 302  # from the revision read before
    later = account(app, email)
    assert later is not None and not later.active


def test_the_treasurer_gives_an_account_a_new_password_typed_twice(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    email = ACCOUNTS[Role.COORDINATOR][0]
    user = account(app, email)
    assert user is not None
    url = f"/users/password/?id={user.id}"
    differ = browser.post_form(url, {"password": "nouveau-mot-de-passe", "password_again": "autre-mot-de-passe"})
    assert differ.status_code == 200 and "pas identiques" in beside(differ.text, "password_again")
    short = browser.post_form(url, {"password": "court", "password_again": "court"})
    assert short.status_code == 200 and "10" in beside(short.text, "password")
    assert logs_in(app, email, PASSWORD)
    done = browser.post_form(url, {"password": "nouveau-mot-de-passe", "password_again": "nouveau-mot-de-passe"})
    assert done.status_code == 302
    assert logs_in(app, email, "nouveau-mot-de-passe") and not logs_in(app, email, PASSWORD)


def test_an_account_that_does_not_reach_the_organisation_answers_404(browser: Browser) -> None:
    browser.login(Role.TREASURER)
    for url in ("/users/details/?id=99999", "/users/edit/?id=99999", "/users/password/?id=99999"):
        assert browser.get(url).status_code == 404, url
