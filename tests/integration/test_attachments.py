"""Receipts and signed agreements: checked by their content, stored once by hash, atomically,
opened only by someone allowed to see their expense or grant, and named in the audit log."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import unit_of_work
from fundtrack.errors import InputError, NotFound
from fundtrack.limits import MAX_ATTACHMENT_BYTES
from fundtrack.models import Attachment, AuditLog, Expense, ExpenseCharge, Funder, Grant
from fundtrack.roles import Role
from fundtrack.schemas.attachments import AttachmentSchema, NewAttachment
from fundtrack.schemas.common import load_or_raise
from fundtrack.services import interchange
from fundtrack.services.attachments import (
    AttachmentStore,
    StoreError,
    attach,
    attachment_of,
    detach,
    open_attachment,
)
from fundtrack.services.context import NotAllowed
from tests.conftest import acting_as_role, the_organisation, treasurer

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "parc-extension.yaml"
CENTRAIDE = "Centraide du Grand Montréal"
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.fixture
def org_id(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as session:
        interchange.load_document(session, interchange.read_file(EXAMPLE))
    with unit_of_work(factory) as session:
        return the_organisation(session).id


@pytest.fixture
def store(tmp_path: Path) -> AttachmentStore:
    return AttachmentStore(tmp_path / "data")


def _expense_charged_to(session: Session, funder: str, *, charged: bool) -> int:
    """An expense charged to one of ``funder``'s grants (or to none of them)."""
    of_funder = (
        select(ExpenseCharge.expense_id)
        .join(Grant, Grant.id == ExpenseCharge.grant_id)
        .join(Funder, Funder.id == Grant.funder_id)
        .where(Funder.name == funder)
    )
    query = select(Expense.id).where(Expense.id.in_(of_funder) if charged else Expense.id.not_in(of_funder))
    found = session.scalars(query.order_by(Expense.id).limit(1)).first()
    assert found is not None
    return found


def _grant_of(session: Session, funder: str, *, own: bool) -> int:
    clause = Funder.name == funder if own else Funder.name != funder
    found = session.scalars(select(Grant.id).join(Funder, Funder.id == Grant.funder_id).where(clause)).first()
    assert found is not None
    return found


def _new(owner: str, owner_id: int, name: str, content: bytes) -> NewAttachment:
    cmd: NewAttachment = load_or_raise(
        AttachmentSchema(), {"owner": owner, "owner_id": owner_id, "file_name": name, "content": content}
    )
    return cmd


def test_a_receipt_is_stored_once_by_its_hash_and_read_back_as_it_was(
    factory: sessionmaker[Session], org_id: int, store: AttachmentStore
) -> None:
    with unit_of_work(factory) as session:
        expense_id = _expense_charged_to(session, CENTRAIDE, charged=True)
        other_id = _expense_charged_to(session, CENTRAIDE, charged=False)
        acting = treasurer(session, org_id)
        attach(session, acting, _new("expense", expense_id, r"C:\Reçus\interprètes mars.pdf", PDF), store)
        attach(session, acting, _new("expense", other_id, "copie.pdf", PDF), store)
    digest = hashlib.sha256(PDF).hexdigest()
    stored = list((store.root).rglob("*"))
    assert [p.name for p in stored if p.is_file()] == [digest]  # one file for the same content twice
    with unit_of_work(factory) as session:
        opened = open_attachment(session, treasurer(session, org_id), "expense", expense_id, store)
        assert (opened.file_name, opened.media_type, opened.size, opened.content) == (
            "interprètes mars.pdf",
            "application/pdf",
            len(PDF),
            PDF,
        )
        entries = session.scalars(select(AuditLog).where(AuditLog.entity == "attachment")).all()
        assert [(e.action, e.actor) for e in entries] == [("create", "trésorière"), ("create", "trésorière")]


def test_a_second_file_replaces_the_first_and_removing_it_leaves_none(
    factory: sessionmaker[Session], org_id: int, store: AttachmentStore
) -> None:
    with unit_of_work(factory) as session:
        expense_id = _expense_charged_to(session, CENTRAIDE, charged=True)
        acting = treasurer(session, org_id)
        attach(session, acting, _new("expense", expense_id, "recu.pdf", PDF), store)
    with unit_of_work(factory) as session:
        attach(session, treasurer(session, org_id), _new("expense", expense_id, "photo.png", PNG), store)
    with unit_of_work(factory) as session:
        acting = treasurer(session, org_id)
        assert open_attachment(session, acting, "expense", expense_id, store).media_type == "image/png"
        assert session.scalars(select(Attachment)).all()[0].file_name == "photo.png"
        detach(session, acting, "expense", expense_id)
    with unit_of_work(factory) as session:
        acting = treasurer(session, org_id)
        assert attachment_of(session, acting, "expense", expense_id) is None
        with pytest.raises(NotFound):
            open_attachment(session, acting, "expense", expense_id, store)
        actions = session.scalars(select(AuditLog.action).where(AuditLog.entity == "attachment").order_by(AuditLog.id))
        assert list(actions) == ["create", "delete", "create", "delete"]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("facture.png", PDF[:0], "attachment.empty"),
        ("programme.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "attachment.unsupported_type"),
        ("recu.pdf", b"<html><script>alert(1)</script></html>", "attachment.unsupported_type"),
        ("gros.pdf", b"%PDF-" + b"0" * (MAX_ATTACHMENT_BYTES - 4), "attachment.too_large"),
    ],
)
def test_a_file_that_is_not_a_pdf_jpeg_or_png_by_its_content_is_refused_and_nothing_is_kept(
    factory: sessionmaker[Session], org_id: int, store: AttachmentStore, name: str, content: bytes, code: str
) -> None:
    with unit_of_work(factory) as session:
        expense_id = _expense_charged_to(session, CENTRAIDE, charged=True)
        with pytest.raises(InputError) as refused:
            attach(session, treasurer(session, org_id), _new("expense", expense_id, name, content), store)
        assert refused.value.code == code and refused.value.field == "file"
    with unit_of_work(factory) as session:
        assert session.scalars(select(Attachment)).all() == []
    assert not store.root.exists() or not any(p.is_file() for p in store.root.rglob("*"))


def test_exactly_ten_megabytes_is_accepted_and_a_png_named_pdf_keeps_its_true_type(
    factory: sessionmaker[Session], org_id: int, store: AttachmentStore
) -> None:
    big = b"\xff\xd8\xff" + b"\x00" * (MAX_ATTACHMENT_BYTES - 3)
    with unit_of_work(factory) as session:
        grant_id = _grant_of(session, CENTRAIDE, own=True)
        acting = treasurer(session, org_id)
        found = attach(session, acting, _new("grant", grant_id, "entente.pdf", big), store)
        assert (found.media_type, found.size) == ("image/jpeg", MAX_ATTACHMENT_BYTES)
        expense_id = _expense_charged_to(session, CENTRAIDE, charged=True)
        png = attach(session, acting, _new("expense", expense_id, "recu.pdf", PNG), store)
        assert png.media_type == "image/png"


def test_a_funder_opens_its_own_files_only_and_nobody_but_the_treasurer_attaches(
    factory: sessionmaker[Session], org_id: int, store: AttachmentStore
) -> None:
    with unit_of_work(factory) as session:
        acting = treasurer(session, org_id)
        ids = {
            "own_expense": _expense_charged_to(session, CENTRAIDE, charged=True),
            "other_expense": _expense_charged_to(session, CENTRAIDE, charged=False),
            "own_grant": _grant_of(session, CENTRAIDE, own=True),
            "other_grant": _grant_of(session, CENTRAIDE, own=False),
        }
        for key, owner_id in ids.items():
            attach(session, acting, _new(key.split("_")[1], owner_id, f"{key}.jpg", JPEG), store)
    with unit_of_work(factory) as session:
        funder = acting_as_role(session, org_id, Role.FUNDER, CENTRAIDE)
        assert open_attachment(session, funder, "expense", ids["own_expense"], store).content == JPEG
        assert open_attachment(session, funder, "grant", ids["own_grant"], store).file_name == "own_grant.jpg"
        for key in ("other_expense", "other_grant"):
            with pytest.raises(NotFound):
                open_attachment(session, funder, key.split("_")[1], ids[key], store)
        for role in (Role.BOARD, Role.COORDINATOR):
            reader = acting_as_role(session, org_id, role)
            assert open_attachment(session, reader, "grant", ids["other_grant"], store).content == JPEG
            with pytest.raises(NotAllowed):
                attach(session, reader, _new("grant", ids["other_grant"], "x.pdf", PDF), store)
            with pytest.raises(NotAllowed):
                detach(session, reader, "grant", ids["other_grant"])
        with pytest.raises(NotFound):
            open_attachment(session, treasurer(session, org_id), "expense", 10**9, store)


def test_a_damaged_or_missing_stored_file_is_reported_not_served(
    factory: sessionmaker[Session], org_id: int, store: AttachmentStore
) -> None:
    with unit_of_work(factory) as session:
        expense_id = _expense_charged_to(session, CENTRAIDE, charged=True)
        found = attach(session, treasurer(session, org_id), _new("expense", expense_id, "r.pdf", PDF), store)
        path = store.path_of(found.sha256)
    path.write_bytes(PDF + b"changed")
    with unit_of_work(factory) as session, pytest.raises(StoreError) as damaged:
        open_attachment(session, treasurer(session, org_id), "expense", expense_id, store)
    assert damaged.value.code == "attachment.corrupt"
    path.unlink()
    with unit_of_work(factory) as session, pytest.raises(StoreError) as missing:
        open_attachment(session, treasurer(session, org_id), "expense", expense_id, store)
    assert missing.value.code == "attachment.missing_file"


def test_the_data_folder_is_never_inside_the_package() -> None:
    import fundtrack

    with pytest.raises(StoreError):
        AttachmentStore(Path(fundtrack.__file__).parent / "data")


def test_a_file_is_written_whole_or_not_at_all(store: AttachmentStore, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    def broken(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    digest = hashlib.sha256(PDF).hexdigest()
    with pytest.raises(OSError):
        store.write(digest, PDF)
    assert not any(p.is_file() for p in store.root.rglob("*"))


def test_a_backup_lists_the_files_by_hash_and_name_and_restores_them_with_the_data_folder(
    factory: sessionmaker[Session], org_id: int, store: AttachmentStore, empty_database: sessionmaker[Session]
) -> None:
    with unit_of_work(factory) as session:
        expense_id = _expense_charged_to(session, CENTRAIDE, charged=True)
        grant_id = _grant_of(session, CENTRAIDE, own=True)
        grant_reference = session.get_one(Grant, grant_id).reference
        acting = treasurer(session, org_id)
        attach(session, acting, _new("expense", expense_id, "reçu.pdf", PDF), store)
        attach(session, acting, _new("grant", grant_id, "entente signée.png", PNG), store)
    with unit_of_work(factory) as session:
        document = interchange.dump_document(session, treasurer(session, org_id))
    listed = document["attachments"]
    assert [(a.get("expense") is not None, a.get("grant"), a["file_name"], a["sha256"]) for a in listed] == [
        (True, None, "reçu.pdf", hashlib.sha256(PDF).hexdigest()),
        (False, grant_reference, "entente signée.png", hashlib.sha256(PNG).hexdigest()),
    ]
    key = listed[0]["expense"]
    receipt_owner = next(e for e in document["expenses"] if e.get("key") == key)
    with unit_of_work(factory) as session:
        original = session.get_one(Expense, expense_id)
        assert (receipt_owner["payee"], receipt_owner["date"]) == (original.payee, original.expense_date.isoformat())
    # restored elsewhere, with the same data folder beside it
    with unit_of_work(empty_database) as session:
        restored = interchange.load_document(session, interchange.parse_text(interchange.to_json(document), "b.json"))
        restored_org = restored.organisation_id
    with unit_of_work(empty_database) as session:
        acting = treasurer(session, restored_org)
        row = session.scalars(select(Attachment).where(Attachment.expense_id.is_not(None))).one()
        assert row.expense_id is not None
        assert open_attachment(session, acting, "expense", row.expense_id, store).content == PDF
        again = interchange.dump_document(session, acting)
        assert again["attachments"] == listed


def test_a_listed_file_naming_an_unknown_expense_key_is_refused(
    factory: sessionmaker[Session], empty_database: sessionmaker[Session]
) -> None:
    document = interchange.read_file(EXAMPLE)
    document["attachments"] = [
        {"expense": "dep-9999", "sha256": "a" * 64, "file_name": "r.pdf", "media_type": "application/pdf", "size": 3},
        {
            "grant": "PIC-2025-2028",
            "sha256": "b" * 63,
            "file_name": "e.pdf",
            "media_type": "application/pdf",
            "size": 3,
        },
        {"sha256": "c" * 64, "file_name": "x.pdf", "media_type": "text/html", "size": 3},
    ]
    from fundtrack.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused, unit_of_work(empty_database) as session:
        interchange.load_document(session, document)
    paths = {e.path for e in refused.value.errors}
    assert {"attachments[0].expense", "attachments[1].sha256", "attachments[2].media_type"} <= paths


def test_the_attach_command_checks_the_content_and_stores_the_file(
    factory: sessionmaker[Session], org_id: int, store: AttachmentStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.integration.cli_support import run

    monkeypatch.delenv("FUNDTRACK_DATA_DIR", raising=False)
    url = factory.kw["bind"].url.render_as_string(hide_password=False)
    with unit_of_work(factory) as session:
        expense_id = _expense_charged_to(session, CENTRAIDE, charged=True)
        reference = session.get_one(Grant, _grant_of(session, CENTRAIDE, own=True)).reference
    receipt = tmp_path / "reçu.pdf"
    receipt.write_bytes(PDF)
    done = run(url, "attach", "receipt", str(expense_id), str(receipt), "--data-dir", str(store.root))
    assert done.exit_code == 0, done.output
    assert hashlib.sha256(PDF).hexdigest() in done.output
    fake = tmp_path / "entente.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a pdf")
    refused = run(url, "attach", "agreement", reference, str(fake), "--data-dir", str(store.root))
    assert refused.exit_code == 1 and "ni un PDF" in refused.output
    nowhere = run(url, "attach", "agreement", reference, str(receipt))
    assert nowhere.exit_code == 1 and "--data-dir" in nowhere.output
    with unit_of_work(factory) as session:
        acting = treasurer(session, org_id)
        assert open_attachment(session, acting, "expense", expense_id, store).file_name == "reçu.pdf"
        assert len(session.scalars(select(Attachment)).all()) == 1  # the refused agreement left nothing
