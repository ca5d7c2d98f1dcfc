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

import babel.localedata
import pytest
from babel.numbers import format_currency, format_percent
from hypothesis import given, settings
from hypothesis import strategies as st

from fundtrack import money
from fundtrack.money import _read_shape

# Babel loads a language's data at its first use, which a busy machine can stretch past
# hypothesis's deadline: these examples are judged on their text, not their time
BABEL = settings(deadline=None)

amounts = st.integers(-(10**15), 10**15).map(lambda c: Decimal(c).scaleb(-2))


def _money(locale: str) -> Callable[[Decimal], str]:
    return lambda v: format_currency(v, "CAD", locale=locale)


def _plain(locale: str) -> Callable[[Decimal], str]:
    return lambda v: format_currency(v, "CAD", format="#,##0.00", locale=locale, currency_digits=False)


# French and English of Canada, and languages that place the sign, the currency and the
# separators otherwise (a narrow space, a point between thousands, the sign after the currency)
LOCALES = ["fr_CA", "en_CA", "fr_FR", "de_DE", "nl_NL"]


@pytest.mark.parametrize("locale", LOCALES)
@BABEL
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


# --- the project's two languages, known without loading Babel's locale data -------------------


@pytest.mark.parametrize(
    ("what", "key", "writer"),
    [
        ("money", "fr_CA", _money("fr_CA")),
        ("money", "en_CA", _money("en_CA")),
        ("plain", "fr_CA", _plain("fr_CA")),
        ("plain", "en_CA", _plain("en_CA")),
        ("percent", "fr", lambda v: format_percent(v / 100, "#,##0.00\u00a0%", locale="fr_CA")),
        ("percent", "en", lambda v: format_percent(v / 100, "#,##0.00%", locale="en_CA")),
    ],
)
def test_each_shape_known_for_french_and_english_is_the_one_read_from_babel(
    what: str, key: str, writer: Callable[[Decimal], str]
) -> None:
    assert money._KNOWN_SHAPES[(what, key)] == _read_shape(writer)


@BABEL
@given(value=amounts)
def test_amounts_are_written_in_french_and_english_as_babel_writes_them(value: Decimal) -> None:
    for lang, locale in (("fr", "fr_CA"), ("en", "en_CA")):
        assert money.format_money(value, lang) == _money(locale)(value)
        assert money.format_plain(value, lang) == _plain(locale)(value)


rates = st.integers(-(10**9), 10**9).map(lambda n: Decimal(n).scaleb(-6))


@BABEL
@given(rate=rates)
def test_a_rate_is_written_as_babels_percentage_of_it_rounded_half_up_to_two_places(rate: Decimal) -> None:
    rounded = money.round_half_up(rate, Decimal("0.0001"))
    assert money.format_percent(rate, "fr") == format_percent(rounded, "#,##0.00\u00a0%", locale="fr_CA")
    assert money.format_percent(rate, "en") == format_percent(rounded, "#,##0.00%", locale="en_CA")


def test_writing_in_french_or_english_loads_no_locale_data_of_babel(monkeypatch: pytest.MonkeyPatch) -> None:
    # the listing commands' cold start: Babel's locale data is tens of milliseconds to load
    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("Babel's locale data loaded")

    for shape in (money._money_shape, money._plain_shape, money._percent_shape):
        monkeypatch.setattr(shape, "cache_clear", shape.cache_clear)
        shape.cache_clear()
    monkeypatch.setattr(babel.localedata, "load", refused)
    assert money.format_money(Decimal("-1234.5"), "fr") == "-1\u00a0234,50\u00a0$"
    assert money.format_money(Decimal("1234.5"), "en") == "$1,234.50"
    assert money.format_plain(Decimal("1234567.89"), "fr") == "1\u00a0234\u00a0567,89"
    assert money.format_percent(Decimal("0.125"), "fr") == "12,50\u00a0%"
    assert money.format_percent(Decimal("0.125"), "en") == "12.50%"
