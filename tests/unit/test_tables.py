"""The light tables the listings read through SQLAlchemy Core are the models' tables:
every column they name exists in the schema, with the type its model maps it with."""

from __future__ import annotations

import pytest
from sqlalchemy import Enum, Numeric, String
from sqlalchemy.sql import TableClause

from fundtrack.models import Base
from fundtrack.tables import ALL


def _type_of(kind: object) -> tuple[object, ...]:
    """What a value read through a column of type ``kind`` depends on."""
    shape: tuple[object, ...] = (type(kind),)
    if isinstance(kind, Enum):
        return (*shape, kind.enum_class, kind.name)
    if isinstance(kind, String):
        return (*shape, kind.length)
    if isinstance(kind, Numeric):
        return (*shape, kind.precision, kind.scale, kind.asdecimal)
    return shape


@pytest.mark.parametrize("light", ALL, ids=lambda t: t.name)
def test_each_column_a_listing_reads_is_the_models_column_of_that_name_and_type(light: TableClause) -> None:
    mapped = Base.metadata.tables[light.name]
    for col in light.columns:
        assert col.name in mapped.c, f"{light.name}.{col.name} is not a column of the schema"
        assert _type_of(col.type) == _type_of(mapped.c[col.name].type), f"{light.name}.{col.name}"


def test_a_column_of_another_type_would_be_caught() -> None:
    from sqlalchemy import Integer
    from sqlalchemy.sql import column, table

    wrong = table("grants", column("amount", Integer))
    assert _type_of(wrong.c.amount.type) != _type_of(Base.metadata.tables["grants"].c.amount.type)
