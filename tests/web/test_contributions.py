"""In-kind contributions and own funds: listed, recorded through the service by the
treasurer, each refusal beside its field with nothing written; no one else writes them."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fundtrack.models import InKindContribution, OwnFunds
from fundtrack.roles import Role
from tests.web.conftest import Browser, statements


def rows_of(app: Flask, model: Any) -> list[Any]:
    with Session(app.extensions["fundtrack.engine"]) as session:
        return list(session.scalars(select(model).order_by(model.id)))


def count(app: Flask, model: Any) -> int:
    with Session(app.extensions["fundtrack.engine"]) as session:
        return session.scalar(select(func.count(model.id))) or 0


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def beside(page: str, field: str) -> str:
    start = page.index(f'id="{field}"')
    end = page.find('class="form-group', start)
    return text_of(page[start : end if end > 0 else None])


IN_KIND = {
    "project": "Grands rendez-vous et assemblées",
    "contributor": "Bibliothèque de Parc-Extension",
    "description": "Salle d'atelier prêtée",
    "category": "room_rental",
    "fair_value": "1 250,50 $",
    "start_date": "2026-10-03",
    "end_date": "2026-10-03",
}
OWN = {
    "project": "Lieu de rassemblement",
    "description": "Campagne de dons 2026",
    "amount": "3,000.00",
    "start_date": "2026-04-01",
    "end_date": "2027-03-31",
}


def test_the_in_kind_contributions_and_own_funds_are_listed_in_the_readers_words(browser: Browser) -> None:
    browser.login(Role.BOARD)
    in_kind = text_of(browser.get("/in_kind/").text)
    assert "Grande salle prêtée pour le Grand rendez-vous 2025 Location de salles 2 400,00 $ 13 juin 2025" in in_kind
    own = text_of(browser.get("/own_funds/?flt0_0=2027-2028").text)
    assert "Réserve et campagne de financement du lieu 15 000,00 $" in own and "Surplus 2024-2025" not in own


@pytest.mark.parametrize("url", ["/in_kind/", "/own_funds/"])
def test_the_lists_run_the_same_number_of_queries_whatever_the_page_size(
    browser: Browser, app: Flask, url: str
) -> None:
    browser.login(Role.TREASURER)
    counts = []
    for size in (1, 20):
        with statements(app) as seen:
            assert browser.get(f"{url}?page_size={size}").status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("url", ["/in_kind/", "/own_funds/"])
def test_a_funders_login_does_not_see_them_and_the_board_and_coordinator_cannot_add(
    browser: Browser, app: Flask, url: str
) -> None:
    browser.login(Role.FUNDER)
    assert browser.get(url).status_code == 404
    assert browser.get(f"{url}details/?id=1").status_code == 404
    for role in (Role.BOARD, Role.COORDINATOR):
        other = Browser(app.test_client())
        other.login(role)
        assert other.get(url).status_code == 200
        assert other.get(f"{url}new/").status_code == 403


def test_the_treasurer_records_an_in_kind_contribution_at_fair_value(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    created = browser.post_form("/in_kind/new/", IN_KIND)
    assert created.status_code == 302
    row = rows_of(app, InKindContribution)[-1]
    assert (row.contributor, row.fair_value) == ("Bibliothèque de Parc-Extension", Decimal("1250.50"))


def test_the_treasurer_records_own_funds(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    created = browser.post_form("/own_funds/new/", OWN)
    assert created.status_code == 302
    assert rows_of(app, OwnFunds)[-1].amount == Decimal("3000.00")


@pytest.mark.parametrize(
    ("url", "form", "changes", "field", "words"),
    [
        ("/in_kind/new/", IN_KIND, {"fair_value": "1 250,505"}, "fair_value", "plus de deux décimales"),
        ("/in_kind/new/", IN_KIND, {"fair_value": "0"}, "fair_value", "doit être positif"),
        ("/in_kind/new/", IN_KIND, {"end_date": "2026-10-01"}, "end_date", "précède le début"),
        ("/own_funds/new/", OWN, {"amount": "1.234,5"}, "amount", "est ambigu"),
        ("/own_funds/new/", OWN, {"description": ""}, "description", "champ obligatoire"),
    ],
)
def test_a_refused_contribution_is_refused_beside_its_field_and_nothing_is_written(
    browser: Browser, app: Flask, url: str, form: dict[str, str], changes: dict[str, str], field: str, words: str
) -> None:
    browser.login(Role.TREASURER)
    model = InKindContribution if "in_kind" in url else OwnFunds
    before = count(app, model)
    refused = browser.post_form(url, {**form, **changes})
    assert refused.status_code == 200
    assert words in beside(refused.text, field)
    assert count(app, model) == before
