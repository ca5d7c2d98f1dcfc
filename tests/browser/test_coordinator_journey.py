"""The coordinator's journey in Chromium: the mobilisation agent's saved scenario with the
communications agent typed in the hire form, simulated, saved as a scenario, compared
with the example's ``both``, and the comparison's workbook downloaded and read back."""

from __future__ import annotations

import re
from typing import Any

from fundtrack.roles import Role
from tests.browser.conftest import assert_accessible, log_in
from tests.browser.journeys import SQLITE_ONLY, shown_text, workbook_of

MINE = "mobilisation et communication"


@SQLITE_ONLY
def test_the_coordinator_simulates_both_hires_saves_compares_and_downloads_the_workbook(page: Any) -> None:
    log_in(page, Role.COORDINATOR)
    page.goto("/simulator/")
    assert_accessible(page)

    # the mobilisation agent's scenario, and the communications agent typed as the hire
    page.get_by_label("Scénario", exact=True).select_option(value="mobilisation agent")
    page.get_by_label("Premier exercice").fill("2026-2027")
    page.get_by_label("Nombre d'exercices").fill("3")
    page.get_by_label("Titre du poste").fill("Agent·e de communication")
    page.get_by_label("Taux horaire", exact=True).fill("28,00")
    page.get_by_label("Heures par semaine", exact=True).fill("28")
    page.get_by_label("Début", exact=True).fill("2027-07-01")
    page.get_by_label("Indemnité de vacances (%)").fill("4")
    page.get_by_label("Avantages sociaux (%)").fill("4")
    page.get_by_label("Entente 1").select_option(value="FGM-2027-2028")
    page.get_by_label("Exercice 1").fill("2027-2028")
    page.get_by_label("Montant 1").fill("45 000,00 $")
    with page.expect_navigation():
        page.get_by_role("button", name="Simuler").click()
    heading = page.get_by_role("heading", name=re.compile("Coût par exercice"))
    assert " ".join(heading.inner_text().split()) == (
        "Coût par exercice : mobilisation agent + Agent·e de communication"
    )
    shown = shown_text(page)
    for year in ("2026-2027", "2027-2028", "2028-2029"):
        assert page.locator(f'#sim-years-table tr[data-year="{year}"]').count() == 1, year
    assert "Agent·e de mobilisation" in shown  # the answers name both positions
    assert page.locator("svg").count() >= 1  # the chart of who pays each month
    assert_accessible(page)

    # saved as a scenario: it is offered for comparison
    page.get_by_label("Nom du scénario").fill(MINE)
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer comme scénario").click()
    assert f"Scénario « {MINE} » enregistré." in shown_text(page)
    assert_accessible(page)

    # compared with the example's scenario for both agents
    page.get_by_label(MINE, exact=True).check()
    page.get_by_label("both", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Comparer", exact=True).click()
    assert "/simulator/compare/" in page.url
    headers = [" ".join(h.split()) for h in page.locator("#compare-table thead th").all_inner_texts()]
    assert MINE in headers and "both" in headers
    rows = page.locator("#compare-table tbody tr")
    assert rows.count() == 3 and rows.first.get_attribute("data-year") == "2026-2027"
    assert re.search(r"\d[\d  ]*,\d\d\s\$", rows.first.inner_text())  # the costs, as French writes them
    assert_accessible(page)

    # the comparison's workbook
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le classeur de simulation").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    book = workbook_of(download.value)
    assert book.sheetnames == ["Scénarios", "Qui paie chaque mois", "Par poste"]
    values = {c for row in book["Scénarios"].iter_rows(values_only=True) for c in row if c is not None}
    assert MINE in values and "both" in values
