"""The documented limits, each at its edge: what is just inside is taken, what is just outside
is refused with a message; docs/limits.md says what the code and the models hold."""

from __future__ import annotations

import codecs
import csv
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fundtrack.models  # noqa: F401  (registers every table)
from fundtrack import files, limits
from fundtrack.errors import InputError
from fundtrack.i18n import EXCERPT_LENGTH, excerpt, translate
from fundtrack.limits import (
    MAX_ALIAS_VALUES,
    MAX_AMOUNT,
    MAX_DATE,
    MAX_DEPTH,
    MAX_TEXT_LENGTH,
    MIN_DATE,
    check_date,
    check_text,
    control_character,
)
from fundtrack.models.base import Base, column_limits
from fundtrack.money import exact, format_money, parse_money, to_money

DOC = Path(__file__).resolve().parents[2] / "docs" / "limits.md"


def english(call: object, *args: object) -> str:
    with pytest.raises(InputError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value.describe("en")


# --- amounts ------------------------------------------------------------------------------------


def test_the_maximum_amount_is_taken_and_a_cent_more_is_refused_either_way() -> None:
    assert to_money("999999999999.99") == MAX_AMOUNT
    assert to_money(-MAX_AMOUNT) == -MAX_AMOUNT
    assert "beyond the maximum amount of $999,999,999,999.99" in english(to_money, "1000000000000.00")
    assert "beyond the maximum" in english(to_money, -(10**12))
    assert "beyond the maximum" in english(parse_money, "1 000 000 000 000,00 $")


def test_the_maximum_is_written_in_the_catalogue_as_the_code_holds_it() -> None:
    for lang in ("fr", "en"):
        written = format_money(MAX_AMOUNT, lang).replace("\u00a0", " ")
        assert written in translate("money.too_large", lang, value="x")


@given(st.integers(min_value=-(10**20), max_value=10**20))
def test_an_amount_is_taken_exactly_when_within_the_maximum_and_refused_by_name_beyond(value_cents: int) -> None:
    value = Decimal(value_cents).scaleb(-2)
    if abs(value) <= MAX_AMOUNT:
        assert to_money(str(value)) == value
    else:
        assert "beyond the maximum" in english(to_money, str(value))


def test_a_total_beyond_the_maximum_is_still_an_exact_amount() -> None:
    total = MAX_AMOUNT * 3
    assert exact(total) == total
    assert format_money(total, "en") == "$2,999,999,999,999.97"


@pytest.mark.parametrize("text", ["1e4", "1E4", "1e-3", "2.5e+3", " 1e4 ", "-1e4"])
def test_exponent_notation_is_refused_as_an_amount(text: str) -> None:
    assert "without an exponent" in english(to_money, text)
    assert "without an exponent" in english(parse_money, text, "fr")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (True, "true/false (true) is not an amount"),
        (False, "true/false (false) is not an amount"),
        ([1, 2], "a list is not an amount"),
        ({"a": 1}, "an object is not an amount"),
        (None, "is not an amount"),
        ("1_000", "is not an amount"),
        (0.1, "floating-point"),
    ],
)
def test_an_amount_of_the_wrong_kind_is_called_by_what_it_is(value: object, words: str) -> None:
    assert words in english(to_money, value)


def test_a_huge_decimal_is_refused_before_any_rounding_can_fail() -> None:
    assert "beyond the maximum" in english(to_money, Decimal("1E+26"))
    assert "beyond the maximum" in english(to_money, Decimal("9" * 60 + ".5"))


# --- dates and text -------------------------------------------------------------------------------


def test_dates_are_taken_from_the_first_to_the_last_of_the_range_only() -> None:
    assert check_date(MIN_DATE) == MIN_DATE
    assert check_date(MAX_DATE) == MAX_DATE
    for day in (MIN_DATE - timedelta(days=1), MAX_DATE + timedelta(days=1), date(1, 1, 1), date(9999, 12, 31)):
        assert "outside the allowed range: 1900-01-01 to 2199-12-31" in english(check_date, day)


FORBIDDEN = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0), 0xD800, 0xDFFF] if chr(c) not in "\t\n\r"]


@given(st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=30), st.sampled_from(FORBIDDEN), st.booleans())
def test_a_control_character_is_refused_wherever_it_stands(text: str, char: str, multiline: bool) -> None:
    at = len(text) // 2
    value = text[:at] + char + text[at:]
    with pytest.raises(InputError) as caught:
        check_text(value, "notes", multiline=multiline)
    assert f"U+{ord(char):04X}" in caught.value.describe("en")


def test_tabs_and_line_breaks_only_in_multi_line_text() -> None:
    assert check_text("a\tb\r\nc", multiline=True) == "a\tb\r\nc"
    assert "line break or tab U+000A refused" in english(lambda: check_text("a\nb", "name", limit=10))


def test_a_text_is_taken_up_to_its_limit_and_refused_one_character_beyond() -> None:
    assert check_text("é" * 200, limit=200) == "é" * 200
    message = english(lambda: check_text("é" * 201, "name", limit=200, column="funders.name"))
    assert message == "name: text of 201 characters, more than the 200 allowed (funders.name)"
    assert "10001 characters" in english(lambda: check_text("x" * (MAX_TEXT_LENGTH + 1)))


def test_non_breaking_spaces_and_accents_are_not_control_characters() -> None:
    assert control_character("1\u00a0234,56\u202f$ — « Entente » éàç") is None


# --- what a message shows of a value -------------------------------------------------------------


def test_a_message_shows_a_short_value_as_it_is() -> None:
    assert excerpt("VDM-2026") == "VDM-2026"
    assert excerpt(0.1) == 0.1
    assert excerpt(Decimal("12.34")) == Decimal("12.34")
    assert translate("money.float", "en", value=0.1).startswith("amount given as a floating-point number (0.1)")


def test_a_message_shows_a_long_or_nested_value_as_a_short_excerpt() -> None:
    shown = str(excerpt("x" * 10_000_000))
    assert len(shown) == EXCERPT_LENGTH
    assert shown.endswith("…")
    nested: list[object] = ["lol"] * 9
    for _ in range(8):
        nested = [nested] * 9  # 9^9 values if written out whole
    assert len(str(excerpt(nested))) <= EXCERPT_LENGTH
    assert len(str(excerpt(10**5000))) < 20


def test_a_message_never_prints_a_control_character_raw() -> None:
    assert excerpt("a\x00b\x1b[2Jc\u202e") == "a\\x00b\\x1b[2Jc\\u202e"
    line = translate("money.not_number", "en", value="\x1b[31mred")
    assert "\x1b" not in line


# --- files -------------------------------------------------------------------------------------


def nested_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def nested_yaml(depth: int) -> str:
    return "a: " + "[" * (depth - 1) + "]" * (depth - 1)


def test_nesting_is_taken_to_its_limit_and_refused_one_level_beyond() -> None:
    assert files.parse_json(nested_json(MAX_DEPTH)) is not None
    assert files.parse_yaml(nested_yaml(MAX_DEPTH)) is not None
    assert "nested more than 20 levels deep" in english(files.parse_json, nested_json(MAX_DEPTH + 1))
    assert "nested more than 20 levels deep" in english(files.parse_yaml, nested_yaml(MAX_DEPTH + 1))


def test_brackets_inside_json_strings_are_not_nesting() -> None:
    text = json.dumps({"notes": "[" * 100 + '\\"{' * 50})
    assert files.parse_json(text)["notes"].startswith("[[[")


def aliases(count: int) -> str:
    return "a: &a x\nb: [" + ", ".join(["*a"] * count) + "]\n"


def test_yaml_aliases_may_repeat_up_to_the_limit_of_values() -> None:
    assert len(files.parse_yaml(aliases(MAX_ALIAS_VALUES))["b"]) == MAX_ALIAS_VALUES
    assert "repeat more than 1000 values" in english(files.parse_yaml, aliases(MAX_ALIAS_VALUES + 1))


def test_an_alias_counts_every_value_it_repeats() -> None:
    text = "a: &a [1, 2, 3, 4]\nb: [" + ", ".join(["*a"] * 250) + "]\n"  # 250 × 5 values
    assert "repeat more than 1000 values" in english(files.parse_yaml, text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"a": 1, "a": 2}', "key 'a' given twice in one object"),
        ('[{"reference": "VDM", "amount": "1", "amount": "2"}]', "key 'amount' given twice in 'VDM'"),
    ],
)
def test_a_json_key_given_twice_is_refused(text: str, words: str) -> None:
    assert words in english(files.parse_json, text)


def test_a_yaml_key_given_twice_is_refused_with_its_line_and_a_merge_is_not_a_repetition() -> None:
    assert "key 'b' given twice (line 3)" in english(files.parse_yaml, "a: 1\nb: 2\nb: 3\n")
    merged = files.parse_yaml("base: &base {kind: city, language: fr}\nfunder:\n  <<: *base\n  language: en\n")
    assert merged["funder"] == {"kind": "city", "language": "en"}


def test_numbers_stay_exact_and_exponents_stay_text() -> None:
    assert files.parse_json('{"a": 1.10, "b": 1e4, "c": NaN, "d": 12}') == {
        "a": Decimal("1.10"),
        "b": "1e4",
        "c": "NaN",
        "d": 12,
    }
    assert files.parse_yaml("a: 1.10\nb: 1.0e+4\nc: .inf\nd: 1e4\ne: " + "7" * 5000 + "\n") == {
        "a": Decimal("1.10"),
        "b": "1.0e+4",
        "c": ".inf",
        "d": "1e4",
        "e": "7" * 5000,
    }


@pytest.mark.parametrize(
    ("data", "windows_1252", "text"),
    [
        (codecs.BOM_UTF8 + "Café".encode(), False, "Café"),
        ("Café".encode(), False, "Café"),
        (codecs.BOM_UTF16_LE + "Café".encode("utf-16-le"), False, "Café"),
        ("Café".encode("cp1252"), True, "Café"),
    ],
)
def test_utf8_with_or_without_bom_utf16_with_bom_and_windows_1252_for_csv_are_read(
    data: bytes, windows_1252: bool, text: str
) -> None:
    assert files.decode(data, "f", windows_1252=windows_1252) == text


def test_text_in_no_known_encoding_says_its_line_and_how_to_save_it() -> None:
    assert "'f.yaml' is not UTF-8 (line 2): save it as UTF-8" in english(files.decode, b"a\n\xe9", "f.yaml")
    message = english(lambda: files.decode(b"a\nb\n\x81", "f.csv", windows_1252=True))
    assert "neither UTF-8 nor Windows-1252 (line 3)" in message
    assert "CSV UTF-8" in message


def test_the_csv_cell_limit_documented_is_the_csv_modules_own() -> None:
    assert csv.field_size_limit() == limits.MAX_CSV_CELL
    text = "a;b\n1;" + "x" * (limits.MAX_CSV_CELL + 1) + "\n"
    assert english(files.csv_rows, text).startswith("line 2: a cell is longer than 131072 characters")
    unclosed = 'a;b\n1;2\n3;"' + "x" * (limits.MAX_CSV_CELL + 1) + "\n"
    assert english(files.csv_rows, unclosed).startswith("line 3: a cell is longer than 131072 characters")


def test_a_device_or_a_file_growing_past_the_limit_is_never_read_whole() -> None:
    assert "larger than the 10 MB allowed" in english(files.read_bytes, Path("/dev/zero"))


# --- docs/limits.md -----------------------------------------------------------------------------


def documented_columns() -> dict[str, tuple[int, bool]]:
    rows = re.findall(r"^\| `(\w+\.\w+)` \| ([\d ]+) \| (yes|no) \|$", DOC.read_text(encoding="utf-8"), re.M)
    return {column: (int(length.replace(" ", "")), multi == "yes") for column, length, multi in rows}


def test_the_text_lengths_documented_are_those_of_the_models() -> None:
    models = {
        limit.column: (limit.length, limit.multiline)
        for mapper in Base.registry.mappers
        for limit in column_limits(mapper)
        if limit.length is not None
    }
    assert documented_columns() == models


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("MAX_FILE_BYTES", "10 485 760 bytes"),
        ("MAX_ATTACHMENT_BYTES", "10 485 760 bytes"),
        ("MAX_RECORDS", "50 000"),
        ("MAX_DEPTH", "20 levels"),
        ("MAX_ALIAS_VALUES", "1 000"),
        ("MAX_CSV_CELL", "131 072"),
        ("MAX_AMOUNT", "999 999 999 999,99 $"),
        ("MIN_DATE", "1900-01-01"),
        ("MAX_DATE", "2199-12-31"),
        ("MAX_TEXT_LENGTH", "10 000 characters"),
        ("MAX_INTEGER", "2 147 483 647"),
        ("MAX_EXCERPT", "160"),
    ],
)
def test_each_limit_documented_is_the_one_the_code_holds(name: str, shown: str) -> None:
    value = getattr(limits, name)
    if isinstance(value, date):
        written = value.isoformat()
    elif isinstance(value, Decimal):
        written = format_money(value, "fr").replace("\u00a0", " ").replace("\u202f", " ")
    else:
        written = f"{value:,}".replace(",", " ")
    assert written in shown
    line = next(line for line in DOC.read_text(encoding="utf-8").splitlines() if f"`{name}`" in line)
    assert shown in line
