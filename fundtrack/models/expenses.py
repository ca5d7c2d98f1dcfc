"""Expenses with their sales taxes and how they are charged to grants.

An expense records its pre-tax amount, GST, QST, the rebates and the net cost (the
figure charged to budget lines and grants, domain.md 4.4). Its charges split the net
cost over grants; what they leave is the organisation's own funds. A recorded expense
is corrected by a reversing expense (every amount negated, charges too) linked to it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fundtrack.models.base import Base, MoneyType, UTCDateTime, Versioned, str_enum, utcnow
from fundtrack.models.budgets import BudgetLine
from fundtrack.models.ledger import BudgetCategory, Grant, Project

if TYPE_CHECKING:
    from fundtrack.models.attachments import Attachment


class PaymentMethod(enum.StrEnum):
    CHEQUE = "cheque"
    TRANSFER = "transfer"
    CARD = "card"
    DEBIT = "debit"
    CASH = "cash"
    OTHER = "other"


class Expense(Versioned, Base):
    __tablename__ = "expenses"
    __table_args__ = (
        CheckConstraint("net_cost = pre_tax + gst + qst - gst_rebate - qst_rebate", name="net_cost"),
        # a period's net cost is summed from the index alone
        Index("ix_expenses_org_date_net", "organisation_id", "expense_date", "net_cost"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("budget_categories.id", ondelete="RESTRICT"))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("budget_lines.id", ondelete="SET NULL"), index=True)
    expense_date: Mapped[date] = mapped_column(Date)
    payee: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(300))
    pre_tax: Mapped[Decimal] = mapped_column(MoneyType())
    gst: Mapped[Decimal] = mapped_column(MoneyType())
    qst: Mapped[Decimal] = mapped_column(MoneyType())
    gst_rebate: Mapped[Decimal] = mapped_column(MoneyType())
    qst_rebate: Mapped[Decimal] = mapped_column(MoneyType())
    net_cost: Mapped[Decimal] = mapped_column(MoneyType())
    payment_method: Mapped[PaymentMethod | None] = mapped_column(str_enum(PaymentMethod, "payment_method"))
    receipt_reference: Mapped[str | None] = mapped_column(String(100))
    attachment: Mapped[str | None] = mapped_column(String(500))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("expenses.id", ondelete="RESTRICT"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    project: Mapped[Project] = relationship()
    category: Mapped[BudgetCategory] = relationship()
    line: Mapped[BudgetLine | None] = relationship()
    charges: Mapped[list[ExpenseCharge]] = relationship(
        back_populates="expense", cascade="all, delete-orphan", order_by="ExpenseCharge.id"
    )
    receipt: Mapped[Attachment | None] = relationship(uselist=False, viewonly=True)


class ExpenseCharge(Versioned, Base):
    """The part of an expense's net cost charged to one grant."""

    __tablename__ = "expense_charges"
    __table_args__ = (
        UniqueConstraint("expense_id", "grant_id"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        # the charges of a period's expenses, joined and summed per grant from the index alone
        Index("ix_expense_charges_expense_grant_amount", "expense_id", "grant_id", "amount"),
        # an organisation's charges, read by its grants from the index alone: on a server of many
        # organisations this reads that organisation's charges, not an index probe per expense
        Index("ix_expense_charges_grant_expense_amount", "grant_id", "expense_id", "amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    expense_id: Mapped[int] = mapped_column(ForeignKey("expenses.id", ondelete="CASCADE"))
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal] = mapped_column(MoneyType())

    expense: Mapped[Expense] = relationship(back_populates="charges")
    grant: Mapped[Grant] = relationship()
