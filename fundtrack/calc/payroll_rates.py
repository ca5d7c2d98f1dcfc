"""Payroll parameters: one calendar year's table, and the book of every year's tables.

A :class:`PayrollRates` is checked when it is made (rates between 0 and 1, amounts exact
to the cent, exemption < MGA ≤ MSGA); a :class:`RateBook` finds the table of a year, or
borrows the latest earlier one (the earliest if none) and says so with a :class:`Note`.
The shipped tables are read by :mod:`fundtrack.rates`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import pairwise
from typing import ClassVar

from fundtrack.errors import InputError
from fundtrack.i18n import Lang, msg, translate
from fundtrack.money import ZERO, format_percent, round_half_up, to_money

_ONE = Decimal(1)

M_NO_RATES = msg("payroll.no_rates")
M_SAME_YEAR = msg("payroll.same_year")
M_YEAR_BORROWED = msg("payroll.year_borrowed")
M_CNESST_PLACEHOLDER = msg("payroll.cnesst_placeholder")
M_RATE_RANGE = msg("payroll.rate_range")
M_NOT_DECIMAL = msg("payroll.not_decimal")
M_NEGATIVE = msg("payroll.negative")
M_CEILINGS = msg("payroll.ceilings")


@dataclass(frozen=True)
class Note:
    """Something a reader of a projection must know (a borrowed table, a placeholder rate)."""

    code: str
    params: tuple[tuple[str, object], ...] = ()

    def message(self, lang: Lang | None = None) -> str:
        params = {k: format_percent(v, lang) if k == "rate" and isinstance(v, Decimal) else v for k, v in self.params}
        return translate(self.code, lang, **params)


def exact(value: object, field: str) -> Decimal:
    """``value`` as a finite Decimal built from a string, a Decimal or an int; never a float."""
    if isinstance(value, bool | float) or not isinstance(value, Decimal | str | int):
        raise InputError(M_NOT_DECIMAL, field=field, value=value)
    try:
        dec = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except ArithmeticError:
        raise InputError(M_NOT_DECIMAL, field=field, value=value) from None
    if not dec.is_finite():
        raise InputError(M_NOT_DECIMAL, field=field, value=value)
    return dec


def rate(value: object, field: str) -> Decimal:
    """A rate as a fraction between 0 and 1 (``Decimal("0.04")`` for 4 %)."""
    dec = exact(value, field)
    if not ZERO <= dec <= _ONE:
        raise InputError(M_RATE_RANGE, field=field, value=value)
    return dec


# ---------------------------------------------------------------------------------------------
# Parameters


@dataclass(frozen=True)
class PayrollRates:
    """One calendar year's employer payroll parameters (domain.md 4.3). Rates are fractions."""

    year: int
    rrq_rate: Decimal
    rrq_exemption: Decimal
    rrq_mga: Decimal
    rrq2_rate: Decimal
    rrq_msga: Decimal
    rqap_rate: Decimal
    rqap_max: Decimal
    ei_rate: Decimal
    ei_max: Decimal
    fss_rate: Decimal
    cnt_rate: Decimal
    cnesst_rate: Decimal
    cnesst_placeholder: bool = True
    sources: tuple[tuple[str, str], ...] = ()

    RATES: ClassVar[tuple[str, ...]] = (
        "rrq_rate",
        "rrq2_rate",
        "rqap_rate",
        "ei_rate",
        "fss_rate",
        "cnt_rate",
        "cnesst_rate",
    )
    AMOUNTS: ClassVar[tuple[str, ...]] = ("rrq_exemption", "rrq_mga", "rrq_msga", "rqap_max", "ei_max")

    def __post_init__(self) -> None:
        for name in self.RATES:
            object.__setattr__(self, name, rate(getattr(self, name), name))
        for name in self.AMOUNTS:
            value = to_money(getattr(self, name), name)
            if value < 0:
                raise InputError(M_NEGATIVE, field=name, value=value)
            object.__setattr__(self, name, value)
        if not self.rrq_exemption < self.rrq_mga <= self.rrq_msga:
            raise InputError(
                M_CEILINGS, field="rrq_mga", exemption=self.rrq_exemption, mga=self.rrq_mga, msga=self.rrq_msga
            )

    @property
    def rrq_max(self) -> Decimal:
        """The year's maximum employer RRQ (base + first additional)."""
        return round_half_up(self.rrq_rate * (self.rrq_mga - self.rrq_exemption))

    @property
    def rrq2_max(self) -> Decimal:
        return round_half_up(self.rrq2_rate * (self.rrq_msga - self.rrq_mga))

    @property
    def ei_max_contribution(self) -> Decimal:
        return round_half_up(self.ei_rate * self.ei_max)

    @property
    def rqap_max_contribution(self) -> Decimal:
        return round_half_up(self.rqap_rate * self.rqap_max)

    def with_cnesst(self, cnesst_rate: Decimal) -> PayrollRates:
        """The same table with the organisation's own CNESST rate instead of the average."""
        return replace(self, cnesst_rate=rate(cnesst_rate, "cnesst_rate"), cnesst_placeholder=False)


@dataclass(frozen=True)
class RateBook:
    """Payroll parameters by calendar year; a year without a table borrows another's."""

    tables: tuple[PayrollRates, ...]

    def __post_init__(self) -> None:
        if not self.tables:
            raise InputError(M_NO_RATES, field="rates")
        ordered = tuple(sorted(self.tables, key=lambda t: t.year))
        for before, after in pairwise(ordered):
            if before.year == after.year:
                raise InputError(M_SAME_YEAR, field="rates", year=after.year)
        object.__setattr__(self, "tables", ordered)

    @classmethod
    def of(cls, tables: Iterable[PayrollRates] | Mapping[int, PayrollRates]) -> RateBook:
        return cls(tuple(tables.values() if isinstance(tables, Mapping) else tables))

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(t.year for t in self.tables)

    def for_year(self, year: int) -> tuple[PayrollRates, Note | None]:
        """The table for ``year``; else the latest earlier one (the earliest if none), with a note."""
        chosen = self.tables[0]
        for table in self.tables:
            if table.year == year:
                return table, None
            if table.year < year:
                chosen = table
        return chosen, Note(M_YEAR_BORROWED, (("year", year), ("used", chosen.year)))

    def with_cnesst(self, rates_by_year: Mapping[int, Decimal]) -> RateBook:
        """The organisation's own CNESST rates where it has them."""
        return RateBook(
            tuple(t.with_cnesst(rates_by_year[t.year]) if t.year in rates_by_year else t for t in self.tables)
        )
