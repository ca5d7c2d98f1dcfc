"""The column types that keep money exact, usable without the ORM.

Money is stored as integer cents in a BIGINT column and exposed as a Decimal with two
places (:class:`MoneyType`), so that a ``SUM`` computed by the database is exact on
SQLite (which has no decimal type) and on PostgreSQL alike. Rates are ``Numeric``.
The models (:mod:`fundtrack.models`) map their columns with these types, and the light
tables of :mod:`fundtrack.tables` read with the same ones: a value read either way is
the same Decimal, date or enumeration member.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Enum, Numeric, TypeDecorator
from sqlalchemy.engine import Dialect

from fundtrack.money import exact, from_cents


class MoneyType(TypeDecorator[Decimal]):
    """Canadian dollars as integer cents; refuses a value with a third decimal."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int(exact(value) * 100)

    def process_literal_param(self, value: Any, dialect: Dialect) -> str:
        return "NULL" if value is None else str(int(exact(value) * 100))

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
