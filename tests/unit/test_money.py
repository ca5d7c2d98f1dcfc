"""Money as the treasurer types it, reads it and splits it (domain.md 4.1)."""

from __future__ import annotations

from datetime import date
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
    exact,
    format_money,
    format_plain,
    from_cents,
    parse_money,
    parse_percent,
    percent_input,
    percent_of,
    round_half_up,
    round_half_up_each,
    round_half_up_units,
    shown,
    split_evenly,
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


# --- what a wrong cent would change ---------------------------------------------------------


def test_ten_cents_over_sixteen_and_eighty_four_gives_two_and_eight_cents() -> None:
    """Exact shares 1,6 ¢ and 8,4 ¢: each part gets its floor, the cent left goes to 0,6 over 0,4."""
    assert allocate(Decimal("0.10"), [16, 84]) == [Decimal("0.02"), Decimal("0.08")]
    assert allocate(Decimal("0.10"), [84, 16]) == [Decimal("0.08"), Decimal("0.02")]


def test_a_split_by_days_gives_the_leftover_cents_to_the_largest_remainders() -> None:
    """1,00 $ over 31, 28 and 31 days: 34,4 ¢, 31,1 ¢ and 34,4 ¢; the last cent to the first 34,4."""
    assert allocate(Decimal("1.00"), [31, 28, 31]) == [Decimal("0.35"), Decimal("0.31"), Decimal("0.34")]


@pytest.mark.parametrize(
    ("summed", "dollars"), [(Decimal(123456), "1234.56"), (Decimal(-5), "-0.05"), (Decimal(0), "0.00")]
)
def test_a_database_sum_of_cents_handed_back_as_a_decimal_reads_as_dollars(summed: Decimal, dollars: str) -> None:
    assert str(from_cents(summed)) == dollars
    assert str(from_cents(int(summed))) == dollars


@given(amounts)
def test_cents_read_back_as_the_same_dollars_whether_int_or_decimal(amount: Decimal) -> None:
    assert from_cents(cents(amount)) == amount
    assert from_cents(Decimal(cents(amount))) == amount
    assert from_cents(Decimal(cents(amount))).as_tuple().exponent == -2


def test_a_percentage_of_an_amount_takes_half_a_cent_up() -> None:
    assert percent_of(Decimal("0.10"), Decimal("0.05")) == Decimal("0.01")
    assert percent_of(Decimal("-0.10"), Decimal("0.05")) == Decimal("-0.01")


# --- grouping the treasurer may type, and what is refused -------------------------------------


@pytest.mark.parametrize("lang", ["fr", "en", None])
def test_several_commas_without_a_point_group_thousands(lang: Lang | None) -> None:
    assert parse_money("1,234,567", lang) == Decimal("1234567.00")


@pytest.mark.parametrize("lang", ["fr", "en", None])
def test_a_plain_number_is_whole_dollars_in_any_language(lang: Lang | None) -> None:
    assert parse_money("1234", lang) == Decimal("1234.00")
    assert parse_money("1 234 567", lang) == Decimal("1234567.00")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_plain_number_without_a_language_is_read_in_the_readers_language(lang: Lang) -> None:
    with using_lang(lang):
        assert parse_money("250") == Decimal("250.00")
        assert refusal_in_current_language("1,234").code == "money.ambiguous"


def refusal_in_current_language(text: str) -> InputError:
    with pytest.raises(InputError) as caught:
        parse_money(text)
    return caught.value


@pytest.mark.parametrize(
    ("typed", "code", "english"),
    [
        ("1,23,456", "money.not_number", "'1,23,456' is not an amount"),
        ("12,34,567", "money.not_number", "'12,34,567' is not an amount"),
        ("1 234,567", "money.decimals", "more than two decimals (1 234,567): an amount is exact to the cent"),
        ("1,234 567", "money.not_number", "'1,234 567' is not an amount"),
        ("1 234,567,89", "money.ambiguous", "'1 234,567,89' is ambiguous: write 1 234,56 or 1,234.56"),
        ("1 234.567,89", "money.ambiguous", "'1 234.567,89' is ambiguous: write 1 234,56 or 1,234.56"),
        ("1 234,567.89", "money.ambiguous", "'1 234,567.89' is ambiguous: write 1 234,56 or 1,234.56"),
        ("1.234.567", "money.ambiguous", "'1.234.567' is ambiguous: write 1 234,56 or 1,234.56"),
        ("1.234,56", "money.ambiguous", "'1.234,56' is ambiguous: write 1 234,56 or 1,234.56"),
        ("12.345", "money.ambiguous", "'12.345' is ambiguous: write 1 234,56 or 1,234.56"),
        ("20000.001", "money.decimals", "more than two decimals (20000.001): an amount is exact to the cent"),
        ("20000,001", "money.decimals", "more than two decimals (20000,001): an amount is exact to the cent"),
        ("1e4", "money.exponent", "'1e4': write the amount in digits, without an exponent (10000, not 1e4)"),
        (
            "1,5 E 3 $",
            "money.exponent",
            "'1,5 E 3 $': write the amount in digits, without an exponent (10000, not 1e4)",
        ),
        ("--5", "money.not_number", "'--5' is not an amount"),
        ("$", "money.not_number", "'$' is not an amount"),
        ("", "money.empty", "empty amount"),
        (
            "1 000 000 000 000",
            "money.too_large",
            "'1 000 000 000 000' is beyond the maximum amount of $999,999,999,999.99 (either way)",
        ),
    ],
)
def test_each_refusal_of_a_typed_amount_says_why_and_names_the_field(typed: str, code: str, english: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_money(typed, "fr", field="amount")
    assert (caught.value.code, caught.value.field) == (code, "amount")
    assert caught.value.describe("en") == f"amount: {english}"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("-$5", "-5.00"), ("$-5", "-5.00"), ("\u22125,50 $", "-5.50"), ("- 1 234,56 $", "-1234.56"), ("0,5", "0.50")],
)
def test_the_minus_sign_before_or_after_the_dollar_sign(typed: str, expected: str) -> None:
    assert parse_money(typed, "fr") == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "code", "english"),
    [
        (1.0, "money.float", "amount given as a floating-point number (1.0): give a string or a Decimal"),
        (True, "money.bool", "true/false (true) is not an amount: write an amount such as 1234.56"),
        (False, "money.bool", "true/false (false) is not an amount: write an amount such as 1234.56"),
        ([1], "money.list", "a list is not an amount ([1])"),
        ((1, 2), "money.list", "a list is not an amount ((1, 2))"),
        ({}, "money.object", "an object is not an amount ({})"),
        (None, "money.not_number", "'None' is not an amount"),
        (date(2026, 4, 1), "money.not_number", "'2026-04-01' is not an amount"),
        ("douze", "money.not_number", "'douze' is not an amount"),
        ("NaN", "money.not_number", "'NaN' is not an amount"),
        (Decimal("NaN"), "money.not_finite", "amount is not finite (NaN)"),
        ("1e4", "money.exponent", "'1e4': write the amount in digits, without an exponent (10000, not 1e4)"),
        ("  ", "money.empty", "empty amount"),
        ("0.005", "money.decimals", "more than two decimals (0.005): an amount is exact to the cent"),
        (
            Decimal("1E+12"),
            "money.too_large",
            "'1E+12' is beyond the maximum amount of $999,999,999,999.99 (either way)",
        ),
        (
            -(10**12),
            "money.too_large",
            "'-1000000000000' is beyond the maximum amount of $999,999,999,999.99 (either way)",
        ),
    ],
)
def test_each_refusal_of_a_value_from_a_file_says_why_and_names_the_field(
    value: object, code: str, english: str
) -> None:
    with pytest.raises(InputError) as caught:
        to_money(value, "amount")
    assert (caught.value.code, caught.value.field) == (code, "amount")
    assert caught.value.describe("en") == f"amount: {english}"


def test_the_largest_amount_either_way_is_accepted() -> None:
    assert to_money("999999999999.99") == Decimal("999999999999.99")
    assert to_money("-999999999999.99") == Decimal("-999999999999.99")
    assert to_money(" +12.5 ") == Decimal("12.50")
    assert to_money(".5") == Decimal("0.50")


def test_a_computed_total_beyond_the_input_maximum_is_kept_exact() -> None:
    assert exact(Decimal("5000000000000.10")) == Decimal("5000000000000.10")
    assert exact(12) == Decimal("12.00")
    assert str(exact(Decimal("92233720368547758.07"))) == "92233720368547758.07"


@pytest.mark.parametrize(
    ("value", "code"),
    [(Decimal("92233720368547758.08"), "money.too_large"), (Decimal("0.001"), "money.decimals"), (1.0, "money.float")],
)
def test_a_computed_total_is_refused_beyond_what_the_database_holds_or_off_the_cent(value: object, code: str) -> None:
    with pytest.raises(InputError) as caught:
        exact(value)  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.field) == (code, None)


def test_splitting_refusals_name_their_rule() -> None:
    with pytest.raises(InputError) as caught:
        allocate(Decimal("10.00"), [0, 0])
    assert caught.value.code == "money.weights"
    with pytest.raises(InputError) as caught:
        allocate(Decimal("10.00"), [2, -1])
    assert caught.value.code == "money.negative_weight"


@pytest.mark.parametrize(
    ("typed", "code", "english"),
    [
        ("1e2", "money.exponent", "'1e2': write the amount in digits, without an exponent (10000, not 1e4)"),
        ("quinze", "money.not_number", "'quinze' is not an amount"),
        ("1,5,5", "money.not_number", "'1,5,5' is not an amount"),
        ("1.5,5", "money.not_number", "'1.5,5' is not an amount"),
        (" % ", "money.empty", "empty amount"),
    ],
)
def test_each_refusal_of_a_typed_percentage_says_why(typed: str, code: str, english: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_percent(typed, "vacation_rate")
    assert (caught.value.code, caught.value.field) == (code, "vacation_rate")
    assert caught.value.describe("en") == f"vacation_rate: {english}"


def test_a_rate_is_typed_back_with_the_readers_decimal_mark() -> None:
    assert percent_input(Decimal("0.155"), "fr") == "15,5"
    assert percent_input(Decimal("0.155"), "en") == "15.5"
    with using_lang("en"):
        assert percent_input(Decimal("0.04")) == "4"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("1,234", "money.ambiguous"),
        ("123,456", "money.ambiguous"),
        ("123.456", "money.ambiguous"),
        ("1234,567", "money.decimals"),
        ("1234.567", "money.decimals"),
        ("1.234,567.89", "money.not_number"),
        ("1,234.567,89", "money.ambiguous"),
        ("1 000e3", "money.exponent"),
    ],
)
def test_a_group_of_three_digits_after_one_to_three_digits_is_ambiguous_not_after_four(typed: str, code: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_money(typed, "en", field="amount")
    assert (caught.value.code, caught.value.field) == (code, "amount")
    assert caught.value.params["value"] == typed


def test_a_computed_total_beyond_the_database_says_which_amount() -> None:
    with pytest.raises(InputError) as caught:
        exact(Decimal("92233720368547758.08"))
    assert caught.value.describe("en") == (
        "'92233720368547758.08' is beyond the maximum amount of $999,999,999,999.99 (either way)"
    )
    with pytest.raises(InputError) as caught:
        exact(Decimal("0.001"))
    assert caught.value.describe("en") == "more than two decimals (0.001): an amount is exact to the cent"


def test_an_amount_in_a_message_is_written_as_the_reader_writes_amounts() -> None:
    with using_lang("en"):
        assert str(shown(Decimal("1234.56"))) == "$1,234.56"
    with using_lang("fr"):
        assert str(shown(Decimal("1234.56"))) == f"1{NBSP}234,56{NBSP}$"
    assert shown(Decimal("1234.56")).render_in("en") == "$1,234.56"


def test_a_negative_rate_typed_with_a_space_after_the_minus() -> None:
    assert parse_percent("- 2 %") == Decimal("-0.02")


def test_a_monthly_amount_split_evenly_gives_the_extra_cents_to_the_first_months() -> None:
    assert split_evenly(Decimal("100.00"), 3) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert split_evenly(Decimal("-100.00"), 3) == [Decimal("-33.34"), Decimal("-33.33"), Decimal("-33.33")]
    assert split_evenly(Decimal("100.00"), 1) == [Decimal("100.00")]
    assert split_evenly(Decimal("0.00"), 2) == [Decimal("0.00"), Decimal("0.00")]
    with pytest.raises(InputError) as caught:
        split_evenly(Decimal("100.00"), 0)
    assert caught.value.code == "money.weights"


@given(amounts, st.integers(min_value=1, max_value=24))
def test_splitting_evenly_is_splitting_over_equal_weights(total: Decimal, parts: int) -> None:
    assert split_evenly(total, parts) == allocate(total, [1] * parts)


def test_whole_units_round_half_away_from_zero_both_ways() -> None:
    """Tenths of a cent: 1,5 ¢ → 2 ¢ and −1,5 ¢ → −2 ¢, 0,5 ¢ → 1 ¢ and −0,5 ¢ → −1 ¢."""
    assert round_half_up_each([-15, -5, -4, 0, 4, 5, 15], 10) == [-2, -1, 0, 0, 0, 1, 2]
    assert [round_half_up_units(v, 10) for v in (-15, -5, -4, 0, 4, 5, 15)] == [-2, -1, 0, 0, 0, 1, 2]


@given(st.integers(min_value=-(10**15), max_value=10**15), st.integers(min_value=1, max_value=10**9))
def test_whole_units_round_as_money_rounds_cents(value: int, unit: int) -> None:
    expected = int(round_half_up(Fraction(value, unit), Decimal(1)))
    assert round_half_up_units(value, unit) == expected
    assert round_half_up_each([value, -value], unit) == [expected, round_half_up_units(-value, unit)]
