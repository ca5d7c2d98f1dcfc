"""Attaching a file: which expense or grant it belongs to, the name it had, its bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError, fields, validates_schema

from fundtrack.i18n import msg, translate
from fundtrack.schemas.common import Choice, Int, StrictSchema, Text

EXPENSE = "expense"
GRANT = "grant"
OWNERS = [EXPENSE, GRANT]
M_NOT_BYTES = msg("attachment.not_bytes")


@dataclass(frozen=True)
class NewAttachment:
    """``content`` (the file's bytes, named ``file_name``) for expense or grant ``owner_id``:
    an expense's receipt (``owner`` ``expense``) or a grant's signed agreement (``grant``)."""

    owner: str
    owner_id: int
    file_name: str
    content: bytes


class Content(fields.Field[bytes]):
    """The bytes of a file, as given (their kind is checked by the service, from the bytes)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bytes:
        if not isinstance(value, bytes):
            raise ValidationError(translate(M_NOT_BYTES))
        return value


class AttachmentSchema(StrictSchema):
    command = NewAttachment

    owner = Choice(OWNERS, required=True)
    owner_id = Int(required=True)
    file_name = Text(required=True)
    content = Content(required=True)

    def prepare(self, data: dict[str, Any]) -> dict[str, Any]:
        # the name alone, whatever folder the browser or the command line gave with it
        name = data["file_name"].replace("\\", "/").rsplit("/", 1)[-1].strip()
        data["file_name"] = name or "fichier"
        return data


MEDIA_TYPES = ["application/pdf", "image/jpeg", "image/png"]
M_ONE_OWNER = msg("attachment.one_owner")
M_NOT_SHA256 = msg("attachment.not_sha256")


@dataclass(frozen=True)
class AttachmentRecord:
    """One record of the interchange file's ``attachments`` section: a file named by its
    hash, attached to an expense (its ``key`` in the file) or a grant (its reference). The
    bytes travel beside the file, in the data folder (``<sha256[:2]>/<sha256>``)."""

    sha256: str
    file_name: str
    media_type: str
    size: int
    expense: str | None = None
    grant: str | None = None


class AttachmentRecordSchema(StrictSchema):
    command = AttachmentRecord

    expense = Text(load_default=None, allow_none=True)
    grant = Text(load_default=None, allow_none=True)
    sha256 = Text(required=True)
    file_name = Text(required=True)
    media_type = Choice(MEDIA_TYPES, required=True)
    size = Int(required=True)

    @validates_schema
    def _shape(self, data: dict[str, Any], **kwargs: Any) -> None:
        if (data.get("expense") is None) == (data.get("grant") is None):
            raise ValidationError({"expense": [translate(M_ONE_OWNER)]})
        digest = data.get("sha256") or ""
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValidationError({"sha256": [translate(M_NOT_SHA256)]})
        if (data.get("size") or 0) <= 0:
            raise ValidationError({"size": [translate(M_NOT_SIZE)]})


M_NOT_SIZE = msg("attachment.not_size")
