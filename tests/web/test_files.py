"""Receipts and signed agreements in the admin: uploaded by the treasurer, checked by content,
downloaded only by someone allowed to see their expense or grant (another funder's: 404)."""

from __future__ import annotations

import html
import io
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from fundtrack.db import session_factory, unit_of_work
from fundtrack.limits import MAX_ATTACHMENT_BYTES
from fundtrack.models import Attachment, Expense, ExpenseCharge, Funder, Grant
from fundtrack.roles import Role
from fundtrack.schemas.attachments import NewAttachment
from fundtrack.services import interchange
from fundtrack.services.attachments import AttachmentStore, attach
from fundtrack.services.context import acting_for
from tests.web.conftest import EXAMPLE, OTHER_FUNDER, Browser, csrf_token

CENTRAIDE = "Centraide du Grand Montréal"
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64


def _read(app: Flask, query: Any) -> Any:
    with Session(app.extensions["fundtrack.engine"]) as session:
        return session.scalars(query).first()


def expense_of(app: Flask, funder: str, *, charged: bool = True) -> int:
    of_funder = (
        select(ExpenseCharge.expense_id)
        .join(Grant, Grant.id == ExpenseCharge.grant_id)
        .join(Funder, Funder.id == Grant.funder_id)
        .where(Funder.name == funder)
    )
    clause = Expense.id.in_(of_funder) if charged else Expense.id.not_in(of_funder)
    found = _read(app, select(Expense.id).where(clause).order_by(Expense.id))
    assert found is not None
    return int(found)


def grant_of(app: Flask, funder: str) -> int:
    found = _read(app, select(Grant.id).join(Funder, Funder.id == Grant.funder_id).where(Funder.name == funder))
    assert found is not None
    return int(found)


def attachments(app: Flask) -> int:
    return int(_read(app, select(func.count()).select_from(Attachment)))


def multipart(data: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of a multipart POST built in memory (the test client would spool
    a large body to a temporary file it never closes)."""
    stream, _, boundary = stream_encode_multipart(data, use_tempfile=False)
    return {"data": stream.getvalue(), "content_type": f"multipart/form-data; boundary={boundary}"}


def upload(browser: Browser, url: str, name: str, content: bytes) -> Any:
    page = browser.get(f"{url}/upload")
    assert page.status_code == 200, page.status_code
    fields = {"csrf_token": csrf_token(page.text), "next": "/", "file": FileStorage(io.BytesIO(content), name)}
    return browser.client.post(url, **multipart(fields))


def test_the_treasurer_attaches_a_receipt_and_downloads_it_as_stored(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    expense_id = expense_of(app, CENTRAIDE)
    url = f"/files/expenses/{expense_id}/receipt"
    assert browser.get(url).status_code == 404  # nothing attached yet
    sent = upload(browser, url, "reçu interprètes.pdf", PDF)
    assert sent.status_code == 302
    got = browser.get(url)
    assert got.status_code == 200 and got.data == PDF
    assert got.headers["Content-Type"] == "application/pdf"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    disposition = got.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "re%C3%A7u%20interpr%C3%A8tes.pdf" in disposition
    assert "sandbox" in got.headers["Content-Security-Policy"]


def test_a_pdf_named_png_is_kept_and_served_as_the_pdf_it_is(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    grant_id = grant_of(app, CENTRAIDE)
    url = f"/files/grants/{grant_id}/agreement"
    assert upload(browser, url, "entente.png", PDF).status_code == 302
    assert browser.get(url).headers["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content", "shown"),
    [
        ("programme.pdf", EXE, "ni un PDF, ni une image JPEG, ni une image PNG"),
        ("vide.pdf", b"", "le fichier est vide"),
        ("gros.pdf", b"%PDF-" + b"0" * (MAX_ATTACHMENT_BYTES - 4), "la limite est de 10 Mo"),
    ],
)
def test_a_hostile_file_is_refused_beside_the_file_field_and_nothing_is_kept(
    app: Flask, browser: Browser, name: str, content: bytes, shown: str
) -> None:
    browser.login(Role.TREASURER)
    url = f"/files/expenses/{expense_of(app, CENTRAIDE)}/receipt"
    refused = upload(browser, url, name, content)
    assert refused.status_code == 400
    assert "invalid-feedback" in refused.text and shown in refused.text
    assert attachments(app) == 0
    assert browser.get(url).status_code == 404


def test_exactly_ten_megabytes_is_accepted(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    url = f"/files/expenses/{expense_of(app, CENTRAIDE)}/receipt"
    assert upload(browser, url, "scan.png", PNG + b"\x00" * (MAX_ATTACHMENT_BYTES - len(PNG))).status_code == 302
    assert attachments(app) == 1


def test_a_funder_downloads_its_own_files_and_gets_404_for_any_other(app: Flask, browser: Browser) -> None:
    own_expense = expense_of(app, CENTRAIDE)
    other_expense = expense_of(app, CENTRAIDE, charged=False)
    own_grant = grant_of(app, CENTRAIDE)
    other_grant = grant_of(app, OTHER_FUNDER[1])
    browser.login(Role.TREASURER)
    urls = {
        "own_expense": f"/files/expenses/{own_expense}/receipt",
        "other_expense": f"/files/expenses/{other_expense}/receipt",
        "own_grant": f"/files/grants/{own_grant}/agreement",
        "other_grant": f"/files/grants/{other_grant}/agreement",
    }
    for url in urls.values():
        assert upload(browser, url, "f.pdf", PDF).status_code == 302
    browser.client.post("/logout", data={"csrf_token": csrf_token(browser.get("/", follow_redirects=True).text)})

    browser.login(Role.FUNDER)
    assert browser.get(urls["own_expense"]).status_code == 200
    assert browser.get(urls["own_grant"]).status_code == 200
    for key in ("other_expense", "other_grant"):
        assert browser.get(urls[key]).status_code == 404
        assert browser.get(f"{urls[key]}/upload").status_code == 404
    token = csrf_token(browser.get("/", follow_redirects=True).text)
    for key in ("other_expense", "other_grant"):  # another funder's row: 404 on the write path too
        sent = browser.client.post(urls[key], data={"csrf_token": token, "file": (io.BytesIO(PDF), "x.pdf")})
        assert sent.status_code == 404
    sent = browser.client.post(urls["own_grant"], data={"csrf_token": token, "file": (io.BytesIO(PNG), "x.png")})
    assert sent.status_code == 403  # its own grant: it may read, not write
    assert browser.get(urls["own_grant"]).data == PDF
    assert browser.get("/files/expenses/999999/receipt").status_code == 404


@pytest.mark.parametrize("role", [Role.BOARD, Role.COORDINATOR])
def test_the_board_and_the_coordinator_download_but_cannot_attach(app: Flask, browser: Browser, role: Role) -> None:
    browser.login(Role.TREASURER)
    url = f"/files/grants/{grant_of(app, OTHER_FUNDER[1])}/agreement"
    assert upload(browser, url, "entente.pdf", PDF).status_code == 302
    browser.client.post("/logout", data={"csrf_token": csrf_token(browser.get("/", follow_redirects=True).text)})
    browser.login(role)
    assert browser.get(url).data == PDF
    assert browser.get(f"{url}/upload").status_code == 403
    token = csrf_token(browser.get("/", follow_redirects=True).text)
    sent = browser.client.post(url, data={"csrf_token": token, "file": (io.BytesIO(PNG), "x.png")})
    assert sent.status_code == 403
    assert browser.get(url).data == PDF


def test_an_upload_without_its_csrf_token_is_refused(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    url = f"/files/expenses/{expense_of(app, CENTRAIDE)}/receipt"
    assert browser.client.post(url, data={"file": (io.BytesIO(PDF), "r.pdf")}).status_code == 400
    assert attachments(app) == 0


def test_another_organisations_expense_and_its_files_answer_404(app: Flask, browser: Browser) -> None:
    engine = app.extensions["fundtrack.engine"]
    document = interchange.read_file(EXAMPLE)
    document["organisation"]["name"] = "Table de quartier voisine"
    with unit_of_work(session_factory(engine)) as session:
        other = interchange.load_document(session, document).organisation_id
    with unit_of_work(session_factory(engine)) as session:
        acting = acting_for(session, organisation_id=other)
        expense_id = session.scalars(select(Expense.id).where(Expense.organisation_id == other)).first()
        assert expense_id is not None
        attach(
            session,
            acting,
            NewAttachment("expense", expense_id, "r.pdf", PDF),
            AttachmentStore(app.config["FUNDTRACK_DATA_DIR"]),
        )
    browser.login(Role.TREASURER)
    for url in (
        f"/files/expenses/{expense_id}/receipt",
        f"/files/expenses/{expense_id}/receipt/upload",
        f"/expenses/details/?id={expense_id}",
        f"/expenses/new/?corrects={expense_id}",
    ):
        assert browser.get(url).status_code == 404, url
    sent = upload_to(browser, f"/files/expenses/{expense_id}/receipt", PNG)
    assert sent.status_code == 404
    reverse = browser.post_form("/expenses/", {"id": str(expense_id)}, url="/expenses/reverse/")
    assert reverse.status_code == 404
    listed = browser.get("/expenses/?page_size=100&search=Paie")
    assert f"id={expense_id}" not in listed.text


def upload_to(browser: Browser, url: str, content: bytes) -> Any:
    """Post a file to ``url`` with a token taken from the home page."""
    token = csrf_token(browser.get("/", follow_redirects=True).text)
    return browser.client.post(
        url, **multipart({"csrf_token": token, "file": FileStorage(io.BytesIO(content), "x.png")})
    )


def test_the_treasurer_removes_a_receipt_and_others_cannot(app: Flask, browser: Browser) -> None:
    expense_id = expense_of(app, CENTRAIDE)
    url = f"/files/expenses/{expense_id}/receipt"
    browser.login(Role.TREASURER)
    assert upload(browser, url, "r.pdf", PDF).status_code == 302
    details = browser.get(f"/expenses/details/?id={expense_id}")
    assert f"{url}/remove" in details.text
    browser.client.post("/logout", data={"csrf_token": csrf_token(details.text)})
    for role in (Role.BOARD, Role.FUNDER):
        browser.login(role)
        token = csrf_token(browser.get("/", follow_redirects=True).text)
        assert browser.client.post(f"{url}/remove", data={"csrf_token": token}).status_code == 403
        browser.client.post("/logout", data={"csrf_token": token})
    assert attachments(app) == 1
    browser.login(Role.TREASURER)
    removed = browser.post_form(f"/expenses/details/?id={expense_id}", {"next": "/"}, url=f"{url}/remove")
    assert removed.status_code == 302
    assert attachments(app) == 0 and browser.get(url).status_code == 404
    again = browser.post_form(f"/expenses/details/?id={expense_id}", {}, url=f"{url}/remove")
    assert again.status_code == 404  # nothing left to remove


def test_the_grants_page_attaches_its_signed_agreement_and_links_to_it(app: Flask, browser: Browser) -> None:
    grant_id = grant_of(app, CENTRAIDE)
    page_url = f"/grants/details/?id={grant_id}"
    agreement = f"/files/grants/{grant_id}/agreement"
    browser.login(Role.TREASURER)
    page = browser.get(page_url)
    assert "Aucune entente signée n'est jointe." in html.unescape(page.text)
    assert f'action="{agreement}"' in page.text and 'type="file"' in page.text
    fields = {
        "csrf_token": csrf_token(page.text),
        "next": page_url,
        "file": FileStorage(io.BytesIO(PDF), "entente.pdf"),
    }
    sent = browser.client.post(agreement, **multipart(fields))
    assert sent.status_code == 302 and sent.headers["Location"].endswith(page_url)
    shown = browser.get(page_url).text
    assert f'href="{agreement}"' in shown and "entente.pdf" in shown
    board = Browser(app.test_client())
    board.login(Role.BOARD)
    read_only = board.get(page_url).text
    assert "entente.pdf" in read_only and 'type="file"' not in read_only
    funder = Browser(app.test_client())
    funder.login(Role.FUNDER)
    assert "entente.pdf" in funder.get(page_url).text
    assert funder.get(agreement).data == PDF
