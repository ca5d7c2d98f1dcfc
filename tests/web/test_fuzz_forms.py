"""Hostile forms: every form of the admin answers hostile input with a message or a refusal.

Nothing here names a view's fields: the forms are found by walking the app's registered
views and reading the pages' HTML (:mod:`tests.web.fuzzing`), so a view added tomorrow is
fuzzed the day it is registered. For each model view the treasurer opens the create form,
the edit form of a row, the row's details and the list, and posts back hypothesis'
hostile versions of every form there, then the explicit cases of each class of hostility
(long text, unicode, control characters, formulas, dates out of range, amounts out of
range, fields missing or sent twice, another tenant's names and ids, no or a wrong CSRF
token). The pages of the menu have their forms fuzzed the same way.

Every answer: no 5xx, no write when refused (the database's fingerprint unchanged), the
refusal said on the page, no other tenant's data shown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from admin_app import create_app
from fundtrack.db import make_engine, session_factory, unit_of_work
from fundtrack.models import Funder, Grant, Organisation, Project
from fundtrack.roles import Role
from fundtrack.services import interchange
from tests.web import fuzzing as fz
from tests.web.conftest import ACCOUNTS, CHEAP, OTHER_FUNDER, PASSWORD, Browser, csrf_token

# --- fixtures: the example, a second organisation beside it, an app that lets the fuzz log in


@pytest.fixture
def database(database: str) -> str:
    """This test's copy of the example, with a second organisation (the other tenant)."""
    engine = make_engine(database)
    with unit_of_work(session_factory(engine)) as session:
        interchange.load_document(session, fz.OTHER_DOCUMENT)
    engine.dispose()
    return database


@pytest.fixture
def app(database: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(
        {
            "FUNDTRACK_DATABASE_URL": database,
            "SECRET_KEY": "tests",
            "TESTING": True,
            "FUNDTRACK_PASSWORD_METHOD": CHEAP,
            "FUNDTRACK_DATA_DIR": str(tmp_path / "data"),
            "FUNDTRACK_LOGIN_LIMIT": "100000 per minute",  # the login form is fuzzed too
        }
    )
    yield application
    application.extensions["fundtrack.engine"].dispose()
    with application.app_context():
        from admin_app.extensions import db

        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def treasurer(browser: Browser) -> Browser:
    assert browser.login(Role.TREASURER).status_code == 302
    return browser


def other_ids(app: Flask) -> dict[str, list[str]]:
    """The ids of the other tenant's rows, by table (and its names)."""
    engine = app.extensions["fundtrack.engine"]
    out: dict[str, list[str]] = {}
    with session_factory(engine)() as session:
        org = session.scalars(select(Organisation).where(Organisation.name == fz.OTHER_ORGANISATION)).one()
        for model in (Funder, Project, Grant):
            ids = session.scalars(select(model.id).where(model.organisation_id == org.id)).all()
            out[model.__tablename__] = [str(i) for i in ids]
    return out


def city_grants(app: Flask) -> tuple[list[str], list[str]]:
    """The references and titles of the other funder's (the City's) grants."""
    engine = app.extensions["fundtrack.engine"]
    with session_factory(engine)() as session:
        rows = session.execute(
            select(Grant.reference, Grant.title).join(Funder).where(Funder.name == OTHER_FUNDER[1])
        ).all()
    assert rows, "the example has no grant of the other funder"
    return [r.reference for r in rows], [r.title for r in rows if r.title]


def city_grant_ids(app: Flask) -> list[str]:
    engine = app.extensions["fundtrack.engine"]
    with session_factory(engine)() as session:
        ids = session.scalars(select(Grant.id).join(Funder).where(Funder.name == OTHER_FUNDER[1])).all()
    return [str(i) for i in ids]


def hostile_others(app: Flask) -> list[str]:
    ids = [i for values in other_ids(app).values() for i in values]
    return [*fz.OTHER_NAMES, *ids]


def _discover() -> list[fz.ViewInfo]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        probe = create_app(
            {"FUNDTRACK_DATABASE_URL": f"sqlite:///{tmp}/probe.sqlite3", "SECRET_KEY": "probe", "TESTING": True}
        )
        try:
            return fz.views_of(probe)
        finally:
            probe.extensions["fundtrack.engine"].dispose()


VIEWS = _discover()
MODEL_VIEWS = [v for v in VIEWS if v.kind == "model"]
PAGES = [v for v in VIEWS if v.kind == "page"]
ACCOUNT_FORMS = ("/login", "/language/")


def row_ids(browser: Browser, view: fz.ViewInfo) -> list[str]:
    """The ids of the rows the list shows (as a person clicking them would reach them)."""
    page = browser.get(f"{view.url}/")
    return list(dict.fromkeys(re.findall(r"[?&;]id=(\d+)", page.text)))


STANDARD = {"", "new", "edit", "details", "delete", "action", "ajax", "export"}


def view_forms(browser: Browser, view: fz.ViewInfo) -> tuple[fz.Form | None, fz.Form | None, list[fz.Form]]:
    """The view's create form, the edit form of its first row, and the other forms that post
    from its list, from a few rows' details and from the view's own pages they link to
    (a status, a reversal, a receipt, a password...)."""

    def posting(url: str) -> tuple[list[fz.Form], list[str]]:
        response = browser.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            return [], []
        forms = [
            f
            for f in fz.forms_of(url, response.text)
            if f.method == "post" and not fz.urlsplit(f.action).path.startswith(ACCOUNT_FORMS)
        ]
        return forms, fz.links_of(url, response.text)

    create = next(iter(posting(f"{view.url}/new/")[0]), None)
    ids = row_ids(browser, view)
    edit = next(iter(posting(f"{view.url}/edit/?id={ids[0]}")[0]), None) if ids else None
    others, links = posting(f"{view.url}/")
    for row in ids[:12]:  # a form may show on some rows only (a status change on a requested grant)
        forms, found = posting(f"{view.url}/details/?id={row}")
        others += forms
        links += found
    own: dict[str, str] = {}
    for link in links:
        path = fz.urlsplit(link).path
        rest = path[len(view.url) :].strip("/") if path.startswith(f"{view.url}/") else None
        if rest is not None and rest not in STANDARD:
            own.setdefault(rest, link)
    for link in own.values():
        others += posting(link)[0]
    return create, edit, fz.unique(others)


def fuzz_form(
    app: Flask,
    browser: Browser,
    form: fz.Form,
    examples: int,
    base: Any = None,
    fresh: bool = False,
    others: list[str] | None = None,
    secrets: tuple[str, ...] = fz.OTHER_TENANT,
    explain: bool = True,
) -> None:
    """Post ``examples`` hostile versions of ``form``. ``fresh``: take the values kept as they
    are from the form read again before each post (an edit form's revision moves when a post
    was accepted; what is drawn depends on ``form`` alone, so hypothesis can replay it);
    ``others``: the names and ids of rows out of reach (default: the other tenant's);
    ``secrets``: what no answer may show."""
    others = hostile_others(app) if others is None else others
    answers: list[int] = []

    @fz.fuzz_settings(examples)
    @given(st.data())
    def run(data: st.DataObject) -> None:
        start, reread = base, [form]
        if fresh:
            reread = [f for f in fz.forms_of(form.page, browser.get(form.page).text) if f.action == form.action]
            start = reread[0].baseline() if reread else None
        sent = data.draw(fz.hostile_post(form, others, start), label="sent")  # drawn the same either way
        if not reread:  # the form is gone (a row deleted, a version adopted): posting it is refused
            outcome = fz.send(app, browser.client, form, sent, secrets=secrets, explain=explain)
            assert outcome.status in fz.REFUSALS | fz.REDIRECTS, outcome.describe()
            return
        answers.append(fz.send(app, browser.client, form, sent, secrets=secrets, explain=explain).status)

    run()
    # a fuzz answered 400 throughout (a CSRF token gone stale, say) would have tried nothing
    uploads = any(f.kind == "file" for f in form.fields)  # a form sent without its file may answer 400 each time
    if form.method == "post" and answers and not uploads:
        assert any(status != 400 for status in answers), f"{form.label}: every post answered 400"


def examples(database: str, sqlite: int, postgres: int) -> int:
    return postgres if database.startswith("postgresql") else sqlite


# --- every model view: its create form, its edit form, its other forms -----------------------


@pytest.mark.parametrize("view", MODEL_VIEWS, ids=[v.endpoint for v in MODEL_VIEWS])
def test_every_form_of_a_view_answers_hostile_posts_with_a_refusal_and_writes_nothing_refused(
    app: Flask, treasurer: Browser, database: str, view: fz.ViewInfo
) -> None:
    create, edit, others = view_forms(treasurer, view)
    if create is None and edit is None and not others:
        pytest.skip(f"{view.endpoint} offers the treasurer no form")
    n = examples(database, 12, 4)
    if create is not None:
        fuzz_form(app, treasurer, create, n, base=fz.merge_baseline(create, edit))
    if edit is not None:
        fuzz_form(app, treasurer, edit, n, fresh=True)
    for form in others:
        fuzz_form(app, treasurer, form, max(2, n // 3), fresh=True)


@pytest.mark.parametrize("view", MODEL_VIEWS, ids=[v.endpoint for v in MODEL_VIEWS])
def test_each_class_of_hostility_is_refused_beside_its_field_on_every_form_of_a_view(
    app: Flask, treasurer: Browser, view: fz.ViewInfo
) -> None:
    create, edit, others = view_forms(treasurer, view)
    if create is None and edit is None and not others:
        pytest.skip(f"{view.endpoint} offers the treasurer no form")
    names = hostile_others(app)
    if create is not None:
        base = fz.merge_baseline(create, edit)
        for _case, sent in fz.hand_cases(create, names, base):
            fz.send(app, treasurer.client, create, sent)
    if edit is not None:
        for _case, sent in fz.hand_cases(edit, names):
            fz.send(app, treasurer.client, edit, sent)
    for form in others:
        for _case, sent in list(fz.hand_cases(form, names))[::7]:
            fz.send(app, treasurer.client, form, sent)


@pytest.mark.parametrize("view", MODEL_VIEWS, ids=[v.endpoint for v in MODEL_VIEWS])
def test_a_post_without_or_with_a_wrong_csrf_token_is_refused_and_writes_nothing(
    app: Flask, treasurer: Browser, view: fz.ViewInfo
) -> None:
    create, edit, others = view_forms(treasurer, view)
    forms = [f for f in (create, edit, *others) if f is not None]
    if not forms:
        pytest.skip(f"{view.endpoint} offers the treasurer no form")
    for form in forms:
        sent = [(k, v) for k, v in form.baseline().items(multi=True) if k != "csrf_token"]
        for token in (None, "", "x" * 100, "IjAwMDAi.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb", "\x00"):
            data = sent if token is None else [*sent, ("csrf_token", token)]
            outcome = fz.send(app, treasurer.client, form, data, csrf=False)
            assert outcome.status == 400, outcome.describe()


@pytest.mark.parametrize("view", MODEL_VIEWS, ids=[v.endpoint for v in MODEL_VIEWS])
def test_another_organisations_rows_answer_404_on_every_path_of_a_view(
    app: Flask, treasurer: Browser, view: fz.ViewInfo
) -> None:
    ids = other_ids(app).get(getattr(view.model, "__tablename__", ""), [])
    ids += ["0", "-1", "99999999999999999999", "1,2", "1 OR 1=1", "%00", "\u0661"]
    token = csrf_token(treasurer.get("/").text)
    for row in ids:
        for path in ("edit", "details", "delete"):
            response = treasurer.get(f"{view.url}/{path}/", query_string={"id": row})
            assert response.status_code in {403, 404} | ({405} if path == "delete" else set()), (
                path,
                row,
                response.status_code,
            )
            assert fz.OTHER_GRANT_TITLE not in response.text
        before = fz.fingerprint(app.extensions["fundtrack.engine"])
        for path, data in (("edit/?id=" + row, {"csrf_token": token}), ("delete/", {"id": row, "csrf_token": token})):
            response = treasurer.client.post(f"{view.url}/{path}", data=data)
            assert response.status_code in {302, 400, 403, 404}, (path, row, response.status_code)
        assert fz.fingerprint(app.extensions["fundtrack.engine"]) == before


# --- the pages of the menu, the login and language forms ------------------------------------


def page_forms(browser: Browser) -> list[fz.Form]:
    home = browser.get("/")
    urls = ["/", *fz.menu_pages(home.text)]
    urls += [f"{p.url}/" for p in PAGES]
    forms: list[fz.Form] = []
    for url in dict.fromkeys(urls):
        response = browser.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            forms += [
                f for f in fz.forms_of(url, response.text) if not fz.urlsplit(f.action).path.startswith(ACCOUNT_FORMS)
            ]
    return fz.unique(forms)


@pytest.mark.parametrize("role", [Role.TREASURER, Role.BOARD, Role.FUNDER, "ville"])
def test_the_forms_of_every_page_of_the_menu_answer_hostile_choices_without_error_or_leak(
    app: Flask, browser: Browser, database: str, role: Role | str
) -> None:
    browser.login(OTHER_FUNDER[0] if role == "ville" else role)
    forms = page_forms(browser)
    assert forms, "the menu's pages offer no form"
    others, secrets = hostile_others(app), fz.OTHER_TENANT
    if role is Role.FUNDER:  # Centraide's login: the City's grants are another funder's
        references, titles = city_grants(app)
        others, secrets = [*others, *references], (*secrets, *references, *titles)
    for form in forms:
        fuzz_form(app, browser, form, examples(database, 6, 2), others=others, secrets=secrets, explain=False)


def test_the_login_and_language_forms_answer_hostile_input_and_never_redirect_away(
    app: Flask, browser: Browser
) -> None:
    login = next(f for f in fz.forms_of("/login", browser.get("/login").text) if f.action.endswith("/login"))
    fuzz_form(app, browser, login, 15)
    for _case, sent in list(fz.hand_cases(login, []))[::3]:
        fz.send(app, browser.client, login, sent)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "\x00"):
        fz.send(
            app,
            browser.client,
            login,
            [("email", ACCOUNTS[Role.TREASURER][0]), ("password", PASSWORD), ("next", target)],
        )
    treasurer = Browser(app.test_client())
    treasurer.login(Role.TREASURER)
    page = treasurer.get("/")
    language = next(f for f in fz.forms_of("/", page.text) if "/language/" in f.action)
    fuzz_form(app, treasurer, language, 10)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        fz.send(app, treasurer.client, language, [("next", target)])


# --- what the fuzz found, kept as explicit cases ----------------------------------------------


def test_a_fiscal_month_beyond_64_bits_is_refused_beside_its_field_not_an_error_page(
    app: Flask, treasurer: Browser
) -> None:
    before = fz.fingerprint(app.extensions["fundtrack.engine"])
    data = {"name": "Fondation des grands nombres", "kind": "foundation", "fiscal_start_month": "9" * 26}
    response = treasurer.post_form("/funders/new/", data)
    assert response.status_code == 200
    assert "invalid-feedback" in response.text and "Fondation des grands nombres" in response.text
    assert fz.fingerprint(app.extensions["fundtrack.engine"]) == before


@pytest.mark.parametrize("row", ["9" * 20, "\u0661", "1,2", "-1"])
def test_an_id_of_twenty_digits_or_of_other_digits_names_no_row(treasurer: Browser, row: str) -> None:
    for path in ("edit", "details"):
        assert treasurer.get(f"/funders/{path}/", query_string={"id": row}).status_code == 404


def test_a_revision_beyond_64_bits_is_refused_not_an_error_page(app: Flask, treasurer: Browser) -> None:
    before = fz.fingerprint(app.extensions["fundtrack.engine"])
    token = csrf_token(treasurer.get("/").text)
    response = treasurer.client.post(
        "/grants/status/", data={"id": "1", "status": "confirmed", "revision": "9" * 30, "csrf_token": token}
    )
    assert response.status_code in {302, 400}
    assert fz.fingerprint(app.extensions["fundtrack.engine"]) == before


@pytest.mark.parametrize("search", ["👍" * 12_500, " ".join(["a"] * 40)], ids=["50000 bytes", "40 words"])
def test_a_search_too_long_for_the_database_is_refused_with_a_message_and_the_list_shown(
    treasurer: Browser, search: str
) -> None:
    response = treasurer.get("/allocations/", query_string={"search": search})
    assert response.status_code == 200
    assert "Recherche trop longue (au plus 200 caractères et 10 mots)" in html.unescape(response.text)
    assert "alert-danger" in response.text


@pytest.mark.parametrize("view", MODEL_VIEWS, ids=[v.endpoint for v in MODEL_VIEWS])
def test_a_funders_login_reaches_no_row_of_another_funder_or_organisation_on_any_path(
    app: Flask, browser: Browser, view: fz.ViewInfo
) -> None:
    browser.login(Role.FUNDER)
    references, titles = city_grants(app)
    ids = city_grant_ids(app) + [i for values in other_ids(app).values() for i in values]
    for row in ids:
        for path in ("details", "edit"):
            response = browser.get(f"{view.url}/{path}/", query_string={"id": row})
            assert response.status_code in {403, 404}, (path, row, response.status_code)
    listing = browser.get(f"{view.url}/")
    assert listing.status_code in {200, 404}
    for secret in (*references, *titles, *fz.OTHER_TENANT):
        assert secret not in html.unescape(listing.text), secret


@pytest.mark.parametrize(
    "url", ["/allocations/?search=a%00b", "/funders/?flt0_0=%00", "/variance/?year=%00", "/login?next=%00"]
)
def test_a_nul_byte_in_a_query_is_refused_before_it_reaches_the_database(treasurer: Browser, url: str) -> None:
    assert treasurer.get(url).status_code == 400


def test_a_login_with_a_nul_byte_is_refused_and_nothing_is_written(app: Flask, browser: Browser) -> None:
    before = fz.fingerprint(app.extensions["fundtrack.engine"])
    for email in ("a\x00b", "tresoriere@parc-ex.example\x00"):
        response = browser.post_form("/login", {"email": email, "password": PASSWORD})
        assert response.status_code == 400
    assert fz.fingerprint(app.extensions["fundtrack.engine"]) == before


def test_an_email_no_account_can_have_is_looked_up_nowhere(app: Flask) -> None:
    from fundtrack.services.users import authenticate

    with session_factory(app.extensions["fundtrack.engine"])() as session:
        assert authenticate(session, "a\x00b", PASSWORD) is None
        assert authenticate(session, "x" * 400 + "@parc-ex.example", PASSWORD) is None
        assert authenticate(session, ACCOUNTS[Role.TREASURER][0], PASSWORD) is not None


def test_a_correction_without_its_new_amount_is_refused_beside_the_field_and_nothing_is_reversed(
    app: Flask, treasurer: Browser
) -> None:
    row = row_ids(treasurer, next(v for v in MODEL_VIEWS if v.endpoint == "allocations"))[0]
    before = fz.fingerprint(app.extensions["fundtrack.engine"])
    response = treasurer.post_form(f"/allocations/correct/?id={row}", {"amount": ""})
    assert response.status_code == 200
    assert "invalid-feedback" in response.text
    assert fz.fingerprint(app.extensions["fundtrack.engine"]) == before
