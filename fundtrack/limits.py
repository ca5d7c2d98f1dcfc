"""The limits every input is held to, in one place (documented in ``docs/limits.md``).

They are the same on SQLite and on PostgreSQL, so that data that loads on one loads on
the other; each refusal names the field and the limit, in the reader's language.

- Files (interchange JSON or YAML, expense CSV): at most :data:`MAX_FILE_BYTES` bytes
  and :data:`MAX_RECORDS` records, nested at most :data:`MAX_DEPTH` levels, YAML aliases
  repeating at most :data:`MAX_ALIAS_VALUES` values in all; a CSV cell at most
  :data:`MAX_CSV_CELL` characters.
- Attachments (a receipt, a signed agreement): at most :data:`MAX_ATTACHMENT_BYTES`
  bytes, and not empty.
- Amounts: at most :data:`MAX_AMOUNT` in absolute value (:mod:`fundtrack.money`).
- Dates: from :data:`MIN_DATE` to :data:`MAX_DATE`, for every date field and option.
- Text: a ``String(n)`` column holds at most ``n`` characters on one line; a ``Text``
  column (notes, descriptions, addresses) at most :data:`MAX_TEXT_LENGTH` characters,
  tabs and line breaks allowed. No other control character anywhere (PostgreSQL refuses
  NUL, and a terminal would obey the others).
- Whole numbers: at most :data:`MAX_INTEGER` in absolute value (PostgreSQL's INTEGER).
- Messages show at most :data:`MAX_EXCERPT` characters of a value.

:func:`check_date` and :func:`check_text` raise :class:`~fundtrack.errors.InputError`
naming the field; the models apply the text and date rules to every row written
(:mod:`fundtrack.models.base`), whatever door it came in by.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fundtrack.errors import InputError
from fundtrack.i18n import EXCERPT_LENGTH, msg

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_RECORDS = 50_000
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # a receipt or an agreement: PDF, JPEG or PNG
MAX_DEPTH = 20
MAX_ALIAS_VALUES = 1_000
MAX_CSV_CELL = 131_072  # the csv module's own field limit, left as it is (it is process-wide)
# Amounts are BIGINT cents (up to 92 233 720 368 547 758,07 $): a trillion dollars less a
# cent leaves room for the sum of one amount of every record of a file (MAX_RECORDS).
MAX_AMOUNT = Decimal("999999999999.99")
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2199, 12, 31)
MAX_TEXT_LENGTH = 10_000
MAX_INTEGER = 2**31 - 1
MAX_EXCERPT = EXCERPT_LENGTH

M_DATE_RANGE = msg("limits.date_range")
M_TOO_LONG = msg("limits.text_too_long")
M_TOO_LONG_COLUMN = msg("limits.text_too_long_column")
M_CONTROL = msg("limits.control_character")
M_LINE_BREAK = msg("limits.line_break")
M_INTEGER = msg("limits.integer")

# tab, line feed and carriage return: allowed in multi-line text only
_LINE_CHARACTERS = frozenset("\t\n\r")


def check_date(day: date, field: str | None = None) -> date:
    """``day`` if it lies between :data:`MIN_DATE` and :data:`MAX_DATE`, else :class:`InputError`."""
    if not MIN_DATE <= day <= MAX_DATE:
        raise InputError(M_DATE_RANGE, field=field, value=day.isoformat(), low=MIN_DATE, high=MAX_DATE)
    return day


def check_integer(value: int, field: str | None = None) -> int:
    """``value`` if PostgreSQL's INTEGER holds it, else :class:`InputError`."""
    if abs(value) > MAX_INTEGER:
        raise InputError(M_INTEGER, field=field, value=value, limit=MAX_INTEGER)
    return value


def control_character(text: str, multiline: bool = False) -> int | None:
    """The position of the first control character ``text`` may not hold, or None.

    Refused: C0 controls (NUL...), DEL, C1 controls and lone surrogates (which no
    database can encode); tab, line feed and carriage return only when ``multiline``
    is false.
    """
    for position, char in enumerate(text):
        code = ord(char)
        forbidden = code < 0x20 or 0x7F <= code < 0xA0 or 0xD800 <= code < 0xE000
        if forbidden and not (multiline and char in _LINE_CHARACTERS):
            return position
    return None


def check_text(
    text: str,
    field: str | None = None,
    *,
    limit: int = MAX_TEXT_LENGTH,
    multiline: bool = False,
    column: str | None = None,
) -> str:
    """``text`` if it holds at most ``limit`` characters and no forbidden control character.

    ``column`` (``funders.name``) is named in the message, as docs/limits.md lists it.
    Raises :class:`InputError` naming ``field``.
    """
    if len(text) > limit:
        if column is None:
            raise InputError(M_TOO_LONG, field=field, length=len(text), limit=limit)
        raise InputError(M_TOO_LONG_COLUMN, field=field, length=len(text), limit=limit, column=column)
    if text.isprintable():  # fast path: no control character at all
        return text
    position = control_character(text, multiline)
    if position is not None:
        char = text[position]
        if char in _LINE_CHARACTERS:
            raise InputError(M_LINE_BREAK, field=field, position=position + 1, char=f"U+{ord(char):04X}")
        raise InputError(M_CONTROL, field=field, position=position + 1, char=f"U+{ord(char):04X}")
    return text
