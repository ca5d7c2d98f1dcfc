"""An amount is written as Babel writes it, from the shape read once from Babel's output.

:func:`fundtrack.money.format_money` and :func:`format_plain` do not parse Babel's
pattern for each amount: they read, once per language, what comes before and after the
digits and which separators group them (``_read_shape``). That reading must give Babel's
text to the character for every amount, in the project's languages and in others that
put the sign, the currency or the separators elsewhere; and a pattern it cannot follow
(digits not grouped by three) must be refused rather than written wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st

from fundtrack.money import _read_shape

amounts = st.integers(-(10**15), 10**15).map(lambda c: Decimal(c).scaleb(-2))


def _money(locale: str) -> Callable[[Decimal], str]:
    return lambda v: format_currency(v, "CAD", locale=locale)


def _plain(locale: str) -> Callable[[Decimal], str]:
    return lambda v: format_currency(v, "CAD", format="#,##0.00", locale=locale, currency_digits=False)


# French and English of Canada, and languages that place the sign, the currency and the
# separators otherwise (a narrow space, a point between thousands, the sign after the currency)
LOCALES = ["fr_CA", "en_CA", "fr_FR", "de_DE", "nl_NL"]


@pytest.mark.parametrize("locale", LOCALES)
@given(value=amounts)
def test_the_shape_read_from_babel_writes_every_amount_as_babel_does(locale: str, value: Decimal) -> None:
    for writer in (_money(locale), _plain(locale)):
        assert _read_shape(writer).write(value) == writer(value)


@pytest.mark.parametrize("locale", LOCALES)
def test_zero_and_a_negative_zero_keep_babels_sign(locale: str) -> None:
    writer = _money(locale)
    shape = _read_shape(writer)
    for value in (Decimal("0.00"), Decimal("-0.00"), Decimal("0.01"), Decimal("-0.01"), Decimal("999.99")):
        assert shape.write(value) == writer(value)


@pytest.mark.parametrize(
    "writer",
    [
        _money("en_IN"),  # 12,34,567.89: grouped by two after the thousands
        _money("de_CH"),  # 1234567.89: not grouped at all
        lambda v: f"{v:.1f} $",  # one decimal
    ],
    ids=["indian-grouping", "no-grouping", "one-decimal"],
)
def test_a_pattern_the_shortcut_cannot_follow_is_refused(writer: Callable[[Decimal], str]) -> None:
    with pytest.raises(AssertionError, match="cannot follow"):
        _read_shape(writer)
