"""The grants' pages: the list, the form with its schedule inline, the grant's page and its
status changes, for each role; every refusal beside its field with nothing written."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fundtrack.models import Grant, GrantStatus
from fundtrack.roles import Role
from tests.web.conftest import Browser, csrf_token, statements

PIC = "PIC-2025-2028"  # Centraide's
VDM = "VDM-2026"  # the City's
REQUESTED = "ARR-VSP-2027"  # the borough's, still requested


def grant_id(app: Flask, reference: str) -> int:
    with Session(app.extensions["fundtrack.engine"]) as session:
        found = session.scalar(select(Grant.id).where(Grant.reference == reference))
        assert found is not None
        return found


def read_grant(app: Flask, reference: str) -> Grant | None:
    with Session(app.extensions["fundtrack.engine"], expire_on_commit=False) as session:
        grant = session.scalar(select(Grant).where(Grant.reference == reference))
        if grant is not None:
            _ = grant.instalments, grant.report_dues
        return grant


def count_grants(app: Flask) -> int:
    with Session(app.extensions["fundtrack.engine"]) as session:
        return session.scalar(select(func.count(Grant.id))) or 0


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def new_grant(**changes: Any) -> dict[str, Any]:
    form = {
        "reference": "FLAC-2026",
        "funder": "Centraide du Grand Montréal",
        "title": "Interprètes pour les assemblées",
        "status": "confirmed",
        "amount": "12 000,00 $",
        "start_date": "2026-04-01",
        "end_date": "2027-03-31",
        "instalments-0-expected_date": "2026-05-01",
        "instalments-0-amount": "6 000",
        "instalments-0-received_date": "",
        "instalments-0-received_amount": "",
        "report_dues-0-due_date": "2027-05-31",
        "report_dues-0-title": "Bilan",
    }
    form.update(changes)
    return form


def test_the_treasurer_lists_the_grants_with_amounts_and_periods_as_french_writes_them(browser: Browser) -> None:
    browser.login(Role.TREASURER)
    page = browser.get("/grants/")
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "Centraide du Grand Montréal PIC-2025-2028 Projet impact collectif — Parc-Extension confirmée" in shown
    assert "450 000,00 $ 1 avr. 2025 – 31 mars 2028" in shown


def test_the_grants_filtered_by_fiscal_year_funder_and_status(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    year = text_of(browser.get("/grants/?flt0_0=2027-2028").text)
    assert "FGM-2027-2028" in year and "DONS-2025-2026" not in year
    funder = text_of(browser.get("/grants/?flt0_1=4").text)  # the City
    assert "VDM-2026" in funder and PIC not in funder
    requested = text_of(browser.get("/grants/?flt0_2=requested").text)
    assert REQUESTED in requested and PIC not in requested
    searched = text_of(browser.get("/grants/?search=lieu").text)
    assert "VDM-LIEU-2027" in searched and PIC not in searched


def test_the_grants_list_runs_the_same_number_of_queries_whatever_the_page_size(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    counts = []
    for size in (2, 20):
        with statements(app) as seen:
            assert browser.get(f"/grants/?page_size={size}&sort=0").status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1]


def test_a_funders_login_sees_its_own_grants_only_and_another_funders_grant_does_not_exist(
    browser: Browser, app: Flask
) -> None:
    browser.login(Role.FUNDER)
    listed = text_of(browser.get("/grants/").text)
    assert PIC in listed and VDM not in listed and "Ville de Montréal" not in listed
    other = grant_id(app, VDM)
    for url in (f"/grants/details/?id={other}", f"/grants/edit/?id={other}"):
        assert browser.get(url).status_code == 404
    assert "Ville de Montréal" not in browser.get("/grants/").text  # not even in the filter's choices
    own = grant_id(app, PIC)
    assert browser.get(f"/grants/details/?id={own}").status_code == 200
    assert browser.get(f"/grants/edit/?id={own}").status_code == 403
    assert browser.get("/grants/new/").status_code == 403


@pytest.mark.parametrize("role", [Role.BOARD, Role.COORDINATOR])
def test_the_board_and_the_coordinator_read_the_grants_but_cannot_change_them(
    browser: Browser, app: Flask, role: Role
) -> None:
    browser.login(role)
    own = grant_id(app, REQUESTED)
    assert browser.get("/grants/").status_code == 200
    page = browser.get(f"/grants/details/?id={own}")
    assert page.status_code == 200 and "Confirmer l'entente" not in html.unescape(page.text)
    assert browser.get("/grants/new/").status_code == 403
    assert browser.get(f"/grants/edit/?id={own}").status_code == 403
    token = csrf_token(browser.get("/grants/").text)
    refused = browser.client.post(
        "/grants/status/", data={"id": own, "status": "confirmed", "revision": "1", "csrf_token": token}
    )
    assert refused.status_code == 403
    grant = read_grant(app, REQUESTED)
    assert grant is not None and grant.status is GrantStatus.REQUESTED


def test_the_treasurer_records_a_grant_with_its_instalment_and_report_due_typed_as_people_write_them(
    browser: Browser, app: Flask
) -> None:
    browser.login(Role.TREASURER)
    created = browser.post_form("/grants/new/", new_grant())
    assert created.status_code == 302
    grant = read_grant(app, "FLAC-2026")
    assert grant is not None and grant.amount == Decimal("12000.00")
    assert [(i.expected_date.isoformat(), i.expected_amount) for i in grant.instalments] == [
        ("2026-05-01", Decimal("6000.00"))
    ]
    assert [r.title for r in grant.report_dues] == ["Bilan"]


def test_an_amount_with_three_decimals_is_refused_beside_its_field_and_nothing_is_written(
    browser: Browser, app: Flask
) -> None:
    browser.login(Role.TREASURER)
    before = count_grants(app)
    refused = browser.post_form("/grants/new/", new_grant(amount="12 000,005"))
    assert refused.status_code == 200
    field = re.search(r'id="amount"[^>]*>(.{0,600})', refused.text, re.S)
    assert field and "décimales" in html.unescape(field.group(1))
    assert count_grants(app) == before


def test_a_refused_instalment_amount_is_shown_beside_that_rows_field(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    before = count_grants(app)
    form = new_grant(
        **{
            # the first row left empty is not sent: the refused row is the second of the form
            "instalments-0-expected_date": "",
            "instalments-0-amount": "",
            "instalments-1-expected_date": "2026-06-01",
            "instalments-1-amount": "0",
        }
    )
    refused = browser.post_form("/grants/new/", form)
    assert refused.status_code == 200
    cell = re.search(r'id="instalments-1-amount"[^>]*>(.*?)</td>', refused.text, re.S)
    assert cell and "invalid-feedback" in cell.group(1)
    first = re.search(r'id="instalments-0-amount"[^>]*>(.*?)</td>', refused.text, re.S)
    assert first and "invalid-feedback" not in first.group(1)
    assert count_grants(app) == before


def test_instalments_beyond_the_grant_are_refused_and_nothing_is_written(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    refused = browser.post_form(
        "/grants/new/",
        new_grant(**{"instalments-1-expected_date": "2026-09-01", "instalments-1-amount": "6 000,01"}),
    )
    assert refused.status_code == 200
    assert "12 000,01" in html.unescape(refused.text).replace("\u202f", " ").replace("\u00a0", " ")
    assert read_grant(app, "FLAC-2026") is None


def test_adding_a_row_shows_one_more_empty_instalment_and_saves_nothing(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    page = browser.post_form("/grants/new/", {**new_grant(), "_add_row": "instalments"})
    assert page.status_code == 200
    assert 'id="instalments-1-expected_date"' in page.text
    assert 'value="6 000"' in page.text  # what was typed stays
    assert read_grant(app, "FLAC-2026") is None


def test_the_treasurer_changes_a_grant_in_place_and_a_stale_edit_is_refused(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    gid = grant_id(app, REQUESTED)
    url = f"/grants/edit/?id={gid}"
    page = browser.get(url)
    revision = re.search(r'name="revision"[^>]*value="(\d+)"', page.text) or re.search(
        r'value="(\d+)"[^>]*name="revision"', page.text
    )
    assert revision
    fields = dict(re.findall(r'name="([\w-]+)" type="(?:text|date)" value="([^"]*)"', page.text))
    fields.update(
        {
            "funder": "Arrondissement de Villeray–Saint-Michel–Parc-Extension",
            "status": "requested",
            "restricted": "y",
            "revision": revision.group(1),
            "csrf_token": csrf_token(page.text),
        }
    )
    fields["eligible_categories"] = re.findall(
        r'<option selected value="([^"]+)"', page.text.split('id="eligible_categories"')[1].split("</select>")[0]
    )
    fields["title"] = "Événements de concertation 2027 (révisé)"
    first = browser.client.post(url, data=fields)
    assert first.status_code == 302, text_of(first.text)[:2000]
    grant = read_grant(app, REQUESTED)
    assert grant is not None and grant.title == "Événements de concertation 2027 (révisé)"
    fields["title"] = "Une autre version"
    second = browser.client.post(url, data=fields)
    assert second.status_code == 200
    assert "modifié par quelqu'un d'autre" in html.unescape(second.text)
    grant = read_grant(app, REQUESTED)
    assert grant is not None and grant.title == "Événements de concertation 2027 (révisé)"


def test_a_grants_page_shows_its_amount_per_fiscal_year_what_came_in_and_what_is_to_receive(
    browser: Browser, app: Flask
) -> None:
    browser.login(Role.TREASURER)
    shown = text_of(browser.get(f"/grants/details/?id={grant_id(app, PIC)}").text)
    assert "2025-2026 150 000,00 $ 150 000,00 $" in shown
    assert "Total 450 000,00 $ 225 000,00 $" in shown
    assert "À recevoir 225 000,00 $" in shown


def test_the_treasurer_confirms_a_requested_grant_from_its_page(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    gid = grant_id(app, REQUESTED)
    page = browser.get(f"/grants/details/?id={gid}")
    assert "Confirmer l'entente" in html.unescape(page.text)
    revision = re.search(r'name="revision" value="(\d+)"', page.text)
    assert revision
    data = {"id": gid, "status": "confirmed", "revision": revision.group(1), "csrf_token": csrf_token(page.text)}
    done = browser.client.post("/grants/status/", data=data)
    assert done.status_code == 302
    grant = read_grant(app, REQUESTED)
    assert grant is not None and grant.status is GrantStatus.CONFIRMED
    again = browser.client.post("/grants/status/", data=data, follow_redirects=True)  # no longer requested
    assert "n'est plus demandée" in html.unescape(again.text)
    assert browser.client.post("/grants/status/", data={**data, "status": "closed"}).status_code == 400


def test_a_funders_login_cannot_change_the_status_of_another_funders_grant(browser: Browser, app: Flask) -> None:
    browser.login(Role.FUNDER)
    token = csrf_token(browser.get("/grants/").text)
    refused = browser.client.post(
        "/grants/status/",
        data={"id": grant_id(app, REQUESTED), "status": "declined", "revision": "1", "csrf_token": token},
    )
    assert refused.status_code in (403, 404)
    grant = read_grant(app, REQUESTED)
    assert grant is not None and grant.status is GrantStatus.REQUESTED


def _edit_fields(page: str) -> dict[str, Any]:
    fields: dict[str, Any] = dict(re.findall(r'name="([\w-]+)" type="(?:text|date)" value="([^"]*)"', page))
    revision = re.search(r'name="revision"[^>]*value="(\d+)"', page) or re.search(
        r'value="(\d+)"[^>]*name="revision"', page
    )
    assert revision
    fields["revision"] = revision.group(1)
    fields["csrf_token"] = csrf_token(page)
    fields["status"] = re.findall(
        r'<option selected value="([^"]+)"', page.split('id="status"')[1].split("</select>")[0]
    )[0]
    fields["funder"] = html.unescape(
        re.findall(r'<option selected value="([^"]+)"', page.split('id="funder"')[1].split("</select>")[0])[0]
    )
    fields["projects"] = [
        html.unescape(v)
        for v in re.findall(r'<option selected value="([^"]+)"', page.split('id="projects"')[1].split("</select>")[0])
    ]
    return fields


def test_changing_what_an_instalment_received_is_refused_beside_that_rows_field(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    gid = grant_id(app, PIC)
    url = f"/grants/edit/?id={gid}"
    fields = _edit_fields(browser.get(url).text)
    assert fields["instalments-1-received_amount"] == "37\u00a0500,00"
    fields["instalments-1-received_amount"] = "30 000,00"
    refused = browser.client.post(url, data=fields)
    assert refused.status_code == 200
    cell = re.search(r'id="instalments-1-received_amount"[^>]*>(.*?)</td>', refused.text, re.S)
    assert cell and "invalid-feedback" in cell.group(1)
    grant = read_grant(app, PIC)
    assert grant is not None and grant.instalments[1].received_amount == Decimal("37500.00")


def test_a_form_sent_back_with_a_typing_error_keeps_the_revision_its_author_read(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    gid = grant_id(app, REQUESTED)
    url = f"/grants/edit/?id={gid}"
    fields = _edit_fields(browser.get(url).text)
    other = Browser(app.test_client())
    other.login(Role.TREASURER)
    page = other.get(f"/grants/details/?id={gid}")
    revision = re.search(r'name="revision" value="(\d+)"', page.text)
    assert revision
    decided = {"id": gid, "status": "declined", "revision": revision.group(1), "csrf_token": csrf_token(page.text)}
    assert other.client.post("/grants/status/", data=decided).status_code == 302
    typo = browser.client.post(url, data={**fields, "amount": "30 000,001"})
    assert typo.status_code == 200
    again = _edit_fields(typo.text)
    assert again["revision"] == fields["revision"]  # not the revision written meanwhile
    stale = browser.client.post(url, data={**again, "amount": "30 000,00"})
    assert stale.status_code == 200 and "modifié par quelqu'un d'autre" in html.unescape(stale.text)
    grant = read_grant(app, REQUESTED)
    assert grant is not None and grant.status is GrantStatus.DECLINED


def test_the_treasurer_records_a_short_payment_and_the_difference_is_shown(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    gid = grant_id(app, PIC)
    details = browser.get(f"/grants/details/?id={gid}")
    assert "Inscrire un paiement reçu" in html.unescape(details.text)
    url = f"/grants/receive/?id={gid}"
    page = browser.get(url)
    assert page.status_code == 200 and "15 oct. 2026" in page.text
    data = {"expected_date": "2026-10-15", "received_date": "2026-10-20", "amount": "30 000,00 $"}
    done = browser.post_form(url, data, follow_redirects=True)
    assert "il manque encore 7\u00a0500,00\u00a0$ sur ce versement" in html.unescape(done.text)
    grant = read_grant(app, PIC)
    assert grant is not None
    [october] = [i for i in grant.instalments if i.expected_date.isoformat() == "2026-10-15"]
    assert october.received_amount == Decimal("30000.00")


def test_a_payment_beyond_the_grant_is_refused_beside_the_amount_and_nothing_is_written(
    browser: Browser, app: Flask
) -> None:
    browser.login(Role.TREASURER)
    gid = grant_id(app, PIC)
    url = f"/grants/receive/?id={gid}"
    data = {"expected_date": "2026-10-15", "received_date": "2026-10-20", "amount": "300 000,00"}
    refused = browser.post_form(url, data)
    assert refused.status_code == 200
    found = re.search(r'id="amount"[^>]*>(.{0,400})', refused.text, re.S)
    assert found and "invalid-feedback" in found.group(1)
    grant = read_grant(app, PIC)
    assert grant is not None
    assert [i.received_amount for i in grant.instalments if i.expected_date.isoformat() == "2026-10-15"] == [None]


@pytest.mark.parametrize("role", [Role.BOARD, Role.FUNDER])
def test_only_the_treasurer_records_payments(browser: Browser, app: Flask, role: Role) -> None:
    browser.login(role)
    assert browser.get(f"/grants/receive/?id={grant_id(app, PIC)}").status_code == 403
    assert browser.get(f"/grants/receive/?id={grant_id(app, VDM)}").status_code == (404 if role is Role.FUNDER else 403)


def test_in_english_the_grants_show_amounts_and_dates_as_english_writes_them(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    token = csrf_token(browser.get("/grants/").text)
    assert browser.client.post("/language/en", data={"csrf_token": token, "next": "/grants/"}).status_code == 302
    shown = text_of(browser.get("/grants/").text)
    assert "Centraide du Grand Montréal PIC-2025-2028" in shown and "$450,000.00" in shown
    assert "Apr 1, 2025 – Mar 31, 2028" in shown
    details = text_of(browser.get(f"/grants/details/?id={grant_id(app, PIC)}").text)
    assert "Amount per fiscal year" in details and "To receive $225,000.00" in details


def test_an_unknown_funder_is_refused_beside_its_field_in_the_readers_words(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    before = count_grants(app)
    refused = browser.post_form("/grants/new/", new_grant(funder="Fondation inconnue"))
    assert refused.status_code == 200
    found = re.search(r'id="funder"(.*?)class="form-group', refused.text, re.S)
    assert (
        found and "Fondation inconnue" in html.unescape(found.group(1)) and "Not a valid choice" not in found.group(1)
    )
    assert count_grants(app) == before
