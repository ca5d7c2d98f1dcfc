"""The funding ledger's tables as SQLAlchemy Core sees them, without the ORM.

Light table clauses (``sqlalchemy.sql.table()``) naming the columns the listings read
(the organisation, funders, grants, their schedule, instalments and receipts), each
with the type its model maps it with (:mod:`fundtrack.column_types`, :mod:`fundtrack.kinds`):
a value read here is the same Decimal, date or enumeration member as the model's.
A listing command reads through these and never pays for the ORM's mapping of every
model (:mod:`fundtrack.models`); the schema itself is the models' and the migrations'
alone, and a test holds every column here to its model's name and type.

A statement built on these tables runs on a Connection, or on a Session through
:func:`fundtrack.db.connection_of`; it does not mix with ORM entities in one statement
(a light table is not the model's table: joined with it, it would be a second FROM).
"""

from __future__ import annotations

from sqlalchemy import Date, Integer, String
from sqlalchemy.sql import column, table

from fundtrack.column_types import MoneyType, RateType, str_enum
from fundtrack.kinds import FunderKind, GrantStatus, Language, ScheduleBasis

organisations = table(
    "organisations",
    column("id", Integer),
    column("name", String(200)),
    column("fiscal_start_month", Integer),
    column("language", str_enum(Language, "organisation_language")),
)

funders = table(
    "funders",
    column("id", Integer),
    column("organisation_id", Integer),
    column("name", String(200)),
    column("kind", str_enum(FunderKind, "funder_kind")),
    column("fiscal_start_month", Integer),
    column("language", str_enum(Language, "funder_language")),
    column("fee_cap", RateType()),
)

grants = table(
    "grants",
    column("id", Integer),
    column("organisation_id", Integer),
    column("funder_id", Integer),
    column("reference", String(100)),
    column("title", String(300)),
    column("status", str_enum(GrantStatus, "grant_status")),
    column("amount", MoneyType()),
    column("start_date", Date),
    column("end_date", Date),
    column("schedule_basis", str_enum(ScheduleBasis, "schedule_basis")),
)

grant_schedule = table(
    "grant_schedule",
    column("id", Integer),
    column("grant_id", Integer),
    column("period_start", Date),
    column("period_end", Date),
    column("amount", MoneyType()),
)

instalments = table(
    "instalments",
    column("id", Integer),
    column("grant_id", Integer),
    column("expected_date", Date),
    column("expected_amount", MoneyType()),
    column("received_date", Date),
    column("received_amount", MoneyType()),
)

instalment_receipts = table(
    "instalment_receipts",
    column("id", Integer),
    column("instalment_id", Integer),
    column("received_date", Date),
    column("amount", MoneyType()),
)

ALL = (organisations, funders, grants, grant_schedule, instalments, instalment_receipts)
