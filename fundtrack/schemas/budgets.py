"""Schemas of budgets, allocations, in-kind contributions, own funds and expenses.

They validate the interchange file's budget sections; ``load`` returns plain dicts
with typed values (Decimal, date) that :mod:`fundtrack.services.budgets` and
:mod:`fundtrack.services.expenses` take as they are.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, post_load, validates_schema

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


class YearAmountSchema(StrictSchema):
    """An amount for one fiscal year of the organisation (``2025-2026``)."""

    fiscal_year = Text(required=True)
    amount = Money(required=True, not_negative=True)


class PositiveYearAmountSchema(StrictSchema):
    fiscal_year = Text(required=True)
    amount = Money(required=True, positive=True)


class BudgetLineSchema(StrictSchema):
    category = Text(required=True)
    description = Text(required=True)
    amounts = fields.List(fields.Nested(YearAmountSchema), load_default=list)
    monthly_profile = fields.List(Rate(high=MAX_WEIGHT), load_default=None, allow_none=True)


class VersionSchema(StrictSchema):
    """One version of a project's budget (the ``budgets`` section)."""

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

    grant = Text(required=True)
    project = Text(required=True)
    version = Text(load_default=None, allow_none=True)
    category = Text(required=True)
    line = Text(load_default=None, allow_none=True)
    amounts = fields.List(fields.Nested(PositiveYearAmountSchema), required=True)
    note = Text(load_default=None, allow_none=True)


class InKindSchema(StrictSchema):
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
    project = Text(required=True)
    description = Text(required=True)
    amount = Money(required=True, positive=True)
    start_date = IsoDate(required=True)
    end_date = IsoDate(required=True)

    @validates_schema
    def _dates(self, data: dict[str, Any], **kwargs: Any) -> None:
        check_end_after_start(data)


class ChargeSchema(StrictSchema):
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

    @post_load
    def _description(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if data.get("description") is None and data.get("payee") is not None:
            data["description"] = data["payee"]
        return data
