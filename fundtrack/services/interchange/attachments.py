"""The ``attachments`` section: receipts and signed agreements listed by hash and name.

The bytes are not in the interchange file: they travel beside it, in the data folder
(``<sha256[:2]>/<sha256>``), so that a backup made of the file and that folder restores
every receipt and agreement; each record names its expense by the key the file gives it
(``dep-12``) or its grant by reference.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.errors import InputError
from fundtrack.i18n import msg
from fundtrack.models import Attachment, Grant
from fundtrack.queries.lookups import grant_by_reference
from fundtrack.schemas.attachments import AttachmentRecord, AttachmentRecordSchema
from fundtrack.services.attachments import restore_attachment
from fundtrack.services.context import Acting
from fundtrack.services.interchange.budgets import expense_keys, loaded_expense_keys
from fundtrack.services.interchange.section import Section, plain

M_UNKNOWN_KEY = msg("attachment.unknown_key")


def _write(session: Session, acting: Acting, record: AttachmentRecord) -> Attachment:
    if record.expense is not None:
        expense_id = loaded_expense_keys(session, acting).get(record.expense)
        if expense_id is None:
            raise InputError(M_UNKNOWN_KEY, field="expense", key=record.expense)
        return restore_attachment(session, acting, record, expense_id=expense_id)
    assert record.grant is not None
    grant = grant_by_reference(session, acting.scope, record.grant, "grant")
    return restore_attachment(session, acting, record, grant_id=grant.id)


def _dump(session: Session, org: Acting) -> list[dict[str, Any]]:
    keys = expense_keys(session, org)
    query_grants = select(Grant.id, Grant.reference).where(Grant.organisation_id == org.organisation_id)
    grants = {grant_id: reference for grant_id, reference in session.execute(query_grants)}
    query = select(Attachment).where(Attachment.organisation_id == org.organisation_id).order_by(Attachment.id)
    return [
        plain(
            {
                "expense": keys[a.expense_id] if a.expense_id is not None else None,
                "grant": grants[a.grant_id] if a.grant_id is not None else None,
                "sha256": a.sha256,
                "file_name": a.file_name,
                "media_type": a.media_type,
                "size": a.size,
            }
        )
        for a in session.scalars(query)
    ]


ATTACHMENTS = Section("attachments", AttachmentRecordSchema, _write, _dump)
