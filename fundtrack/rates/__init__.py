"""The payroll parameter tables shipped with fundtrack, one YAML file per calendar year.

Each value is a string read as an exact Decimal, with its label and its source; the loader
refuses a file with a missing parameter or a value written as a bare number (YAML would
read it as a float). :func:`shipped_rates` gives every shipped year as
:class:`~fundtrack.calc.payroll.PayrollRates`; :func:`shipped_book` as a
:class:`~fundtrack.calc.payroll.RateBook`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache
from importlib import resources
from typing import Any

import yaml

from fundtrack.calc.payroll import PayrollRates, RateBook
from fundtrack.errors import InputError
from fundtrack.i18n import msg

M_BAD_FILE = msg("rates.bad_file")
M_VALUE_NOT_TEXT = msg("rates.value_not_text")

PARAMETERS: tuple[str, ...] = tuple(
    f.name for f in fields(PayrollRates) if f.name not in ("year", "cnesst_placeholder", "sources")
)


@dataclass(frozen=True)
class ShippedTable:
    """A shipped table: the parameters, and each one's label and source as the file gives them."""

    rates: PayrollRates
    labels: tuple[tuple[str, str], ...]
    notes: tuple[tuple[str, str], ...]


def parse_table(text: str, name: str = "<text>") -> ShippedTable:
    """Read one year's table from YAML text. Raises :class:`InputError` naming the problem."""
    data: Any = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("year"), int):
        raise InputError(M_BAD_FILE, field="year", name=name, problem="year")
    params = data.get("parameters")
    if not isinstance(params, dict):
        raise InputError(M_BAD_FILE, field="parameters", name=name, problem="parameters")
    values: dict[str, str] = {}
    sources: list[tuple[str, str]] = []
    labels: list[tuple[str, str]] = []
    placeholder = False
    for param in PARAMETERS:
        entry = params.get(param)
        if not isinstance(entry, dict) or "value" not in entry or not entry.get("source"):
            raise InputError(M_BAD_FILE, field=param, name=name, problem=param)
        if not isinstance(entry["value"], str):
            raise InputError(M_VALUE_NOT_TEXT, field=param, param=param)
        values[param] = entry["value"]
        sources.append((param, str(entry["source"])))
        labels.append((param, str(entry.get("label", param))))
        if param == "cnesst_rate":
            placeholder = bool(entry.get("placeholder", False))
    rates = PayrollRates(
        year=data["year"],
        cnesst_placeholder=placeholder,
        sources=tuple(sources),
        **values,  # type: ignore[arg-type]  # strings, made exact Decimals by PayrollRates
    )
    notes = data.get("notes") or {}
    return ShippedTable(rates, tuple(labels), tuple((str(k), str(v)) for k, v in notes.items()))


@cache
def shipped_tables() -> tuple[ShippedTable, ...]:
    """Every table shipped in ``fundtrack/rates/payroll_*.yaml``, by year."""
    folder = resources.files(__name__)
    tables = [
        parse_table(entry.read_text(encoding="utf-8"), entry.name)
        for entry in folder.iterdir()
        if entry.name.startswith("payroll_") and entry.name.endswith(".yaml")
    ]
    return tuple(sorted(tables, key=lambda t: t.rates.year))


def shipped_rates() -> dict[int, PayrollRates]:
    return {t.rates.year: t.rates for t in shipped_tables()}


def shipped_book() -> RateBook:
    return RateBook.of(shipped_rates())
