"""expenses: the period index carries the net cost

The net cost of an organisation's expenses over a period (budget vs actual by grant
or funder) is then summed from the index alone.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 21:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("expenses", schema=None) as batch_op:
        batch_op.drop_index("ix_expenses_org_date")
        batch_op.create_index("ix_expenses_org_date_net", ["organisation_id", "expense_date", "net_cost"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("expenses", schema=None) as batch_op:
        batch_op.drop_index("ix_expenses_org_date_net")
        batch_op.create_index("ix_expenses_org_date", ["organisation_id", "expense_date"], unique=False)
