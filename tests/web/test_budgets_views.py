"""The budgets' pages: versions with their lines by fiscal year; the coordinator drafts
scenarios, the treasurer writes and adopts versions; each refusal beside its row."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from fundtrack.models import BudgetLine, BudgetVersion, VersionKind
from fundtrack.roles import Role
from tests.web.conftest import Browser, csrf_token, statements

PROJECT = "Planification stratégique de quartier (PSQ)"


def version(app: Flask, name: str) -> BudgetVersion | None:
    with Session(app.extensions["fundtrack.engine"], expire_on_commit=False) as session:
        return session.scalar(
            select(BudgetVersion)
            .where(BudgetVersion.name == name)
            .options(selectinload(BudgetVersion.lines).selectinload(BudgetLine.amounts))
        )


def count_versions(app: Flask) -> int:
    with Session(app.extensions["fundtrack.engine"]) as session:
        return session.scalar(select(func.count(BudgetVersion.id))) or 0


def current_of(app: Flask, project_version_ids: list[int]) -> list[int]:
    with Session(app.extensions["fundtrack.engine"]) as session:
        return list(
            session.scalars(
                select(BudgetVersion.id).where(BudgetVersion.id.in_(project_version_ids), BudgetVersion.current)
            )
        )


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def new_version(**changes: Any) -> dict[str, Any]:
    form = {
        "project": PROJECT,
        "name": "Scénario PSQ élargi",
        "kind": "scenario",
        "lines-0-category": "translation",
        "lines-0-description": "Interprètes des ateliers",
        "lines-0-fiscal_year": "2026-2027",
        "lines-0-amount": "4 500,00 $",
        "lines-1-category": "translation",
        "lines-1-description": "Interprètes des ateliers",
        "lines-1-fiscal_year": "2027-2028",
        "lines-1-amount": "4,600.00",
    }
    form.update(changes)
    return form


def test_the_versions_are_listed_and_a_versions_page_shows_its_lines_by_fiscal_year(
    browser: Browser, app: Flask
) -> None:
    browser.login(Role.BOARD)
    listed = text_of(browser.get("/budgets/").text)
    assert "Fonctionnement de la Table Budget adopté 2025-2028 adopté Oui 18 mars 2025" in listed
    scenarios = text_of(browser.get("/budgets/?flt0_1=scenario").text)
    assert "Révision 2026-2027 (scénario)" in scenarios and "Montage préliminaire" not in scenarios
    shown = text_of(browser.get("/budgets/details/?id=1").text)
    assert "Salaires Coordonnatrice 60 769,80 $ 60 769,80 $ 62 602,55 $ 184 142,15 $" in shown
    assert "Total 146 009,76 $ 145 898,88 $ 150 253,45 $ 442 162,09 $" in shown
    assert "En faire la version courante" not in shown and "Copier dans une nouvelle version" not in shown


def test_the_versions_list_runs_the_same_number_of_queries_whatever_the_page_size(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    counts = []
    for size in (1, 20):
        with statements(app) as seen:
            assert browser.get(f"/budgets/?page_size={size}").status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1]


def test_a_funders_login_does_not_see_the_budgets(browser: Browser) -> None:
    browser.login(Role.FUNDER)
    for url in ("/budgets/", "/budgets/details/?id=1", "/budgets/new/"):
        assert browser.get(url).status_code == 404


def test_the_board_cannot_write_a_version(browser: Browser, app: Flask) -> None:
    browser.login(Role.BOARD)
    assert browser.get("/budgets/new/").status_code == 403
    token = csrf_token(browser.get("/budgets/").text)
    before = count_versions(app)
    assert (
        browser.client.post(
            "/budgets/copy/", data={"id": 1, "name": "x", "kind": "scenario", "csrf_token": token}
        ).status_code
        == 403
    )
    assert browser.client.post("/budgets/adopt/", data={"id": 3, "revision": 1, "csrf_token": token}).status_code == 403
    assert count_versions(app) == before


def test_the_coordinator_drafts_a_scenario_with_a_line_over_two_fiscal_years(browser: Browser, app: Flask) -> None:
    browser.login(Role.COORDINATOR)
    page = browser.get("/budgets/new/")
    assert 'value="adopted"' not in page.text and 'name="current"' not in page.text  # drafts only
    created = browser.post_form("/budgets/new/", new_version())
    assert created.status_code == 302, text_of(created.text)[-800:]
    drafted = version(app, "Scénario PSQ élargi")
    assert drafted is not None and drafted.kind is VersionKind.SCENARIO and not drafted.current
    [line] = drafted.lines
    assert line.description == "Interprètes des ateliers"
    assert sorted(a.amount for a in line.amounts) == [Decimal("4500.00"), Decimal("4600.00")]


def test_the_coordinator_cannot_write_an_adopted_version(browser: Browser, app: Flask) -> None:
    browser.login(Role.COORDINATOR)
    before = count_versions(app)
    refused = browser.post_form("/budgets/new/", new_version(kind="adopted"))
    assert refused.status_code == 200
    assert count_versions(app) == before


def test_a_refused_amount_and_an_unknown_year_are_shown_beside_their_rows(browser: Browser, app: Flask) -> None:
    browser.login(Role.TREASURER)
    before = count_versions(app)
    refused = browser.post_form("/budgets/new/", new_version(**{"lines-1-amount": "4 600,005"}))
    assert refused.status_code == 200
    amount = re.search(r'id="lines-1-amount"[^>]*>(.*?)</td>', refused.text, re.S)
    assert amount and "invalid-feedback" in amount.group(1)
    # a year the calendar does not know is the service's refusal, beside the row it names
    refused = browser.post_form("/budgets/new/", new_version(**{"lines-1-fiscal_year": "l'an prochain"}))
    assert refused.status_code == 200
    year = re.search(r'id="lines-1-fiscal_year"[^>]*>(.*?)</td>', refused.text, re.S)
    assert year and "invalid-feedback" in year.group(1)
    untouched = re.search(r'id="lines-0-fiscal_year"[^>]*>(.*?)</td>', refused.text, re.S)
    assert untouched and "invalid-feedback" not in untouched.group(1)
    assert count_versions(app) == before


def test_the_treasurer_makes_a_scenario_the_current_version_and_a_stale_page_is_refused(
    browser: Browser, app: Flask
) -> None:
    browser.login(Role.TREASURER)
    scenario = version(app, "Révision 2026-2027 (scénario)")
    assert scenario is not None
    page = browser.get(f"/budgets/details/?id={scenario.id}")
    assert "En faire la version courante" in page.text
    revision = re.search(r'name="revision" value="(\d+)"', page.text)
    assert revision
    data = {"id": scenario.id, "revision": revision.group(1), "csrf_token": csrf_token(page.text)}
    done = browser.client.post("/budgets/adopt/", data=data)
    assert done.status_code == 302
    adopted = version(app, "Révision 2026-2027 (scénario)")
    assert adopted is not None and adopted.current
    assert adopted.revision != scenario.revision
    stale = browser.client.post("/budgets/adopt/", data=data, follow_redirects=True)
    assert "modifié par quelqu'un d'autre" in html.unescape(stale.text)


def test_the_coordinator_copies_a_version_into_a_scenario(browser: Browser, app: Flask) -> None:
    browser.login(Role.COORDINATOR)
    page = browser.get("/budgets/details/?id=1")
    assert "En faire la version courante" not in page.text
    data = {"id": 1, "name": "Scénario embauches", "kind": "scenario", "csrf_token": csrf_token(page.text)}
    done = browser.client.post("/budgets/copy/", data=data)
    assert done.status_code == 302
    copy = version(app, "Scénario embauches")
    assert copy is not None and copy.kind is VersionKind.SCENARIO and len(copy.lines) == 10
    refused = browser.client.post("/budgets/copy/", data={**data, "name": "Autre", "kind": "adopted"})
    assert refused.status_code == 400
    assert version(app, "Autre") is None


@pytest.mark.parametrize("role", [Role.COORDINATOR])
def test_the_coordinator_cannot_make_a_version_current(browser: Browser, app: Flask, role: Role) -> None:
    browser.login(role)
    scenario = version(app, "Révision 2026-2027 (scénario)")
    assert scenario is not None
    token = csrf_token(browser.get("/budgets/").text)
    refused = browser.client.post(
        "/budgets/adopt/", data={"id": scenario.id, "revision": scenario.revision, "csrf_token": token}
    )
    assert refused.status_code == 403
    assert current_of(app, [scenario.id]) == []
