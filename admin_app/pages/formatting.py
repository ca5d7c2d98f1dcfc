"""How the pages' templates write money, dates, rates and months: in the reader's language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from flask import Flask

from admin_app.context import current_lang
from admin_app.views.base import LOCALES, day, money
from fundtrack.money import format_percent


def percent(rate: Decimal | None) -> str:
    return "" if rate is None else format_percent(rate, current_lang())  # type: ignore[arg-type]


def month_label(value: date, short: bool = False) -> str:
    """``avr. 2026`` / ``Apr 2026`` (``avr.`` / ``Apr`` when ``short``)."""
    return str(format_date(value, format="MMM" if short else "MMM yyyy", locale=LOCALES[current_lang()]))


def init_formatting(app: Flask) -> None:
    app.jinja_env.globals.update(money=money, day=day, percent=percent, month_label=month_label)
