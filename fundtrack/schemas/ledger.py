"""Schemas of the funding ledger: categories, funders, projects, grants, receipts.

Each loads into the frozen command its service takes (:class:`NewGrant` for
:func:`fundtrack.services.grants.create_grant`...), whether the values come from the
interchange file, a form or the CLI's options.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import fields, validates_schema

from fundtrack.models.ledger import (
    DesiredChange,
    FunderKind,
    GrantStatus,
    MatchingBasis,
    ScheduleBasis,
    enum_values,
)
from fundtrack.schemas.common import (
    Bool,
    Choice,
    Int,
    IsoDate,
    Money,
    Rate,
    StrictSchema,
    Text,
    check_end_after_start,
    month_field,
)

# --- the commands ----------------------------------------------------------------------


@dataclass(frozen=True)
class NewCategory:
    code: str
    label_fr: str
    label_en: str
    administrative: bool = False


@dataclass(frozen=True)
class NewFunder:
    """A funder's terms, to create it or (with the version read) to change it."""

    name: str
    kind: str
    fiscal_start_month: int = 4
    language: str = "fr"
    contact_name: str | None = None
    contact_email: str | None = None
    fee_cap: Decimal | None = None
    notes: str | None = None


@dataclass(frozen=True)
class NewProject:
    name: str
    description: str | None = None
    desired_changes: tuple[str, ...] = ()
    start_date: date | None = None
    end_date: date | None = None
    operations: bool = False


@dataclass(frozen=True)
class ScheduleEntry:
    """An explicit amount of a grant for one period: a fiscal year label, or start and end."""

    amount: Decimal
    fiscal_year: str | None = None
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class NewInstalment:
    """An instalment as written: what it expects, and what came in: either its receipts one
    by one (``receipts``), or their total and last date (``received_amount``,
    ``received_date``, read as one receipt), or both when they agree."""

    expected_date: date
    amount: Decimal
    received_date: date | None = None
    received_amount: Decimal | None = None
    note: str | None = None
    receipts: tuple[ReceivedPayment, ...] = ()


@dataclass(frozen=True)
class ReceivedPayment:
    """One payment received on an instalment."""

    received_date: date
    amount: Decimal


@dataclass(frozen=True)
class NewReportDue:
    due_date: date
    title: str
    submitted_on: date | None = None


@dataclass(frozen=True)
class Matching:
    rate: Decimal
    basis: str = "grant"


@dataclass(frozen=True)
class NewGrant:
    """A grant agreement's terms, to create it or (with the version read) to change it."""

    reference: str
    funder: str
    title: str
    status: str
    amount: Decimal
    start_date: date
    end_date: date
    projects: tuple[str, ...] = ()
    restricted: bool = False
    eligible_categories: tuple[str, ...] = ()
    fee_cap: Decimal | None = None
    matching: Matching | None = None
    no_combination: bool = False
    schedule_basis: str | None = None
    schedule: tuple[ScheduleEntry, ...] = ()
    instalments: tuple[NewInstalment, ...] = ()
    report_dues: tuple[NewReportDue, ...] = ()
    notes: str | None = None


@dataclass(frozen=True)
class Receipt:
    """An instalment of grant ``reference`` received: the one expected on ``expected_date``
    (default: the first not yet received), on ``received_date``, for ``amount``."""

    reference: str
    received_date: date
    amount: Decimal
    expected_date: date | None = None
    revision: int | None = None


# --- the schemas -------------------------------------------------------------------------


class CategorySchema(StrictSchema):
    command = NewCategory
    code = Text(required=True)
    label_fr = Text(required=True)
    label_en = Text(required=True)
    administrative = Bool(load_default=False)


class FunderSchema(StrictSchema):
    command = NewFunder
    name = Text(required=True)
    kind = Choice(enum_values(FunderKind), required=True)
    fiscal_start_month = month_field()
    language = Choice(["fr", "en"], load_default="fr")
    contact_name = Text(load_default=None, allow_none=True)
    contact_email = Text(load_default=None, allow_none=True)
    fee_cap = Rate(load_default=None, allow_none=True)
    notes = Text(load_default=None, allow_none=True)


class ProjectSchema(StrictSchema):
    command = NewProject
    name = Text(required=True)
    description = Text(load_default=None, allow_none=True)
    desired_changes = fields.List(Choice(enum_values(DesiredChange)), load_default=list)
    start_date = IsoDate(load_default=None, allow_none=True)
    end_date = IsoDate(load_default=None, allow_none=True)
    operations = Bool(load_default=False)

    @validates_schema
    def _dates(self, data: dict[str, Any], **kwargs: Any) -> None:
        check_end_after_start(data)


class ScheduleEntrySchema(StrictSchema):
    """An explicit amount for one period: a fiscal year label, or start and end dates."""

    command = ScheduleEntry
    fiscal_year = Text(load_default=None, allow_none=True)
    start = IsoDate(load_default=None, allow_none=True)
    end = IsoDate(load_default=None, allow_none=True)
    amount = Money(required=True, not_negative=True)

    @validates_schema
    def _dates(self, data: dict[str, Any], **kwargs: Any) -> None:
        check_end_after_start(data, "start", "end")


class ReceivedPaymentSchema(StrictSchema):
    command = ReceivedPayment
    received_date = IsoDate(required=True)
    amount = Money(required=True, positive=True)


class InstalmentSchema(StrictSchema):
    command = NewInstalment
    expected_date = IsoDate(required=True)
    amount = Money(required=True, positive=True)
    received_date = IsoDate(load_default=None, allow_none=True)
    received_amount = Money(load_default=None, allow_none=True, not_negative=True)
    note = Text(load_default=None, allow_none=True)
    receipts = fields.List(fields.Nested(ReceivedPaymentSchema), load_default=list)


class ReportDueSchema(StrictSchema):
    command = NewReportDue
    due_date = IsoDate(required=True)
    title = Text(required=True)
    submitted_on = IsoDate(load_default=None, allow_none=True)


class MatchingSchema(StrictSchema):
    command = Matching
    rate = Rate(required=True, high=Decimal(10))
    basis = Choice(enum_values(MatchingBasis), load_default="grant")


class GrantSchema(StrictSchema):
    command = NewGrant
    reference = Text(required=True)
    funder = Text(required=True)
    title = Text(required=True)
    status = Choice(enum_values(GrantStatus), required=True)
    amount = Money(required=True, positive=True)
    start_date = IsoDate(required=True)
    end_date = IsoDate(required=True)
    projects = fields.List(Text(), load_default=list)
    restricted = Bool(load_default=False)
    eligible_categories = fields.List(Text(), load_default=list)
    fee_cap = Rate(load_default=None, allow_none=True)
    matching = fields.Nested(MatchingSchema, load_default=None, allow_none=True)
    no_combination = Bool(load_default=False)
    schedule_basis = Choice(enum_values(ScheduleBasis), load_default=None, allow_none=True)
    schedule = fields.List(fields.Nested(ScheduleEntrySchema), load_default=list)
    instalments = fields.List(fields.Nested(InstalmentSchema), load_default=list)
    report_dues = fields.List(fields.Nested(ReportDueSchema), load_default=list)
    notes = Text(load_default=None, allow_none=True)

    @validates_schema
    def _dates(self, data: dict[str, Any], **kwargs: Any) -> None:
        check_end_after_start(data)


class ReceiptSchema(StrictSchema):
    """An instalment received (``fundtrack receive``, the admin's receipt form)."""

    command = Receipt
    reference = Text(required=True)
    received_date = IsoDate(required=True)
    amount = Money(required=True, positive=True)
    expected_date = IsoDate(load_default=None, allow_none=True)
    revision = Int(load_default=None, allow_none=True)
