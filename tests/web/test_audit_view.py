"""The audit log's page: read-only, filtered by record and person, sorted by time, each
change shown before and after in the reader's words (amounts as their language writes them)."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.models import AuditLog, Grant
from fundtrack.roles import Role
from tests.web.conftest import ACCOUNTS, Browser, csrf_token, statements


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def entry_id(app: Flask, entity: str, reference: str) -> int:
    with Session(app.extensions["fundtrack.engine"]) as session:
        found = session.scalar(select(AuditLog.id).where(AuditLog.entity == entity, AuditLog.label == reference))
        assert found is not None
        return found


def test_an_entry_shows_each_field_before_and_after_with_amounts_and_dates_in_french(
    browser: Browser, app: Flask
) -> None:
    browser.login(Role.TREASURER)
    shown = text_of(browser.get(f"/audit/details/?id={entry_id(app, 'grant', 'PIC-2025-2028')}").text)
    assert "Opération création Fiche Entente" in shown
    assert "amount — 450 000,00 $" in shown and "start_date — 1 avr. 2025" in shown


def test_a_change_made_in_the_admin_is_in_the_log_under_the_persons_name(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    with Session(app.extensions["fundtrack.engine"]) as session:
        grant = session.scalar(select(Grant).where(Grant.reference == "ARR-VSP-2027"))
        assert grant is not None
        gid, revision = grant.id, grant.revision
    page = browser.get(f"/grants/details/?id={gid}")
    data = {"id": gid, "status": "confirmed", "revision": revision, "csrf_token": csrf_token(page.text)}
    assert browser.client.post("/grants/status/", data=data).status_code == 302
    treasurer = ACCOUNTS[Role.TREASURER][0]
    mine = text_of(browser.get(f"/audit/?flt0_0=grant&flt1_1={gid}&flt2_2={treasurer}").text)
    assert f"{treasurer} trésorier·ère modification Entente {gid} ARR-VSP-2027 status: requested → confirmed" in mine
    assert browser.get("/audit/?flt0_1=abc").status_code == 200  # a record number that is no number is ignored
    others = text_of(browser.get("/audit/?flt0_2=system&flt1_0=grant").text)
    assert "requested → confirmed" not in others


def test_the_log_is_sorted_by_time_newest_first_and_pages_run_the_same_number_of_queries(
    browser: Browser, app: Flask
) -> None:
    browser.login(Role.TREASURER)
    counts = []
    for size in (5, 100):
        with statements(app) as seen:
            page = browser.get(f"/audit/?page_size={size}")
            assert page.status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1]
    ids = [int(i) for i in re.findall(r"/audit/details/\?id=(\d+)", page.text)]
    assert ids == sorted(ids, reverse=True)
    oldest = re.findall(r"/audit/details/\?id=(\d+)", browser.get("/audit/?sort=0").text)
    assert oldest[0] == "1"


@pytest.mark.parametrize("role", [Role.TREASURER, Role.BOARD])
def test_nobody_writes_in_the_log(browser: Browser, app: Flask, role: Role) -> None:
    browser.login(role)
    assert browser.get("/audit/").status_code == 200
    assert browser.get("/audit/new/").status_code == 403
    assert browser.get("/audit/edit/?id=1").status_code == 403
    token = csrf_token(browser.get("/audit/").text)
    assert browser.client.post("/audit/delete/", data={"id": 1, "csrf_token": token}).status_code == 403
    with Session(app.extensions["fundtrack.engine"]) as session:
        assert session.get(AuditLog, 1) is not None


def test_a_funders_login_does_not_see_the_log(browser: Browser) -> None:
    browser.login(Role.FUNDER)
    assert browser.get("/audit/").status_code == 404
    assert browser.get("/audit/details/?id=1").status_code == 404
