"""A funder across organisations in the admin: Centraide's login reaches two tables, picks
the one it reads in the header's switcher, sees its grants in each and nothing else of
any (404), and downloads one workbook for both from its portal."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import delete, select

from fundtrack.db import session_factory, unit_of_work
from fundtrack.models import Funder, Grant, Organisation
from fundtrack.models.users import UserAccess
from fundtrack.roles import Role
from fundtrack.services import interchange
from fundtrack.services.context import acting_for
from fundtrack.services.users import NewAccess, grant_access
from tests.integration.test_federation import SAINT_MICHEL, second_table
from tests.web.conftest import ACCOUNTS, OTHER_FUNDER, Browser, statements
from tests.web.figures import text

PARC_EX = "Table de quartier de Parc-Extension"
CENTRAIDE = "Centraide du Grand Montréal"
CENTRAIDE_LOGIN = ACCOUNTS[Role.FUNDER][0]
TREASURER_LOGIN = ACCOUNTS[Role.TREASURER][0]
PIC = "PIC-2025-2028"
VDM = "VDM-2026"


def ids(app: Flask) -> tuple[int, int]:
    """The ids of the two tables (Parc-Extension first)."""
    with session_factory(app.extensions["fundtrack.engine"])() as session:
        found = {name: ident for name, ident in session.execute(select(Organisation.name, Organisation.id))}
        return found[PARC_EX], found[SAINT_MICHEL]


def grant_in(app: Flask, organisation_id: int, reference: str) -> int:
    with session_factory(app.extensions["fundtrack.engine"])() as session:
        found = session.scalar(
            select(Grant.id).where(Grant.organisation_id == organisation_id, Grant.reference == reference)
        )
        assert found is not None
        return found


def funder_in(app: Flask, organisation_id: int, name: str) -> int:
    with session_factory(app.extensions["fundtrack.engine"])() as session:
        found = session.scalar(select(Funder.id).where(Funder.organisation_id == organisation_id, Funder.name == name))
        assert found is not None
        return found


def add_second_table(app: Flask, *emails: str) -> int:
    """Load the second table, and let ``emails`` reach it (granted by its treasurer)."""
    factory = session_factory(app.extensions["fundtrack.engine"])
    with unit_of_work(factory) as session:
        second = interchange.load_document(session, second_table()).organisation_id
    with unit_of_work(factory) as session:
        acting = acting_for(session, organisation_id=second)
        for email in emails:
            grant_access(session, acting, NewAccess(email))
    return second


@pytest.fixture
def two(app: Flask) -> tuple[int, int]:
    """The second table, reached by Centraide's login and the treasurer's."""
    add_second_table(app, CENTRAIDE_LOGIN, TREASURER_LOGIN)
    return ids(app)


def switch(browser: Browser, organisation: object, page: str = "/portal/") -> int:
    response = browser.post_form(page, {"organisation": str(organisation)}, url="/organisation/")
    return response.status_code


def test_an_account_of_one_organisation_has_no_switcher(app: Flask, browser: Browser) -> None:
    browser.login(Role.FUNDER)
    page = browser.get("/portal/").text
    assert 'id="organisation-switch"' not in page
    assert f"Organisation : {PARC_EX}" in text(page)


def test_centraides_login_switches_to_the_second_table_and_reads_its_grants_there(
    app: Flask, browser: Browser, two: tuple[int, int]
) -> None:
    first, second = two
    browser.login(Role.FUNDER)
    page = browser.get("/portal/").text
    assert 'id="organisation-switch"' in page
    options = re.findall(r'<option value="(\d+)"( selected)?>([^<]+)</option>', page)
    assert [(int(v), bool(s), n) for v, s, n in options if int(v) in (first, second)] == [
        (first, True, PARC_EX),
        (second, False, SAINT_MICHEL),
    ]
    assert switch(browser, second) == 302
    shown = text(browser.get("/portal/").text)
    assert f"Organisation : {SAINT_MICHEL}" in shown and PIC in shown
    # remembered: the next pages read the second table, as its Centraide
    assert browser.get(f"/grants/details/?id={grant_in(app, second, PIC)}").status_code == 200
    for other in (grant_in(app, first, PIC), grant_in(app, second, VDM), grant_in(app, first, VDM)):
        assert browser.get(f"/grants/details/?id={other}").status_code == 404
    listed = text(browser.get("/grants/").text)
    assert PIC in listed and VDM not in listed and "Ville de Montréal" not in listed
    # and back to the first table
    assert switch(browser, first) == 302
    assert f"Organisation : {PARC_EX}" in text(browser.get("/portal/").text)
    assert browser.get(f"/grants/details/?id={grant_in(app, first, PIC)}").status_code == 200
    assert browser.get(f"/grants/details/?id={grant_in(app, second, PIC)}").status_code == 404


def test_an_organisation_the_account_does_not_reach_is_not_found(
    app: Flask, browser: Browser, two: tuple[int, int]
) -> None:
    _, second = two
    browser.login(OTHER_FUNDER[0])  # the City's login reaches the first table only
    for wanted in (second, 999999, "abc", ""):
        assert switch(browser, wanted) == 404
    assert browser.get("/organisation/").status_code == 404  # the switcher posts; there is no page
    assert f"Organisation : {PARC_EX}" in text(browser.get("/portal/").text)


def test_a_switch_without_its_csrf_token_is_refused(app: Flask, browser: Browser, two: tuple[int, int]) -> None:
    _, second = two
    browser.login(Role.FUNDER)
    assert browser.client.post("/organisation/", data={"organisation": str(second)}).status_code == 400
    assert f"Organisation : {PARC_EX}" in text(browser.get("/portal/").text)


def test_the_treasurer_of_both_tables_switches_and_edits_only_the_chosen_ones_rows(
    app: Flask, browser: Browser, two: tuple[int, int]
) -> None:
    first, second = two
    browser.login(Role.TREASURER)
    assert switch(browser, second, "/funders/") == 302
    assert browser.get(f"/funders/edit/?id={funder_in(app, second, CENTRAIDE)}").status_code == 200
    assert browser.get(f"/funders/edit/?id={funder_in(app, first, CENTRAIDE)}").status_code == 404


def test_the_portal_offers_one_workbook_for_both_tables(app: Flask, browser: Browser, two: tuple[int, int]) -> None:
    browser.login(Role.FUNDER)
    page = browser.get("/portal/").text
    assert 'id="all-organisations"' in page
    download = browser.get("/portal/all-organisations.xlsx")
    assert download.status_code == 200
    assert "rapport-toutes-organisations" in download.headers["Content-Disposition"]
    book = load_workbook(BytesIO(download.data), data_only=True)
    assert book.sheetnames == ["Sommaire", PARC_EX[:31], SAINT_MICHEL]
    shown = [str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert not any("Ville de Montréal" in c or VDM in c for c in shown)  # Centraide's grants only
    rows = {r[0]: r[1:] for r in book["Sommaire"].iter_rows(values_only=True) if r and r[0]}
    granted = rows["Accordé"]
    assert granted[2] == granted[0] + granted[1] and granted[0] > 0


def test_a_login_of_one_organisation_gets_no_workbook_across_organisations(app: Flask, browser: Browser) -> None:
    browser.login(Role.FUNDER)
    assert 'id="all-organisations"' not in browser.get("/portal/").text
    assert browser.get("/portal/all-organisations.xlsx").status_code == 404


def test_the_switcher_costs_one_query_a_page(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    browser.get("/funders/")
    with statements(app) as alone:
        assert browser.get("/funders/").status_code == 200
    add_second_table(app, TREASURER_LOGIN)
    with statements(app) as several:
        page = browser.get("/funders/")
    assert 'id="organisation-switch"' in page.text
    assert len(several) == len(alone) + 1


def test_an_organisation_no_longer_reached_gives_way_to_the_first_one(
    app: Flask, browser: Browser, two: tuple[int, int]
) -> None:
    _, second = two
    browser.login(Role.FUNDER)
    assert switch(browser, second) == 302
    factory = session_factory(app.extensions["fundtrack.engine"])
    with unit_of_work(factory) as session:
        session.execute(delete(UserAccess).where(UserAccess.organisation_id == second))
    page = browser.get("/portal/")
    assert page.status_code == 200 and f"Organisation : {PARC_EX}" in text(page.text)


def test_the_workbook_follows_the_language_chosen_else_the_funders(
    app: Flask, browser: Browser, two: tuple[int, int]
) -> None:
    browser.login(Role.FUNDER)
    english = browser.get("/portal/all-organisations.xlsx?lang=en")
    assert english.status_code == 200 and "report-all-organisations" in english.headers["Content-Disposition"]
    assert load_workbook(BytesIO(english.data)).sheetnames[0] == "Summary"
    refused = browser.get("/portal/all-organisations.xlsx?year=2026")
    assert refused.status_code == 200 and "xlsx" not in refused.headers["Content-Type"]  # the page, with its refusal
