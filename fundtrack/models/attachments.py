"""Attachments: an expense's receipt and a grant's signed agreement.

The file itself lives outside the database, in the data folder, named by the SHA-256
of its content (:mod:`fundtrack.services.attachments`); the row says which expense or
grant it belongs to, the name the file had, its media type (read from its content),
its size, who attached it and when. An expense has at most one receipt and a grant
at most one agreement: attaching another replaces it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fundtrack.models.base import Base, UTCDateTime, utcnow
from fundtrack.models.expenses import Expense
from fundtrack.models.ledger import Grant


class Attachment(Base):
    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint("(expense_id IS NULL) <> (grant_id IS NULL)", name="one_owner"),
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    expense_id: Mapped[int | None] = mapped_column(ForeignKey("expenses.id", ondelete="CASCADE"), unique=True)
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("grants.id", ondelete="CASCADE"), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    expense: Mapped[Expense | None] = relationship()
    grant: Mapped[Grant | None] = relationship()
