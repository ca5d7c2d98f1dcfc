"""The role matrix, generated from one table: every role × every view and page × read,
create, edit, delete, export and download, with the answer expected of it.

The table says, for each view, who reads it, which of the library's permissions
(:data:`fundtrack.roles.PERMISSIONS`) its writes need, and which writes the view offers;
the expected answer of every cell follows from it and from the library alone:

- a role that may not read a view gets 404 on every path of it (the view does not exist
  for it), whatever the path;
- a reader gets 200 on the list and on a row in its scope, 403 on a write it may not make
  (or that the view does not offer), 200 on the form of a write it may make;
- a funder's login gets 404 on every path naming another funder's row.

A view or page added to the admin without its row here fails the first test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask

from fundtrack.roles import PERMISSIONS, Action, Role
from tests.web.conftest import OTHER_FUNDER, PASSWORD, Browser, csrf_token

T, C, B, F = Role.TREASURER, Role.COORDINATOR, Role.BOARD, Role.FUNDER
EVERYONE = frozenset(Role)
STAFF = frozenset({T, C, B})
WRITES = ("create", "edit", "delete")


@dataclass(frozen=True)
class ViewRow:
    readers: frozenset[Role]
    action: Action | None  # the library's permission its writes need
    offers: frozenset[str]  # which of create, edit, delete the view offers


@dataclass(frozen=True)
class PageRow:
    readers: frozenset[Role]
    paths: tuple[str, ...]  # the page's own paths (downloads included), each answering 200 to a reader


VIEWS: dict[str, ViewRow] = {
    "funders": ViewRow(STAFF, Action.MONEY, frozenset({"create", "edit"})),
    "projects": ViewRow(STAFF, Action.MONEY, frozenset({"create", "edit"})),
    "grants": ViewRow(EVERYONE, Action.MONEY, frozenset({"create", "edit"})),
    "budgets": ViewRow(STAFF, Action.DRAFT_BUDGET, frozenset({"create"})),
    "allocations": ViewRow(STAFF, Action.MONEY, frozenset({"create"})),
    "in_kind": ViewRow(STAFF, Action.MONEY, frozenset({"create"})),
    "own_funds": ViewRow(STAFF, Action.MONEY, frozenset({"create"})),
    "users": ViewRow(frozenset({T}), Action.USERS, frozenset({"create"})),
    "audit": ViewRow(STAFF, None, frozenset()),
    "expenses": ViewRow(STAFF, Action.MONEY, frozenset({"create"})),
    "positions": ViewRow(STAFF, Action.STAFFING, frozenset({"create", "edit", "delete"})),
    "scenarios": ViewRow(STAFF, Action.STAFFING, frozenset({"create", "edit", "delete"})),
}

PAGES: dict[str, PageRow] = {
    "variance": PageRow(STAFF, ("/variance/",)),
    "packages": PageRow(STAFF, ("/packages/",)),
    "reports": PageRow(STAFF, ("/reports/", "/reports/budget.xlsx")),
    "portal": PageRow(frozenset({F}), ("/portal/", "/portal/report.xlsx")),
    "expense_import": PageRow(frozenset({T}), ("/expenses-import/",)),
    "files": PageRow(frozenset(), ("/files/",)),  # no page of its own: a file by its row, below
    "simulator": PageRow(
        STAFF,
        (
            "/simulator/",
            "/simulator/?scenario=communications+agent",
            "/simulator/compare/?scenario=communications+agent",
            "/simulator/workbook/?scenario=communications+agent",
        ),
    ),
    "payroll_rates": PageRow(STAFF, ("/payroll-rates/",)),
    "organisation": PageRow(frozenset(), ("/organisation/",)),  # a POST of the switcher, below
}

ROW_LINK = re.compile(r"/details/\?id=(\d+)")


def registered(app: Flask) -> tuple[set[str], set[str]]:
    """The endpoints of the admin's model views and of its other pages."""
    from flask_admin.contrib.sqla import ModelView

    admin = app.extensions["admin"][0]
    views = {v.endpoint for v in admin._views if isinstance(v, ModelView)}
    pages = {v.endpoint for v in admin._views if not isinstance(v, ModelView)} - {"admin"}
    return views, pages


def test_every_view_and_page_of_the_admin_has_its_row_in_the_table(app: Flask) -> None:
    views, pages = registered(app)
    assert views == set(VIEWS), "views and the role matrix disagree"
    assert pages == set(PAGES), "pages and the role matrix disagree"


def expected(row: ViewRow, role: Role, path: str) -> int:
    if role not in row.readers:
        return 404
    if path in ("list", "details"):
        return 200
    if path == "export":
        return 302  # no model view exports: finance leaves through fundtrack's own workbooks
    may = row.action is not None and row.action in PERMISSIONS[role] and path in row.offers
    return (302 if path == "delete" else 200) if may else 403


def first_rows(browser: Browser, endpoint: str) -> list[str]:
    return ROW_LINK.findall(browser.get(f"/{endpoint}/?page_size=100").text)


def answers(browser: Browser, endpoint: str, row_id: str | None, token: str) -> dict[str, int]:
    got = {
        "list": browser.get(f"/{endpoint}/").status_code,
        "create": browser.get(f"/{endpoint}/new/").status_code,
        "export": browser.get(f"/{endpoint}/export/csv/").status_code,
    }
    if row_id is not None:
        got["details"] = browser.get(f"/{endpoint}/details/?id={row_id}").status_code
        got["edit"] = browser.get(f"/{endpoint}/edit/?id={row_id}").status_code
        got["delete"] = browser.client.post(
            f"/{endpoint}/delete/", data={"id": row_id, "csrf_token": token}
        ).status_code
    return got


def treasurer_rows(app: Flask) -> dict[str, list[str]]:
    """One row id of each view, as the treasurer (who reads every view) lists them."""
    browser = Browser(app.test_client())
    browser.login(T)
    return {endpoint: first_rows(browser, endpoint) for endpoint in VIEWS}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_gets_the_expected_answer_on_every_path_of_every_view(app: Flask, role: Role) -> None:
    rows = treasurer_rows(app)
    browser = Browser(app.test_client())
    assert browser.login(role).status_code == 302
    token = csrf_token(browser.get("/").text if role is not F else browser.get("/portal/").text)
    wrong = []
    for endpoint, row in VIEWS.items():
        own = first_rows(browser, endpoint) if role in row.readers else rows[endpoint]
        row_id = own[0] if own else None
        for path, status in answers(browser, endpoint, row_id, token).items():
            want = expected(row, role, path)
            if status != want:
                wrong.append(f"{role.value} {path} /{endpoint}/ (row {row_id}): {status}, expected {want}")
    for name, page in PAGES.items():
        for path in page.paths:
            status = browser.get(path).status_code
            want = 200 if role in page.readers else 404
            if status != want:
                wrong.append(f"{role.value} page {name} {path}: {status}, expected {want}")
    assert not wrong, "\n".join(wrong)


def test_a_funders_login_gets_404_on_every_path_of_another_funders_rows(app: Flask) -> None:
    rows = treasurer_rows(app)
    browser = Browser(app.test_client())
    browser.login(F)
    token = csrf_token(browser.get("/portal/").text)
    mine = {endpoint: set(first_rows(browser, endpoint)) for endpoint, row in VIEWS.items() if F in row.readers}
    checked = 0
    for endpoint, own in mine.items():
        others = [i for i in rows[endpoint] if i not in own]
        assert others, f"the example has no row of another funder in /{endpoint}/"
        for path, status in answers(browser, endpoint, others[0], token).items():
            if path in ("details", "edit", "delete"):
                assert status == 404, f"/{endpoint}/ {path} of another funder's row {others[0]}: {status}"
                checked += 1
    assert checked >= 3


def test_the_other_funders_login_reaches_its_own_grants_and_not_centraides(app: Flask) -> None:
    rows = treasurer_rows(app)
    centraide = Browser(app.test_client())
    centraide.login(F)
    city = Browser(app.test_client())
    page = city.client.get("/login")
    city.client.post(
        "/login", data={"email": OTHER_FUNDER[0], "password": PASSWORD, "csrf_token": csrf_token(page.text)}
    )
    theirs, ours = set(first_rows(city, "grants")), set(first_rows(centraide, "grants"))
    assert theirs and ours and not theirs & ours
    assert theirs | ours <= set(rows["grants"])
    for grant_id in ours:
        assert city.get(f"/grants/details/?id={grant_id}").status_code == 404
