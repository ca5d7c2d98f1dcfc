"""The staffing plan: positions, who funds them, payroll parameters, hiring scenarios.

A :class:`Position` is one job of the current plan (filled, planned or vacant) with its
pay terms. :class:`PositionFunding` says what one grant gives it: an amount per period
(:class:`PositionFundingAmount`, usually the organisation's fiscal years), a share of
its cost, or both. :class:`PayrollRateTable` holds one calendar year's payroll
parameters for an organisation, loaded from the shipped tables and editable. A
:class:`Scenario` is the current plan plus ordered :class:`ScenarioChange`\\ s; a change
that adds a position can carry its own funding.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fundtrack.models.base import Base, MoneyType, RateType, Versioned, str_enum
from fundtrack.models.budgets import BudgetLine
from fundtrack.models.ledger import Grant
from fundtrack.periods import DateRange


class PositionStatus(enum.StrEnum):
    FILLED = "filled"
    PLANNED = "planned"
    VACANT = "vacant"


class ChangeKind(enum.StrEnum):
    ADD = "add"
    CHANGE_PAY = "change_pay"
    MOVE = "move"
    END = "end"


_PAY_CHECKS = (
    CheckConstraint("(annual_salary IS NULL) <> (hourly_rate IS NULL AND weekly_hours IS NULL)", name="one_pay_basis"),
    CheckConstraint("annual_salary IS NULL OR annual_salary >= 0", name="salary_not_negative"),
    CheckConstraint("hourly_rate IS NULL OR hourly_rate >= 0", name="rate_not_negative"),
    CheckConstraint("weekly_hours IS NULL OR (weekly_hours >= 0 AND weekly_hours <= 168)", name="weekly_hours"),
    CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates"),
    CheckConstraint("vacation_rate IS NULL OR (vacation_rate >= 0 AND vacation_rate <= 1)", name="vacation_rate"),
    CheckConstraint("benefits_rate IS NULL OR (benefits_rate >= 0 AND benefits_rate <= 1)", name="benefits_rate"),
    CheckConstraint("raise_rate IS NULL OR (raise_rate >= 0 AND raise_rate <= 1)", name="raise_rate"),
)


class Position(Versioned, Base):
    """A job in the current staffing plan, with its pay terms.

    Pay is either ``annual_salary`` or ``hourly_rate`` × ``weekly_hours``; the pay given
    is the pay in effect on ``pay_as_of`` (default the start). The yearly raise applies
    on ``raise_month``/``raise_day`` (default the first day of the organisation's fiscal
    year). ``budget_line_id`` is the budget line the position's salary feeds.
    """

    __tablename__ = "positions"
    __table_args__ = (
        UniqueConstraint("organisation_id", "key"),
        *_PAY_CHECKS,
        CheckConstraint("raise_month IS NULL OR raise_month BETWEEN 1 AND 12", name="raise_month"),
        CheckConstraint("raise_day IS NULL OR raise_day BETWEEN 1 AND 31", name="raise_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    title_fr: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    employee: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[PositionStatus] = mapped_column(str_enum(PositionStatus, "position_status"))
    annual_salary: Mapped[Decimal | None] = mapped_column(MoneyType())
    hourly_rate: Mapped[Decimal | None] = mapped_column(MoneyType())
    weekly_hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 2, asdecimal=True))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    vacation_rate: Mapped[Decimal] = mapped_column(RateType(), default=Decimal(0))
    benefits_rate: Mapped[Decimal] = mapped_column(RateType(), default=Decimal(0))
    raise_rate: Mapped[Decimal] = mapped_column(RateType(), default=Decimal(0))
    raise_month: Mapped[int | None] = mapped_column(Integer)
    raise_day: Mapped[int | None] = mapped_column(Integer)
    pay_as_of: Mapped[date | None] = mapped_column(Date)
    budget_line_id: Mapped[int | None] = mapped_column(ForeignKey("budget_lines.id", ondelete="SET NULL"))
    notes: Mapped[str | None] = mapped_column(Text)

    budget_line: Mapped[BudgetLine | None] = relationship()
    funding: Mapped[list[PositionFunding]] = relationship(
        back_populates="position", cascade="all, delete-orphan", order_by="PositionFunding.id"
    )

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_fr


class PositionFunding(Versioned, Base):
    """What one grant gives one position: amounts per period, a share of its cost, or both.

    It belongs either to a position of the plan or to a scenario change that adds one.
    """

    __tablename__ = "position_funding"
    __table_args__ = (
        CheckConstraint("(position_id IS NULL) <> (change_id IS NULL)", name="one_owner"),
        CheckConstraint("share IS NULL OR (share > 0 AND share <= 1)", name="share"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id", ondelete="CASCADE"), index=True)
    change_id: Mapped[int | None] = mapped_column(ForeignKey("scenario_changes.id", ondelete="CASCADE"), index=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id", ondelete="RESTRICT"), index=True)
    share: Mapped[Decimal | None] = mapped_column(RateType())

    position: Mapped[Position | None] = relationship(back_populates="funding")
    change: Mapped[ScenarioChange | None] = relationship(back_populates="funding")
    grant: Mapped[Grant] = relationship()
    amounts: Mapped[list[PositionFundingAmount]] = relationship(
        back_populates="funding", cascade="all, delete-orphan", order_by="PositionFundingAmount.period_start"
    )


class PositionFundingAmount(Versioned, Base):
    """The amount a grant gives a position for one period (usually a fiscal year)."""

    __tablename__ = "position_funding_amounts"
    __table_args__ = (
        UniqueConstraint("funding_id", "period_start"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("period_end >= period_start", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    funding_id: Mapped[int] = mapped_column(ForeignKey("position_funding.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MoneyType())

    funding: Mapped[PositionFunding] = relationship(back_populates="amounts")

    @property
    def period(self) -> DateRange:
        return DateRange(self.period_start, self.period_end)


class PayrollRateTable(Versioned, Base):
    """One calendar year's payroll parameters for an organisation (domain.md 4.3).

    Loaded from the tables shipped in ``fundtrack/rates``; ``edited`` is set when the
    treasurer changes a value, so that reloading the shipped tables leaves it alone.
    """

    __tablename__ = "payroll_rate_tables"
    __table_args__ = (
        UniqueConstraint("organisation_id", "year"),
        CheckConstraint("rrq_exemption < rrq_mga AND rrq_mga <= rrq_msga", name="ceilings"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    rrq_rate: Mapped[Decimal] = mapped_column(RateType())
    rrq_exemption: Mapped[Decimal] = mapped_column(MoneyType())
    rrq_mga: Mapped[Decimal] = mapped_column(MoneyType())
    rrq2_rate: Mapped[Decimal] = mapped_column(RateType())
    rrq_msga: Mapped[Decimal] = mapped_column(MoneyType())
    rqap_rate: Mapped[Decimal] = mapped_column(RateType())
    rqap_max: Mapped[Decimal] = mapped_column(MoneyType())
    ei_rate: Mapped[Decimal] = mapped_column(RateType())
    ei_max: Mapped[Decimal] = mapped_column(MoneyType())
    fss_rate: Mapped[Decimal] = mapped_column(RateType())
    cnt_rate: Mapped[Decimal] = mapped_column(RateType())
    cnesst_rate: Mapped[Decimal] = mapped_column(RateType())
    cnesst_placeholder: Mapped[bool] = mapped_column(Boolean, default=True)
    sources: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)


class Scenario(Versioned, Base):
    """A named hiring scenario: the current staffing plan plus its changes, in order."""

    __tablename__ = "scenarios"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)

    changes: Mapped[list[ScenarioChange]] = relationship(
        back_populates="scenario", cascade="all, delete-orphan", order_by="ScenarioChange.seq"
    )


class ScenarioChange(Versioned, Base):
    """One change of a scenario: add a position, change its pay or hours, move its dates, end it.

    An ``add`` carries the new position's terms in the same columns as :class:`Position`;
    the other kinds name an existing position by ``position_key`` and fill only what changes.
    """

    __tablename__ = "scenario_changes"
    __table_args__ = (
        UniqueConstraint("scenario_id", "seq"),
        CheckConstraint("hourly_rate IS NULL OR hourly_rate >= 0", name="rate_not_negative"),
        CheckConstraint("annual_salary IS NULL OR annual_salary >= 0", name="salary_not_negative"),
        CheckConstraint("weekly_hours IS NULL OR (weekly_hours >= 0 AND weekly_hours <= 168)", name="weekly_hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ChangeKind] = mapped_column(str_enum(ChangeKind, "change_kind"))
    position_key: Mapped[str] = mapped_column(String(100))
    title_fr: Mapped[str | None] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    employee: Mapped[str | None] = mapped_column(String(200))
    annual_salary: Mapped[Decimal | None] = mapped_column(MoneyType())
    hourly_rate: Mapped[Decimal | None] = mapped_column(MoneyType())
    weekly_hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 2, asdecimal=True))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    vacation_rate: Mapped[Decimal | None] = mapped_column(RateType())
    benefits_rate: Mapped[Decimal | None] = mapped_column(RateType())
    raise_rate: Mapped[Decimal | None] = mapped_column(RateType())

    scenario: Mapped[Scenario] = relationship(back_populates="changes")
    funding: Mapped[list[PositionFunding]] = relationship(
        back_populates="change", cascade="all, delete-orphan", order_by="PositionFunding.id"
    )
