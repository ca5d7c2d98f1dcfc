"""The accounts of the people who log in to the web admin, and what each may reach.

A person has one account (by email) and one role; :class:`UserAccess` says which
organisation they act for and, for a funder's login, as which funder of it (a funder that
funds several organisations has one access per organisation). The password is kept
hashed (Werkzeug's scrypt), never as typed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fundtrack.models.base import Base, UTCDateTime, Versioned, str_enum, utcnow
from fundtrack.models.ledger import Funder, Language, Organisation
from fundtrack.roles import Role


class User(Versioned, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"))
    language: Mapped[Language] = mapped_column(str_enum(Language, "user_language"), default=Language.FR)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    access: Mapped[list[UserAccess]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="UserAccess.id"
    )


class UserAccess(Versioned, Base):
    """One organisation a person acts for (as one of its funders, for a funder's login)."""

    __tablename__ = "user_access"
    __table_args__ = (
        UniqueConstraint("user_id", "organisation_id", "funder_id"),
        CheckConstraint("funder_id IS NULL OR organisation_id IS NOT NULL", name="funder_of_organisation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    funder_id: Mapped[int | None] = mapped_column(ForeignKey("funders.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship(back_populates="access")
    organisation: Mapped[Organisation] = relationship()
    funder: Mapped[Funder | None] = relationship()
