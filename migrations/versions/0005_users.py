"""users: the accounts of the people who log in, and the organisations (and funders) they reach

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fundtrack.models.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "treasurer",
                "coordinator",
                "board",
                "funder",
                name="user_role",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "language",
            sa.Enum("fr", "en", name="user_language", native_enum=False, create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("created_at", fundtrack.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", fundtrack.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "user_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("funder_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "funder_id IS NULL OR organisation_id IS NOT NULL", name=op.f("ck_user_access_funder_of_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["funder_id"], ["funders.id"], name=op.f("fk_user_access_funder_id_funders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_user_access_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_access_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_access")),
        sa.UniqueConstraint(
            "user_id", "organisation_id", "funder_id", name=op.f("uq_user_access_user_id_organisation_id_funder_id")
        ),
    )
    with op.batch_alter_table("user_access", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_access_funder_id"), ["funder_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_access_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_access_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("user_access")
    op.drop_table("users")
