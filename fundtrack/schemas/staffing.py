"""Schemas of the staffing plan: positions and their funding, payroll parameters, scenarios.

Each loads into the frozen command its service takes (:class:`NewPosition`,
:class:`NewScenario`, :class:`RatesChange`). Pay is an ``annual_salary`` or an
``hourly_rate`` with ``weekly_hours``; ``raise_on`` is a month and a day (``"04-01"``).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from marshmallow import ValidationError, fields, validates_schema

from fundtrack.i18n import msg, translate
from fundtrack.models.staffing import ChangeKind, PositionStatus
from fundtrack.schemas.common import (
    Choice,
    Int,
    IsoDate,
    Money,
    Rate,
    StrictSchema,
    Text,
    check_end_after_start,
)

M_PAY_BASIS = msg("staffing.schema.pay_basis")
M_HOURS = msg("staffing.schema.hours")
M_RAISE_ON = msg("staffing.schema.raise_on")
M_PERIOD = msg("staffing.schema.period")
M_NO_MONEY = msg("staffing.schema.no_money")
M_CHANGE_FIELDS = msg("staffing.schema.change_fields")
M_CHANGE_NEEDS = msg("staffing.schema.change_needs")
M_ADD_HOURS = msg("staffing.schema.add_hours")
M_ADD_PAY = msg("staffing.schema.add_pay")

_RAISE_ON = re.compile(r"^(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class PeriodAmount:
    """An amount for one period: a fiscal-year label of the organisation, or start and end."""

    amount: Decimal
    fiscal_year: str | None = None
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class NewFunding:
    """What one grant (by reference) gives a position: amounts per period, a share of its cost, or both."""

    grant: str
    share: Decimal | None = None
    amounts: tuple[PeriodAmount, ...] = ()


@dataclass(frozen=True)
class NewPosition:
    key: str
    title_fr: str
    title_en: str
    start_date: date
    employee: str | None = None
    status: str = "planned"
    annual_salary: Decimal | None = None
    hourly_rate: Decimal | None = None
    weekly_hours: Decimal | None = None
    end_date: date | None = None
    vacation_rate: Decimal = Decimal(0)
    benefits_rate: Decimal = Decimal(0)
    raise_rate: Decimal = Decimal(0)
    raise_on: tuple[int, int] | None = None
    pay_as_of: date | None = None
    notes: str | None = None
    funding: tuple[NewFunding, ...] = ()


@dataclass(frozen=True)
class RatesChange:
    """One year's payroll parameters; a value left out keeps the table's (a new year needs all)."""

    year: int
    rrq_rate: Decimal | None = None
    rrq_exemption: Decimal | None = None
    rrq_mga: Decimal | None = None
    rrq2_rate: Decimal | None = None
    rrq_msga: Decimal | None = None
    rqap_rate: Decimal | None = None
    rqap_max: Decimal | None = None
    ei_rate: Decimal | None = None
    ei_max: Decimal | None = None
    fss_rate: Decimal | None = None
    cnt_rate: Decimal | None = None
    cnesst_rate: Decimal | None = None
    sources: Mapping[str, str] = field(default_factory=dict)

    def value(self, parameter: str) -> Decimal | None:
        value: Decimal | None = getattr(self, parameter)
        return value


@dataclass(frozen=True)
class NewChange:
    """One change of a scenario: ``kind`` (add, change_pay, move, end) of position ``position``."""

    kind: str
    position: str
    title_fr: str | None = None
    title_en: str | None = None
    employee: str | None = None
    annual_salary: Decimal | None = None
    hourly_rate: Decimal | None = None
    weekly_hours: Decimal | None = None
    start_date: date | None = None
    end_date: date | None = None
    vacation_rate: Decimal | None = None
    benefits_rate: Decimal | None = None
    raise_rate: Decimal | None = None
    funding: tuple[NewFunding, ...] = ()


@dataclass(frozen=True)
class NewScenario:
    name: str
    description: str | None = None
    changes: tuple[NewChange, ...] = ()


class Hours(fields.Field[Decimal]):
    """Weekly hours, exact, 0 to 168, at most two decimals."""

    json_schema: ClassVar[dict[str, Any]] = {
        "type": ["string", "number"],
        "pattern": r"^[0-9]+(\.[0-9]{1,2})?$",
        "description": "weekly hours, 0 to 168",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Decimal:
        if isinstance(value, bool | float) or not isinstance(value, str | int | Decimal):
            raise ValidationError(translate(M_HOURS, value=value))
        try:
            hours = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValidationError(translate(M_HOURS, value=value)) from None
        if not hours.is_finite() or not 0 <= hours <= 168 or hours.as_tuple().exponent < -2:  # type: ignore[operator]
            raise ValidationError(translate(M_HOURS, value=value))
        return hours

    def _serialize(self, value: Decimal | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else format(value.normalize(), "f")


class YearlyDate(fields.Field[tuple[int, int]]):
    """A month and a day that come back every year (``"04-01"``)."""

    json_schema: ClassVar[dict[str, Any]] = {"type": "string", "pattern": r"^[0-9]{2}-[0-9]{2}$"}

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> tuple[int, int]:
        match = _RAISE_ON.match(str(value).strip()) if isinstance(value, str) else None
        if match is None:
            raise ValidationError(translate(M_RAISE_ON, value=value))
        month, day = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2024, month)[1]:
            raise ValidationError(translate(M_RAISE_ON, value=value))
        return month, day

    def _serialize(self, value: tuple[int, int] | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else f"{value[0]:02d}-{value[1]:02d}"


class PeriodAmountSchema(StrictSchema):
    """An amount for one period: a fiscal-year label of the organisation, or start and end."""

    command = PeriodAmount

    fiscal_year = Text(load_default=None, allow_none=True)
    start = IsoDate(load_default=None, allow_none=True)
    end = IsoDate(load_default=None, allow_none=True)
    amount = Money(required=True, not_negative=True)

    @validates_schema
    def _period(self, data: dict[str, Any], **kwargs: Any) -> None:
        by_label = data.get("fiscal_year") is not None
        by_dates = data.get("start") is not None and data.get("end") is not None
        if by_label == by_dates or (not by_dates and (data.get("start") or data.get("end"))):
            raise ValidationError(translate(M_PERIOD), "fiscal_year")
        check_end_after_start(data, "start", "end")


class FundingSchema(StrictSchema):
    """What one grant (by reference) gives the position."""

    command = NewFunding

    grant = Text(required=True)
    share = Rate(load_default=None, allow_none=True)
    amounts = fields.List(fields.Nested(PeriodAmountSchema), load_default=list)

    @validates_schema
    def _money(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("share") is None and not data.get("amounts"):
            raise ValidationError(translate(M_NO_MONEY), "amounts")


def _check_pay(data: Mapping[str, Any]) -> None:
    salary = data.get("annual_salary") is not None
    hourly = data.get("hourly_rate") is not None and data.get("weekly_hours") is not None
    partial = (data.get("hourly_rate") is None) != (data.get("weekly_hours") is None)
    if salary == hourly or partial:
        raise ValidationError(translate(M_PAY_BASIS), "annual_salary")


class PositionSchema(StrictSchema):
    command = NewPosition
    key = Text(required=True)
    title_fr = Text(required=True)
    title_en = Text(required=True)
    employee = Text(load_default=None, allow_none=True)
    status = Choice([s.value for s in PositionStatus], load_default="planned")
    annual_salary = Money(load_default=None, allow_none=True, not_negative=True)
    hourly_rate = Money(load_default=None, allow_none=True, not_negative=True)
    weekly_hours = Hours(load_default=None, allow_none=True)
    start_date = IsoDate(required=True)
    end_date = IsoDate(load_default=None, allow_none=True)
    vacation_rate = Rate(load_default=Decimal(0))
    benefits_rate = Rate(load_default=Decimal(0))
    raise_rate = Rate(load_default=Decimal(0))
    raise_on = YearlyDate(load_default=None, allow_none=True)
    pay_as_of = IsoDate(load_default=None, allow_none=True)
    notes = Text(load_default=None, allow_none=True)
    funding = fields.List(fields.Nested(FundingSchema), load_default=list)

    @validates_schema
    def _rules(self, data: dict[str, Any], **kwargs: Any) -> None:
        _check_pay(data)
        check_end_after_start(data)


PAYROLL_PARAMETERS = (
    "rrq_rate",
    "rrq_exemption",
    "rrq_mga",
    "rrq2_rate",
    "rrq_msga",
    "rqap_rate",
    "rqap_max",
    "ei_rate",
    "ei_max",
    "fss_rate",
    "cnt_rate",
    "cnesst_rate",
)


class PayrollRatesSchema(StrictSchema):
    """One year's parameters; values left out keep the shipped table's (a new year needs all)."""

    command = RatesChange

    year = Int(required=True, validate=lambda y: _check_year(y))
    rrq_rate = Rate(load_default=None, allow_none=True)
    rrq_exemption = Money(load_default=None, allow_none=True, not_negative=True)
    rrq_mga = Money(load_default=None, allow_none=True, positive=True)
    rrq2_rate = Rate(load_default=None, allow_none=True)
    rrq_msga = Money(load_default=None, allow_none=True, positive=True)
    rqap_rate = Rate(load_default=None, allow_none=True)
    rqap_max = Money(load_default=None, allow_none=True, positive=True)
    ei_rate = Rate(load_default=None, allow_none=True)
    ei_max = Money(load_default=None, allow_none=True, positive=True)
    fss_rate = Rate(load_default=None, allow_none=True)
    cnt_rate = Rate(load_default=None, allow_none=True)
    cnesst_rate = Rate(load_default=None, allow_none=True)
    sources = fields.Dict(keys=Text(), values=Text(), load_default=dict)


M_YEAR = msg("staffing.schema.year")


def _check_year(value: int) -> None:
    if not 2000 <= value <= 2100:
        raise ValidationError(translate(M_YEAR, value=value))


_CHANGE_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    # kind: (required, allowed besides kind and position)
    ChangeKind.ADD.value: (
        {"title_fr", "title_en", "start_date"},
        {
            "title_fr",
            "title_en",
            "employee",
            "annual_salary",
            "hourly_rate",
            "weekly_hours",
            "start_date",
            "end_date",
            "vacation_rate",
            "benefits_rate",
            "raise_rate",
            "funding",
        },
    ),
    ChangeKind.CHANGE_PAY.value: (set(), {"annual_salary", "hourly_rate", "weekly_hours"}),
    ChangeKind.MOVE.value: (set(), {"start_date", "end_date"}),
    ChangeKind.END.value: ({"end_date"}, {"end_date"}),
}


def _check_paid_something(data: Mapping[str, Any]) -> None:
    """An added position works some hours for some pay: zero would add a hire that costs nothing."""
    if data.get("weekly_hours") is not None and data["weekly_hours"] <= 0:
        raise ValidationError(translate(M_ADD_HOURS, value=data["weekly_hours"]), "weekly_hours")
    for name in ("hourly_rate", "annual_salary"):
        if data.get(name) is not None and data[name] <= 0:
            raise ValidationError(translate(M_ADD_PAY, value=data[name]), name)


class ChangeSchema(StrictSchema):
    """One change: ``kind`` (add, change_pay, move, end) and the ``position`` key it concerns."""

    command = NewChange

    kind = Choice([k.value for k in ChangeKind], required=True)
    position = Text(required=True)
    title_fr = Text(load_default=None, allow_none=True)
    title_en = Text(load_default=None, allow_none=True)
    employee = Text(load_default=None, allow_none=True)
    annual_salary = Money(load_default=None, allow_none=True, not_negative=True)
    hourly_rate = Money(load_default=None, allow_none=True, not_negative=True)
    weekly_hours = Hours(load_default=None, allow_none=True)
    start_date = IsoDate(load_default=None, allow_none=True)
    end_date = IsoDate(load_default=None, allow_none=True)
    vacation_rate = Rate(load_default=None, allow_none=True)
    benefits_rate = Rate(load_default=None, allow_none=True)
    raise_rate = Rate(load_default=None, allow_none=True)
    funding = fields.List(fields.Nested(FundingSchema), load_default=list)

    @validates_schema
    def _rules(self, data: dict[str, Any], **kwargs: Any) -> None:
        kind = data["kind"]
        required, allowed = _CHANGE_FIELDS[kind]
        given = {k for k, v in data.items() if k not in ("kind", "position") and v not in (None, [], "")}
        missing = sorted(required - given)
        if missing:
            raise ValidationError(translate(M_CHANGE_NEEDS, kind=kind, fields=", ".join(missing)), missing[0])
        extra = sorted(given - allowed)
        if extra:
            raise ValidationError(translate(M_CHANGE_FIELDS, kind=kind, fields=", ".join(extra)), extra[0])
        if kind == ChangeKind.ADD.value:
            _check_pay(data)
            _check_paid_something(data)
            check_end_after_start(data)
        if kind == ChangeKind.CHANGE_PAY.value and not given:
            raise ValidationError(
                translate(M_CHANGE_NEEDS, kind=kind, fields="annual_salary | hourly_rate | weekly_hours"),
                "hourly_rate",
            )


class ScenarioSchema(StrictSchema):
    command = NewScenario
    name = Text(required=True)
    description = Text(load_default=None, allow_none=True)
    changes = fields.List(fields.Nested(ChangeSchema), load_default=list)
