"""budget stamps: a token the database changes with an organisation's budget structure

``budget_stamps`` holds per organisation a random token that triggers replace on every
INSERT, UPDATE or DELETE of its projects, categories, budgets, versions, lines, line
amounts, funders, grants and allocations (see ``fundtrack/models/stamps.py``): budget vs actual keeps the structure it read
under the token it read. Every existing organisation gets a token of its own.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAMPED = {
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
SQLITE_UPSERT = (
    "INSERT INTO budget_stamps (organisation_id, stamp) SELECT org, random() FROM ({orgs}) WHERE true"
    " ON CONFLICT (organisation_id) DO UPDATE SET stamp = excluded.stamp;"
)
POSTGRES_UPSERT = (
    "INSERT INTO budget_stamps (organisation_id, stamp)"
    " SELECT org, floor(random() * 9007199254740991)::bigint FROM ({orgs}) o"
    " ON CONFLICT (organisation_id) DO UPDATE SET stamp = excluded.stamp;"
)


def upgrade() -> None:
    op.create_table(
        "budget_stamps",
        sa.Column("organisation_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id"),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    seed = "random()" if sqlite else "floor(random() * 9007199254740991)::bigint"
    op.execute(f"INSERT INTO budget_stamps (organisation_id, stamp) SELECT id, {seed} FROM organisations")
    for table, orgs in STAMPED.items():
        if sqlite:
            for action, rows in (("INSERT", ("NEW",)), ("UPDATE", ("NEW", "OLD")), ("DELETE", ("OLD",))):
                body = " ".join(SQLITE_UPSERT.format(orgs=orgs.format(row=row)) for row in rows)
                op.execute(
                    f"CREATE TRIGGER budget_stamp_{table}_{action.lower()} AFTER {action} ON {table} BEGIN {body} END"
                )
        else:
            new, old = (POSTGRES_UPSERT.format(orgs=orgs.format(row=row)) for row in ("NEW", "OLD"))
            op.execute(
                f"CREATE OR REPLACE FUNCTION budget_stamp_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                f" IF TG_OP <> 'DELETE' THEN {new} END IF;"
                f" IF TG_OP <> 'INSERT' THEN {old} END IF;"
                " RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER budget_stamp_{table} AFTER INSERT OR UPDATE OR DELETE ON {table}"
                f" FOR EACH ROW EXECUTE FUNCTION budget_stamp_{table}()"
            )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in STAMPED:
        if sqlite:
            for action in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS budget_stamp_{table}_{action}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS budget_stamp_{table} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS budget_stamp_{table}()")
    op.drop_table("budget_stamps")
