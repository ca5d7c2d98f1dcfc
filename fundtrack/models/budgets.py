"""Budgets and their versions, budget lines, grant allocations, in-kind and own funds.

A project has one budget; the budget has versions (adopted, revised, scenario), each
copied from a parent or built from scratch, one of them current. A version's lines have
a category, a description, an amount per fiscal year and an optional monthly profile.
A grant is allocated to lines by amount per fiscal year; a correction is a reversing
allocation linked to the one it corrects, so the old figures stay.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fundtrack.models.base import Base, MoneyType, UTCDateTime, Versioned, str_enum, utcnow
from fundtrack.models.ledger import BudgetCategory, Grant, Project
from fundtrack.periods import DateRange


class VersionKind(enum.StrEnum):
    ADOPTED = "adopted"
    REVISED = "revised"
    SCENARIO = "scenario"


class Budget(Versioned, Base):
    """The budget of one project (the organisation's operations are a project too)."""

    __tablename__ = "budgets"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), unique=True)
    notes: Mapped[str | None] = mapped_column(Text)

    project: Mapped[Project] = relationship()
    versions: Mapped[list[BudgetVersion]] = relationship(
        back_populates="budget", cascade="all, delete-orphan", order_by="BudgetVersion.id"
    )


class BudgetVersion(Versioned, Base):
    """One version of a budget: adopted, revised or a scenario, with the version it came from."""

    __tablename__ = "budget_versions"
    __table_args__ = (UniqueConstraint("budget_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[VersionKind] = mapped_column(str_enum(VersionKind, "version_kind"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("budget_versions.id", ondelete="SET NULL"))
    current: Mapped[bool] = mapped_column(Boolean, default=False)
    adopted_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    notes: Mapped[str | None] = mapped_column(Text)

    budget: Mapped[Budget] = relationship(back_populates="versions")
    parent: Mapped[BudgetVersion | None] = relationship(remote_side=[id])
    lines: Mapped[list[BudgetLine]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="BudgetLine.position"
    )


class BudgetLine(Versioned, Base):
    """A line of a version: a category and a description, with an amount per fiscal year.

    ``monthly_profile`` holds one weight per month of a fiscal year (as strings); the
    months share a year's amount evenly when it is empty.
    """

    __tablename__ = "budget_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("budget_versions.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("budget_categories.id", ondelete="RESTRICT"), index=True)
    description: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)
    monthly_profile: Mapped[list[str] | None] = mapped_column(JSON)

    version: Mapped[BudgetVersion] = relationship(back_populates="lines")
    category: Mapped[BudgetCategory] = relationship()
    amounts: Mapped[list[BudgetLineAmount]] = relationship(
        back_populates="line", cascade="all, delete-orphan", order_by="BudgetLineAmount.period_start"
    )


class BudgetLineAmount(Versioned, Base):
    """A line's amount for one period (one fiscal year of the organisation)."""

    __tablename__ = "budget_line_amounts"
    __table_args__ = (
        UniqueConstraint("line_id", "period_start"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("period_end >= period_start", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MoneyType())

    line: Mapped[BudgetLine] = relationship(back_populates="amounts")

    @property
    def period(self) -> DateRange:
        return DateRange(self.period_start, self.period_end)


class Allocation(Versioned, Base):
    """Part of a grant allocated to a budget line for one period (its share of the package).

    A correction is a new row with the opposite amount whose ``reverses_id`` names the
    row it cancels; the net allocation is the sum of the rows.
    """

    __tablename__ = "allocations"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        CheckConstraint("period_end >= period_start", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id", ondelete="RESTRICT"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MoneyType())
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("allocations.id", ondelete="RESTRICT"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

    grant: Mapped[Grant] = relationship()
    line: Mapped[BudgetLine] = relationship()

    @property
    def period(self) -> DateRange:
        return DateRange(self.period_start, self.period_end)


class InKindContribution(Versioned, Base):
    """Goods or services given to a project (a room lent, volunteer interpreters), at fair value.

    In-kind counts among the package's sources and in funder reports; it is never
    charged to a grant as an expense.
    """

    __tablename__ = "in_kind_contributions"
    __table_args__ = (
        CheckConstraint("fair_value > 0", name="fair_value_positive"),
        CheckConstraint("end_date >= start_date", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("budget_categories.id", ondelete="RESTRICT"))
    contributor: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(300))
    fair_value: Mapped[Decimal] = mapped_column(MoneyType())
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)

    project: Mapped[Project] = relationship()
    category: Mapped[BudgetCategory | None] = relationship()

    @property
    def period(self) -> DateRange:
        return DateRange(self.start_date, self.end_date)


class OwnFunds(Versioned, Base):
    """The organisation's own money committed to a project for a period (surpluses, reserves)."""

    __tablename__ = "own_funds"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("end_date >= start_date", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), index=True)
    description: Mapped[str] = mapped_column(String(300))
    amount: Mapped[Decimal] = mapped_column(MoneyType())
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)

    project: Mapped[Project] = relationship()

    @property
    def period(self) -> DateRange:
        return DateRange(self.start_date, self.end_date)
