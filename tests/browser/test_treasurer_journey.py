"""The treasurer's journey in Chromium: a new grant with an instalment through the grants
form, then an expense with its receipt (a small PDF) charged to that grant by a typed
split, and the expense seen with its receipt and the part charged to the grant."""

from __future__ import annotations

import re
from typing import Any

from fundtrack.roles import Role
from tests.browser.conftest import assert_accessible, log_in
from tests.browser.journeys import PDF, shown_text

GATHERINGS = "Grands rendez-vous et assemblées"


def test_the_treasurer_records_a_grant_then_an_expense_with_its_receipt_charged_to_it(page: Any) -> None:
    log_in(page, Role.TREASURER)

    # the grant, with one instalment
    page.goto("/grants/new/")
    assert_accessible(page)
    page.get_by_label("Référence").fill("FLAC-2026")
    page.get_by_label("Bailleur de fonds").select_option(label="Centraide du Grand Montréal")
    page.get_by_label("Titre", exact=True).fill("Interprètes pour les assemblées")
    page.get_by_label("Statut").select_option(label="confirmée")
    page.get_by_label("Montant", exact=True).fill("12 000,00 $")
    page.get_by_label("Début", exact=True).fill("2026-04-01")
    page.get_by_label("Fin", exact=True).fill("2027-03-31")
    page.get_by_label("Projets financés").select_option(label=GATHERINGS)
    instalments = page.locator("#instalments")
    instalments.get_by_label("Date prévue 1").fill("2026-05-01")
    instalments.get_by_label("Montant 1").fill("6 000")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer", exact=True).click()
    assert "/grants/new/" not in page.url, shown_text(page)
    page.goto("/grants/")
    with page.expect_navigation():
        page.locator("tr", has_text="FLAC-2026").get_by_title("Afficher L'enregistrement").click()
    details = shown_text(page)
    assert "Interprètes pour les assemblées" in details and "12 000,00 $" in details
    assert "1 mai 2026" in details and "6 000,00 $" in details  # the instalment
    assert_accessible(page)

    # the expense, its receipt, charged to that grant by a typed split
    page.goto("/expenses/new/")
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Date\b")).fill("2026-05-10")
    page.get_by_label("Fournisseur").fill("Interprètes Montréal")
    page.get_by_label("Description").fill("Interprétation, assemblée de mai")
    page.get_by_label("Projet", exact=True).select_option(label=GATHERINGS)
    page.get_by_label("Catégorie", exact=True).select_option(value="translation")
    page.get_by_label("Montant avant taxes").fill("1 000,00 $")
    page.get_by_label("Imputation").select_option(label="Répartition ci-dessous")
    page.get_by_label("Entente 1").select_option(value="FLAC-2026")
    page.get_by_label("Montant 1").fill("1 074,87")
    page.get_by_label("Reçu").set_input_files(
        {"name": "reçu interprètes.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer", exact=True).click()
    assert "/expenses/new/" not in page.url, shown_text(page)

    # the list: the expense, its charge to the new grant, its receipt
    page.goto("/expenses/")  # the newest first
    row = page.get_by_role("row", name=re.compile("10 mai 2026 Interprètes Montréal"))
    assert "FLAC-2026 (1 074,87 $)" in " ".join(row.inner_text().split())
    assert row.get_by_role("link", name="Reçu").count() == 1
    receipt = row.get_by_role("link", name="Reçu").get_attribute("href")
    assert receipt is not None
    got = page.request.get(receipt)
    assert got.status == 200 and got.body() == PDF
    assert_accessible(page)

    # a search of the list, then the search cleared by its named link
    search = page.get_by_label("Rechercher dans la liste")
    search.fill("Interprètes Montréal")
    with page.expect_navigation():
        search.press("Enter")
    assert "search=" in page.url
    assert page.get_by_role("row", name=re.compile("10 mai 2026 Interprètes Montréal")).count() == 1
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Effacer la recherche").click()
    assert "search=" not in page.url
    assert page.get_by_label("Rechercher dans la liste").input_value() == ""
