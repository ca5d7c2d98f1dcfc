"""The declarative base, and the limits every row is held to before it is flushed.

The column types that keep money exact (:class:`~fundtrack.column_types.MoneyType`,
:func:`~fundtrack.column_types.RateType`) live in :mod:`fundtrack.column_types`, which
needs no ORM (the listing commands read through SQLAlchemy Core with them); they are
imported here under their old names too.

Every row written, whatever door it came in by, is held to the limits of
:mod:`fundtrack.limits` before it is flushed: a ``String(n)`` column takes at most ``n``
characters on one line (SQLite would take more, PostgreSQL not: data must move between
them), a ``Text`` column at most :data:`~fundtrack.limits.MAX_TEXT_LENGTH`, no column a
control character, and a ``Date`` column only dates of the documented range.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from sqlalchemy import Date, Enum, Integer, MetaData, String, event, inspect
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, Session, UOWTransaction, declared_attr, mapped_column

from fundtrack.column_types import MoneyType as MoneyType
from fundtrack.column_types import RateType as RateType
from fundtrack.column_types import UTCDateTime as UTCDateTime
from fundtrack.column_types import str_enum as str_enum
from fundtrack.column_types import utcnow as utcnow
from fundtrack.limits import MAX_TEXT_LENGTH, check_date, check_text

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {str: String(255)}


class Versioned:
    """A row a person edits carries a version number, its ``revision``, raised by every UPDATE.

    (``revision``, not "version": a budget's versions are something else.) An edit takes
    the revision its author read; a service refuses it, naming the record, if the row
    has changed since (:class:`fundtrack.errors.StaleRecord`), and the UPDATE itself
    matches the revision (SQLAlchemy's ``version_id_col``), so that two writers racing
    between the check and the write cannot overwrite each other either.
    """

    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.revision}


@dataclass(frozen=True)
class ColumnLimit:
    """What a column holds: text of at most ``length`` characters (on one line unless
    ``multiline``), or (``length`` None) a date of the documented range."""

    key: str
    column: str  # table.column, as docs/limits.md lists it
    length: int | None
    multiline: bool = False


_LIMITS: dict[Mapper[Any], tuple[ColumnLimit, ...]] = {}


def column_limits(mapper: Mapper[Any]) -> tuple[ColumnLimit, ...]:
    """The text and date columns of a mapped class and what each holds."""
    found = _LIMITS.get(mapper)
    if found is None:
        limits: list[ColumnLimit] = []
        for attr in mapper.column_attrs:
            col = attr.columns[0]
            name = f"{col.table.name}.{col.name}" if col.table is not None else attr.key  # type: ignore[attr-defined]
            kind = col.type
            if isinstance(kind, Enum):
                continue  # one of its values, checked by the database
            if isinstance(kind, String):
                if kind.length is None:
                    limits.append(ColumnLimit(attr.key, name, MAX_TEXT_LENGTH, multiline=True))
                else:
                    limits.append(ColumnLimit(attr.key, name, kind.length))
            elif isinstance(kind, Date):
                limits.append(ColumnLimit(attr.key, name, None))
        found = _LIMITS[mapper] = tuple(limits)
    return found


def check_row(obj: object, keys: Iterable[str] | None = None) -> None:
    """Raise :class:`~fundtrack.errors.InputError` naming the field if a column of ``obj``
    (only ``keys``, if given) holds what the column cannot."""
    state = inspect(obj)
    values = state.dict
    wanted = None if keys is None else set(keys)
    for limit in column_limits(state.mapper):
        if wanted is not None and limit.key not in wanted:
            continue
        value = values.get(limit.key)
        if value is None:
            continue
        if limit.length is None:
            if isinstance(value, date):
                check_date(value, limit.key)
        elif isinstance(value, str):
            check_text(value, limit.key, limit=limit.length, multiline=limit.multiline, column=limit.column)


@event.listens_for(Session, "before_flush")
def _check_rows(session: Session, flush_context: UOWTransaction, instances: object) -> None:
    """Every new or changed row within the limits, before any SQL is sent (nothing half-written)."""
    for obj in session.new:
        check_row(obj)
    for obj in session.dirty:
        changed = inspect(obj).committed_state
        if changed:
            check_row(obj, changed.keys())
