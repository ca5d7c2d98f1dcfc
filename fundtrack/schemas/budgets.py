"""Schemas of budgets, allocations, in-kind contributions, own funds and expenses.

Each loads into the frozen command its service takes (:class:`NewVersion` for
:func:`fundtrack.services.budgets.create_version`, :class:`NewExpense` for
:func:`fundtrack.services.expenses.record_expense`...), from a file, a form or options.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, validates_schema

from fundtrack.i18n import msg, translate
from fundtrack.models.budgets import VersionKind
from fundtrack.models.expenses import PaymentMethod
from fundtrack.models.ledger import enum_values
from fundtrack.schemas.common import (
    M_REQUIRED,
    Bool,
    Choice,
    IsoDate,
    Money,
    Rate,
    StrictSchema,
    Text,
    check_end_after_start,
)

M_REVERSAL_ONLY = msg("field.reversal_only")
M_CHARGES_OR_CHARGE = msg("field.charges_or_charge")

# a month's weight in a line's monthly profile (any non-negative number, six places at most)
MAX_WEIGHT = Decimal(1_000_000)


@dataclass(frozen=True)
class YearAmount:
    """An amount for one fiscal year of the organisation (``2025-2026``)."""

    fiscal_year: str
    amount: Decimal


@dataclass(frozen=True)
class NewLine:
    """A budget line: its category, its description, its amount per fiscal year."""

    category: str
    description: str
    amounts: tuple[YearAmount, ...] = ()
    monthly_profile: tuple[Decimal, ...] | None = None


@dataclass(frozen=True)
class NewVersion:
    """A version of a project's budget with its lines."""

    project: str
    name: str
    kind: str = "adopted"
    parent: str | None = None
    current: bool = False
    adopted_on: date | None = None
    notes: str | None = None
    lines: tuple[NewLine, ...] = ()


@dataclass(frozen=True)
class NewAllocation:
    """A grant's part of one budget line, by fiscal year."""

    grant: str
    project: str
    category: str
    amounts: tuple[YearAmount, ...]
    version: str | None = None
    line: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class NewInKind:
    project: str
    contributor: str
    description: str
    fair_value: Decimal
    start_date: date
    end_date: date
    category: str | None = None


@dataclass(frozen=True)
class NewOwnFunds:
    project: str
    description: str
    amount: Decimal
    start_date: date
    end_date: date


@dataclass(frozen=True)
class NewCharge:
    grant: str
    amount: Decimal


@dataclass(frozen=True)
class NewExpense:
    """An expense and who pays it: ``charges`` (an explicit split, ``own_funds`` the rest)
    or ``charge``: ``auto`` (the grants allocated to its line) or ``own``."""

    date: date
    payee: str
    project: str
    category: str
    pre_tax: Decimal
    description: str = ""
    line: str | None = None
    gst: Decimal | None = None
    qst: Decimal | None = None
    payment_method: str | None = None
    receipt_reference: str | None = None
    attachment: str | None = None
    charges: tuple[NewCharge, ...] = ()
    own_funds: Decimal | None = None
    charge: str | None = None


@dataclass(frozen=True)
class ExpenseEntry:
    """One record of the file's ``expenses`` section: an expense (with an optional ``key``),
    or the reversal (``reverses``: the key of an earlier expense) of one, on ``date``."""

    key: str | None = None
    reverses: str | None = None
    date: date | None = None
    payee: str | None = None
    description: str | None = None
    project: str | None = None
    category: str | None = None
    line: str | None = None
    pre_tax: Decimal | None = None
    gst: Decimal | None = None
    qst: Decimal | None = None
    payment_method: str | None = None
    receipt_reference: str | None = None
    attachment: str | None = None
    charges: tuple[NewCharge, ...] = ()
    own_funds: Decimal | None = None
    charge: str | None = None

    def expense(self) -> NewExpense:
        """The expense this record describes (its shape checked by the schema)."""
        assert self.date and self.payee and self.project and self.category and self.pre_tax is not None
        return NewExpense(
            date=self.date,
            payee=self.payee,
            project=self.project,
            category=self.category,
            pre_tax=self.pre_tax,
            description=self.description or self.payee,
            line=self.line,
            gst=self.gst,
            qst=self.qst,
            payment_method=self.payment_method,
            receipt_reference=self.receipt_reference,
            attachment=self.attachment,
            charges=self.charges,
            own_funds=self.own_funds,
            charge=self.charge,
        )


class YearAmountSchema(StrictSchema):
    """An amount for one fiscal year of the organisation (``2025-2026``)."""

    command = YearAmount

    fiscal_year = Text(required=True)
    amount = Money(required=True, not_negative=True)


class PositiveYearAmountSchema(StrictSchema):
    command = YearAmount
    fiscal_year = Text(required=True)
    amount = Money(required=True, positive=True)


class BudgetLineSchema(StrictSchema):
    command = NewLine
    category = Text(required=True)
    description = Text(required=True)
    amounts = fields.List(fields.Nested(YearAmountSchema), load_default=list)
    monthly_profile = fields.List(Rate(high=MAX_WEIGHT), load_default=None, allow_none=True)


class VersionSchema(StrictSchema):
    """One version of a project's budget (the ``budgets`` section)."""

    command = NewVersion

    project = Text(required=True)
    name = Text(required=True)
    kind = Choice(enum_values(VersionKind), load_default="adopted")
    parent = Text(load_default=None, allow_none=True)
    current = Bool(load_default=False)
    adopted_on = IsoDate(load_default=None, allow_none=True)
    notes = Text(load_default=None, allow_none=True)
    lines = fields.List(fields.Nested(BudgetLineSchema), load_default=list)


class AllocationSchema(StrictSchema):
    """A grant's part of one budget line, by fiscal year (the ``allocations`` section).

    ``version`` defaults to the project's current version; ``line`` (the line's
    description) is needed only when the version has several lines of the category.
    """

    command = NewAllocation

    grant = Text(required=True)
    project = Text(required=True)
    version = Text(load_default=None, allow_none=True)
    category = Text(required=True)
    line = Text(load_default=None, allow_none=True)
    amounts = fields.List(fields.Nested(PositiveYearAmountSchema), required=True)
    note = Text(load_default=None, allow_none=True)


class InKindSchema(StrictSchema):
    command = NewInKind
    project = Text(required=True)
    contributor = Text(required=True)
    description = Text(required=True)
    fair_value = Money(required=True, positive=True)
    start_date = IsoDate(required=True)
    end_date = IsoDate(required=True)
    category = Text(load_default=None, allow_none=True)

    @validates_schema
    def _dates(self, data: dict[str, Any], **kwargs: Any) -> None:
        check_end_after_start(data)


class OwnFundsSchema(StrictSchema):
    command = NewOwnFunds
    project = Text(required=True)
    description = Text(required=True)
    amount = Money(required=True, positive=True)
    start_date = IsoDate(required=True)
    end_date = IsoDate(required=True)

    @validates_schema
    def _dates(self, data: dict[str, Any], **kwargs: Any) -> None:
        check_end_after_start(data)


class ChargeSchema(StrictSchema):
    command = NewCharge
    grant = Text(required=True)
    amount = Money(required=True, positive=True)


_EXPENSE_REQUIRED = ("date", "payee", "project", "category", "pre_tax")


class ExpenseSchema(StrictSchema):
    """An expense and who pays it (the ``expenses`` section).

    Taxes are computed (domain.md 4.4) unless ``gst`` / ``qst`` are given. Paid by
    ``charges`` (an explicit split; ``own_funds`` is the part left to the
    organisation) or by ``charge``: ``auto`` (the grants allocated to its line) or
    ``own``. A correction is a reversal: ``reverses`` names the ``key`` of an earlier
    expense of the list, with the reversal's ``date``, and nothing else.
    """

    command = ExpenseEntry

    key = Text(load_default=None, allow_none=True)
    reverses = Text(load_default=None, allow_none=True)
    date = IsoDate(load_default=None, allow_none=True)
    payee = Text(load_default=None, allow_none=True)
    description = Text(load_default=None, allow_none=True)
    project = Text(load_default=None, allow_none=True)
    category = Text(load_default=None, allow_none=True)
    line = Text(load_default=None, allow_none=True)
    pre_tax = Money(load_default=None, allow_none=True, positive=True)
    gst = Money(load_default=None, allow_none=True)
    qst = Money(load_default=None, allow_none=True)
    payment_method = Choice(enum_values(PaymentMethod), load_default=None, allow_none=True)
    receipt_reference = Text(load_default=None, allow_none=True)
    attachment = Text(load_default=None, allow_none=True)
    charges = fields.List(fields.Nested(ChargeSchema), load_default=list)
    own_funds = Money(load_default=None, allow_none=True, not_negative=True)
    charge = Choice(["auto", "own"], load_default=None, allow_none=True)

    @validates_schema
    def _shape(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("reverses") is not None:
            extra = [k for k, v in data.items() if v not in (None, []) and k not in ("reverses", "date", "key")]
            if extra:
                raise ValidationError({k: [translate(M_REVERSAL_ONLY)] for k in extra})
            if data.get("date") is None:
                raise ValidationError({"date": [translate(M_REQUIRED)]})
            return
        missing = [k for k in _EXPENSE_REQUIRED if data.get(k) is None]
        if missing:
            raise ValidationError({k: [translate(M_REQUIRED)] for k in missing})
        if data.get("charges") and data.get("charge") is not None:
            raise ValidationError({"charge": [translate(M_CHARGES_OR_CHARGE)]})

    def prepare(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("description") is None and data.get("payee") is not None:
            data["description"] = data["payee"]
        return data
