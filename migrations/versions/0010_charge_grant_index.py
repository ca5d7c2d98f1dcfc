"""expense charges: an index by grant that covers the charges' join and sum

Budget vs actual by grant sums the period's charges of an organisation's grants. On a
server of many organisations, probing the charges' index once per expense of the period
reads more the more organisations the server holds; with (grant_id, expense_id, amount)
in one index the organisation's charges are read by its grants from the index alone. It
replaces the index on grant_id alone, which it starts with.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 23:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("expense_charges", schema=None) as batch_op:
        batch_op.drop_index("ix_expense_charges_grant_id")
        batch_op.create_index("ix_expense_charges_grant_expense_amount", ["grant_id", "expense_id", "amount"])


def downgrade() -> None:
    with op.batch_alter_table("expense_charges", schema=None) as batch_op:
        batch_op.drop_index("ix_expense_charges_grant_expense_amount")
        batch_op.create_index("ix_expense_charges_grant_id", ["grant_id"], unique=False)
