"""The treasurer imports a month of expenses from a CSV file in the browser: all or nothing,
each refused row shown with its line and field, likely duplicates confirmed before anything
is recorded, the count recorded shown."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage

from fundtrack.roles import Role
from tests.web.conftest import Browser, csrf_token, statements
from tests.web.test_expenses import count, text
from tests.web.test_files import multipart

URL = "/expenses-import/"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "expenses-2026-2027.csv"
HEADER = "Date;Fournisseur;Description;Projet;Catégorie;Montant avant taxes;Mode de paiement\n"
ROOMS = "2026-05-04;Salle paroissiale;Salle, assemblée de mai;Grands rendez-vous et assemblées;room_rental;"


def send(browser: Browser, content: bytes, name: str = "mai.csv") -> Any:
    page = browser.get(URL)
    assert page.status_code == 200
    return browser.client.post(
        URL, **multipart({"csrf_token": csrf_token(page.text), "file": FileStorage(io.BytesIO(content), name)})
    )


def test_the_treasurer_imports_the_example_month_and_sees_how_many_were_recorded(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    before = count(app)
    rows = sum(1 for line in EXAMPLE.read_text(encoding="utf-8").splitlines()[1:] if line.strip())
    sent = send(browser, EXAMPLE.read_bytes())
    assert sent.status_code == 302
    assert count(app) == before + rows
    shown = text(browser.get(sent.headers["Location"]))
    assert f"Dépenses enregistrées : {rows} (coût net" in shown


def test_a_file_written_by_excel_in_windows_1252_is_read(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    before = count(app)
    content = (HEADER + ROOMS + "450,00 $;chèque\n").encode("cp1252")
    assert send(browser, content).status_code == 302
    assert count(app) == before + 1


def test_every_refused_row_is_listed_with_its_line_and_field_and_nothing_is_recorded(
    app: Flask, browser: Browser
) -> None:
    browser.login(Role.TREASURER)
    before = count(app)
    content = (
        HEADER
        + ROOMS
        + "450,00 $;chèque\n"
        + ROOMS
        + "12,345;chèque\n"  # three decimals, or a thousands separator: refused
        + "2026-05-06;Traiteur;Collation;Projet inconnu;catering;80,00 $;chèque\n"
    ).encode()
    refused = send(browser, content)
    assert refused.status_code == 422
    shown = text(refused)
    assert "Rien n'a été enregistré : 2 erreur(s)" in shown
    assert "ligne 3 pre_tax" in shown and "ligne 4 project" in shown
    assert count(app) == before  # the good first row is not recorded either


@pytest.mark.parametrize(
    ("content", "name", "shown"),
    [
        (b"", "vide.csv", "vide"),
        (b"\xff\xfe\x00\xd8bad", "binaire.csv", "UTF-8"),
    ],
)
def test_an_empty_or_unreadable_file_is_refused_beside_the_file_field(
    app: Flask, browser: Browser, content: bytes, name: str, shown: str
) -> None:
    browser.login(Role.TREASURER)
    before = count(app)
    refused = send(browser, content, name)
    assert refused.status_code in (400, 422)
    assert shown in text(refused)
    assert count(app) == before


def test_likely_duplicates_are_listed_and_recorded_only_once_confirmed(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    content = (HEADER + ROOMS + "450,00 $;chèque\n").encode()
    assert send(browser, content).status_code == 302
    before = count(app)
    again = HEADER + ROOMS + "450,00 $;chèque\n" + ROOMS.replace("2026-05-04", "2026-05-05") + "99,00 $;chèque\n"
    found = send(browser, again.encode())
    assert found.status_code == 409
    shown = text(found)
    assert "1 ligne(s) ressemblent à des dépenses déjà là" in shown and "une dépense déjà enregistrée" in shown
    assert count(app) == before  # nothing until the treasurer confirms
    pending = found.text.split('name="pending" value="')[1].split('"')[0]
    token = csrf_token(found.text)
    skipped = browser.client.post(URL, data={"csrf_token": token, "pending": pending, "duplicates": "skip"})
    assert skipped.status_code == 302
    assert count(app) == before + 1  # the new row, not the duplicate
    assert "doublons probables laissés de côté : 1" in text(browser.get(URL))
    # the confirmed file is no longer waiting
    gone = browser.client.post(URL, data={"csrf_token": token, "pending": pending, "duplicates": "force"})
    assert gone.status_code == 400 and count(app) == before + 1


def test_a_duplicate_forced_is_recorded_twice(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    content = (HEADER + ROOMS + "450,00 $;chèque\n").encode()
    send(browser, content)
    before = count(app)
    found = send(browser, content)
    pending = found.text.split('name="pending" value="')[1].split('"')[0]
    forced = browser.client.post(
        URL, data={"csrf_token": csrf_token(found.text), "pending": pending, "duplicates": "force"}
    )
    assert forced.status_code == 302 and count(app) == before + 1


def test_a_pending_name_that_is_not_a_hash_is_refused(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    token = csrf_token(browser.get(URL).text)
    sent = browser.client.post(URL, data={"csrf_token": token, "pending": "../../secret_key", "duplicates": "force"})
    assert sent.status_code == 400


@pytest.mark.parametrize("role", [Role.BOARD, Role.COORDINATOR, Role.FUNDER])
def test_only_the_treasurer_imports_the_page_does_not_exist_for_anyone_else(
    app: Flask, browser: Browser, role: Role
) -> None:
    browser.login(role)
    assert browser.get(URL).status_code == 404
    token = csrf_token(browser.get("/", follow_redirects=True).text)
    content = (HEADER + ROOMS + "450,00 $;chèque\n").encode()
    before = count(app)
    sent = browser.client.post(
        URL, **multipart({"csrf_token": token, "file": FileStorage(io.BytesIO(content), "m.csv")})
    )
    assert sent.status_code == 404 and count(app) == before


def test_the_import_page_reads_a_constant_number_of_statements(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    with statements(app) as seen:
        assert browser.get(URL).status_code == 200
    assert len(seen) <= 6


def test_the_menu_offers_the_import_to_the_treasurer_only(browser: Browser) -> None:
    browser.login(Role.TREASURER)
    home = browser.get("/")
    assert 'href="/expenses-import/"' in home.text and 'href="/expenses/"' in home.text
    browser.client.post("/logout", data={"csrf_token": csrf_token(home.text)})
    browser.login(Role.BOARD)
    board = browser.get("/")
    assert 'href="/expenses/"' in board.text and 'href="/expenses-import/"' not in board.text
