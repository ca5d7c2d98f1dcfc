"""Receipts and signed agreements: attached to an expense or a grant, stored by content hash.

A file is accepted for what its bytes are, not for its name: a PDF (``%PDF-``), a JPEG
(``FF D8 FF``) or a PNG (its eight-byte signature), not empty and at most
:data:`~fundtrack.limits.MAX_ATTACHMENT_BYTES`. It is stored once in the data folder
(:class:`AttachmentStore`, named in the configuration, never inside the package) under
the SHA-256 of its content, written to a temporary file then renamed, so that a reader
never sees half a file; the row (:class:`~fundtrack.models.attachments.Attachment`) says
whose it is, and the audit log records who attached or removed it.

Only the treasurer attaches or removes a file. A file is opened only by someone who may
see its expense or grant: a funder's login opens its own grants' agreements and the
receipts of the expenses charged to its grants; anything else is "not found", as a file
that does not exist.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from fundtrack.errors import FundtrackError, InputError, NotFound
from fundtrack.i18n import msg
from fundtrack.limits import MAX_ATTACHMENT_BYTES
from fundtrack.models import Attachment, Expense, ExpenseCharge, Grant
from fundtrack.roles import Action
from fundtrack.schemas.attachments import EXPENSE, GRANT, AttachmentRecord, NewAttachment
from fundtrack.services.context import Acting

M_EMPTY = msg("attachment.empty")
M_TOO_LARGE = msg("attachment.too_large")
M_UNSUPPORTED = msg("attachment.unsupported_type")
M_UNKNOWN_EXPENSE = msg("attachment.unknown_expense")
M_UNKNOWN_GRANT = msg("attachment.unknown_grant")
M_NONE = msg("attachment.none")
M_MISSING_FILE = msg("attachment.missing_file")
M_CORRUPT = msg("attachment.corrupt")
M_STORE_IN_PACKAGE = msg("attachment.store_in_package")

PACKAGE_DIR = Path(__file__).resolve().parents[1]

# what a file is, from its first bytes: (signature, media type, usual extension)
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


class StoreError(FundtrackError):
    """The data folder cannot be used, or a stored file is missing or damaged."""


def media_type(content: bytes) -> str:
    """The media type of ``content`` read from its bytes, or :class:`InputError` if it is
    empty, too large, or neither a PDF, a JPEG nor a PNG."""
    if not content:
        raise InputError(M_EMPTY, field="file")
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise InputError(M_TOO_LARGE, field="file", size=len(content), limit=MAX_ATTACHMENT_BYTES // (1024 * 1024))
    for signature, kind, _ in SIGNATURES:
        if content.startswith(signature):
            return kind
    raise InputError(M_UNSUPPORTED, field="file")


class AttachmentStore:
    """The data folder: each file under ``<root>/<first two hex digits>/<sha256>``."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        if self.root == PACKAGE_DIR or PACKAGE_DIR in self.root.parents:
            raise StoreError(M_STORE_IN_PACKAGE, path=str(self.root))

    def path_of(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise StoreError(M_MISSING_FILE, sha256=sha256)
        return self.root / sha256[:2] / sha256

    def write(self, sha256: str, content: bytes) -> Path:
        """Store ``content`` (whose hash is ``sha256``) atomically; a file already stored stays."""
        path = self.path_of(sha256)
        if path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return path

    def read(self, sha256: str) -> bytes:
        """The stored bytes, checked against their hash."""
        try:
            content = self.path_of(sha256).read_bytes()
        except OSError:
            raise StoreError(M_MISSING_FILE, sha256=sha256) from None
        if hashlib.sha256(content).hexdigest() != sha256:
            raise StoreError(M_CORRUPT, sha256=sha256)
        return content

    def has(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()


@dataclass(frozen=True)
class OpenedAttachment:
    """A file as it is served: its name, media type, size, hash and bytes."""

    file_name: str
    media_type: str
    size: int
    sha256: str
    content: bytes


def _expense(session: Session, acting: Acting, expense_id: int, *, lock: bool = False) -> Expense:
    query = select(Expense).where(Expense.id == expense_id, Expense.organisation_id == acting.organisation_id)
    if acting.funder_id is not None:  # a funder sees the expenses charged to its grants
        charged = (
            select(ExpenseCharge.id)
            .join(Grant, Grant.id == ExpenseCharge.grant_id)
            .where(ExpenseCharge.expense_id == Expense.id, Grant.funder_id == acting.funder_id)
        )
        query = query.where(exists(charged))
    if lock:
        query = query.with_for_update()
    found = session.scalar(query)
    if found is None:
        raise NotFound(M_UNKNOWN_EXPENSE, field="expense", id=expense_id)
    return found


def _grant(session: Session, acting: Acting, grant_id: int, *, lock: bool = False) -> Grant:
    query = select(Grant).where(Grant.id == grant_id, acting.scope.grants_filter())
    if lock:
        query = query.with_for_update()
    found = session.scalar(query)
    if found is None:
        raise NotFound(M_UNKNOWN_GRANT, field="grant", id=grant_id)
    return found


def _owner_filter(owner: str, owner_id: int) -> ColumnElement[bool]:
    return Attachment.expense_id == owner_id if owner == EXPENSE else Attachment.grant_id == owner_id


def _check_owner(session: Session, acting: Acting, owner: str, owner_id: int, *, lock: bool = False) -> None:
    if owner == EXPENSE:
        _expense(session, acting, owner_id, lock=lock)
    elif owner == GRANT:
        _grant(session, acting, owner_id, lock=lock)
    else:
        raise NotFound(M_NONE, field="owner", owner=owner, id=owner_id)


def attachment_of(session: Session, acting: Acting, owner: str, owner_id: int) -> Attachment | None:
    """The file attached to expense or grant ``owner_id``, if the acting person may see it
    (:class:`NotFound` when they may not see the expense or grant itself)."""
    _check_owner(session, acting, owner, owner_id)
    return session.scalar(select(Attachment).where(_owner_filter(owner, owner_id)))


def attach(session: Session, acting: Acting, cmd: NewAttachment, store: AttachmentStore) -> Attachment:
    """Attach ``cmd.content`` to its expense or grant, replacing the file it had.

    Refused (nothing written, nothing stored) for anyone but the treasurer, for an expense
    or grant out of reach, and for a file that is empty, too large, or not a PDF, a JPEG
    or a PNG by its content. The file is stored before the row is written: a transaction
    rolled back afterwards leaves at most an unreferenced file, never a row without its file.
    """
    acting.require(session, Action.MONEY)
    kind = media_type(cmd.content)
    _check_owner(session, acting, cmd.owner, cmd.owner_id, lock=True)
    sha256 = hashlib.sha256(cmd.content).hexdigest()
    previous = session.scalar(select(Attachment).where(_owner_filter(cmd.owner, cmd.owner_id)))
    if previous is not None:
        session.delete(previous)
        session.flush()  # the one file of its owner: the old row goes before the new one comes
    store.write(sha256, cmd.content)
    attachment = Attachment(
        organisation_id=acting.organisation_id,
        expense_id=cmd.owner_id if cmd.owner == EXPENSE else None,
        grant_id=cmd.owner_id if cmd.owner == GRANT else None,
        sha256=sha256,
        file_name=cmd.file_name,
        media_type=kind,
        size=len(cmd.content),
        created_by=acting.actor,
    )
    session.add(attachment)
    session.flush()
    return attachment


def detach(session: Session, acting: Acting, owner: str, owner_id: int) -> None:
    """Remove the file of an expense or a grant (the treasurer only). The stored bytes stay
    in the data folder: another row, or a backup's file, may name the same content."""
    acting.require(session, Action.MONEY)
    _check_owner(session, acting, owner, owner_id, lock=True)
    found = session.scalar(select(Attachment).where(_owner_filter(owner, owner_id)))
    if found is None:
        raise NotFound(M_NONE, field="file", owner=owner, id=owner_id)
    session.delete(found)
    session.flush()


def open_attachment(
    session: Session, acting: Acting, owner: str, owner_id: int, store: AttachmentStore
) -> OpenedAttachment:
    """The file of an expense or a grant, for someone who may see it; :class:`NotFound`
    otherwise, and when it has none; :class:`StoreError` when its bytes are missing or
    do not match their hash."""
    found = attachment_of(session, acting, owner, owner_id)
    if found is None:
        raise NotFound(M_NONE, field="file", owner=owner, id=owner_id)
    content = store.read(found.sha256)
    return OpenedAttachment(found.file_name, found.media_type, found.size, found.sha256, content)


def extension_of(kind: str) -> str:
    """The usual extension of a media type this module accepts."""
    return next(ext for _, media, ext in SIGNATURES if media == kind)


def restore_attachment(
    session: Session,
    acting: Acting,
    record: AttachmentRecord,
    *,
    expense_id: int | None = None,
    grant_id: int | None = None,
) -> Attachment:
    """Write the row of a file listed in an interchange file (a backup being restored): its
    bytes are expected in the data folder under their hash, copied there with the backup;
    one that is missing is reported when the file is opened, never served in its place."""
    acting.require(session, Action.MONEY)
    owner, owner_id = (EXPENSE, expense_id) if expense_id is not None else (GRANT, grant_id)
    assert owner_id is not None
    _check_owner(session, acting, owner, owner_id, lock=True)
    attachment = Attachment(
        organisation_id=acting.organisation_id,
        expense_id=expense_id,
        grant_id=grant_id,
        sha256=record.sha256,
        file_name=record.file_name,
        media_type=record.media_type,
        size=record.size,
        created_by=acting.actor,
    )
    session.add(attachment)
    session.flush()
    return attachment
