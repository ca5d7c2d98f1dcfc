"""Fields and helpers shared by every schema of the interchange file and of input forms.

Money is read exactly (strings, integers or Decimals; floats and a third decimal are
refused, never rounded), rates are fractions (``"0.15"`` for 15 %), dates are ISO.
Error messages are fundtrack's own, in the current language.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, post_load

from fundtrack.errors import FieldError, InputError
from fundtrack.i18n import msg, translate
from fundtrack.money import to_money

M_REQUIRED = msg("field.required")
M_UNKNOWN_FIELD = msg("field.unknown")
M_NOT_RATE = msg("field.not_rate")
M_RATE_RANGE = msg("field.rate_range")
M_POSITIVE = msg("field.positive")
M_NOT_NEGATIVE = msg("field.not_negative")
M_INVALID = msg("field.invalid")
M_CHOICE = msg("field.choice")
M_NOT_TEXT = msg("field.not_text")
M_NOT_LIST = msg("field.not_list")
M_NOT_BOOL = msg("field.not_bool")
M_NOT_INT = msg("field.not_int")
M_NOT_OBJECT = msg("field.not_object")
M_BAD_DATE = msg("field.bad_date")


def _messages() -> dict[str, str]:
    return {
        "required": translate(M_REQUIRED),
        "null": translate(M_REQUIRED),
    }


class Money(fields.Field[Decimal]):
    """An exact amount in dollars; ``positive`` or ``not_negative`` when the rule says so."""

    def __init__(self, *, positive: bool = False, not_negative: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.positive = positive
        self.not_negative = not_negative

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Decimal:
        try:
            amount = to_money(value)
        except InputError as exc:
            raise ValidationError(exc.message()) from None
        if self.positive and amount <= 0:
            raise ValidationError(translate(M_POSITIVE, value=amount))
        if self.not_negative and amount < 0:
            raise ValidationError(translate(M_NOT_NEGATIVE, value=amount))
        return amount

    def _serialize(self, value: Decimal | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(value)


class Rate(fields.Field[Decimal]):
    """A rate as a fraction, exact, between ``low`` and ``high`` (0 and 1 by default)."""

    def __init__(self, *, low: Decimal = Decimal(0), high: Decimal = Decimal(1), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.low, self.high = low, high

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Decimal:
        if isinstance(value, bool | float) or not isinstance(value, str | int | Decimal):
            raise ValidationError(translate(M_NOT_RATE, value=value))
        try:
            rate = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValidationError(translate(M_NOT_RATE, value=value)) from None
        if not rate.is_finite() or not self.low <= rate <= self.high:
            raise ValidationError(translate(M_RATE_RANGE, value=value, low=self.low, high=self.high))
        if rate.as_tuple().exponent < -6:  # type: ignore[operator]
            raise ValidationError(translate(M_NOT_RATE, value=value))
        return rate

    def _serialize(self, value: Decimal | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else format(value.normalize(), "f")


class IsoDate(fields.Field[date]):
    """An ISO date string (``2026-04-01``); a date object is taken as it is."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> date:
        if isinstance(value, date):
            return value
        if not isinstance(value, str):
            raise ValidationError(translate(M_BAD_DATE, value=value))
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(translate(M_BAD_DATE, value=value)) from None

    def _serialize(self, value: date | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else value.isoformat()


class Text(fields.String):
    """Text, stripped of surrounding blanks; empty means absent for optional fields."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            raise ValidationError(translate(M_NOT_TEXT))
        return value.strip()


class Choice(fields.String):
    """One of a fixed set of codes, with a bilingual message listing them."""

    def __init__(self, choices: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices = choices

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Any:
        if not isinstance(value, str) or value not in self.choices:
            raise ValidationError(translate(M_CHOICE, value=value, choices=", ".join(self.choices)))
        return value


class Int(fields.Integer):
    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(translate(M_NOT_INT))
        return value


class Bool(fields.Boolean):
    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Any:
        if not isinstance(value, bool):
            raise ValidationError(translate(M_NOT_BOOL))
        return value


class StrictSchema(Schema):
    """Unknown fields are errors, required fields say so in the current language.

    A schema that names a ``command`` (a frozen dataclass whose fields are the schema's)
    loads into it, lists becoming tuples, so that a service takes a typed value whatever
    the door: a file, a form or the CLI's options.
    """

    command: ClassVar[type[Any] | None] = None

    class Meta:
        unknown = "raise"

    def prepare(self, data: dict[str, Any]) -> dict[str, Any]:
        """Complete the loaded values before they become the command (a default from another field)."""
        return data

    @post_load
    def _to_command(self, data: dict[str, Any], **kwargs: Any) -> Any:
        data = self.prepare(data)
        cls = type(self).command
        if cls is None:
            return data
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})

    def handle_error(self, error: ValidationError, data: Any, *, many: bool, **kwargs: Any) -> None:
        raise error

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        messages = _messages()
        for fld in self.fields.values():
            fld.error_messages.update({k: v for k, v in messages.items() if k in fld.error_messages})
        self.error_messages = {**self.error_messages, "unknown": translate(M_UNKNOWN_FIELD)}


def flatten_errors(messages: Any, prefix: str = "") -> list[FieldError]:
    """marshmallow's nested error dict as a flat list of ``grants[3].amount: message``."""
    out: list[FieldError] = []
    if isinstance(messages, dict):
        for key, sub in messages.items():
            if isinstance(key, int):
                path = f"{prefix}[{key}]"
            elif key == "_schema":
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            out.extend(flatten_errors(sub, path))
    elif isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            out.extend(FieldError(prefix, M_INVALID_RAW, (("text", m),)) for m in messages)
        else:
            for m in messages:
                out.extend(flatten_errors(m, prefix))
    else:
        out.append(FieldError(prefix, M_INVALID_RAW, (("text", str(messages)),)))
    return out


M_INVALID_RAW = msg("field.raw")


def load_or_raise(schema: Schema, data: Any, prefix: str = "") -> Any:
    """Load ``data`` with ``schema`` or raise :class:`fundtrack.errors.ValidationFailed`."""
    from fundtrack.errors import ValidationFailed

    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed(flatten_errors(exc.messages, prefix)) from None


M_MONTH = msg("field.month")


def _check_month(value: int) -> None:
    if not 1 <= value <= 12:
        raise ValidationError(translate(M_MONTH, value=value))


def month_field(default: int = 4) -> Int:
    """A fiscal-year start month, 1 to 12."""
    return Int(load_default=default, validate=_check_month)


def check_end_after_start(data: Mapping[str, Any], start: str = "start_date", end: str = "end_date") -> None:
    """Raise on ``end`` if it is before ``start`` (both optional)."""
    from fundtrack.periods import M_END_BEFORE_START

    first, last = data.get(start), data.get(end)
    if first is not None and last is not None and last < first:
        raise ValidationError({end: [translate(M_END_BEFORE_START, start=first, end=last)]})
