"""Money as the treasurer types it, reads it and splits it (domain.md 4.1)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st

from fundtrack.errors import InputError
from fundtrack.i18n import Lang, using_lang
from fundtrack.money import (
    allocate,
    cents,
    format_money,
    format_plain,
    from_cents,
    parse_money,
    parse_percent,
    percent_input,
    percent_of,
    round_half_up,
    to_money,
)

NBSP = "\u00a0"
NNBSP = "\u202f"

amounts = st.integers(min_value=-(10**11), max_value=10**11).map(lambda c: Decimal(c) / 100)
positive_amounts = st.integers(min_value=0, max_value=10**11).map(lambda c: Decimal(c) / 100)
languages = st.sampled_from(["fr", "en"])


def refusal(text: str, lang: Lang = "fr") -> InputError:
    with pytest.raises(InputError) as caught:
        parse_money(text, lang)
    return caught.value


# --- reading what people type -------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "1 234,56 $",
        "1234,56",
        "1,234.56",
        "1234.56 $",
        "$1,234.56",
        f"1{NBSP}234,56{NBSP}$",
        f"1{NNBSP}234,56 $",
        "  1234,56  ",
        "1 234.56",
    ],
)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_treasurer_types_an_amount_the_way_she_writes_it(typed: str, lang: Lang) -> None:
    assert parse_money(typed, lang) == Decimal("1234.56")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("-1 234,56 $", "-1234.56"),
        ("-$1,234.56", "-1234.56"),
        ("$-1,234.56", "-1234.56"),
        ("\u22121234,56", "-1234.56"),
        ("-0,01", "-0.01"),
    ],
)
def test_a_refund_is_typed_as_a_negative_amount(typed: str, expected: str) -> None:
    assert parse_money(typed, "fr") == Decimal(expected)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12 345 678,90 $", "12345678.90"),
        ("12,345,678.90", "12345678.90"),
        ("100 000", "100000.00"),
        ("1234", "1234.00"),
        ("0,5", "0.50"),
        ("12.5", "12.50"),
    ],
)
def test_larger_and_rounder_amounts(typed: str, expected: str) -> None:
    assert parse_money(typed, "fr") == Decimal(expected)
    assert parse_money(typed, "en") == Decimal(expected)


def test_a_parsed_amount_always_has_two_places() -> None:
    assert str(parse_money("1234", "fr")) == "1234.00"
    assert str(parse_money("0,5", "en")) == "0.50"


@pytest.mark.parametrize("typed", ["1,234", "1.234", "12.345"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_thousand_or_a_fraction_is_ambiguous_and_refused(typed: str, lang: Lang) -> None:
    err = refusal(typed, lang)
    assert "ambiguous" in err.describe("en")
    assert typed in err.describe("en")
    assert "ambigu" in err.describe("fr")


def test_european_style_is_refused_as_ambiguous() -> None:
    assert "ambiguous" in refusal("1.234,56").describe("en")


def test_a_third_decimal_is_refused_not_rounded() -> None:
    for typed in ("1 234,567 $", "1.2345", "0,0001 $", "1,234.567"):
        err = refusal(typed)
        assert "more than two decimals" in err.describe("en")
        assert "plus de deux décimales" in err.describe("fr")


@pytest.mark.parametrize("typed", ["abc", "douze dollars", "$", "(12)", "12abc", "1 2,3,4"])
def test_words_are_not_an_amount(typed: str) -> None:
    err = refusal(typed)
    assert err.describe("en").endswith("is not an amount") or "ambiguous" in err.describe("en")


def test_words_are_refused_with_their_text_in_the_message() -> None:
    err = refusal("douze dollars")
    assert err.describe("fr") == "« douze dollars » n'est pas un montant"
    assert err.describe("en") == "'douze dollars' is not an amount"


def test_an_empty_amount_is_refused() -> None:
    assert refusal("   ").describe("en") == "empty amount"


def test_the_refusal_names_the_field() -> None:
    with pytest.raises(InputError) as caught:
        parse_money("1,234", "fr", field="amount")
    assert caught.value.field == "amount"
    assert caught.value.describe("en").startswith("amount: ")


# --- values from code and files -----------------------------------------------------


def test_to_money_refuses_a_float_even_a_round_one() -> None:
    for value in (1.5, 100.0, 0.1):
        with pytest.raises(InputError) as caught:
            to_money(value, "amount")
        assert "floating-point" in caught.value.describe("en")
        assert caught.value.field == "amount"


def test_to_money_refuses_a_boolean() -> None:
    with pytest.raises(InputError):
        to_money(True)


def test_to_money_takes_strings_ints_and_decimals_exactly() -> None:
    assert to_money("1234.5") == Decimal("1234.50")
    assert to_money(12) == Decimal("12.00")
    assert to_money(Decimal("0.10")) == Decimal("0.10")
    assert to_money(Decimal("3.000")) == Decimal("3.00")


@pytest.mark.parametrize("value", ["0.005", Decimal("12.345")])
def test_to_money_refuses_a_third_decimal(value: object) -> None:
    with pytest.raises(InputError) as caught:
        to_money(value)
    assert "more than two decimals" in caught.value.describe("en")


@pytest.mark.parametrize("value", ["NaN", "Infinity", Decimal("-Infinity")])
def test_to_money_refuses_what_is_not_finite(value: object) -> None:
    with pytest.raises(InputError):
        to_money(value)


@pytest.mark.parametrize("value", ["douze", [1], None, ""])
def test_to_money_refuses_what_is_not_a_number(value: object) -> None:
    with pytest.raises(InputError):
        to_money(value)


def test_cents_and_back() -> None:
    assert cents(Decimal("12.34")) == 1234
    assert cents(Decimal("-0.05")) == -5
    assert from_cents(1234) == Decimal("12.34")
    assert from_cents(Decimal(-5)) == Decimal("-0.05")
    assert str(from_cents(100)) == "1.00"


# --- showing amounts ----------------------------------------------------------------


def test_french_shows_spaces_a_comma_and_the_sign_after() -> None:
    assert format_money(Decimal("1234.56"), "fr") == f"1{NBSP}234,56{NBSP}$"
    assert format_money(Decimal("1234567.8"), "fr") == f"1{NBSP}234{NBSP}567,80{NBSP}$"
    assert format_money(Decimal("-1234.56"), "fr") == f"-1{NBSP}234,56{NBSP}$"


def test_english_shows_the_sign_before_and_commas() -> None:
    assert format_money(Decimal("1234.56"), "en") == "$1,234.56"
    assert format_money(Decimal("1234567.8"), "en") == "$1,234,567.80"
    assert format_money(Decimal("-1234.56"), "en") == "-$1,234.56"


def test_format_follows_the_current_language() -> None:
    with using_lang("en"):
        assert format_money(Decimal("5")) == "$5.00"
    with using_lang("fr"):
        assert format_money(Decimal("5")) == f"5,00{NBSP}$"


def test_plain_amounts_for_tables_have_no_sign() -> None:
    assert format_plain(Decimal("1234.5"), "fr") == f"1{NBSP}234,50"
    assert format_plain(Decimal("1234.5"), "en") == "1,234.50"


AMOUNTS_SHOWN = st.decimals(
    min_value=Decimal("-92233720368547758.07"), max_value=Decimal("92233720368547758.07"), places=2
) | st.sampled_from([Decimal("-0.00"), Decimal("0.00"), Decimal("999.99"), Decimal("1000.00"), Decimal("-1000.00")])


@given(AMOUNTS_SHOWN, st.sampled_from(["fr", "en"]))
def test_every_amount_is_written_as_babel_writes_it(value: Decimal, lang: Lang) -> None:
    locale = {"fr": "fr_CA", "en": "en_CA"}[lang]
    assert format_money(value, lang) == format_currency(value, "CAD", locale=locale)
    plain = format_currency(value, "CAD", format="#,##0.00", locale=locale, currency_digits=False)
    assert format_plain(value, lang) == plain


def test_an_amount_with_three_decimals_is_not_shown_rounded() -> None:
    with pytest.raises(InputError):
        format_money(Decimal("1.005"), "fr")


@given(amounts, languages)
def test_what_is_shown_reads_back_the_same(amount: Decimal, lang: Lang) -> None:
    assert parse_money(format_money(amount, lang), lang) == amount
    assert parse_money(format_plain(amount, lang), lang) == amount


@given(amounts)
def test_what_is_shown_in_one_language_reads_back_in_the_other(amount: Decimal) -> None:
    assert parse_money(format_money(amount, "fr"), "en") == amount
    assert parse_money(format_money(amount, "en"), "fr") == amount


# --- rounding -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("0.015", "0.02"),
        ("0.025", "0.03"),
        ("2.675", "2.68"),
        ("0.0049", "0.00"),
        ("-0.005", "-0.01"),
        ("-2.675", "-2.68"),
    ],
)
def test_half_a_cent_rounds_up_away_from_zero(value: str, expected: str) -> None:
    assert round_half_up(Decimal(value)) == Decimal(expected)


def test_round_half_up_takes_fractions_and_other_units() -> None:
    assert round_half_up(Fraction(1, 200)) == Decimal("0.01")
    assert round_half_up(Fraction(2, 3)) == Decimal("0.67")
    assert round_half_up(Decimal("12.5"), Decimal("1")) == Decimal("13")


def test_a_rate_of_an_amount_is_rounded_half_up_to_the_cent() -> None:
    # 15 % of 33.30 is 4.995
    assert percent_of(Decimal("33.30"), Decimal("0.15")) == Decimal("5.00")
    assert percent_of(Decimal("100000.00"), Decimal("0.1")) == Decimal("10000.00")


# --- splitting a total --------------------------------------------------------------


def test_a_hundred_dollars_in_three_equal_parts() -> None:
    assert allocate(Decimal("100.00"), [1, 1, 1]) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]


def test_equal_remainders_go_to_the_earlier_parts() -> None:
    assert allocate(Decimal("0.02"), [1, 1, 1]) == [Decimal("0.01"), Decimal("0.01"), Decimal("0.00")]
    assert allocate(Decimal("0.05"), [1, 1, 1, 1]) == [
        Decimal("0.02"),
        Decimal("0.01"),
        Decimal("0.01"),
        Decimal("0.01"),
    ]


def test_the_missing_cent_goes_to_the_largest_remainder_not_the_first_part() -> None:
    # exact shares 0.333.. and 0.666..: the second part has the larger remainder
    assert allocate(Decimal("1.00"), [1, 2]) == [Decimal("0.33"), Decimal("0.67")]


def test_a_refund_is_split_like_an_amount() -> None:
    assert allocate(Decimal("-100.00"), [1, 1, 1]) == [Decimal("-33.34"), Decimal("-33.33"), Decimal("-33.33")]


def test_a_zero_weight_gets_nothing() -> None:
    assert allocate(Decimal("10.00"), [0, 1, 0, 1]) == [
        Decimal("0.00"),
        Decimal("5.00"),
        Decimal("0.00"),
        Decimal("5.00"),
    ]


def test_nothing_to_split_over_nothing() -> None:
    assert allocate(Decimal("0.00"), [0, 0]) == [Decimal("0.00"), Decimal("0.00")]


def test_splitting_over_weights_that_add_up_to_zero_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        allocate(Decimal("10.00"), [0, 0])
    assert "add up to zero" in caught.value.describe("en")


def test_a_negative_weight_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        allocate(Decimal("10.00"), [2, -1])
    assert "negative weight" in caught.value.describe("en")


weights = st.lists(
    st.one_of(
        st.integers(min_value=0, max_value=10_000),
        st.fractions(min_value=0, max_value=1000, max_denominator=1000),
        st.decimals(min_value=0, max_value=1000, places=3),
    ),
    min_size=1,
    max_size=12,
).filter(lambda ws: sum(Fraction(w) for w in ws) > 0)


@given(amounts, weights)
def test_the_parts_of_any_split_add_up_and_are_each_within_a_cent_of_their_share(
    total: Decimal, ws: list[Decimal | int | Fraction]
) -> None:
    parts = allocate(total, ws)
    assert len(parts) == len(ws)
    assert sum(parts, Decimal(0)) == total
    weight_sum = sum(Fraction(w) for w in ws)
    for part, w in zip(parts, ws, strict=True):
        exact = Fraction(total) * Fraction(w) / weight_sum
        assert abs(Fraction(part) - exact) < Fraction(1, 100)
        assert part == part.quantize(Decimal("0.01"))


@given(positive_amounts, st.integers(min_value=1, max_value=20))
def test_equal_weights_give_the_extra_cents_to_the_first_parts(total: Decimal, n: int) -> None:
    parts = allocate(total, [1] * n)
    assert parts == sorted(parts, reverse=True)
    assert max(parts) - min(parts) <= Decimal("0.01")


@pytest.mark.parametrize(
    ("typed", "rate"),
    [("15", "0.15"), ("15,5", "0.155"), ("15.5 %", "0.155"), ("0,25\u00a0%", "0.0025"), ("-2", "-0.02")],
)
def test_a_percentage_is_read_as_the_exact_fraction_it_is(typed: str, rate: str) -> None:
    assert parse_percent(typed) == Decimal(rate)


@pytest.mark.parametrize("typed", ["1e2", "quinze", "1,5,5", "1.5,5", ""])
def test_a_percentage_that_is_not_a_number_is_refused_naming_its_field(typed: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_percent(typed, "vacation_rate")
    assert refused.value.field == "vacation_rate"


@given(st.decimals(min_value=-100, max_value=100, places=4))
def test_a_percentage_typed_back_reads_as_the_same_rate(rate: Decimal) -> None:
    for lang in ("fr", "en"):
        assert parse_percent(percent_input(rate, lang)) == rate
