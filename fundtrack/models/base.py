"""The declarative base and the column types that keep money exact.

Money is stored as integer cents in a BIGINT column and exposed as a Decimal with two
places (:class:`MoneyType`), so that a ``SUM`` computed by the database is exact on
SQLite (which has no decimal type) and on PostgreSQL alike. Rates are ``Numeric``.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import BigInteger, DateTime, Enum, Integer, MetaData, Numeric, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from fundtrack.money import from_cents, to_money

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class MoneyType(TypeDecorator[Decimal]):
    """Canadian dollars as integer cents; refuses a value with a third decimal."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int(to_money(value) * 100)

    def process_literal_param(self, value: Any, dialect: Dialect) -> str:
        return "NULL" if value is None else str(int(to_money(value) * 100))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return from_cents(value)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


def RateType() -> Numeric[Decimal]:
    """A rate as a fraction (0.05 for 5 %), exact to six decimals."""
    return Numeric(12, 6, asdecimal=True)


def str_enum(cls: type[enum.Enum], name: str) -> Enum:
    """An enumeration stored as its value in a VARCHAR with a named CHECK constraint (both databases)."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
    )


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on both databases."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """Now, in UTC; passed as a function to column defaults, never called at import."""
    return datetime.now(UTC)


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
