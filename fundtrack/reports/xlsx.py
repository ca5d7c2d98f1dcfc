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
  same code works in xlsxwriter's constant-memory mode;
- every sheet prints on letter paper in landscape, one page wide, its text at 8 points
  or more: column widths, wrapped rows, the repeated header (only where a table goes on
  to another page) and the page breaks are chosen from the widths of the text
  (:mod:`fundtrack.reports.layout`) when the workbook is closed;
- a value a cell cannot hold (more than 32,767 characters) is cut visibly, with a note
  of its length in the cell, and listed in :attr:`ReportWorkbook.cuts` (the command
  says so on stderr, see :func:`collect_cuts`).
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import math
import os
import re
import unicodedata
from array import array
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_rowcol_to_cell

from fundtrack.errors import FundtrackError
from fundtrack.i18n import Lang, msg, translate
from fundtrack.money import exact
from fundtrack.reports import layout

CellKind = Literal["text", "wrap", "money", "percent", "date", "integer", "number"]
DateStyle = Literal["iso", "words"]
NUMERIC_KINDS: frozenset[str] = frozenset({"money", "percent", "integer", "number"})
NUMBER_TYPES = (Decimal, int)  # what a number cell takes (a bool is refused apart)

MAX_STRING = 32767  # Excel's limit for one cell's text
MAX_SHEET_NAME = 31

M_PAGE = msg("report.page")
M_ROW_ORDER = msg("report.row_order")
M_BAD_NAME = msg("report.bad_name")
M_BAD_VALUE = msg("report.bad_value")
M_CUT_MARK = msg("report.cut.mark")
M_FOOTER_CUT = msg("report.cut.footer")


class ReportError(FundtrackError):
    """A report was asked to do something a workbook cannot hold."""


# --- number formats -------------------------------------------------------------------
#
# Number formats are stored in US syntax. The bracketed currency carries the locale of
# the symbol: 1009 is en-CA (the sign before the amount). French formats start with the
# fr-CA locale tag ``[$-C0C]``: Excel shows the reader's own separators, and LibreOffice
# shows French ones whatever its own locale (``1 234,56 $``, not ``1,234.56 $``).
# Percentages have two places, French with a non-breaking space before the sign
# (``10,00 %``), English without (``10.00%``). Every number format ends with ``_-``, a
# blank the width of a hyphen, so that an amount never touches the text to its right.

_P = layout.PAD
MONEY_FORMATS: dict[Lang, str] = {
    "fr": f'[$-C0C]#,##0.00 "$"{_P};-#,##0.00 "$"{_P};0.00 "$"{_P}',
    "en": f"[$$-1009]#,##0.00{_P};-[$$-1009]#,##0.00{_P};[$$-1009]0.00{_P}",
}
PERCENT_FORMATS: dict[Lang, str] = {"fr": f'[$-C0C]0.00"\u00a0"%{_P}', "en": f"0.00%{_P}"}
DATE_FORMAT = "yyyy-mm-dd"
DATE_WORD_FORMATS: dict[Lang, str] = {"fr": "[$-C0C]d mmm yyyy", "en": "[$-1009]mmm d, yyyy"}
INTEGER_FORMAT = "#,##0"
NUMBER_FORMAT = "#,##0.00"
INTEGER_FORMATS: dict[Lang, str] = {"fr": f"[$-C0C]#,##0{_P}", "en": f"#,##0{_P}"}
NUMBER_FORMATS: dict[Lang, str] = {"fr": f"[$-C0C]#,##0.00{_P}", "en": f"#,##0.00{_P}"}
TITLE_ROW_PT = 21.0  # a row holding 14-point bold text

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


def _style_properties(name: str, lang: Lang, dates: DateStyle = "iso") -> dict[str, Any]:
    """A named style's properties; ``_total``, ``_wrap`` and ``_indent`` suffixes (in that
    order) add a total row's look, text wrapping and a one-step indent."""
    if name.endswith("_indent"):
        props = _style_properties(name.removesuffix("_indent"), lang, dates)
        props["indent"] = 1
        return props
    if name.endswith("_wrap"):
        props = _style_properties(name.removesuffix("_wrap"), lang, dates)
        props.update({"text_wrap": True, "valign": "top"})
        return props
    date_format = DATE_WORD_FORMATS[lang] if dates == "words" else DATE_FORMAT
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
        "date": {"num_format": date_format, "align": "left", "valign": "top"},
        "integer": {"num_format": INTEGER_FORMATS[lang], "valign": "top"},
        "number": {"num_format": NUMBER_FORMATS[lang], "valign": "top"},
        "header": {
            "bold": True,
            "text_wrap": True,
            "valign": "top",
            "bg_color": _HEADER_FILL,
            "bottom": 1,
            "bottom_color": _BORDER_COLOUR,
        },
        # the header of a column of numbers stands over them, at the right (indented from
        # it, so that it never runs into the next column's header)
        "header_number": {
            "bold": True,
            "text_wrap": True,
            "valign": "top",
            "align": "right",
            "indent": 1,
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

    def __init__(self, workbook: Any, lang: Lang, dates: DateStyle = "iso") -> None:
        self._workbook = workbook
        self._lang = lang
        self._dates: DateStyle = dates
        self._by_key: dict[tuple[tuple[str, Any], ...], Any] = {}
        self._by_name: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        """The format of a named style (``money``, ``money_total``, ``header``...)."""
        fmt = self._by_name.get(name)
        if fmt is None:
            fmt = self.custom(_style_properties(name, self._lang, self._dates))
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

    @property
    def dates(self) -> DateStyle:
        return self._dates


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


@lru_cache(maxsize=8192)
def number_width(largest: Decimal, negative: bool, kind: str, lang: Lang, bold: bool = False) -> float:
    """:func:`layout.number_width`, measured once for each figure: a total is measured when its
    column is fitted to its rows, when it is written and when its column is sized."""
    return layout.number_width(largest, negative, kind, lang, bold=bold)


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


def text(value: str, lang: Lang | None = None) -> str:
    """User text as a cell holds it: never more than Excel's 32,767 characters.

    A longer text is cut visibly: its end is replaced by a note of its length
    (``… [texte coupé : 1 048 576 caractères …]``), so nobody takes it for the whole.
    """
    if len(value) <= MAX_STRING:
        return value
    mark = translate(M_CUT_MARK, lang, length=_count(len(value), lang), limit=_count(MAX_STRING, lang))
    return value[: MAX_STRING - len(mark)] + mark


def _count(value: int, lang: Lang | None) -> str:
    return layout.integer_text(value, lang or "fr") if (lang or "fr") == "fr" else f"{value:,}"


@dataclass(frozen=True)
class Cut:
    """A value cut to fit a workbook: where, and how long it was."""

    sheet: str
    cell: str
    length: int
    limit: int = MAX_STRING


_cut_collectors: contextvars.ContextVar[list[Cut] | None] = contextvars.ContextVar("fundtrack_cuts", default=None)


@contextlib.contextmanager
def collect_cuts() -> Iterator[list[Cut]]:
    """Gather the cuts of every workbook written in the block (for a command to report them)."""
    found: list[Cut] = []
    token = _cut_collectors.set(found)
    try:
        yield found
    finally:
        _cut_collectors.reset(token)


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.]")
_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|[RrCc])$")


def sheet_name(wanted: str, taken: set[str]) -> str:
    """A valid, unique sheet name close to ``wanted`` (31 characters, no ``[]:*?/\\``)."""
    return _unique_sheet_name(wanted, {t.casefold() for t in taken})


def _unique_sheet_name(wanted: str, folded: set[str]) -> str:
    """:func:`sheet_name` among the names ``folded`` (casefolded) already taken."""
    base = _SHEET_FORBIDDEN.sub("-", wanted).strip().strip("'") or "Sheet"
    base = base[:MAX_SHEET_NAME]
    name, n = base, 2
    while name.casefold() in folded:
        suffix = f" ({n})"
        name = base[: MAX_SHEET_NAME - len(suffix)] + suffix
        n += 1
    return name


def range_name(wanted: str) -> str:
    """A workbook-level defined name from ``wanted``: ASCII letters, digits, ``_`` and ``.``."""
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


FOOTER_LIMIT = 255  # characters of a header or footer, control codes included


# --- the workbook ---------------------------------------------------------------------


class ReportWorkbook:
    """An xlsxwriter workbook with fundtrack's safe options, formats, names and language.

    ``target`` is a path or a binary file object (a ``BytesIO`` for a download). With
    ``constant_memory=True`` rows are flushed as soon as the next row starts: sheets must
    be written top to bottom, which :class:`ReportSheet` checks. ``dates="words"`` shows
    dates with the month in words (``15 avr. 2026``, ``Apr 15, 2026``) instead of
    ``2026-04-15``. Use it as a context manager, or call :meth:`close`: each sheet's
    print setup (scale, repeated header, page breaks, charts) is settled then.
    """

    def __init__(
        self,
        target: str | Path | IO[bytes],
        lang: Lang,
        *,
        constant_memory: bool = False,
        title: str | None = None,
        author: str | None = None,
        dates: DateStyle = "iso",
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
            # a workbook held in memory anyway is packaged there too, without a temporary
            # file per part (a workbook of 300 sheets wrote and removed 600)
            "in_memory": not constant_memory,
        }
        self.book: Any = xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target, options)
        self.formats = FormatRegistry(self.book, lang, dates)
        self.names: dict[str, CellRef] = {}
        self.cuts: list[Cut] = []
        self._sheets: list[ReportSheet] = []
        self._taken: set[str] = set()  # the sheets' names, casefolded
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
        name = _unique_sheet_name(wanted, self._taken)
        sheet = ReportSheet(self, self.book.add_worksheet(name), name, footer=footer)
        self._sheets.append(sheet)
        self._taken.add(name.casefold())
        return sheet

    def define_name(self, wanted: str, ref: CellRef) -> str:
        """Give ``ref`` a workbook-level name (``Total_budget``); return the name used."""
        name = range_name(wanted)
        if name in self.names and self.names[name] != ref:
            raise ReportError(M_BAD_NAME, value=wanted)
        self.names[name] = ref
        self.book.define_name(name, "=" + ref.absolute)
        return name

    def record_cut(self, cut: Cut) -> None:
        self.cuts.append(cut)
        collector = _cut_collectors.get()
        if collector is not None:
            collector.append(cut)

    def close(self) -> None:
        for sheet in self._sheets:
            sheet.finish_print()
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


class RowHeights(MutableMapping[int, float]):
    """The rows given a height (points), two bytes a row, so that a sheet of 100,000 wrapped
    rows keeps its layout in a few hundred kilobytes."""

    def __init__(self) -> None:
        self._pixels = array("H")

    def __getitem__(self, row: int) -> float:
        if 0 <= row < len(self._pixels) and self._pixels[row]:
            return self._pixels[row] * 0.75
        raise KeyError(row)

    def get(self, row: int, default: float | None = None) -> float | None:  # type: ignore[override]
        pixels = self._pixels[row] if 0 <= row < len(self._pixels) else 0
        return pixels * 0.75 if pixels else default

    def __setitem__(self, row: int, points: float) -> None:
        missing = row + 1 - len(self._pixels)
        if missing > 0:
            self._pixels.extend([0] * missing)
        self._pixels[row] = max(1, min(int(points * 4.0 / 3.0 + 0.5), 65535))

    def __delitem__(self, row: int) -> None:
        if row not in self:
            raise KeyError(row)
        self._pixels[row] = 0

    def __contains__(self, row: object) -> bool:
        return isinstance(row, int) and 0 <= row < len(self._pixels) and bool(self._pixels[row])

    def __iter__(self) -> Iterator[int]:
        return (row for row, pixels in enumerate(self._pixels) if pixels)

    def __len__(self) -> int:
        return sum(1 for pixels in self._pixels if pixels)


@dataclass(frozen=True)
class _ChartAt:
    row: int
    col: int
    chart: Any
    width_px: int
    height_px: int


class ReportSheet:
    """One worksheet written top to bottom, with a row cursor and print setup.

    Every write goes through a typed method: :meth:`text` (``write_string``),
    :meth:`money` (a number with the currency format), :meth:`formula` (with its
    stored value)... so no value is ever guessed from its look. Column widths and row
    heights go through :meth:`set_width` and :meth:`set_height`, so that the sheet
    knows how it prints; :meth:`finish_print` settles the print setup at the end.
    """

    def __init__(self, workbook: ReportWorkbook, worksheet: Any, name: str, *, footer: str | None) -> None:
        self.workbook = workbook
        self.ws: Any = worksheet
        self.name = name
        self.row = 0  # the next row to write
        self._last_written = -1
        self._last_col = -1
        self._strict = workbook.constant_memory
        self._widths: dict[int, float] = {}
        self._heights = RowHeights()
        self._pending_rows: list[int] = []  # rows given a height that xlsxwriter has not flushed yet
        self._reach = 0.0
        self._numbers: dict[int, float] = {}  # the width each column's numbers need
        self._texts: dict[int, float] = {}  # the width each column's text was laid out in
        self._tables: list[layout.TableSpan] = []
        self._blocks: list[tuple[int, int]] = []
        self._charts: list[_ChartAt] = []
        self._titles: set[int] = set()
        self._repeat: tuple[int, int] | None = None
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
        ws.fit_to_pages(1, 0)  # one page wide; settled again by finish_print
        ws.set_margins(
            left=layout.MARGIN_LEFT_IN,
            right=layout.MARGIN_RIGHT_IN,
            top=layout.MARGIN_TOP_IN,
            bottom=layout.MARGIN_BOTTOM_IN,
        )
        page = translate(M_PAGE, self.workbook.lang)
        right = f"&R{page}"
        left = ""
        if footer:
            escaped = footer_text(footer)
            room = FOOTER_LIMIT - len(right) - 2
            if len(escaped) > room:
                escaped = escaped[: room - 1].rstrip("&") + "…"
                self.workbook.record_cut(Cut(self.name, translate(M_FOOTER_CUT, self.workbook.lang), len(footer)))
            left = f"&L{escaped}"
        ws.set_footer(f"{left}{right}")

    def widths(self, widths: Mapping[int, float] | list[float]) -> None:
        """Column widths in characters, by column index."""
        items = widths.items() if isinstance(widths, Mapping) else enumerate(widths)
        for col, width in items:
            self.set_width(col, width)

    def set_width(self, col: int, width: float) -> None:
        """Set column ``col``'s width (characters)."""
        self._widths[col] = width
        self.ws.set_column(col, col, width)

    def width_of(self, col: int) -> float:
        """Column ``col``'s width (characters), as set so far."""
        return self._widths.get(col, layout.DEFAULT_WIDTH)

    def room(self, col: int, last_col: int | None = None) -> float:
        """The room for text of a cell spanning columns ``col`` to ``last_col`` (units)."""
        if last_col is None or last_col == col:
            return layout.usable_width(layout.stored_width(self._widths.get(col, layout.DEFAULT_WIDTH)))
        stored = sum(layout.stored_width(self.width_of(c)) for c in range(col, last_col + 1))
        return layout.usable_width(stored)

    def ensure_width(self, col: int, needed: float) -> None:
        """Make column ``col`` wide enough for text ``needed`` units wide (never narrower)."""
        if self.room(col) < needed:
            self.set_width(col, math.ceil((needed + 0.2) * 4) / 4)

    def set_height(self, row: int, points: float) -> None:
        """Set row ``row``'s height (points, at most a workbook's 409)."""
        points = min(points, layout.MAX_ROW_PT)
        self._heights[row] = points
        self.ws.set_row(row, points)
        if self._strict:
            self._forget_flushed_rows(row)

    def _forget_flushed_rows(self, row: int) -> None:
        """In constant-memory mode xlsxwriter still keeps every row's height once the row is
        written to the file; let it forget those already flushed (only objects placed further
        down, charts at the end, measure rows again), so that memory does not grow with rows."""
        ws = self.ws
        flushed = getattr(ws, "previous_row", 0)
        kept = []
        for pending in self._pending_rows:
            if pending < flushed:
                ws.row_info.pop(pending, None)
                ws.row_sizes.pop(pending, None)
            else:
                kept.append(pending)
        kept.append(row)
        self._pending_rows = kept

    def height_of(self, row: int) -> float:
        return self._heights.get(row) or layout.ROW_PT

    def has_height(self, row: int) -> bool:
        """Whether row ``row`` was given a height."""
        return row in self._heights

    @property
    def last_col(self) -> int:
        """The rightmost column written so far (-1 before any cell)."""
        return self._last_col

    def freeze(self, row: int, col: int = 0) -> None:
        """Keep rows above ``row`` and columns left of ``col`` in view."""
        self.ws.freeze_panes(row, col)

    def repeat_header(self, first_row: int, last_row: int | None = None) -> None:
        """Print these rows at the top of every page."""
        self._repeat = (first_row, first_row if last_row is None else last_row)
        self.ws.repeat_rows(*self._repeat)

    def table_span(self, header_first: int, header_last: int, last: int, *, repeat: bool) -> None:
        """A table lies here: its header repeats on the next pages only if it continues there."""
        self._tables.append(layout.TableSpan(header_first, header_last, last, repeat))
        first = header_first - 1 if header_first - 1 in self._titles else header_first
        # a table shorter than a page prints on one page, with its title; a longer one
        # at least keeps its title, its header and its first rows together
        self.keep_together(first, last)
        self.keep_together(first, min(last, header_last + 2))

    def keep_together(self, first_row: int, last_row: int) -> None:
        """Print these rows on one page when they fit on one (a page break goes before them)."""
        if last_row > first_row:
            self._blocks.append((first_row, last_row))

    def add_chart(self, row: int, col: int, chart: Any, *, width: int, height: int) -> None:
        """Place ``chart`` (``width`` x ``height`` pixels) with its top-left corner at (``row``, ``col``).

        It is inserted when the sheet is finished, so that its height can still be
        fitted to the page it prints on.
        """
        self._charts.append(_ChartAt(row, col, chart, width, height))

    def needs_number_width(self, col: int, needed: float) -> None:
        """Column ``col`` holds a number ``needed`` units wide as shown (it is widened at the end)."""
        if needed > self._numbers.get(col, 0.0):
            self._numbers[col] = needed

    def number_need(self, col: int) -> float:
        """The width the numbers of column ``col`` need (units)."""
        return self._numbers.get(col, 0.0)

    def note_text_width(self, col: int, width: float) -> None:
        """Column ``col`` holds text laid out ``width`` units wide: it is never narrowed below."""
        if width > self._texts.get(col, 0.0):
            self._texts[col] = width

    def text_need(self, col: int) -> float:
        return self._texts.get(col, 0.0)

    def page_model(self) -> layout.PageModel:
        """The sheet as the printer sees it so far."""
        return layout.PageModel(
            widths={c: layout.stored_width(w) for c, w in self._widths.items()},
            heights=self._heights,
            last_row=self._last_written,
            last_col=self._last_col,
            reach=self._reach,
            charts=[
                layout.Chart(
                    c.row, c.col, layout.chart_width_pt(self._width_or_none, c.col, c.width_px), c.height_px * 0.75
                )
                for c in self._charts
            ],
        )

    def _width_or_none(self, col: int) -> float | None:
        return self._widths.get(col)

    def _fit_charts(self) -> None:
        """No chart wider than the sheet's columns or the page: it would shrink the whole sheet."""
        columns = self.page_model()
        columns.charts = []
        room = max(columns.used_width_pt(), layout.BODY_WIDTH_PT)
        for i, c in enumerate(self._charts):
            width = c.width_px
            while width > 240 and layout.chart_width_pt(self._width_or_none, c.col, width) > room:
                width -= 8
            if width != c.width_px:
                self._charts[i] = _ChartAt(c.row, c.col, c.chart, width, c.height_px)

    def finish_print(self) -> layout.PrintPlan:
        """Settle the print setup: widths for the numbers, scale, repeated header, breaks, charts.

        Called once by :meth:`ReportWorkbook.close`.
        """
        for col, needed in self._numbers.items():
            self.ensure_width(col, needed)
        self._fit_charts()
        model = self.page_model()
        ws = self.ws
        if model.scale() < layout.MIN_SCALE:
            # too wide for one page at a legible size: pages side by side, first column repeated
            model.fixed_scale = math.ceil(layout.MIN_SCALE * 100) / 100
            ws.set_print_scale(round(model.fixed_scale * 100))
            ws.repeat_columns(0)
        else:
            ws.fit_to_pages(1, 0)
        plan = layout.plan_pages(model, self._tables, self._blocks)
        if model.fixed_scale is None:
            tighter = layout.tighter_scale(model, self._tables, self._blocks, plan)
            if tighter is not None:  # a little smaller saves an almost empty last page
                scale, plan = tighter
                ws.set_print_scale(round(scale * 100))
        repeat = plan.repeat or self._repeat
        if repeat is not None:
            ws.repeat_rows(*repeat)
        if plan.breaks:
            ws.set_h_pagebreaks(sorted(plan.breaks))
        for i, c in enumerate(self._charts):
            height = round(plan.chart_heights[i] / 0.75) if i in plan.chart_heights else c.height_px
            c.chart.set_size({"width": c.width_px, "height": height})
            ws.insert_chart(c.row, c.col, c.chart, {"object_position": 1})
        return plan

    # -- the cursor

    def _claim(self, row: int, col: int = 0) -> None:
        if row < self._last_written and self._strict:
            raise ReportError(M_ROW_ORDER, row=row + 1, last=self._last_written + 1)
        if row > self._last_written:
            self._last_written = row
        if col > self._last_col:
            self._last_col = col

    def claim_columns(self, row: int, first_col: int, last_col: int) -> None:
        """Cells from ``first_col`` to ``last_col`` of ``row`` are written (by a table)."""
        self._claim(row, last_col)

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
        self._claim(row, col)
        fmt = self.workbook.formats.get(style or _KIND_STYLE[kind])
        if value is None:
            self.ws.write_blank(row, col, None, fmt)
        elif isinstance(value, Formula):
            self.ws.write_formula(row, col, "=" + value.expression, fmt, number_value(value.value))
            self._note_number(col, value.value, kind, style)
        else:
            self._writers[kind](row, col, value, fmt)
            self._note_number(col, value, kind, style)

    def _note_number(self, col: int, value: object, kind: CellKind, style: str | None) -> None:
        if kind not in NUMERIC_KINDS or not isinstance(value, NUMBER_TYPES) or isinstance(value, bool):
            return
        bold = bool(style and style.endswith("_total"))
        width = number_width(abs(Decimal(value)), value < 0, kind, self.workbook.lang, bold)
        self.needs_number_width(col, width)

    def cell_text(self, row: int, col: int, value: str) -> str:
        """``value`` as the cell holds it: a text too long is cut visibly, and the cut recorded."""
        if len(value) <= MAX_STRING:
            return value
        self.workbook.record_cut(Cut(self.name, str(xl_rowcol_to_cell(row, col)), len(value)))
        return text(value, self.workbook.lang)

    def _write_text(self, row: int, col: int, value: Any, fmt: Any) -> None:
        self.ws.write_string(row, col, self.cell_text(row, col, value if isinstance(value, str) else str(value)), fmt)

    def _write_money(self, row: int, col: int, value: Any, fmt: Any) -> None:
        if not isinstance(value, NUMBER_TYPES) or isinstance(value, bool):
            raise ReportError(M_BAD_VALUE, value=value, kind="money")
        self.ws.write_number(row, col, money_number(Decimal(value)), fmt)

    def _write_number(self, row: int, col: int, value: Any, fmt: Any) -> None:
        if not isinstance(value, NUMBER_TYPES) or isinstance(value, bool):
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
        """A title line (already translated or user text); returns its row.

        The text may run on to the right over empty cells; the sheet's printed width
        takes it into account. Use :meth:`paragraph` for a text that should wrap.
        """
        row = self.next_row()
        self.text(row, 0, value, style)
        size, bold = _STYLE_FONT.get(style, (layout.BASE_FONT_PT, False))
        self._reach = max(self._reach, layout.text_width(value[:2000], bold=bold, size=size) + 1.0)
        self._titles.add(row)
        if size > layout.BASE_FONT_PT:
            self.set_height(row, TITLE_ROW_PT)
        return row

    def paragraph(self, value: str, style: str = "note", last_col: int | None = None) -> int:
        """A line of text wrapped within columns A to ``last_col`` (default: the columns sized so
        far); returns its row."""
        last = last_col if last_col is not None else max(self._widths, default=0)
        size, bold = _STYLE_FONT.get(style, (layout.BASE_FONT_PT, False))
        room = self.room(0, last)
        if last == 0 or layout.text_width(value, bold=bold, size=size) <= room:
            return self.title(value, style)
        row = self.next_row()
        self._claim(row, last)
        for col in range(last + 1):  # the wrapped text was laid out in these widths: keep them
            self.note_text_width(col, self.room(col))
        lines = layout.wrap_lines(value, room, bold=bold, size=size)
        fmt = self.workbook.formats.get(f"{style}_wrap")
        self.ws.merge_range(row, 0, row, last, "", fmt)
        self.ws.write_string(row, 0, self.cell_text(row, 0, value), fmt)
        self.set_height(row, max(layout.ROW_PT, lines * layout.LINE_PT * size / layout.BASE_FONT_PT))
        self._titles.add(row)
        return row

    def label(self, code: str, style: str = "subtitle", **params: object) -> int:
        """A line holding one translated label."""
        return self.title(self.workbook.t(code, **params), style)

    def pair(self, code: str, value: object, kind: CellKind = "text", *, name: str | None = None) -> CellRef:
        """``Label | value`` on one line; a ``name`` makes the value a defined name.

        A label wider than column A wraps (the row grows), so it is never cut by its value.
        """
        row = self.next_row()
        label = self.workbook.t(code)
        room = self.room(0)
        if layout.text_width(label, bold=True) > room:
            self.text(row, 0, label, "label_wrap")
            self.set_height(row, layout.wrap_lines(label, room, bold=True) * layout.LINE_PT)
        else:
            self.text(row, 0, label, "label")
        self.write(row, 1, value, kind)
        if kind == "text" and isinstance(value, str):  # a value may run on over the empty cells
            self._reach = max(self._reach, self.room(0) + 0.71 + layout.text_width(value[:2000]) + 1.0)
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


# the font size and weight of the styles that hold running text
_STYLE_FONT: dict[str, tuple[float, bool]] = {
    "title": (14.0, True),
    "subtitle": (11.0, True),
    "label": (11.0, True),
    "note": (11.0, False),
    "text": (11.0, False),
}


def column_letter(col: int) -> str:
    return str(xl_col_to_name(col))
