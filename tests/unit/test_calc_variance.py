"""Budget vs actual and the forecast to the end of the period (domain.md 4.5)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fundtrack.calc.budgets import BudgetAmounts
from fundtrack.calc.variance import VarianceItem, check_dimension, variance
from fundtrack.errors import InputError
from fundtrack.periods import FiscalCalendar

FY25 = FiscalCalendar(4).starting(2025)


def _item(line: str, category: str, budget: str, actual: str, grant: str | None = None) -> VarianceItem:
    return VarianceItem(
        key=(1, hash(category) % 1000, hash(line) % 1000),
        line=line,
        category=category,
        project="Fonctionnement",
        budget=BudgetAmounts({FY25: Decimal(budget)}),
        actual=Decimal(actual),
        grant=grant,
        funder="Centraide" if grant else None,
    )


ITEMS = [
    _item("Interprètes", "translation", "12000.00", "9000.00", "PIC"),
    _item("Équipement de traduction", "translation", "2400.00", "2600.00"),
    _item("Salles", "rooms", "0.00", "150.00", "PIC"),
]


def test_variance_by_line_with_the_forecast_at_the_end_of_november() -> None:
    table = variance(ITEMS, "line", FY25, as_of=date(2025, 11, 30))
    interpreters = next(r for r in table.rows if r.key == "Interprètes")
    assert interpreters.variance == Decimal("3000.00")
    assert interpreters.variance_rate == Decimal("0.2500")
    # December to March still to come: 4 months of 1,000.00
    assert interpreters.forecast == Decimal("13000.00")
    rooms = next(r for r in table.rows if r.key == "Salles")
    assert rooms.variance == Decimal("-150.00") and rooms.variance_rate is None


def test_variance_by_category_and_total() -> None:
    table = variance(ITEMS, "category", FY25, as_of=date(2026, 3, 31))
    assert [(r.key, r.budget, r.actual) for r in table.rows] == [
        ("rooms", Decimal("0.00"), Decimal("150.00")),
        ("translation", Decimal("14400.00"), Decimal("11600.00")),
    ]
    assert table.total.variance == Decimal("2650.00")
    assert table.total.forecast == table.total.actual


def test_by_grant_the_uncharged_part_is_own_funds() -> None:
    table = variance(ITEMS, "grant", FY25, as_of=date(2026, 3, 31), own_funds_label="Fonds propres")
    assert [r.key for r in table.rows] == ["Fonds propres", "PIC"]


def test_an_unknown_grouping_is_refused() -> None:
    with pytest.raises(InputError) as err:
        check_dimension("colour")
    assert err.value.field == "by"
    assert check_dimension("funder") == "funder"


@pytest.mark.parametrize(
    ("rate", "fr", "en"),
    [
        ("0.25", "25,00\u00a0%", "25.00%"),
        ("0.0521", "5,21\u00a0%", "5.21%"),
        ("-0.02865", "-2,87\u00a0%", "-2.87%"),
        ("12.3456", "1\u00a0234,56\u00a0%", "1,234.56%"),
    ],
)
def test_a_variance_rate_is_shown_as_a_percentage_in_each_language(rate: str, fr: str, en: str) -> None:
    from fundtrack.money import format_percent

    assert format_percent(Decimal(rate), "fr") == fr
    assert format_percent(Decimal(rate), "en") == en
