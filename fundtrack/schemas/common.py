"""Fields and helpers shared by every schema of the interchange file and of input forms.

Money is read exactly (strings, integers or Decimals; floats, booleans, exponent
notation, a third decimal and amounts beyond the maximum are refused, never rounded),
rates are fractions (``"0.15"`` for 15 %), dates are ISO and within the documented range,
text holds no control character (tabs and line breaks aside) and at most
:data:`~fundtrack.limits.MAX_TEXT_LENGTH` characters (each column's own length is
checked when the row is written, see :mod:`fundtrack.models.base`). Error messages are
fundtrack's own, in the current language, marshmallow's included.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, post_load

from fundtrack.errors import FieldError, InputError
from fundtrack.i18n import msg, translate
from fundtrack.limits import check_date, check_integer, check_text
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
M_RATE_EXPONENT = msg("field.rate_exponent")
M_RATE_DECIMALS = msg("field.rate_decimals")
M_REJECTED = msg("field.rejected")

# a rate as a file writes it: digits, at most one point, an optional sign
_PLAIN_RATE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_EXPONENT = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d+$")
RATE_PLACES = 6


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
        rate = _rate(value)
        if not self.low <= rate <= self.high:
            raise ValidationError(translate(M_RATE_RANGE, value=value, low=self.low, high=self.high))
        if rate.as_tuple().exponent < -RATE_PLACES:  # type: ignore[operator]
            raise ValidationError(translate(M_RATE_DECIMALS, value=value, places=RATE_PLACES))
        return rate

    def _serialize(self, value: Decimal | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else format(value.normalize(), "f")


def _rate(value: Any) -> Decimal:
    """A finite Decimal from a plain number (string, int or Decimal), or ValidationError."""
    if isinstance(value, bool | float) or not isinstance(value, str | int | Decimal):
        raise ValidationError(translate(M_NOT_RATE, value=value))
    if isinstance(value, str):
        text = value.strip()
        if not _PLAIN_RATE.match(text):
            raise ValidationError(translate(M_RATE_EXPONENT if _EXPONENT.match(text) else M_NOT_RATE, value=value))
        return Decimal(text)
    rate = Decimal(value)
    if not rate.is_finite():
        raise ValidationError(translate(M_NOT_RATE, value=value))
    return rate


class IsoDate(fields.Field[date]):
    """An ISO date string (``2026-04-01``) within the documented range; a date object is taken as it is."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> date:
        if isinstance(value, datetime) or not isinstance(value, str | date):
            raise ValidationError(translate(M_BAD_DATE, value=value))
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                raise ValidationError(translate(M_BAD_DATE, value=value)) from None
        try:
            return check_date(value)
        except InputError as exc:
            raise ValidationError(exc.message()) from None

    def _serialize(self, value: date | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else value.isoformat()


class Text(fields.String):
    """Text, stripped of surrounding blanks; empty means absent for optional fields.

    No control character but tabs and line breaks (which a one-line column refuses
    when the row is written), at most :data:`~fundtrack.limits.MAX_TEXT_LENGTH` characters.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            raise ValidationError(translate(M_NOT_TEXT))
        try:
            return check_text(value, multiline=True).strip()
        except InputError as exc:
            raise ValidationError(exc.message()) from None


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
    """A whole number (not a boolean) that PostgreSQL's INTEGER holds."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(translate(M_NOT_INT))
        try:
            return check_integer(value)
        except InputError as exc:
            raise ValidationError(exc.message()) from None


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
        self.error_messages = {
            **self.error_messages,
            "unknown": translate(M_UNKNOWN_FIELD),
            "type": translate(M_NOT_OBJECT),
        }


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
            out.extend(_field_error(prefix, m) for m in messages)
        else:
            for m in messages:
                out.extend(flatten_errors(m, prefix))
    else:
        out.append(_field_error(prefix, str(messages)))
    return out


M_INVALID_RAW = msg("field.raw")

# marshmallow's own messages (English, whatever the language), as the catalogue says them
_MARSHMALLOW_CODES: dict[str, str] = {
    str(fields.Field.default_error_messages["required"]): M_REQUIRED,
    str(fields.Field.default_error_messages["null"]): M_REQUIRED,
    str(fields.Field.default_error_messages["validator_failed"]): M_REJECTED,
    str(fields.Nested.default_error_messages["type"]): M_NOT_OBJECT,
    str(fields.List.default_error_messages["invalid"]): M_NOT_LIST,
    str(fields.Tuple.default_error_messages["invalid"]): M_NOT_LIST,
    str(fields.String.default_error_messages["invalid"]): M_NOT_TEXT,
    str(fields.Dict.default_error_messages["invalid"]): M_NOT_OBJECT,
    str(fields.Integer.default_error_messages["invalid"]): M_NOT_INT,
    str(fields.Boolean.default_error_messages["invalid"]): M_NOT_BOOL,
    str(Schema._default_error_messages["type"]): M_NOT_OBJECT,
    str(Schema._default_error_messages["unknown"]): M_UNKNOWN_FIELD,
}


def _field_error(path: str, text: str) -> FieldError:
    code = _MARSHMALLOW_CODES.get(text)
    if code is None:
        return FieldError(path, M_INVALID_RAW, (("text", text),))
    return FieldError(path, code)


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
