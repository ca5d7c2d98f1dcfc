"""instalment receipts: each payment received on an instalment, with its own date

An instalment may come in several payments; the ledger counts each in the period of its
own date. The receipts recorded so far (one per instalment) become its first rows, each
with the audit entry of its receipt (by ``migration``), so the log still names every
money row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 12:30:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

import fundtrack.models.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "instalment_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instalment_id", sa.Integer(), nullable=False),
        sa.Column("received_date", sa.Date(), nullable=False),
        sa.Column("amount", fundtrack.models.base.MoneyType(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_instalment_receipts_receipt_positive")),
        sa.ForeignKeyConstraint(
            ["instalment_id"],
            ["instalments.id"],
            name=op.f("fk_instalment_receipts_instalment_id_instalments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instalment_receipts")),
    )
    with op.batch_alter_table("instalment_receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_instalment_receipts_instalment_id"), ["instalment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_instalment_receipts_received_date"), ["received_date"], unique=False)
    op.execute(
        "INSERT INTO instalment_receipts (instalment_id, received_date, amount) "
        "SELECT id, received_date, received_amount FROM instalments "
        "WHERE received_date IS NOT NULL AND received_amount > 0"
    )
    copied = op.get_bind().execute(
        sa.text(
            "SELECT r.id, r.instalment_id, r.received_date, r.amount, g.organisation_id, g.reference "
            "FROM instalment_receipts r JOIN instalments i ON i.id = r.instalment_id "
            "JOIN grants g ON g.id = i.grant_id ORDER BY r.id"
        )
    )
    audit = sa.table(
        "audit_log",
        sa.column("organisation_id", sa.Integer),
        sa.column("at", fundtrack.models.base.UTCDateTime()),
        sa.column("actor", sa.String),
        sa.column("role", sa.String),
        sa.column("action", sa.String),
        sa.column("entity", sa.String),
        sa.column("entity_id", sa.Integer),
        sa.column("label", sa.String),
        sa.column("after", sa.JSON),
    )
    now = datetime.now(UTC)
    entries = [
        {
            "organisation_id": org,
            "at": now,
            "actor": "migration",
            "role": None,
            "action": "receive",
            "entity": "instalment_receipt",
            "entity_id": receipt_id,
            "label": reference,
            "after": {
                "instalment_id": instalment_id,
                "received_date": str(received)[:10],
                "amount": str(Decimal(cents).scaleb(-2)),
            },
        }
        for receipt_id, instalment_id, received, cents, org, reference in copied
    ]
    if entries:
        op.bulk_insert(audit, entries)


def downgrade() -> None:
    with op.batch_alter_table("instalment_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instalment_receipts_received_date"))
        batch_op.drop_index(batch_op.f("ix_instalment_receipts_instalment_id"))
    op.drop_table("instalment_receipts")
