"""expense charges: an index that covers the charges' join and sum

Budget vs actual by grant and the funder report join each expense of a period to its
charges and sum their amounts per grant: with (expense_id, grant_id, amount) in one
index the charges are read from the index alone. It replaces the index on expense_id
alone, which it starts with.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 13:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("expense_charges", schema=None) as batch_op:
        batch_op.drop_index("ix_expense_charges_expense_id")
        batch_op.create_index("ix_expense_charges_expense_grant_amount", ["expense_id", "grant_id", "amount"])


def downgrade() -> None:
    with op.batch_alter_table("expense_charges", schema=None) as batch_op:
        batch_op.drop_index("ix_expense_charges_expense_grant_amount")
        batch_op.create_index("ix_expense_charges_expense_id", ["expense_id"], unique=False)
