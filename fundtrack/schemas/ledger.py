"""Schemas of the funding ledger: categories, funders, projects and grants.

They validate the interchange file and any form; ``load`` returns plain dicts with
typed values (Decimal, date), which the services take.
"""

from __future__ import annotations

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
    IsoDate,
    Money,
    Rate,
    StrictSchema,
    Text,
    check_end_after_start,
    month_field,
)


class CategorySchema(StrictSchema):
    code = Text(required=True)
    label_fr = Text(required=True)
    label_en = Text(required=True)
    administrative = Bool(load_default=False)


class FunderSchema(StrictSchema):
    name = Text(required=True)
    kind = Choice(enum_values(FunderKind), required=True)
    fiscal_start_month = month_field()
    language = Choice(["fr", "en"], load_default="fr")
    contact_name = Text(load_default=None, allow_none=True)
    contact_email = Text(load_default=None, allow_none=True)
    fee_cap = Rate(load_default=None, allow_none=True)
    notes = Text(load_default=None, allow_none=True)


class ProjectSchema(StrictSchema):
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

    fiscal_year = Text(load_default=None, allow_none=True)
    start = IsoDate(load_default=None, allow_none=True)
    end = IsoDate(load_default=None, allow_none=True)
    amount = Money(required=True, not_negative=True)

    @validates_schema
    def _dates(self, data: dict[str, Any], **kwargs: Any) -> None:
        check_end_after_start(data, "start", "end")


class InstalmentSchema(StrictSchema):
    expected_date = IsoDate(required=True)
    amount = Money(required=True, positive=True)
    received_date = IsoDate(load_default=None, allow_none=True)
    received_amount = Money(load_default=None, allow_none=True, not_negative=True)
    note = Text(load_default=None, allow_none=True)


class ReportDueSchema(StrictSchema):
    due_date = IsoDate(required=True)
    title = Text(required=True)
    submitted_on = IsoDate(load_default=None, allow_none=True)


class MatchingSchema(StrictSchema):
    rate = Rate(required=True, high=Decimal(10))
    basis = Choice(enum_values(MatchingBasis), load_default="grant")


class GrantSchema(StrictSchema):
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
