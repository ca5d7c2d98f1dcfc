"""One section of the interchange file (a list of records) and how it is written and dumped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from marshmallow import Schema
from sqlalchemy.orm import Session

from fundtrack.plain import plain as plain_value
from fundtrack.services.context import Acting


@dataclass(frozen=True)
class Section:
    """One list of the interchange file and how to write and read it.

    ``write(session, acting, record)`` writes one validated record (the command the
    schema loads) through the area's service and raises :class:`InputError` naming the
    field; ``dump(session, acting)`` returns the section's records, ready for JSON.
    The sections are written in the order of :data:`fundtrack.services.interchange.sections.SECTIONS`.
    """

    key: str
    schema: Callable[[], Schema]
    write: Callable[[Session, Acting, Any], object]
    dump: Callable[[Session, Acting], list[dict[str, Any]]]


def plain(value: Any) -> Any:
    """Values as the file writes them (see :mod:`fundtrack.plain`); absent, empty and false
    fields dropped; a command (dataclass) written as its fields."""
    if is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in fields(value)}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if v is not None and v != [] and v != () and v is not False}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return plain_value(value)
