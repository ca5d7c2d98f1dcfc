"""Tables on a report sheet: a header row, rows in order, a total row of formulas.

A :class:`Table` writes each row as it comes (nothing is kept but running Decimal
totals), so it works in xlsxwriter's constant-memory mode and on 100,000 rows. Its
total row holds ``SUM`` formulas whose stored values are the exact Decimal sums, and
other formulas (a variance, a percentage) built from the totals.

How it prints: a text wider than its column wraps (its row grows) instead of being
cut by the next cell; the headers of number columns stand at the right, over the
numbers; each number column is made wide enough for its widest figure and its total;
the header repeats on the next pages only if the table goes on to them. Outside
constant-memory mode the columns are also fitted to their content (a text column
narrows to its longest value when every value fits on one line, a number column to
its widest figure), so that the sheet prints as large as it can.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from xlsxwriter.utility import xl_rowcol_to_cell

from fundtrack.i18n import Lang, msg, translate
from fundtrack.money import exact, from_cents
from fundtrack.reports import layout
from fundtrack.reports.xlsx import (
    M_BAD_VALUE,
    MAX_STRING,
    NUMBER_TYPES,
    NUMERIC_KINDS,
    CellKind,
    CellRange,
    CellRef,
    DateStyle,
    Formula,
    ReportError,
    ReportSheet,
    number_value,
    number_width,
)

M_TOTAL = msg("label.total")
M_ROW_LENGTH = msg("report.row_length")
_DONE = object()  # tells a column writer of Table.add_cents that the rows are written
_WIDTHS_KEPT = 2048  # text widths a column writer of Table.add_cents remembers at most


@dataclass(frozen=True)
class TotalRow:
    """What a total rule sees: the refs and values of the total row so far."""

    refs: Mapping[str, str]
    values: Mapping[str, Decimal | int | str]

    def ref(self, key: str) -> str:
        return self.refs[key]

    def value(self, key: str) -> Decimal:
        v = self.values[key]
        return v if isinstance(v, Decimal) else Decimal(0) if isinstance(v, str) else Decimal(v)


TotalRule = Literal["sum"] | Callable[[TotalRow], Formula] | None


@dataclass(frozen=True)
class Column:
    """One column: a key, a label (an i18n code) or a heading (text as is), a kind.

    ``total`` is ``"sum"`` (a ``SUM`` of the column), a function of the total row
    returning a :class:`Formula` (a variance, a percentage), or None (blank).
    ``width`` (characters) is the widest a text column gets before its text wraps;
    a number column is as wide as its widest figure needs, whatever ``width`` says.
    """

    key: str
    label: str = ""
    kind: CellKind = "text"
    width: float = 14
    total: TotalRule = None
    heading: str | None = None


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | str:
    """``numerator / denominator`` as a stored value; ``""`` (blank) when dividing by zero."""
    if not denominator:
        return ""
    return numerator / denominator


def percent_formula(numerator_ref: str, denominator_ref: str, numerator: Decimal, denominator: Decimal) -> Formula:
    """``numerator / denominator``, blank when the denominator is zero, with its stored value."""
    return Formula(
        f'IF({denominator_ref}=0,"",{numerator_ref}/{denominator_ref})',
        ratio(numerator, denominator),
    )


@dataclass
class TableTotals:
    """Where a finished table lies and what its total row holds."""

    sheet: str
    header_row: int
    first_row: int
    last_row: int  # the last data row; first_row - 1 when the table is empty
    total_row: int | None
    columns: dict[str, int]
    values: dict[str, Decimal | int | str] = field(default_factory=dict)

    def ref(self, key: str) -> CellRef:
        """The total cell of column ``key``."""
        if self.total_row is None:
            raise KeyError(key)
        return CellRef(self.sheet, self.total_row, self.columns[key])

    def data(self, key: str) -> CellRange:
        """The data cells of column ``key`` (for a chart)."""
        col = self.columns[key]
        return CellRange(self.sheet, self.first_row, col, max(self.last_row, self.first_row), col)

    def value(self, key: str) -> Decimal:
        v = self.values[key]
        return v if isinstance(v, Decimal) else Decimal(0) if isinstance(v, str) else Decimal(v)


class Table:
    """Write a table at the sheet's cursor: header now, rows with :meth:`add`, then :meth:`finish`.

    ``freeze`` keeps the header in view; ``repeat`` prints it at the top of the next
    pages when the table continues there (one table per sheet should ask for them: a
    sheet has one frozen pane and one set of repeated rows). Column widths are set from
    the columns unless ``widths=False`` (the table then uses the sheet's columns as they
    are, widening only those whose numbers need it). ``fit`` fits the columns to their
    content at the end (default: outside constant-memory mode, where rows can still be
    sized again).
    """

    def __init__(
        self,
        sheet: ReportSheet,
        columns: Sequence[Column],
        *,
        first_col: int = 0,
        freeze: bool = False,
        repeat: bool = False,
        widths: bool = True,
        autofilter: bool = False,
        fit: bool | None = None,
    ) -> None:
        self.sheet = sheet
        self.columns = list(columns)
        self.first_col = first_col
        self.col_of = {c.key: first_col + i for i, c in enumerate(self.columns)}
        self._letters = {c.key: xl_rowcol_to_cell(0, first_col + i)[:-1] for i, c in enumerate(self.columns)}
        book = sheet.workbook
        formats = book.formats
        self._fit = (not book.constant_memory if fit is None else fit) and widths
        self._repeat = repeat
        self.header_row = sheet.next_row()
        last_col = first_col + len(self.columns) - 1
        sheet.claim_columns(self.header_row, first_col, last_col)
        if widths:
            for i, column in enumerate(self.columns):
                width = column.width
                if column.kind == "date":
                    width = max(width, layout.widest_date(book.lang, formats.dates == "words") + 0.5)
                sheet.set_width(first_col + i, width)
        self._headings: list[str] = []
        for i, column in enumerate(self.columns):
            heading = column.heading if column.heading is not None else book.t(column.label)
            heading = sheet.cell_text(self.header_row, first_col + i, heading)
            self._headings.append(heading)
            sheet.ws.write_string(self.header_row, first_col + i, heading, formats.get(self._header_style(i)))
        self._size_header()
        self._wrapped = [(i, c.width) for i, c in enumerate(self.columns) if c.kind == "wrap"]
        if freeze:
            sheet.freeze(self.header_row + 1, 0)
        self.first_row = self.header_row + 1
        self.rows = 0
        self._autofilter = autofilter
        self._sums: list[Decimal] = [Decimal(0) for _ in self.columns]
        self._summed = [c.total == "sum" for c in self.columns]
        self._largest: list[Decimal] = [Decimal(0) for _ in self.columns]
        self._negative: list[bool] = [False for _ in self.columns]
        self._text_cols = [i for i, c in enumerate(self.columns) if c.kind in ("text", "wrap")]
        self._number_cols = [i for i, c in enumerate(self.columns) if c.kind in NUMERIC_KINDS]
        self._longest: dict[int, float] = dict.fromkeys(self._text_cols, 0.0)
        self._kept: list[tuple[int, list[str]]] = []  # (row, texts) to size again when fitting
        ws = sheet.ws
        self._plan: list[tuple[int, Callable[..., Any], Any, bool, CellKind]] = []
        for i, column in enumerate(self.columns):
            fmt = formats.get(column.kind)
            self._plan.append((first_col + i, self._writer(sheet, column.kind), fmt, self._summed[i], column.kind))
        self._wrap_fmt = formats.get("wrap")
        self._rooms = {i: sheet.room(first_col + i) for i in self._text_cols}
        self._ws = ws

    def _header_style(self, i: int) -> str:
        return "header_number" if self.columns[i].kind in NUMERIC_KINDS else "header"

    def _header_room(self, i: int) -> float:
        indent = layout.INDENT_UNITS if self._header_style(i) == "header_number" else 0.0
        return self.sheet.room(self.first_col + i) - indent

    def _size_header(self) -> None:
        sheet = self.sheet
        lines = 1
        for i, heading in enumerate(self._headings):
            lines = max(lines, _heading_lines(heading, self._header_room(i)))
        if lines > 1 or sheet.has_height(self.header_row):
            # readers do not grow a row for wrapped text that xlsxwriter wrote: say how tall
            sheet.set_height(self.header_row, LINE_HEIGHT * lines)

    @staticmethod
    def _writer(sheet: ReportSheet, kind: CellKind) -> Callable[..., Any]:
        if kind in ("text", "wrap"):
            return _string_writer(sheet)
        if kind == "money":
            return _money_writer(sheet.ws)
        if kind == "date":
            write_datetime: Callable[..., Any] = sheet.ws.write_datetime
            return write_datetime
        return _number_writer(sheet.ws)

    def ref(self, key: str, row: int | None = None) -> str:
        """``E12``: column ``key`` in ``row`` (default: the row being added next)."""
        return f"{self._letters[key]}{(self.sheet.row if row is None else row) + 1}"

    @property
    def current_row(self) -> int:
        return self.sheet.row

    def add(self, values: Sequence[object]) -> int:
        """Write one row (values in column order; a :class:`Formula` for computed cells).

        Money values are Decimals exact to the cent; text is always written as text, and
        wraps when it is wider than its column. Returns the row written.
        """
        if len(values) != len(self._plan):
            raise ReportError(M_ROW_LENGTH, got=len(values), expected=len(self._plan))
        sheet = self.sheet
        row = sheet.row
        sheet.row = row + 1
        sheet._claim(row, self.first_col + len(self._plan) - 1)
        ws = self._ws
        lines = 1
        for i, (col, write, fmt, summed, kind) in enumerate(self._plan):
            value = values[i]
            if value is None:
                ws.write_blank(row, col, None, fmt)
                continue
            if type(value) is Formula:
                ws.write_formula(row, col, "=" + value.expression, fmt, number_value(value.value))
                value = value.value
            elif kind in ("text", "wrap"):
                lines = max(lines, self._add_text(i, row, col, write, fmt, value))
            else:
                write(row, col, value, fmt)
            if kind in NUMERIC_KINDS:
                self._note_number(i, value)
            if summed:
                self._add_to_sum(i, value, kind)
        if lines > 1:
            sheet.set_height(row, LINE_HEIGHT * min(lines, MAX_LINES))
        if self._fit:
            self._kept.append((row, [v if isinstance(v, str) else "" for v in (values[i] for i in self._text_cols)]))
        self.rows += 1
        return row

    def add_cents(
        self, rows: Iterable[Sequence[object]], *, every: int = 1000, tick: Callable[[int], None] | None = None
    ) -> int:
        """Write ``rows`` as :meth:`add` would, money given in integer cents (as stored) and no
        formulas: the long detail of a report, read straight from the database.

        Each column's writer is chosen once for the table, not for each cell; cents are
        summed as integers and written as dollars. ``tick`` is called with the number of
        rows written every ``every`` rows and once at the end. Returns the rows written.
        """
        sheet = self.sheet
        last_col = self.first_col + len(self._plan) - 1
        cells = [self._cent_cell(i) for i in range(len(self._plan))]
        expected = len(cells)
        claim, set_height = sheet._claim, sheet.set_height
        written = pending = 0
        for values in rows:
            if len(values) != expected:
                raise ReportError(M_ROW_LENGTH, got=len(values), expected=expected)
            row = sheet.row
            sheet.row = row + 1
            claim(row, last_col)
            lines = 1
            for cell, value in zip(cells, values):  # noqa: B905 (the length is checked above)
                used = cell(row, value)
                if used > lines:
                    lines = used
            if lines > 1:
                set_height(row, LINE_HEIGHT * min(lines, MAX_LINES))
            written += 1
            pending += 1
            if pending == every and tick is not None:
                tick(pending)
                pending = 0
        for cell in cells:
            cell(-1, _DONE)
        self.rows += written
        if tick is not None:
            tick(pending)
        return written

    def _cent_cell(self, i: int) -> Callable[[int, object], int]:
        """The writer of column ``i`` for :meth:`add_cents`: writes one value, returns its lines.

        Called with :data:`_DONE` once the rows are written, it adds what it counted (sums,
        largest figures, longest text) to the table's own."""
        col, _, fmt, _, kind = self._plan[i]
        if kind in ("text", "wrap"):
            return self._text_cell(i, col, fmt)
        if kind == "date":
            return self._date_cell(col, fmt)
        if kind == "money":
            return self._money_cell(i, col, fmt)
        raise ReportError(M_BAD_VALUE, value=kind, kind="money")

    def _date_cell(self, col: int, fmt: Any) -> Callable[[int, object], int]:
        write_datetime, write_blank = self._ws.write_datetime, self._ws.write_blank

        def date_cell(row: int, value: object) -> int:
            if value is None:
                write_blank(row, col, None, fmt)
            elif value is not _DONE:
                write_datetime(row, col, value, fmt)
            return 1

        return date_cell

    def _money_cell(self, i: int, col: int, fmt: Any) -> Callable[[int, object], int]:
        write_number, write_blank = self._ws.write_number, self._ws.write_blank
        summed = self._summed[i]
        counted = [0, 0, False]  # the sum, the largest absolute value, whether any is negative

        def money_cell(row: int, value: object) -> int:
            if type(value) is int:
                write_number(row, col, value / 100, fmt)  # the same float as from the Decimal dollars
                counted[0] += value
                if value < 0:
                    counted[2] = True
                    value = -value
                if value > counted[1]:
                    counted[1] = value
            elif value is None:
                write_blank(row, col, None, fmt)
            elif value is _DONE:
                self._note_number(i, from_cents(counted[1]))
                if counted[2]:
                    self._negative[i] = True
                if summed:
                    self._sums[i] += from_cents(counted[0])
            else:
                raise ReportError(M_BAD_VALUE, value=value, kind="money")
            return 1

        return money_cell

    def _text_cell(self, i: int, col: int, fmt: Any) -> Callable[[int, object], int]:
        write_string, write_blank = self._ws.write_string, self._ws.write_blank
        cell_text, measure, wrap_lines = self.sheet.cell_text, layout.text_width_uncached, layout.wrap_lines
        room, wrap_fmt = self._rooms[i], self._wrap_fmt
        longest = [self._longest[i]]
        # the column's own widths already measured, forgotten now and then: values that repeat
        # (a payee, a category) are measured once, and unique ones do not pile up in memory
        widths: dict[str, float] = {}

        def text_cell(row: int, value: object) -> int:
            if value is _DONE:
                self._longest[i] = longest[0]
                return 1
            if value is None:
                write_blank(row, col, None, fmt)
                return 1
            shown = value if type(value) is str else str(value)
            if len(shown) > MAX_STRING:
                lines = wrap_lines(shown, room)
                write_string(row, col, cell_text(row, col, shown), wrap_fmt)
                longest[0] = max(longest[0], room)
                return lines
            width = widths.get(shown)
            if width is None:
                if len(widths) >= _WIDTHS_KEPT:
                    widths.clear()
                width = widths[shown] = measure(shown)
            if width <= room:
                write_string(row, col, shown, fmt)
                if width > longest[0]:
                    longest[0] = width
                return 1
            write_string(row, col, shown, wrap_fmt)
            if room > longest[0]:
                longest[0] = room
            return wrap_lines(shown, room)

        return text_cell

    def _add_text(self, i: int, row: int, col: int, write: Callable[..., Any], fmt: Any, value: object) -> int:
        """Write a text cell, wrapped if it is wider than its column; return its lines."""
        shown = value if type(value) is str else str(value)
        width = layout.text_width(shown) if len(shown) <= MAX_STRING else float("inf")
        room = self._rooms[i]
        lines = 1
        if width > room:
            lines = layout.wrap_lines(shown, room)
            write(row, col, shown, self._wrap_fmt)
            width = room
        else:
            write(row, col, shown, fmt)
        if width > self._longest[i]:
            self._longest[i] = width
        return lines

    def _note_number(self, i: int, value: object) -> None:
        if isinstance(value, NUMBER_TYPES) and not isinstance(value, bool):
            number = Decimal(value)
            if abs(number) > self._largest[i]:
                self._largest[i] = abs(number)
            if number < 0:
                self._negative[i] = True

    def _add_to_sum(self, i: int, value: object, kind: CellKind) -> None:
        if isinstance(value, NUMBER_TYPES) and not isinstance(value, bool):
            self._sums[i] += value
        elif not (isinstance(value, str) and value == ""):
            raise ReportError(M_BAD_VALUE, value=value, kind=kind)

    def _total_cell(self, row: int, i: int, column: Column, view: TotalRow, label: str) -> None:
        sheet = self.sheet
        col = self.col_of[column.key]
        style = "text_total" if column.kind == "wrap" else f"{column.kind}_total"
        rule = column.total
        if rule == "sum":
            letter = self._letters[column.key]
            if self.rows:
                last = self.first_row + self.rows
                sheet.write(
                    row,
                    col,
                    Formula(f"SUM({letter}{self.first_row + 1}:{letter}{last})", self._sums[i]),
                    column.kind,
                    style,
                )
            else:
                sheet.write(row, col, self._sums[i], column.kind, style)
        elif rule is not None:
            sheet.write(row, col, rule(view), column.kind, style)
        elif i == 0:
            sheet.write(row, col, sheet.workbook.t(label), "text", "text_total")
        else:
            sheet.write(row, col, None, column.kind, style)

    def finish(
        self,
        *,
        total: bool = True,
        label: str = M_TOTAL,
        names: Mapping[str, str] | None = None,
    ) -> TableTotals:
        """Close the table: a total row (``label`` in the first column) unless ``total=False``.

        ``names`` maps column keys to defined names for their total cells.
        """
        sheet = self.sheet
        last_row = self.first_row + self.rows - 1
        result = TableTotals(sheet.name, self.header_row, self.first_row, last_row, None, dict(self.col_of))
        if self._autofilter and self.rows:
            sheet.ws.autofilter(self.header_row, self.first_col, last_row, self.first_col + len(self.columns) - 1)
        if total:
            row = sheet.next_row()
            result.total_row = row
            refs = {c.key: xl_rowcol_to_cell(row, self.col_of[c.key]) for c in self.columns}
            values: dict[str, Decimal | int | str] = {}
            for i, column in enumerate(self.columns):
                if column.total == "sum":
                    values[column.key] = self._sums[i]
            view = TotalRow(refs, values)
            for column in self.columns:
                rule = column.total
                if rule is not None and rule != "sum":
                    values[column.key] = rule(view).value
            for i, column in enumerate(self.columns):
                self._total_cell(row, i, column, view, label)
            result.values = values
            for key, name in (names or {}).items():
                sheet.workbook.define_name(name, result.ref(key))
        self._size_columns()
        end = result.total_row if result.total_row is not None else max(last_row, self.header_row)
        sheet.table_span(self.header_row, self.header_row, end, repeat=self._repeat)
        return result

    def _size_columns(self) -> None:
        """Number columns as wide as their figures; when fitting, text columns as their text."""
        sheet = self.sheet
        lang = sheet.workbook.lang
        for i in self._number_cols:
            col = self.first_col + i
            kind = self.columns[i].kind
            sheet.needs_number_width(col, number_width(self._largest[i], self._negative[i], kind, lang))
        for i in self._text_cols:
            sheet.note_text_width(self.first_col + i, self._longest[i])
        if not self._fit:
            for i in self._number_cols:
                sheet.ensure_width(self.first_col + i, sheet.number_need(self.first_col + i))
            return
        self._fit_widths()

    def _fit_widths(self) -> None:
        """Fit the columns to their content, widen them for their headings, size the rows again."""
        sheet = self.sheet
        for i, column in enumerate(self.columns):
            col = self.first_col + i
            word = _heading_word(self._headings[i])
            if self._header_style(i) == "header_number":
                word += layout.INDENT_UNITS
            if column.kind in NUMERIC_KINDS:
                target = max(sheet.number_need(col), word, sheet.text_need(col), 4.0)
            elif column.kind in ("text", "wrap") and self._longest[i] < self._rooms[i]:
                target = max(self._longest[i], word, sheet.text_need(col), 4.0)
            else:
                continue
            sheet.set_width(col, _rounded(target, column.kind))
        cols = range(self.first_col, self.first_col + len(self.columns))
        others = sum(layout.stored_width(sheet.width_of(c)) for c in range(sheet.last_col + 1) if c not in cols)
        kinds = [c.kind for c in self.columns]
        wider = widen_for_headings([sheet.width_of(c) for c in cols], self._headings, kinds, others=others)
        for col, width in zip(cols, wider, strict=True):
            if width != sheet.width_of(col):
                sheet.set_width(col, width)
        self._size_header()
        for row, texts in self._kept:
            lines = max(
                [
                    1,
                    *(
                        layout.wrap_lines(t, sheet.room(self.first_col + i))
                        for i, t in zip(self._text_cols, texts, strict=True)
                        if t
                    ),
                ]
            )
            if lines > 1 or sheet.has_height(row):
                sheet.set_height(row, LINE_HEIGHT * min(lines, MAX_LINES))


LINE_HEIGHT = 15  # points: one line of the default 11-point font
TEXT_GAP = 1.0  # units left free right of a column's longest text, so it never meets the next one


def _rounded(width: float, kind: CellKind) -> float:
    """A column width for content ``width`` units wide, to the quarter character."""
    return math.ceil((width + (0.3 if kind in NUMERIC_KINDS else TEXT_GAP)) * 4) / 4


MAX_LINES = 27  # a row is at most 409 points tall


def lines_needed(value: object, width: float) -> int:
    """How many lines ``value`` takes when wrapped in a column ``width`` characters wide."""
    if not isinstance(value, str) or not value:
        return 1
    return min(layout.wrap_lines(value, layout.usable_width(layout.stored_width(width))), MAX_LINES)


def _string_writer(sheet: ReportSheet) -> Callable[[int, int, object, Any], Any]:
    write_string = sheet.ws.write_string
    cell_text = sheet.cell_text

    def write(row: int, col: int, value: object, fmt: Any) -> Any:
        if type(value) is not str:
            value = str(value)
        return write_string(row, col, value if len(value) <= MAX_STRING else cell_text(row, col, value), fmt)

    return write


def _money_writer(ws: Any) -> Callable[[int, int, object, Any], Any]:
    write_number = ws.write_number

    def write(row: int, col: int, value: object, fmt: Any) -> Any:
        if type(value) is not Decimal:
            if isinstance(value, int) and not isinstance(value, bool):
                value = Decimal(value)
            else:
                raise ReportError(M_BAD_VALUE, value=value, kind="money")
        return write_number(row, col, float(exact(value)), fmt)

    return write


def _number_writer(ws: Any) -> Callable[[int, int, object, Any], Any]:
    write_number = ws.write_number

    def write(row: int, col: int, value: object, fmt: Any) -> Any:
        if not isinstance(value, NUMBER_TYPES) or isinstance(value, bool):
            raise ReportError(M_BAD_VALUE, value=value, kind="number")
        return write_number(row, col, float(value), fmt)

    return write


def fit_columns(
    columns: Sequence[Column],
    rows: Sequence[Sequence[object]],
    lang: Lang,
    *,
    dates: DateStyle = "iso",
) -> list[Column]:
    """``columns`` with widths fitted to ``rows``, for a table whose rows are known before it
    is written (in constant-memory mode a table cannot size its rows again at the end).

    A text column narrows to its longest value (never wider than its own ``width``, past
    which the text wraps; never narrower than its heading's or its values' longest word);
    a number column takes the width of its widest figure, its total included.
    """
    fitted: list[float] = []
    headings = [c.heading if c.heading is not None else translate(c.label, lang) for c in columns]
    for i, column in enumerate(columns):
        word = _heading_word(headings[i]) + (layout.INDENT_UNITS if column.kind in NUMERIC_KINDS else 0.0)
        values = [v.value if isinstance(v, Formula) else v for v in (row[i] for row in rows)]
        if column.kind in NUMERIC_KINDS:
            numbers = [Decimal(v) for v in values if isinstance(v, NUMBER_TYPES) and not isinstance(v, bool)]
            largest = max((abs(v) for v in numbers), default=Decimal(0))
            negative = any(v < 0 for v in numbers)
            need = number_width(largest, negative, column.kind, lang)
            if column.total == "sum":
                total = sum(numbers, Decimal(0))
                need = max(need, number_width(abs(total), total < 0, column.kind, lang, True))
            target = max(need, word, 4.0)
        elif column.kind == "date":
            target = max(layout.widest_date(lang, dates == "words"), word)
        else:
            texts = [str(v) for v in values if v is not None and v != ""]
            longest = max((layout.text_width(t[:2000]) for t in texts), default=0.0)
            words = max((_longest_word(t) for t in texts), default=0.0)
            target = max(min(column.width, longest), words, word, 4.0)
        fitted.append(_rounded(target, column.kind))
    widths = widen_for_headings(fitted, headings, [c.kind for c in columns])
    return [_resized(c, w) for c, w in zip(columns, widths, strict=True)]


def _resized(column: Column, width: float) -> Column:
    """``column`` at ``width``: a copy of every field but the width, without the field lookups of
    ``dataclasses.replace`` (a portfolio fits thousands of columns; a Column has no checks to run)."""
    resized = object.__new__(Column)
    resized.__dict__.update(column.__dict__, width=width)
    return resized


def _longest_word(value: str) -> float:
    """:func:`layout.longest_word` of a cell's text, measured once for a short one (the same
    references, titles and states come back in table after table)."""
    return _short_longest_word(value) if len(value) <= 64 else layout.longest_word(value)


@lru_cache(maxsize=8192)
def _short_longest_word(value: str) -> float:
    return layout.longest_word(value)


def widen_for_headings(
    widths: Sequence[float], headings: Sequence[str], kinds: Sequence[CellKind], *, others: float = 0.0, lines: int = 2
) -> list[float]:
    """``widths`` widened, within the page's width at full size (``others`` units of it are
    taken by the sheet's other columns), so that no heading wraps on more than ``lines``
    lines: a table that has room does not print a tall header over narrow columns."""
    out = list(widths)
    budget = layout.BODY_WIDTH_PT / layout.UNIT_PT - others - 0.5

    def needed(i: int) -> int:
        indent = layout.INDENT_UNITS if kinds[i] in NUMERIC_KINDS else 0.0
        return _heading_lines(headings[i], layout.usable_width(layout.stored_width(out[i])) - indent)

    # each heading's lines are measured again only when its column widens
    lines_of = [needed(i) for i in range(len(out))]
    for _ in range(400):
        if not out or sum(layout.stored_width(w) for w in out) + 0.5 > budget:
            break
        worst = lines_of.index(max(lines_of))
        if lines_of[worst] <= lines:
            break
        out[worst] += 0.5
        lines_of[worst] = needed(worst)
    return out


@lru_cache(maxsize=4096)
def _heading_lines(heading: str, room: float) -> int:
    """The lines a (bold) heading takes in ``room`` units: the same headings head every table
    of a kind, over columns of a few widths."""
    return layout.wrap_lines(heading, room, bold=True)


@lru_cache(maxsize=1024)
def _heading_word(heading: str) -> float:
    """The widest word of a (bold) heading."""
    return layout.longest_word(heading, bold=True)
