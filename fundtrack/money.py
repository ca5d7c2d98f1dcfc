"""Money: exact Canadian dollars as :class:`~decimal.Decimal`, and the one place that rounds.

- :func:`to_money` takes a value from code or a file and refuses floats, booleans,
  exponent notation (``1e4``), a third decimal and amounts beyond
  :data:`~fundtrack.limits.MAX_AMOUNT`: every door (files, forms, options, CSV) goes
  through it.
- :func:`parse_money` reads what a person typed (``1 234,56 $``, ``1,234.56``...), with
  the same refusals.
- :func:`exact` checks a computed amount (a total may exceed the input maximum).
- :func:`format_money` writes it back in French (``1 234,56 $``) or English (``$1,234.56``);
  :func:`format_percent` writes a rate as ``25,00 %`` or ``25.00%``.
- :func:`round_half_up` is the only rounding in fundtrack (half up, to the cent by default).
- :func:`allocate` splits a total over weights by largest remainder: the parts add up.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache

from babel.numbers import NumberFormatError, format_currency, get_group_symbol, parse_decimal
from babel.numbers import format_percent as _babel_percent

from fundtrack.errors import InputError
from fundtrack.i18n import Lang, current_lang, msg
from fundtrack.limits import MAX_AMOUNT

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

_LOCALES: dict[Lang, str] = {"fr": "fr_CA", "en": "en_CA"}

M_FLOAT = msg("money.float")
M_DECIMALS = msg("money.decimals")
M_NOT_NUMBER = msg("money.not_number")
M_AMBIGUOUS = msg("money.ambiguous")
M_EMPTY = msg("money.empty")
M_WEIGHTS = msg("money.weights")
M_NEGATIVE_WEIGHT = msg("money.negative_weight")
M_NOT_FINITE = msg("money.not_finite")
M_BOOL = msg("money.bool")
M_LIST = msg("money.list")
M_OBJECT = msg("money.object")
M_EXPONENT = msg("money.exponent")
M_TOO_LARGE = msg("money.too_large")
# the BIGINT cents a database column holds: beyond, a computed total is refused, not overflowed
_STORAGE_MAX = Decimal(2**63 - 1).scaleb(-2)

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_DIGITS = re.compile(r"^\d+$")
# a plain number as a file writes it: digits, at most one point, an optional sign
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
# what a person may type in an amount once the sign and the dollar sign are taken off
_TYPED_NUMBER = re.compile(r"^[\d .,]+$")


def round_half_up(value: Decimal | Fraction | int, exp: Decimal = CENT) -> Decimal:
    """Round half up to ``exp`` (the cent by default). The only rounding in fundtrack."""
    if type(value) is not Decimal and isinstance(value, Fraction):  # skip the slow ABC check
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(exp, rounding=ROUND_HALF_UP)


def to_money(value: object, field: str | None = None) -> Decimal:
    """Return ``value`` as a Decimal with two places, or raise :class:`InputError`.

    Accepts Decimal, int and plain numeric strings (``"1234.5"``). Refuses floats,
    booleans, lists and objects, exponent notation (``"1e4"``), non-finite values,
    anything with a non-zero third decimal (a figure is never rounded behind a person's
    back) and amounts beyond :data:`~fundtrack.limits.MAX_AMOUNT` either way.
    """
    dec = _decimal(value, field)
    if abs(dec) > MAX_AMOUNT:
        raise InputError(M_TOO_LARGE, field=field, value=value)
    return _to_cent(dec, value, field)


def exact(value: Decimal | int) -> Decimal:
    """A computed amount checked to the cent (no float, no third decimal), two places.

    For totals and other results of arithmetic, which may exceed the input maximum;
    raises :class:`InputError` only beyond what a BIGINT column of cents holds.
    """
    dec = _decimal(value, None)
    if abs(dec) > _STORAGE_MAX:
        raise InputError(M_TOO_LARGE, value=value)
    return _to_cent(dec, value, None)


def _decimal(value: object, field: str | None) -> Decimal:
    if isinstance(value, bool):
        raise InputError(M_BOOL, field=field, value="true" if value else "false")
    if isinstance(value, float):
        raise InputError(M_FLOAT, field=field, value=value)
    if isinstance(value, Decimal):
        dec = value
    elif isinstance(value, int):
        dec = Decimal(value)
    elif isinstance(value, str):
        dec = _from_text(value, field)
    elif isinstance(value, list | tuple):
        raise InputError(M_LIST, field=field, value=value)
    elif isinstance(value, dict):
        raise InputError(M_OBJECT, field=field, value=value)
    else:
        raise InputError(M_NOT_NUMBER, field=field, value=value)
    if not dec.is_finite():
        raise InputError(M_NOT_FINITE, field=field, value=value)
    return dec


def _from_text(value: str, field: str | None) -> Decimal:
    text = value.strip()
    if not text:
        raise InputError(M_EMPTY, field=field)
    if not _PLAIN_NUMBER.match(text):
        code = M_EXPONENT if _is_exponent(text) else M_NOT_NUMBER
        raise InputError(code, field=field, value=value)
    return Decimal(text)


def _is_exponent(text: str) -> bool:
    """``1e4``, ``2.5E+3``: a number written with an exponent."""
    return bool(re.fullmatch(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)\s*[eE]\s*[+-]?\d+", text))


def _to_cent(dec: Decimal, value: object, field: str | None) -> Decimal:
    quantized = dec.quantize(CENT, rounding=ROUND_HALF_UP)
    if quantized != dec:
        raise InputError(M_DECIMALS, field=field, value=value)
    return quantized


def cents(value: Decimal) -> int:
    """Whole cents of an exact money value (``12.34`` → ``1234``)."""
    return int(exact(value) * 100)


def from_cents(value: int | Decimal) -> Decimal:
    """Dollars from whole cents (a database SUM may hand back an int or a Decimal)."""
    if isinstance(value, int):
        return Decimal(value).scaleb(-2)  # exact: the exponent becomes -2
    return (Decimal(value) / 100).quantize(CENT)


_PERCENT = re.compile(r"^-?[0-9]+([.,][0-9]+)?$")


def parse_money(text: str, lang: Lang | None = None, field: str | None = None) -> Decimal:
    """Read an amount as a person writes it, in French or English.

    ``1 234,56 $``, ``1234,56``, ``1,234.56``, ``1234.56 $``, ``$1,234.56`` and a
    leading minus sign are understood whatever the language. A comma or a point
    followed by exactly three digits and nothing else (``1,234``, ``1.234``) means
    a thousand in one language and a fraction in the other: it is refused as
    ambiguous, as is a mix that fits neither way of writing.
    """
    raw = text
    s = _SPACES.sub(" ", text).strip()
    if not s:
        raise InputError(M_EMPTY, field=field)
    negative = False
    if s.startswith("-") or s.startswith("\u2212"):
        negative, s = True, s[1:].strip()
    s = s.replace("$", "").strip()
    if s.startswith("-") and not negative:
        negative, s = True, s[1:].strip()
    if not s or not s[0].isdigit() or not _TYPED_NUMBER.match(s):
        code = M_EXPONENT if _is_exponent(s.replace(" ", "")) else M_NOT_NUMBER
        raise InputError(code, field=field, value=raw)
    locale = _locale_for(s, raw, field, lang)
    if locale == "fr_CA":
        s = s.replace(" ", get_group_symbol("fr_CA"))
    elif " " in s:
        s = s.replace(" ", ",") if "," not in s else s
    try:
        dec = parse_decimal(s, locale=locale, strict=True)
    except NumberFormatError:
        raise InputError(M_NOT_NUMBER, field=field, value=raw) from None
    try:
        value = to_money(dec, field)
    except InputError as exc:
        raise InputError(exc.code, field=field, value=raw.strip()) from None
    return -value if negative else value


def parse_percent(text: str, field: str | None = None) -> Decimal:
    """A rate typed as a percentage (``15``, ``15,5``, ``15.5 %``) as the fraction it is
    (``0.155``): exact, never rounded; exponents and non-numbers refused like amounts."""
    raw = text
    s = _SPACES.sub(" ", text).strip().removesuffix("%").strip().replace(" ", "")
    if not s:
        raise InputError(M_EMPTY, field=field)
    if _is_exponent(s):
        raise InputError(M_EXPONENT, field=field, value=raw)
    if not _PERCENT.match(s):  # one decimal mark at most
        raise InputError(M_NOT_NUMBER, field=field, value=raw)
    return Decimal(s.replace(",", ".")).scaleb(-2)


def percent_input(rate: Decimal, lang: Lang | None = None) -> str:
    """A rate (a fraction) as a person types it back into a form: ``15,5`` / ``15.5``."""
    text = format(rate.scaleb(2).normalize(), "f")
    return text.replace(".", ",") if (lang or current_lang()) == "fr" else text


def _could_be_thousands(head: str, tail: str) -> bool:
    """``1,234`` or ``1.234``: a separator that could group thousands as well as mark decimals.

    Only one to three digits before it can form a thousands group; ``20000.001`` cannot,
    so it is read as decimals (and refused for its third decimal).
    """
    return len(tail) == 3 and bool(_DIGITS.match(tail)) and 1 <= len(head) <= 3 and bool(_DIGITS.match(head))


def _locale_for(s: str, raw: str, field: str | None, lang: Lang | None) -> str:
    has_comma, has_point = "," in s, "." in s
    if has_comma and has_point:
        # the last separator is the decimal one: 1,234.56 (en) or 1.234,56 (not Canadian)
        if s.rfind(".") > s.rfind(","):
            if " " in s:
                raise InputError(M_AMBIGUOUS, field=field, value=raw)
            return "en_CA"
        raise InputError(M_AMBIGUOUS, field=field, value=raw)
    if has_comma:
        head, _, tail = s.rpartition(",")
        if s.count(",") > 1:
            if " " in s:
                raise InputError(M_AMBIGUOUS, field=field, value=raw)
            return "en_CA"
        if _could_be_thousands(head, tail):
            raise InputError(M_AMBIGUOUS, field=field, value=raw)
        return "fr_CA"
    if has_point:
        head, _, tail = s.rpartition(".")
        if s.count(".") > 1:
            raise InputError(M_AMBIGUOUS, field=field, value=raw)
        if _could_be_thousands(head, tail):
            raise InputError(M_AMBIGUOUS, field=field, value=raw)
        return "en_CA"
    return _LOCALES[lang or current_lang()]


@dataclass(frozen=True)
class _Shape:
    """How a locale writes an amount, read once from Babel's own output: what comes before
    and after the digits (positive and negative), and the group and decimal separators."""

    before: str
    after: str
    before_negative: str
    after_negative: str
    separators: dict[int, str]

    def write(self, value: Decimal) -> str:
        negative = value.is_signed()  # Babel writes -0.00 with its sign: so does this
        digits = f"{abs(value):,.2f}".translate(self.separators)
        if negative:
            return f"{self.before_negative}{digits}{self.after_negative}"
        return f"{self.before}{digits}{self.after}"


_PROBE = Decimal("1234567.89")


def _read_shape(write: Callable[[Decimal], str]) -> _Shape:
    """The shape of ``write``'s output for a probe amount, checked to be digits grouped by
    three with two decimals (else Babel's pattern is one this shortcut cannot follow)."""
    shapes = []
    for probe in (_PROBE, -_PROBE):
        text = write(probe)
        first, last = text.index("1"), text.rindex("9")
        body = text[first : last + 1]
        group, point = body[1], body[-3]
        if body != f"1{group}234{group}567{point}89":
            raise AssertionError(f"an amount's pattern this module cannot follow: {text!r}")
        shapes.append((text[:first], text[last + 1 :], group, point))
    (before, after, group, point), (before_neg, after_neg, _, _) = shapes
    return _Shape(before, after, before_neg, after_neg, str.maketrans({",": group, ".": point}))


def _babel_money(locale: str) -> Callable[[Decimal], str]:
    return lambda v: format_currency(v, "CAD", locale=locale)


def _babel_plain(locale: str) -> Callable[[Decimal], str]:
    return lambda v: format_currency(v, "CAD", format="#,##0.00", locale=locale, currency_digits=False)


def _babel_percent_of_hundredths(lang: Lang) -> Callable[[Decimal], str]:
    """Babel's percentage of ``v / 100``: ``v`` is the percentage's own number (25 for 25 %)."""
    return lambda v: _babel_percent(v / 100, _PERCENT_FORMATS[lang], locale=_LOCALES[lang])


_FR_DIGITS = str.maketrans({",": "\u00a0", ".": ","})
_EN_DIGITS = str.maketrans({",": ",", ".": "."})

# The shapes of the project's two languages, as _read_shape reads them from Babel (a test
# holds each to that reading): writing an amount does not load Babel's locale data, which
# costs a command tens of milliseconds at each start. Another locale is read from Babel.
_KNOWN_SHAPES: dict[tuple[str, str], _Shape] = {
    ("money", "fr_CA"): _Shape("", "\u00a0$", "-", "\u00a0$", _FR_DIGITS),
    ("money", "en_CA"): _Shape("$", "", "-$", "", _EN_DIGITS),
    ("plain", "fr_CA"): _Shape("", "", "-", "", _FR_DIGITS),
    ("plain", "en_CA"): _Shape("", "", "-", "", _EN_DIGITS),
    ("percent", "fr"): _Shape("", "\u00a0%", "-", "\u00a0%", _FR_DIGITS),
    ("percent", "en"): _Shape("", "%", "-", "%", _EN_DIGITS),
}


@cache
def _money_shape(locale: str) -> _Shape:
    return _KNOWN_SHAPES.get(("money", locale)) or _read_shape(_babel_money(locale))


@cache
def _plain_shape(locale: str) -> _Shape:
    return _KNOWN_SHAPES.get(("plain", locale)) or _read_shape(_babel_plain(locale))


@cache
def _percent_shape(lang: Lang) -> _Shape:
    return _KNOWN_SHAPES.get(("percent", lang)) or _read_shape(_babel_percent_of_hundredths(lang))


def format_money(value: Decimal, lang: Lang | None = None) -> str:
    """``1 234,56 $`` in French, ``$1,234.56`` in English (non-breaking spaces in French).

    Babel's ``format_currency`` to the character, without parsing its pattern for each
    amount: a list page writes hundreds of amounts."""
    return _money_shape(_LOCALES[lang or current_lang()]).write(exact(value))


class Shown:
    """An amount put into a message: written as the reader writes amounts, in the
    language the message is rendered in (``1 234,56 $`` or ``$1,234.56``)."""

    __slots__ = ("value",)

    def __init__(self, value: Decimal) -> None:
        self.value = value

    def render_in(self, lang: Lang) -> str:
        return format_money(self.value, lang)

    def __str__(self) -> str:
        return format_money(self.value)

    def __repr__(self) -> str:
        return f"shown({self.value!r})"


def shown(value: Decimal) -> Shown:
    """``value`` for a message parameter (see :class:`Shown`)."""
    return Shown(value)


def format_plain(value: Decimal, lang: Lang | None = None) -> str:
    """The amount without the currency sign, for aligned tables (``1 234,56`` / ``1,234.56``)."""
    return _plain_shape(_LOCALES[lang or current_lang()]).write(exact(value))


_PERCENT_FORMATS: dict[Lang, str] = {"fr": "#,##0.00\u00a0%", "en": "#,##0.00%"}
PERCENT_PLACES = Decimal("0.0001")


def format_percent(rate: Decimal, lang: Lang | None = None) -> str:
    """A rate (a fraction: ``0.25``) as a percentage to two places: ``25,00 %`` (French,
    non-breaking space) or ``25.00%`` (English), rounded half up."""
    # Babel's format_percent with the language's pattern, to the character (its shape)
    return _percent_shape(lang or current_lang()).write(round_half_up(rate, PERCENT_PLACES) * 100)


def allocate(total: Decimal, weights: Sequence[Decimal | int | Fraction]) -> list[Decimal]:
    """Split ``total`` over ``weights`` to the cent by the largest-remainder method.

    Each part is the floor of its exact share in cents; the cents left over go one
    each to the parts with the largest remainders, the earlier part first on a tie.
    The parts always add up to ``total`` and each is within a cent of its exact
    share. Raises :class:`InputError` if the weights are negative or add up to zero.
    """
    total_cents = cents(total)
    fr_weights = [Fraction(w) for w in weights]
    if any(w < 0 for w in fr_weights):
        raise InputError(M_NEGATIVE_WEIGHT)
    weight_sum = sum(fr_weights, Fraction(0))
    if weight_sum == 0:
        if total_cents == 0:
            return [ZERO for _ in fr_weights]
        raise InputError(M_WEIGHTS)
    sign = -1 if total_cents < 0 else 1
    magnitude = abs(total_cents)
    floors: list[int] = []
    remainders: list[Fraction] = []
    for w in fr_weights:
        exact = magnitude * w / weight_sum
        fl = exact.numerator // exact.denominator
        floors.append(fl)
        remainders.append(exact - fl)
    left = magnitude - sum(floors)
    order = sorted(range(len(floors)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return [from_cents(sign * f) for f in floors]


def percent_of(amount: Decimal, rate: Decimal) -> Decimal:
    """``amount × rate`` rounded half up to the cent (a rate is a fraction: 0.05 for 5 %)."""
    return round_half_up(amount * rate)


def split_evenly(total: Decimal, parts: int) -> list[Decimal]:
    """``allocate(total, [1] * parts)`` in integer arithmetic: the same parts, faster.

    Every part gets the floor of its share in cents; the cents left over go one each
    to the earliest parts (equal remainders: the earlier part first).
    """
    if parts <= 0:
        raise InputError(M_WEIGHTS)
    total_cents = cents(total)
    sign = -1 if total_cents < 0 else 1
    base, left = divmod(abs(total_cents), parts)
    low, high = from_cents(sign * base), from_cents(sign * (base + 1))  # only two values occur
    return [high] * left + [low] * (parts - left)


def split_evenly_run(total_cents: int, parts: int, first: int, stop: int) -> int:
    """The cents of parts ``first`` to ``stop - 1`` of :func:`split_evenly` of
    ``total_cents`` over ``parts``, added up without building the parts (0 when the run is
    empty): a budget's whole months summed as its rows are read."""
    first, stop = max(0, first), min(parts, stop)
    if stop <= first:
        return 0
    base, left = divmod(abs(total_cents), parts)
    run = (stop - first) * base + max(0, min(stop, left) - first)  # the earliest parts hold a cent more
    return -run if total_cents < 0 else run


def round_half_up_units(value: int, unit: int) -> int:
    """``value / unit`` rounded half up to a whole number, in integers alone.

    For amounts kept as whole multiples of a fixed fraction of a cent (``unit`` of them
    make a cent): the whole cents :func:`round_half_up` gives for ``value / unit`` cents,
    ties away from zero as ``ROUND_HALF_UP`` rounds them, without a Decimal. ``unit`` is
    a positive integer.
    """
    if value >= 0:
        return (2 * value + unit) // (2 * unit)
    return -((unit - 2 * value) // (2 * unit))


def round_half_up_each(values: Sequence[int], unit: int) -> list[int]:
    """:func:`round_half_up_units` of each of ``values``, all counted in the same unit."""
    twice = 2 * unit
    return [(2 * v + unit) // twice if v >= 0 else -((unit - 2 * v) // twice) for v in values]
