"""A small workbook toolkit on xlsxwriter that every fundtrack report uses.

What it guarantees, whatever the report:

- workbooks never turn a string into a formula, a link or a number
  (``strings_to_formulas``, ``strings_to_urls`` and ``strings_to_numbers`` are off) and
  user text is always written with ``write_string``: a funder called ``=HYPERLINK(...)``
  stays text;
- money is written as a number, from a Decimal already exact to the cent, in a currency
  format that Excel and LibreOffice both render (``1 234,56 $`` for a French reader,
  ``$1,234.56`` for an English one);
- every formula carries its stored value, computed in Decimal, so a reader that does
  not recalculate shows the right figures;
- each cell format is created once per workbook (:class:`FormatRegistry`);
- sheets are written top to bottom (:class:`ReportSheet` keeps a row cursor), so the
  same code works in xlsxwriter's constant-memory mode.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_rowcol_to_cell

from fundtrack.errors import FundtrackError
from fundtrack.i18n import Lang, msg, translate
from fundtrack.money import exact

CellKind = Literal["text", "wrap", "money", "percent", "date", "integer", "number"]

MAX_STRING = 32767  # Excel's limit for one cell's text
MAX_SHEET_NAME = 31

M_PAGE = msg("report.page")
M_ROW_ORDER = msg("report.row_order")
M_BAD_NAME = msg("report.bad_name")
M_BAD_VALUE = msg("report.bad_value")


class ReportError(FundtrackError):
    """A report was asked to do something a workbook cannot hold."""


# --- number formats -------------------------------------------------------------------
#
# Number formats are stored in US syntax. The bracketed currency carries the locale of
# the symbol: 1009 is en-CA (the sign before the amount). French formats start with the
# fr-CA locale tag ``[$-C0C]``: Excel shows the reader's own separators, and LibreOffice
# shows French ones whatever its own locale (``1 234,56 $``, not ``1,234.56 $``).

MONEY_FORMATS: dict[Lang, str] = {
    "fr": '[$-C0C]#,##0.00 "$";-#,##0.00 "$";0.00 "$"',
    "en": "[$$-1009]#,##0.00;-[$$-1009]#,##0.00;[$$-1009]0.00",
}
PERCENT_FORMATS: dict[Lang, str] = {"fr": "[$-C0C]0.0 %", "en": "0.0%"}
DATE_FORMAT = "yyyy-mm-dd"
INTEGER_FORMAT = "#,##0"
NUMBER_FORMAT = "#,##0.00"

_BORDER_COLOUR = "#7F7F7F"
_HEADER_FILL = "#DDE4EE"
_TOTAL_FILL = "#F2F2F2"

# Named styles: the properties of each, by language where the number format differs.
_KIND_STYLE: dict[CellKind, str] = {
    "text": "text",
    "wrap": "wrap",
    "money": "money",
    "percent": "percent",
    "date": "date",
    "integer": "integer",
    "number": "number",
}


def _style_properties(name: str, lang: Lang) -> dict[str, Any]:
    base: dict[str, dict[str, Any]] = {
        "title": {"bold": True, "font_size": 14},
        "subtitle": {"bold": True, "font_size": 11, "font_color": "#1F3864"},
        "note": {"italic": True, "font_color": "#595959"},
        "label": {"bold": True},
        # body cells sit at the top, so a row made taller by one wrapped cell reads across
        "text": {"valign": "top"},
        "wrap": {"text_wrap": True, "valign": "top"},
        "money": {"num_format": MONEY_FORMATS[lang], "valign": "top"},
        "percent": {"num_format": PERCENT_FORMATS[lang], "valign": "top"},
        "date": {"num_format": DATE_FORMAT, "align": "left", "valign": "top"},
        "integer": {"num_format": INTEGER_FORMAT, "valign": "top"},
        "number": {"num_format": NUMBER_FORMAT, "valign": "top"},
        "header": {
            "bold": True,
            "text_wrap": True,
            "valign": "top",
            "bg_color": _HEADER_FILL,
            "bottom": 1,
            "bottom_color": _BORDER_COLOUR,
        },
    }
    if name.endswith("_total"):
        props = dict(base[name.removesuffix("_total")])
        props.update({"bold": True, "top": 1, "top_color": _BORDER_COLOUR, "bg_color": _TOTAL_FILL})
        return props
    return dict(base[name])


class FormatRegistry:
    """Each cell format created once per workbook, by style name or by properties."""

    def __init__(self, workbook: Any, lang: Lang) -> None:
        self._workbook = workbook
        self._lang = lang
        self._by_key: dict[tuple[tuple[str, Any], ...], Any] = {}
        self._by_name: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        """The format of a named style (``money``, ``money_total``, ``header``...)."""
        fmt = self._by_name.get(name)
        if fmt is None:
            fmt = self.custom(_style_properties(name, self._lang))
            self._by_name[name] = fmt
        return fmt

    def custom(self, properties: Mapping[str, Any]) -> Any:
        """A format with these properties; the same properties give the same format."""
        key = tuple(sorted(properties.items()))
        fmt = self._by_key.get(key)
        if fmt is None:
            fmt = self._workbook.add_format(dict(properties))
            self._by_key[key] = fmt
        return fmt

    def __len__(self) -> int:
        return len(self._by_key)


# --- values ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Formula:
    """A formula (without the leading ``=``) and its stored value, computed in Decimal.

    ``value`` is a Decimal, an int, or a string (``""`` for a blank result such as a
    percentage of a zero budget).
    """

    expression: str
    value: Decimal | int | str


@dataclass(frozen=True, slots=True)
class CellRef:
    """One cell of one sheet, for formulas in other sheets, names and charts."""

    sheet: str
    row: int
    col: int

    @property
    def a1(self) -> str:
        return str(xl_rowcol_to_cell(self.row, self.col))

    @property
    def absolute(self) -> str:
        """``'Sheet name'!$B$5``."""
        return f"{quote_sheetname(self.sheet)}!{xl_rowcol_to_cell(self.row, self.col, True, True)}"


@dataclass(frozen=True, slots=True)
class CellRange:
    """A rectangle of cells of one sheet (usually one column or one row), for charts."""

    sheet: str
    first_row: int
    first_col: int
    last_row: int
    last_col: int

    @property
    def absolute(self) -> str:
        first = xl_rowcol_to_cell(self.first_row, self.first_col, True, True)
        last = xl_rowcol_to_cell(self.last_row, self.last_col, True, True)
        return f"{quote_sheetname(self.sheet)}!{first}:{last}"

    def as_list(self) -> list[Any]:
        """xlsxwriter's list form, which needs no quoting of the sheet name."""
        return [self.sheet, self.first_row, self.first_col, self.last_row, self.last_col]


def money_number(value: Decimal) -> float:
    """The float xlsxwriter writes for an exact money value (checked to the cent first)."""
    return float(exact(value))


def number_value(value: Decimal | int | str) -> float | str:
    """A stored formula value as xlsxwriter takes it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise ReportError(M_BAD_VALUE, value=value, kind="number")
    return float(value)


def text(value: str) -> str:
    """User text as a cell holds it: never more than Excel's 32,767 characters."""
    return value if len(value) <= MAX_STRING else value[:MAX_STRING]


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.]")
_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|[RrCc])$")


def sheet_name(wanted: str, taken: set[str]) -> str:
    """A valid, unique sheet name close to ``wanted`` (31 characters, no ``[]:*?/\\``)."""
    base = _SHEET_FORBIDDEN.sub("-", wanted).strip().strip("'") or "Sheet"
    base = base[:MAX_SHEET_NAME]
    name, n = base, 2
    while name.casefold() in {t.casefold() for t in taken}:
        suffix = f" ({n})"
        name = base[: MAX_SHEET_NAME - len(suffix)] + suffix
        n += 1
    return name


def range_name(wanted: str) -> str:
    """A workbook-level defined name from ``wanted``: ASCII letters, digits, ``_`` and ``.``."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", wanted).encode("ascii", "ignore").decode()
    name = _NAME_CHARS.sub("_", ascii_text).strip("_")
    if not name:
        raise ReportError(M_BAD_NAME, value=wanted)
    if not (name[0].isalpha() or name[0] == "_") or _CELL_LIKE.match(name):
        name = "_" + name
    return name[:255]


def footer_text(value: str) -> str:
    """Text for a header or footer: ``&`` is a control character there."""
    return value.replace("&", "&&")


# --- the workbook ---------------------------------------------------------------------


class ReportWorkbook:
    """An xlsxwriter workbook with fundtrack's safe options, formats, names and language.

    ``target`` is a path or a binary file object (a ``BytesIO`` for a download). With
    ``constant_memory=True`` rows are flushed as soon as the next row starts: sheets must
    be written top to bottom, which :class:`ReportSheet` checks. Use it as a context
    manager, or call :meth:`close`.
    """

    def __init__(
        self,
        target: str | Path | IO[bytes],
        lang: Lang,
        *,
        constant_memory: bool = False,
        title: str | None = None,
        author: str | None = None,
    ) -> None:
        self.lang: Lang = lang
        self.constant_memory = constant_memory
        if isinstance(target, str | Path):
            # xlsxwriter opens the file only when the workbook is closed, its temporary files
            # already written: a folder that does not exist is said before anything is built
            folder = Path(target).parent
            if not folder.is_dir():
                raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(target))
        options = {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "constant_memory": constant_memory,
        }
        self.book: Any = xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target, options)
        self.formats = FormatRegistry(self.book, lang)
        self.names: dict[str, CellRef] = {}
        self._sheets: list[ReportSheet] = []
        properties: dict[str, str] = {}
        if title:
            properties["title"] = title
        if author:
            properties["author"] = author
        if properties:
            self.book.set_properties(properties)

    def t(self, code: str, **params: object) -> str:
        """A label in the workbook's language."""
        return translate(code, self.lang, **params)

    def add_sheet(self, label: str, *, footer: str | None = None, **params: object) -> ReportSheet:
        """A new sheet named after the label ``label`` (an i18n code) in the workbook's language.

        ``footer`` is printed at the bottom left of each page (user text is escaped);
        the page number (``Page 2 of 5``) is at the bottom right.
        """
        return self.add_sheet_named(self.t(label, **params), footer=footer)

    def add_sheet_named(self, wanted: str, *, footer: str | None = None) -> ReportSheet:
        """A new sheet named ``wanted`` (made valid and unique)."""
        name = sheet_name(wanted, {s.name for s in self._sheets})
        sheet = ReportSheet(self, self.book.add_worksheet(name), name, footer=footer)
        self._sheets.append(sheet)
        return sheet

    def define_name(self, wanted: str, ref: CellRef) -> str:
        """Give ``ref`` a workbook-level name (``Total_budget``); return the name used."""
        name = range_name(wanted)
        if name in self.names and self.names[name] != ref:
            raise ReportError(M_BAD_NAME, value=wanted)
        self.names[name] = ref
        self.book.define_name(name, "=" + ref.absolute)
        return name

    def close(self) -> None:
        self.book.close()

    def __enter__(self) -> ReportWorkbook:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            # still release xlsxwriter's temporary files; the partial output is of no use
            with contextlib.suppress(Exception):
                self.book.close()


class ReportSheet:
    """One worksheet written top to bottom, with a row cursor and print setup.

    Every write goes through a typed method: :meth:`text` (``write_string``),
    :meth:`money` (a number with the currency format), :meth:`formula` (with its
    stored value)... so no value is ever guessed from its look.
    """

    def __init__(self, workbook: ReportWorkbook, worksheet: Any, name: str, *, footer: str | None) -> None:
        self.workbook = workbook
        self.ws: Any = worksheet
        self.name = name
        self.row = 0  # the next row to write
        self._last_written = -1
        self._strict = workbook.constant_memory
        self._writers: dict[CellKind, Callable[[int, int, Any, Any], Any]] = {
            "text": self._write_text,
            "wrap": self._write_text,
            "money": self._write_money,
            "percent": self._write_number,
            "date": self._write_date,
            "integer": self._write_number,
            "number": self._write_number,
        }
        self._print_setup(footer)

    # -- layout and printing

    def _print_setup(self, footer: str | None) -> None:
        ws = self.ws
        ws.set_landscape()
        ws.set_paper(1)  # letter, as printed in Québec
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
        page = translate(M_PAGE, self.workbook.lang)
        left = f"&L{footer_text(footer)}" if footer else ""
        ws.set_footer(f"{left}&R{page}"[:255])

    def widths(self, widths: Mapping[int, float] | list[float]) -> None:
        """Column widths in characters, by column index."""
        items = widths.items() if isinstance(widths, Mapping) else enumerate(widths)
        for col, width in items:
            self.ws.set_column(col, col, width)

    def freeze(self, row: int, col: int = 0) -> None:
        """Keep rows above ``row`` and columns left of ``col`` in view."""
        self.ws.freeze_panes(row, col)

    def repeat_header(self, first_row: int, last_row: int | None = None) -> None:
        """Print these rows at the top of every page."""
        self.ws.repeat_rows(first_row, first_row if last_row is None else last_row)

    # -- the cursor

    def _claim(self, row: int) -> None:
        if row < self._last_written and self._strict:
            raise ReportError(M_ROW_ORDER, row=row + 1, last=self._last_written + 1)
        if row > self._last_written:
            self._last_written = row

    def next_row(self, count: int = 1) -> int:
        """Return the current row and move the cursor ``count`` rows down."""
        row = self.row
        self.row += count
        return row

    def skip(self, count: int = 1) -> None:
        self.row += count

    # -- typed writes (row, col) -- each checks the row order in constant-memory mode

    def write(self, row: int, col: int, value: object, kind: CellKind = "text", style: str | None = None) -> None:
        """Write ``value`` as ``kind`` (a :class:`Formula` is written as a formula).

        ``style`` is a named style (default: the kind's own). ``None`` writes a blank
        cell with the style, so a total row keeps its borders.
        """
        self._claim(row)
        fmt = self.workbook.formats.get(style or _KIND_STYLE[kind])
        if value is None:
            self.ws.write_blank(row, col, None, fmt)
        elif isinstance(value, Formula):
            self.ws.write_formula(row, col, "=" + value.expression, fmt, number_value(value.value))
        else:
            self._writers[kind](row, col, value, fmt)

    def _write_text(self, row: int, col: int, value: Any, fmt: Any) -> None:
        self.ws.write_string(row, col, text(value if isinstance(value, str) else str(value)), fmt)

    def _write_money(self, row: int, col: int, value: Any, fmt: Any) -> None:
        if not isinstance(value, Decimal | int) or isinstance(value, bool):
            raise ReportError(M_BAD_VALUE, value=value, kind="money")
        self.ws.write_number(row, col, money_number(Decimal(value)), fmt)

    def _write_number(self, row: int, col: int, value: Any, fmt: Any) -> None:
        if not isinstance(value, Decimal | int) or isinstance(value, bool):
            raise ReportError(M_BAD_VALUE, value=value, kind="number")
        self.ws.write_number(row, col, float(value), fmt)

    def _write_date(self, row: int, col: int, value: Any, fmt: Any) -> None:
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ReportError(M_BAD_VALUE, value=value, kind="date")
        self.ws.write_datetime(row, col, value, fmt)

    def text(self, row: int, col: int, value: str, style: str = "text") -> None:
        self.write(row, col, value, "text", style)

    def money(self, row: int, col: int, value: Decimal, style: str = "money") -> None:
        self.write(row, col, value, "money", style)

    def formula(self, row: int, col: int, formula: Formula, style: str = "money") -> None:
        self.write(row, col, formula, "money", style)

    # -- flowing writes at the cursor

    def title(self, value: str, style: str = "title") -> int:
        """A title line (already translated or user text); returns its row."""
        row = self.next_row()
        self.text(row, 0, value, style)
        return row

    def label(self, code: str, style: str = "subtitle", **params: object) -> int:
        """A line holding one translated label."""
        return self.title(self.workbook.t(code, **params), style)

    def pair(self, code: str, value: object, kind: CellKind = "text", *, name: str | None = None) -> CellRef:
        """``Label | value`` on one line; a ``name`` makes the value a defined name."""
        row = self.next_row()
        self.text(row, 0, self.workbook.t(code), "label")
        self.write(row, 1, value, kind)
        ref = CellRef(self.name, row, 1)
        if name:
            self.workbook.define_name(name, ref)
        return ref

    def cell(self, row: int, col: int) -> CellRef:
        return CellRef(self.name, row, col)

    def ref_in(self, other: ReportSheet, row: int, col: int) -> str:
        """A reference to ``other``'s cell usable in this sheet's formulas."""
        if other is self:
            return str(xl_rowcol_to_cell(row, col))
        return f"{quote_sheetname(other.name)}!{xl_rowcol_to_cell(row, col)}"


def column_letter(col: int) -> str:
    return str(xl_col_to_name(col))
