"""The budget stamp: a token the database changes whenever an organisation's budget structure does.

Budget vs actual reads the same structure on every call — the current versions, their
lines and amounts, the categories and projects that name them, the grants, their funders
and their allocations to the lines — while only the actuals move from one call to the next. ``budget_stamps`` holds, per organisation, a random token
that triggers replace in the same transaction as every INSERT, UPDATE or DELETE of those
rows (:data:`STAMPED`), on SQLite and PostgreSQL alike, whichever code writes them (the
services, a bulk load, a restore). A reader may keep what it read under the token it read
before and after it: the same token means the same structure. The expense list's filter
options (:mod:`fundtrack.queries.filter_options`: projects, categories, grants, funders) are
kept under the same token.

A token is random, not a counter, so that a state the database comes back to (a
transaction rolled back, a backup restored) can only bring back the token of that very
state. An organisation without a row has no token yet: nothing may be kept for it.
"""

from __future__ import annotations

from sqlalchemy import DDL, BigInteger, Column, Integer, Table, event

from fundtrack.models.base import Base

budget_stamps = Table(
    "budget_stamps",
    Base.metadata,
    Column("organisation_id", Integer, primary_key=True, autoincrement=False),
    Column("stamp", BigInteger, nullable=False),
)

# each stamped table, and the SELECT of the organisation a row (NEW or OLD) belongs to
STAMPED: dict[str, str] = {
    "projects": "SELECT {row}.organisation_id AS org",
    "budget_categories": "SELECT {row}.organisation_id AS org",
    "budgets": "SELECT {row}.organisation_id AS org",
    "funders": "SELECT {row}.organisation_id AS org",
    "grants": "SELECT {row}.organisation_id AS org",
    "allocations": "SELECT {row}.organisation_id AS org",
    "budget_versions": "SELECT b.organisation_id AS org FROM budgets b WHERE b.id = {row}.budget_id",
    "budget_lines": (
        "SELECT b.organisation_id AS org FROM budget_versions v JOIN budgets b ON b.id = v.budget_id"
        " WHERE v.id = {row}.version_id"
    ),
    "budget_line_amounts": (
        "SELECT b.organisation_id AS org FROM budget_lines l JOIN budget_versions v ON v.id = l.version_id"
        " JOIN budgets b ON b.id = v.budget_id WHERE l.id = {row}.line_id"
    ),
}

# a new token for the organisations the SELECT gives (none when the row's parents are gone:
# a cascade's parent has already changed the token)
_SQLITE_UPSERT = (
    "INSERT INTO budget_stamps (organisation_id, stamp) SELECT org, random() FROM ({orgs}) WHERE true"
    " ON CONFLICT (organisation_id) DO UPDATE SET stamp = excluded.stamp;"
)
_POSTGRES_UPSERT = (
    "INSERT INTO budget_stamps (organisation_id, stamp)"
    " SELECT org, floor(random() * 9007199254740991)::bigint FROM ({orgs}) o"
    " ON CONFLICT (organisation_id) DO UPDATE SET stamp = excluded.stamp;"
)


def sqlite_triggers() -> list[str]:
    """The SQLite triggers: one per stamped table and operation."""
    out = []
    for table, orgs in STAMPED.items():
        for op, rows in (("INSERT", ("NEW",)), ("UPDATE", ("NEW", "OLD")), ("DELETE", ("OLD",))):
            body = " ".join(_SQLITE_UPSERT.format(orgs=orgs.format(row=row)) for row in rows)
            out.append(f"CREATE TRIGGER budget_stamp_{table}_{op.lower()} AFTER {op} ON {table} BEGIN {body} END")
    return out


def postgres_triggers() -> list[str]:
    """The PostgreSQL trigger functions and triggers: one function per stamped table."""
    out = []
    for table, orgs in STAMPED.items():
        new, old = (_POSTGRES_UPSERT.format(orgs=orgs.format(row=row)) for row in ("NEW", "OLD"))
        out.append(
            f"CREATE OR REPLACE FUNCTION budget_stamp_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            f" IF TG_OP <> 'DELETE' THEN {new} END IF;"
            f" IF TG_OP <> 'INSERT' THEN {old} END IF;"
            " RETURN NULL; END $$"
        )
        out.append(
            f"CREATE TRIGGER budget_stamp_{table} AFTER INSERT OR UPDATE OR DELETE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION budget_stamp_{table}()"
        )
    return out


# on the metadata, not a table: after create_all every stamped table exists
for _sql in sqlite_triggers():
    event.listen(Base.metadata, "after_create", DDL(_sql).execute_if(dialect="sqlite"))  # type: ignore[no-untyped-call]
for _sql in postgres_triggers():
    event.listen(Base.metadata, "after_create", DDL(_sql).execute_if(dialect="postgresql"))  # type: ignore[no-untyped-call]
