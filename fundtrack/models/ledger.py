"""The funding ledger: the organisation, its funders, projects, grants and instalments."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fundtrack.kinds import DesiredChange as DesiredChange
from fundtrack.kinds import FunderKind as FunderKind
from fundtrack.kinds import GrantStatus as GrantStatus
from fundtrack.kinds import Language as Language
from fundtrack.kinds import MatchingBasis as MatchingBasis
from fundtrack.kinds import ScheduleBasis as ScheduleBasis
from fundtrack.models.base import Base, MoneyType, RateType, Versioned, str_enum
from fundtrack.periods import DateRange, FiscalCalendar


class Organisation(Versioned, Base):
    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint("fiscal_start_month BETWEEN 1 AND 12", name="fiscal_start_month"),
        CheckConstraint("gst_rebate_rate >= 0 AND gst_rebate_rate <= 1", name="gst_rebate_rate"),
        CheckConstraint("qst_rebate_rate >= 0 AND qst_rebate_rate <= 1", name="qst_rebate_rate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    fiscal_start_month: Mapped[int] = mapped_column(Integer, default=4)
    gst_rebate_rate: Mapped[Decimal] = mapped_column(RateType(), default=Decimal("0.5"))
    qst_rebate_rate: Mapped[Decimal] = mapped_column(RateType(), default=Decimal("0.5"))
    language: Mapped[Language] = mapped_column(str_enum(Language, "organisation_language"), default=Language.FR)
    cnesst_rate: Mapped[Decimal | None] = mapped_column(RateType())
    address: Mapped[str | None] = mapped_column(Text)

    funders: Mapped[list[Funder]] = relationship(back_populates="organisation", order_by="Funder.name")
    projects: Mapped[list[Project]] = relationship(back_populates="organisation", order_by="Project.name")

    @property
    def calendar(self) -> FiscalCalendar:
        return FiscalCalendar(self.fiscal_start_month)


class BudgetCategory(Versioned, Base):
    """A budget category (salaries, translation, room rental...), with bilingual labels."""

    __tablename__ = "budget_categories"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(50))
    label_fr: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    administrative: Mapped[bool] = mapped_column(Boolean, default=False)
    standard: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_fr


class Funder(Versioned, Base):
    __tablename__ = "funders"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        CheckConstraint("fiscal_start_month BETWEEN 1 AND 12", name="fiscal_start_month"),
        CheckConstraint("fee_cap IS NULL OR (fee_cap >= 0 AND fee_cap <= 1)", name="fee_cap"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[FunderKind] = mapped_column(str_enum(FunderKind, "funder_kind"))
    fiscal_start_month: Mapped[int] = mapped_column(Integer, default=4)
    language: Mapped[Language] = mapped_column(str_enum(Language, "funder_language"), default=Language.FR)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    fee_cap: Mapped[Decimal | None] = mapped_column(RateType())
    notes: Mapped[str | None] = mapped_column(Text)

    organisation: Mapped[Organisation] = relationship(back_populates="funders")
    grants: Mapped[list[Grant]] = relationship(back_populates="funder", order_by="Grant.start_date")

    @property
    def calendar(self) -> FiscalCalendar:
        return FiscalCalendar(self.fiscal_start_month)


class Project(Versioned, Base):
    """A project; the organisation's own operations are a project too."""

    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    desired_changes: Mapped[list[str]] = mapped_column(JSON, default=list)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    operations: Mapped[bool] = mapped_column(Boolean, default=False)

    organisation: Mapped[Organisation] = relationship(back_populates="projects")
    grants: Mapped[list[Grant]] = relationship(secondary="grant_projects", back_populates="projects")


grant_projects = Table(
    "grant_projects",
    Base.metadata,
    Column("grant_id", ForeignKey("grants.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="RESTRICT"), primary_key=True),
)

grant_eligible_categories = Table(
    "grant_eligible_categories",
    Base.metadata,
    Column("grant_id", ForeignKey("grants.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("budget_categories.id", ondelete="RESTRICT"), primary_key=True),
)


class Grant(Versioned, Base):
    """A grant agreement: one commitment from one funder (entente de financement)."""

    __tablename__ = "grants"
    __table_args__ = (
        UniqueConstraint("organisation_id", "reference"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("end_date >= start_date", name="dates"),
        CheckConstraint("fee_cap IS NULL OR (fee_cap >= 0 AND fee_cap <= 1)", name="fee_cap"),
        CheckConstraint("matching_rate IS NULL OR matching_rate >= 0", name="matching_rate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    funder_id: Mapped[int] = mapped_column(ForeignKey("funders.id", ondelete="RESTRICT"), index=True)
    reference: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[GrantStatus] = mapped_column(str_enum(GrantStatus, "grant_status"), index=True)
    amount: Mapped[Decimal] = mapped_column(MoneyType())
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    fee_cap: Mapped[Decimal | None] = mapped_column(RateType())
    schedule_basis: Mapped[ScheduleBasis] = mapped_column(
        str_enum(ScheduleBasis, "schedule_basis"), default=ScheduleBasis.DAYS
    )
    matching_rate: Mapped[Decimal | None] = mapped_column(RateType())
    matching_basis: Mapped[MatchingBasis | None] = mapped_column(str_enum(MatchingBasis, "matching_basis"))
    no_combination: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)

    funder: Mapped[Funder] = relationship(back_populates="grants")
    projects: Mapped[list[Project]] = relationship(
        secondary=grant_projects, back_populates="grants", order_by="Project.name"
    )
    eligible_categories: Mapped[list[BudgetCategory]] = relationship(
        secondary=grant_eligible_categories, order_by="BudgetCategory.position"
    )
    schedule: Mapped[list[GrantScheduleEntry]] = relationship(
        back_populates="grant", cascade="all, delete-orphan", order_by="GrantScheduleEntry.period_start"
    )
    instalments: Mapped[list[Instalment]] = relationship(
        back_populates="grant", cascade="all, delete-orphan", order_by="Instalment.expected_date"
    )
    report_dues: Mapped[list[ReportDue]] = relationship(
        back_populates="grant", cascade="all, delete-orphan", order_by="ReportDue.due_date"
    )

    @property
    def period(self) -> DateRange:
        return DateRange(self.start_date, self.end_date)

    @property
    def effective_fee_cap(self) -> Decimal | None:
        return self.fee_cap if self.fee_cap is not None else self.funder.fee_cap


class GrantScheduleEntry(Versioned, Base):
    """An explicit amount of a grant for one period (usually one of the organisation's fiscal years)."""

    __tablename__ = "grant_schedule"
    __table_args__ = (
        UniqueConstraint("grant_id", "period_start"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("period_end >= period_start", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MoneyType())

    grant: Mapped[Grant] = relationship(back_populates="schedule")

    @property
    def period(self) -> DateRange:
        return DateRange(self.period_start, self.period_end)


class Instalment(Versioned, Base):
    """One scheduled payment of a grant (versement): expected, then received."""

    __tablename__ = "instalments"
    __table_args__ = (
        CheckConstraint("expected_amount > 0", name="expected_positive"),
        CheckConstraint("received_amount IS NULL OR received_amount >= 0", name="received_not_negative"),
        CheckConstraint("(received_date IS NULL) = (received_amount IS NULL)", name="received_both"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id", ondelete="CASCADE"), index=True)
    expected_date: Mapped[date] = mapped_column(Date, index=True)
    expected_amount: Mapped[Decimal] = mapped_column(MoneyType())
    received_date: Mapped[date | None] = mapped_column(Date)
    received_amount: Mapped[Decimal | None] = mapped_column(MoneyType())
    note: Mapped[str | None] = mapped_column(Text)

    grant: Mapped[Grant] = relationship(back_populates="instalments")
    receipts: Mapped[list[InstalmentReceipt]] = relationship(
        back_populates="instalment",
        cascade="all, delete-orphan",
        order_by="(InstalmentReceipt.received_date, InstalmentReceipt.id)",
    )

    @property
    def received(self) -> bool:
        return self.received_date is not None

    @property
    def still_due(self) -> Decimal:
        """What is still to come of this instalment (nothing once received in full)."""
        return max(self.expected_amount - (self.received_amount or Decimal("0.00")), Decimal("0.00"))

    def received_in(self, period: DateRange) -> Decimal:
        """What came in on this instalment during ``period`` (each receipt on its own date)."""
        return sum((r.amount for r in self.receipts if r.received_date in period), Decimal("0.00"))

    def received_by(self, day: date) -> Decimal:
        """What had come in on this instalment by the end of ``day``."""
        return sum((r.amount for r in self.receipts if r.received_date <= day), Decimal("0.00"))

    def any_received_in(self, period: DateRange) -> bool:
        return any(r.received_date in period for r in self.receipts)


class InstalmentReceipt(Base):
    """One payment that came in on an instalment: an instalment may come in several
    (``received_amount`` and ``received_date`` of the instalment are their sum and the
    last one's date); the ledger counts each in the period of its own date."""

    __tablename__ = "instalment_receipts"
    __table_args__ = (CheckConstraint("amount > 0", name="receipt_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instalment_id: Mapped[int] = mapped_column(ForeignKey("instalments.id", ondelete="CASCADE"), index=True)
    received_date: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(MoneyType())

    instalment: Mapped[Instalment] = relationship(back_populates="receipts")


class ReportDue(Versioned, Base):
    """A report the funder requires (reddition de comptes), with its due date."""

    __tablename__ = "report_dues"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id", ondelete="CASCADE"), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    submitted_on: Mapped[date | None] = mapped_column(Date)

    grant: Mapped[Grant] = relationship(back_populates="report_dues")


def enum_values(cls: type[enum.Enum]) -> list[Any]:
    return [m.value for m in cls]
