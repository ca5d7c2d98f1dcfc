"""Tables on a report sheet: a header row, rows in order, a total row of formulas.

A :class:`Table` writes each row as it comes (nothing is kept but running Decimal
totals), so it works in xlsxwriter's constant-memory mode and on 100,000 rows. Its
total row holds ``SUM`` formulas whose stored values are the exact Decimal sums, and
other formulas (a variance, a percentage) built from the totals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from xlsxwriter.utility import xl_rowcol_to_cell

from fundtrack.i18n import msg
from fundtrack.money import exact
from fundtrack.reports.xlsx import (
    M_BAD_VALUE,
    CellKind,
    CellRange,
    CellRef,
    Formula,
    ReportError,
    ReportSheet,
    number_value,
    text,
)

M_TOTAL = msg("label.total")
M_ROW_LENGTH = msg("report.row_length")


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

    ``freeze`` keeps the header in view and ``repeat`` prints it on every page (one
    table per sheet should ask for them: a sheet has one frozen pane and one set of
    repeated rows). Column widths are set from the columns unless ``widths=False``.
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
    ) -> None:
        self.sheet = sheet
        self.columns = list(columns)
        self.first_col = first_col
        self.col_of = {c.key: first_col + i for i, c in enumerate(self.columns)}
        self._letters = {c.key: xl_rowcol_to_cell(0, first_col + i)[:-1] for i, c in enumerate(self.columns)}
        book = sheet.workbook
        formats = book.formats
        self.header_row = sheet.next_row()
        sheet._claim(self.header_row)
        header_fmt = formats.get("header")
        header_lines = 1
        for i, column in enumerate(self.columns):
            heading = column.heading if column.heading is not None else book.t(column.label)
            sheet.ws.write_string(self.header_row, first_col + i, text(heading), header_fmt)
            header_lines = max(header_lines, lines_needed(heading, column.width))
            if widths:
                sheet.ws.set_column(first_col + i, first_col + i, column.width)
        if header_lines > 1:
            # readers do not grow a row for wrapped text that xlsxwriter wrote: say how tall
            sheet.ws.set_row(self.header_row, LINE_HEIGHT * header_lines)
        self._wrapped = [(i, c.width) for i, c in enumerate(self.columns) if c.kind == "wrap"]
        if freeze:
            sheet.freeze(self.header_row + 1, 0)
        if repeat:
            sheet.repeat_header(self.header_row)
        self.first_row = self.header_row + 1
        self.rows = 0
        self._autofilter = autofilter
        self._sums: list[Decimal] = [Decimal(0) for _ in self.columns]
        self._summed = [c.total == "sum" for c in self.columns]
        ws = sheet.ws
        self._plan: list[tuple[int, Callable[..., Any], Any, bool, CellKind]] = []
        for i, column in enumerate(self.columns):
            fmt = formats.get(column.kind)
            self._plan.append((first_col + i, self._writer(ws, column.kind), fmt, self._summed[i], column.kind))

    @staticmethod
    def _writer(ws: Any, kind: CellKind) -> Callable[..., Any]:
        if kind in ("text", "wrap"):
            return _string_writer(ws)
        if kind == "money":
            return _money_writer(ws)
        if kind == "date":
            write_datetime: Callable[..., Any] = ws.write_datetime
            return write_datetime
        return _number_writer(ws)

    def ref(self, key: str, row: int | None = None) -> str:
        """``E12``: column ``key`` in ``row`` (default: the row being added next)."""
        return f"{self._letters[key]}{(self.sheet.row if row is None else row) + 1}"

    @property
    def current_row(self) -> int:
        return self.sheet.row

    def add(self, values: Sequence[object]) -> int:
        """Write one row (values in column order; a :class:`Formula` for computed cells).

        Money values are Decimals exact to the cent; text is always written as text.
        Returns the row written.
        """
        if len(values) != len(self._plan):
            raise ReportError(M_ROW_LENGTH, got=len(values), expected=len(self._plan))
        sheet = self.sheet
        row = sheet.row
        sheet.row = row + 1
        sheet._claim(row)
        ws = sheet.ws
        sums = self._sums
        for i, (col, write, fmt, summed, kind) in enumerate(self._plan):
            value = values[i]
            if value is None:
                ws.write_blank(row, col, None, fmt)
                continue
            if type(value) is Formula:
                ws.write_formula(row, col, "=" + value.expression, fmt, number_value(value.value))
                value = value.value
            else:
                write(row, col, value, fmt)
            if summed:
                if isinstance(value, Decimal | int) and not isinstance(value, bool):
                    sums[i] += value
                elif not (isinstance(value, str) and value == ""):
                    raise ReportError(M_BAD_VALUE, value=value, kind=kind)
        if self._wrapped:
            lines = max(lines_needed(values[i], width) for i, width in self._wrapped)
            if lines > 1:
                ws.set_row(row, LINE_HEIGHT * lines)
        self.rows += 1
        return row

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
        if not total:
            return result
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
        return result


LINE_HEIGHT = 15  # points: one line of the default 11-point font


def lines_needed(value: object, width: float) -> int:
    """How many lines ``value`` takes when wrapped in a column ``width`` characters wide."""
    if not isinstance(value, str) or not value:
        return 1
    per_line = max(int(width * 1.1) - 1, 1)  # the width unit is a little narrower than a character
    lines = 0
    for paragraph in value.split("\n"):
        length, count = 0, 1
        for word in paragraph.split(" "):
            if length and length + 1 + len(word) > per_line:
                count, length = count + 1, len(word)
            else:
                length += len(word) + (1 if length else 0)
            count += (length - 1) // per_line if length > per_line else 0
            length = length % per_line if length > per_line else length
        lines += count
    return min(lines, 15)


def _string_writer(ws: Any) -> Callable[[int, int, object, Any], Any]:
    write_string = ws.write_string

    def write(row: int, col: int, value: object, fmt: Any) -> Any:
        if type(value) is not str:
            value = str(value)
        return write_string(row, col, value if len(value) <= 32767 else text(value), fmt)

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
        if not isinstance(value, Decimal | int) or isinstance(value, bool):
            raise ReportError(M_BAD_VALUE, value=value, kind="number")
        return write_number(row, col, float(value), fmt)

    return write
