"""The board member's journey in Chromium: the dashboard's figures and chart, then budget
vs actual, reading only: no create button on the lists, and ``/grants/new/`` answers 403."""

from __future__ import annotations

import re
from typing import Any

from fundtrack.roles import Role
from tests.browser.conftest import Served, assert_accessible, log_in
from tests.browser.journeys import SQLITE_ONLY, shown_text

MONEY = re.compile(r"^-?\d{1,3}( \d{3})*,\d\d \$$")  # as French writes an amount


def _figure(page: Any, name: str) -> str:
    return " ".join(page.locator(f'[data-figure="{name}"]').inner_text().replace("\u202f", " ").split())


@SQLITE_ONLY
def test_the_board_reads_the_dashboard_and_budget_vs_actual_and_cannot_write(page: Any, served: Served) -> None:
    log_in(page, Role.BOARD)
    assert page.url == f"{served.base_url}/"

    # the dashboard: the fiscal year's figures and the chart by month, another year one choice away
    assert page.get_by_text("Bienvenue — Table de quartier de Parc-Extension").is_visible()
    for name in ("cost", "confirmed", "requested", "received", "to_receive", "gap_confirmed", "gap_if_granted"):
        assert MONEY.match(_figure(page, name)), (name, _figure(page, name))
    chart = page.locator("figure.chart svg")
    assert chart.count() == 1 and chart.locator("rect").count() > 0
    page.get_by_label("Exercice", exact=True).select_option("2026-2027")
    with page.expect_navigation():
        page.get_by_role("button", name="Afficher").click()
    assert page.get_by_role("heading", name="Exercice 2026-2027").is_visible()
    assert MONEY.match(_figure(page, "cost"))
    assert_accessible(page)

    # it may not write: no create button on the lists, the creation form refused
    for listing in ("/grants/", "/expenses/", "/funders/"):
        page.goto(listing)
        assert page.locator("table").count() >= 1, listing
        assert page.locator('a[href*="/new/"]').count() == 0, listing
        assert_accessible(page)
    for form in ("/grants/new/", "/expenses/new/"):
        response = page.goto(form)
        assert response is not None and response.status == 403, (form, response and response.status)

    # budget vs actual, reached from the menu
    page.goto("/")
    page.get_by_role("link", name="Budget et montages").click()  # the menu's dropdown
    with page.expect_navigation():
        page.get_by_role("link", name="Budget et réel").click()
    assert "/variance/" in page.url
    shown = shown_text(page)
    assert "Budget" in shown and "Réel" in shown and "Écart" in shown
    assert page.locator("#variance tbody tr").count() > 1
    for name in ("budget", "actual", "variance", "forecast"):
        assert MONEY.match(_figure(page, name)), (name, _figure(page, name))
    assert page.get_by_role("button", name=re.compile("Enregistrer|Créer")).count() == 0
    assert_accessible(page)
