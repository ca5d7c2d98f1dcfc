"""Attaching a file: which expense or grant it belongs to, the name it had, its bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError, fields

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
