"""Form fields that read what people type the way fundtrack does, and show it the same way.

A money field takes ``1 234,56 $``, ``1234,56`` or ``1,234.56`` and refuses a third decimal
or ambiguous input beside the field (:func:`fundtrack.money.parse_money`); it shows an
amount as the reader's language writes it. No rounding happens here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import IntegerField as _IntegerField
from wtforms import StringField
from wtforms.validators import StopValidation

from fundtrack.errors import InputError
from fundtrack.i18n import current_lang, translate
from fundtrack.money import format_plain, parse_money, parse_percent, percent_input


class BaseForm(FlaskForm):  # type: ignore[misc]
    """Every form of the admin: one CSRF mechanism (Flask-WTF's), on one base class."""


class IntegerField(_IntegerField):  # type: ignore[misc]
    """A whole number. One beyond 64 bits fits no column and would break WTForms' range check
    (``int too large to convert to float``): it is refused beside the field as not a number."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, int) and not -(2**63) <= self.data < 2**63:
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))


class MoneyField(StringField):  # type: ignore[misc]
    """An exact amount in dollars, as a person writes it; ``required``: left empty, it is
    refused beside the field (a form that calls a service without a schema needs it)."""

    data: Decimal | None

    def __init__(self, *args: Any, required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.required = required

    def pre_validate(self, form: Any) -> None:
        if self.required and self.data is None and not self.process_errors:
            raise StopValidation(translate("field.required"))

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = parse_money(str(valuelist[0]), current_lang())
        except InputError as exc:
            self.data = None
            raise ValueError(exc.message()) from None

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return format_plain(self.data, current_lang()) if isinstance(self.data, Decimal) else ""


class RateField(StringField):  # type: ignore[misc]
    """A rate typed as a percentage (``15`` or ``15,5`` for 15,5 %), kept as the fraction it is."""

    data: Decimal | None

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = parse_percent(str(valuelist[0]))
        except InputError as exc:
            self.data = None
            raise ValueError(exc.message()) from None

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return percent_input(self.data, current_lang()) if isinstance(self.data, Decimal) else ""
