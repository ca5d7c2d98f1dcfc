"""Values as plain, exact data for JSON and YAML: the one place that decides how.

An amount (two decimals) stays ``"1234.50"``; a rate is written without trailing
zeros (``"0.15"``, not ``"0.150000"``); dates are ISO; enumerations are their value;
dataclasses, mappings and sequences are converted recursively.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any


def decimal_text(value: Decimal) -> str:
    """``"1234.50"`` for an amount; a rate or other figure without trailing zeros."""
    if value.as_tuple().exponent == -2:
        return str(value)
    return format(value.normalize(), "f")


def plain(value: Any) -> Any:
    """``value`` with every Decimal, date, enumeration and dataclass made JSON-ready."""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    return value
