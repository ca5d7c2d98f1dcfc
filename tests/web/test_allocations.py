"""The allocations' pages: a grant's part of a budget line by fiscal year, recorded through
the service, never changed in place: reversed, or corrected by reversal and a new entry."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fundtrack.models import Allocation
from fundtrack.roles import Role
from tests.web.conftest import Browser, csrf_token, statements


def entries(app: Flask) -> list[tuple[int, Decimal, int | None]]:
    with Session(app.extensions["fundtrack.engine"]) as session:
        return [(a.id, a.amount, a.reverses_id) for a in session.scalars(select(Allocation).order_by(Allocation.id))]


def total(app: Flask) -> Decimal:
    with Session(app.extensions["fundtrack.engine"]) as session:
        return session.scalar(select(func.sum(Allocation.amount))) or Decimal(0)


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def new_allocation(**changes: Any) -> dict[str, Any]:
    form = {
        "grant": "PIC-2025-2028",
        "project": "Grands rendez-vous et assemblées",
        "category": "translation",
        "amounts-0-fiscal_year": "2026-2027",
        "amounts-0-amount": "1 234,56 $",
    }
    form.update(changes)
    return form


def test_the_treasurer_lists_the_allocations_with_their_lines_and_years(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    shown = text_of(browser.get("/allocations/?sort=0").text)
    assert "PIC-2025-2028 Fonctionnement de la Table Fonctionnement de la Table · Coordonnatrice (Salaires)" in shown
    assert "2025-2026 52 000,00 $" in shown
    year = text_of(browser.get("/allocations/?flt0_0=2027-2028").text)
    assert "2027-2028" in year and "2025-2026 52 000,00 $" not in year


def test_the_allocations_list_runs_the_same_number_of_queries_whatever_the_page_size(
    browser: Browser, app: Flask
) -> None:
    browser.login(Role.TREASURER)
    counts = []
    for size in (2, 50):
        with statements(app) as seen:
            assert browser.get(f"/allocations/?page_size={size}&sort=1").status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1]


def test_a_funders_login_does_not_see_the_allocations(browser: Browser) -> None:
    browser.login(Role.FUNDER)
    for url in ("/allocations/", "/allocations/details/?id=1", "/allocations/new/", "/allocations/correct/?id=1"):
        assert browser.get(url).status_code == 404


@pytest.mark.parametrize("role", [Role.BOARD, Role.COORDINATOR])
def test_the_board_and_the_coordinator_read_the_allocations_but_cannot_record_or_reverse_them(
    browser: Browser, app: Flask, role: Role
) -> None:
    browser.login(role)
    page = browser.get("/allocations/")
    assert page.status_code == 200 and "Contrepasser" not in page.text
    assert browser.get("/allocations/new/").status_code == 403
    assert browser.get("/allocations/correct/?id=1").status_code == 403
    before = entries(app)
    refused = browser.client.post("/allocations/reverse/", data={"id": 1, "csrf_token": csrf_token(page.text)})
    assert refused.status_code == 403
    assert entries(app) == before


def test_the_treasurer_allocates_a_grant_to_a_line_with_an_amount_typed_as_people_write_it(
    browser: Browser, app: Flask
) -> None:
    browser.login(Role.TREASURER)
    before = len(entries(app))
    created = browser.post_form("/allocations/new/", new_allocation())
    assert created.status_code == 302, text_of(created.text)[-1500:]
    after = entries(app)
    assert len(after) == before + 1 and after[-1][1] == Decimal("1234.56")


def test_an_allocation_beyond_the_grant_is_refused_and_nothing_is_written(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    before = entries(app)
    refused = browser.post_form("/allocations/new/", new_allocation(**{"amounts-0-amount": "900 000"}))
    assert refused.status_code == 200
    assert "les allocations de l'entente PIC-2025-2028" in html.unescape(refused.text)
    assert entries(app) == before


def test_a_refused_amount_is_shown_beside_its_row(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    before = entries(app)
    refused = browser.post_form(
        "/allocations/new/",
        new_allocation(**{"amounts-1-fiscal_year": "2027-2028", "amounts-1-amount": "12,345"}),
    )
    assert refused.status_code == 200
    cell = re.search(r'id="amounts-1-amount"[^>]*>(.*?)</td>', refused.text, re.S)
    assert cell and "invalid-feedback" in cell.group(1)
    assert entries(app) == before


def test_a_reversal_leaves_the_original_and_cancels_it_and_a_second_reversal_is_refused(
    browser: Browser, app: Flask
) -> None:
    browser.login(Role.TREASURER)
    before = total(app)
    page = browser.get("/allocations/")
    token = csrf_token(page.text)
    first = browser.client.post("/allocations/reverse/", data={"id": 1, "csrf_token": token})
    assert first.status_code == 302
    rows = entries(app)
    assert rows[0] == (1, Decimal("52000.00"), None)
    assert rows[-1][1:] == (Decimal("-52000.00"), 1)
    assert total(app) == before - Decimal("52000.00")
    listed = browser.get("/allocations/?sort=0&page_size=100").text
    assert '<input type="hidden" name="id" value="1">' not in listed  # no button to reverse it again
    assert '<input type="hidden" name="id" value="2">' in listed
    again = browser.client.post("/allocations/reverse/", data={"id": 1, "csrf_token": token}, follow_redirects=True)
    assert "a déjà été contrepassée" in html.unescape(again.text)
    assert len(entries(app)) == len(rows)


def test_a_correction_is_a_reversal_and_a_new_entry_and_a_refused_one_leaves_nothing(
    browser: Browser, app: Flask
) -> None:
    browser.login(Role.TREASURER)
    before = entries(app)
    refused = browser.post_form("/allocations/correct/?id=1", {"amount": "900 000,00"})
    assert refused.status_code == 200
    found = re.search(r'id="amount"[^>]*>(.{0,500})', refused.text, re.S)
    assert found and "les allocations de l'entente PIC-2025-2028" in html.unescape(found.group(1))
    assert entries(app) == before
    three = browser.post_form("/allocations/correct/?id=1", {"amount": "50 000,001"})
    assert three.status_code == 200 and entries(app) == before
    done = browser.post_form("/allocations/correct/?id=1", {"amount": "50 000,00"})
    assert done.status_code == 302
    after = entries(app)
    assert after[0] == before[0]
    assert [a[1:] for a in after[len(before) :]] == [(Decimal("-52000.00"), 1), (Decimal("50000.00"), None)]


def test_an_allocation_that_does_not_exist_answers_404_on_every_path(browser: Browser) -> None:
    browser.login(Role.TREASURER)
    for url in (
        "/allocations/details/?id=99999",
        "/allocations/edit/?id=99999",  # no one edits an allocation, but this one is not there at all
        "/allocations/correct/?id=99999",
        "/allocations/details/?id=1,2",
    ):
        assert browser.get(url).status_code == 404, url
    token = csrf_token(browser.get("/allocations/").text)
    assert browser.client.post("/allocations/reverse/", data={"id": 99999, "csrf_token": token}).status_code == 404
