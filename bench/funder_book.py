"""The funder's portfolio workbook written by bare SQL and bare xlsxwriter, and the check
that it holds what the product's holds, laid out as the product lays it out.

:func:`bare_portfolio` reads, in two statements, every grant the funder's login reaches in
the funder's fiscal year (with what was received, charged in the year and charged to its
end) and their reports due, then writes with xlsxwriter alone the workbook that
:func:`fundtrack.reports.funder_portfolio.write_funder_portfolio` writes: the summary sheet
(a column per organisation of formulas naming each organisation's totals, a total column)
and a sheet per organisation (its header, its grants, what was received and spent of each,
its reports due), the same cells, the same formulas with the same stored values, the same
formats (number formats, fonts, fills, borders, alignment) and defined names. The text is
the catalogue's, read once when the module is loaded (a bare report has its labels as
constants).

It lays every sheet out as a script writing a workbook a funder prints has to, in plain
loops, measuring the text with the text widths of :mod:`fundtrack.reports.layout`
(``text_width``, ``longest_word``, ``wrap_lines``, ``number_width``, ``stored_width``,
``usable_width``: DejaVu Sans, as the product measures it):

- the column widths. On each organisation's sheet each table's columns are fitted to its
  rows: a text column as wide as its longest text up to its widest (past which the text
  wraps), never narrower than its longest word or its heading's; a date column as wide as
  the widest date; a money column as its widest figure and its bold total; the columns then
  widened half a character at a time while a heading takes more than two lines and the
  table fits the page. Each column is as wide as the widest of the sheet's three tables
  needs it, column A wide enough for the header's labels. On the summary, once its rows
  are written, the labels' column is fitted to its longest label (unless one wraps) and
  each organisation's column and the total's to their figures and headings (the
  organisations' names);
- the row heights: the title's; a label wider than column A wraps (in the wrapping format,
  its row as tall as its lines); a header as tall as its longest heading wraps; a text
  wider than its column wraps, its row as tall as its lines (27 at most). The summary's
  rows are sized again in the fitted widths, as the product sizes them;
- the page setup: landscape, letter paper, the margins, the footer (escaped, and cut past
  255 characters as the product cuts it).

What the bare side leaves to the product is its print plan
(:meth:`fundtrack.reports.xlsx.ReportSheet.finish_print`): the scale (each sheet fit to the
page's width, or, for a sheet that would print below 8 points such as the summary of 270
organisations, a fixed scale with column A repeated on each page), the repeated header rows
and the page breaks chosen from the rows' heights (none on these sheets). The bare side
asks each sheet to fit the page's width, as the product's sheets start out. The grants the
portfolio holds each lie within one of the funder's years, so their part in the year is
their amount (the bare side refuses any other).

:func:`same_workbooks` reads both workbooks back with openpyxl, once for the formulas and
once for the stored values, and compares their sheets, every cell (value, formula, stored
value, number format, font, fill, borders) and their defined names; then each sheet's
layout from its XML (:func:`sheet_layout.sheet_layouts`): each row's height and whether it
is set, each cell's format (alignment and wrapping included), the columns' widths, the
frozen pane, the autofilter, the page's orientation and paper, its margins, header and
footer. The print plan (scale, repeated rows and columns, page breaks) is not compared.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import harness
import xlsxwriter
from openpyxl import load_workbook
from sheet_layout import sheet_layouts
from sqlalchemy import Engine, text

from fundtrack.i18n import translate
from fundtrack.periods import DateRange
from fundtrack.reports import layout
from fundtrack.reports.funder_portfolio import FIGURES
from fundtrack.reports.funder_xlsx import DUE_COLUMNS, GRANT_COLUMNS, MONEY_COLUMNS, funder_names
from fundtrack.reports.xlsx import DATE_WORD_FORMATS, MONEY_FORMATS, range_name

LANG = "fr"


def _t(code: str) -> str:
    return translate(code, LANG)


# the workbook's text, as constants
SUMMARY_SHEET = _t("federation.report.sheet")
SUMMARY_TITLE = _t("federation.report.title")
REPORT_TITLE = _t("report.funder.title")
PAGE = _t("report.page")
TOTAL = _t("label.total")
FIGURE_HEADING = _t("federation.report.figure")
FIGURE_LABELS = [(_t(label), key) for label, key in FIGURES]
L_FUNDER, L_PERIOD, L_AS_OF = _t("term.funder"), _t("report.funder.period"), _t("report.funder.as_of")
L_ORG, L_FROM, L_TO = _t("report.funder.organisation"), _t("report.funder.period_dates"), _t("report.funder.period_end")
L_GRANTS, L_MONEY, L_DUES = _t("report.funder.grants"), _t("report.funder.money"), _t("report.funder.dues")
GRANT_HEADINGS = [(_t(c.label), c.kind) for c in GRANT_COLUMNS]
MONEY_HEADINGS = [(_t(c.label), c.kind) for c in MONEY_COLUMNS]
DUE_HEADINGS = [(_t(c.label), c.kind) for c in DUE_COLUMNS]
# the widest a text column of each table gets before its text wraps
GRANT_WIDEST, MONEY_WIDEST, DUE_WIDEST = ([c.width for c in cs] for cs in (GRANT_COLUMNS, MONEY_COLUMNS, DUE_COLUMNS))
NAMES = {key: range_name(name) for key, name in funder_names(LANG).items()}
STATUS = {s: _t(f"grant_status.{s}") for s in ("requested", "confirmed", "declined", "closed")}
DUE_STATE = {s: _t(f"report.due.{s}") for s in ("submitted", "late", "due")}

MONEY = MONEY_FORMATS[LANG]
DATE = DATE_WORD_FORMATS[LANG]
_HEADER = {
    "bold": True,
    "text_wrap": True,
    "valign": "top",
    "bg_color": "#DDE4EE",
    "bottom": 1,
    "bottom_color": "#7F7F7F",
}
_TOTAL = {"bold": True, "top": 1, "top_color": "#7F7F7F", "bg_color": "#F2F2F2"}
STYLES: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "font_size": 14},
    "subtitle": {"bold": True, "font_size": 11, "font_color": "#1F3864"},
    "label": {"bold": True},
    "label_wrap": {"bold": True, "text_wrap": True, "valign": "top"},  # a label wider than column A
    "text": {"valign": "top"},
    "wrap": {"text_wrap": True, "valign": "top"},
    "money": {"num_format": MONEY, "valign": "top"},
    "date": {"num_format": DATE, "align": "left", "valign": "top"},
    "header": _HEADER,
    "header_number": {**_HEADER, "align": "right", "indent": 1},
    "text_total": {"valign": "top", **_TOTAL},
    "date_total": {"num_format": DATE, "align": "left", "valign": "top", **_TOTAL},
    "money_total": {"num_format": MONEY, "valign": "top", **_TOTAL},
}

# --- the layout, as a script writing a sheet a funder prints sizes it ---------------------------
#
# Widths are in characters (xlsxwriter's set_column); the room a cell has for its text is the
# column's stored width less the cell's padding; text is measured with the text widths of
# fundtrack.reports.layout (DejaVu Sans, the widest font a reader may draw), as the product
# measures it.
LINE_PT = 15  # a line of wrapped 11-point text
TITLE_PT = 21  # the row of a 14-point title
MAX_LINES = 27  # a row is at most 409 points tall
DEFAULT_WIDTH = 8.43  # a column nobody sized
LABEL_WIDTH = 12  # column A holds the header's labels: at least this much room
TEXT_GAP, NUMBER_GAP = 1.0, 0.3  # units left free right of a column's widest text, figure
MIN_WIDTH = 4.0
INDENT = layout.INDENT_UNITS  # a number's header is indented from the right
HEADING_LINES = 2  # a table widens its columns (within the page) until no heading takes more lines
PAGE_UNITS = layout.BODY_WIDTH_PT / layout.UNIT_PT  # the page's width, letter landscape, in units
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.7}
FOOTER_LIMIT = 255  # characters of a footer, control codes included
WIDEST_DATE = layout.widest_date(LANG, True)  # the widest date in words of any month
SUMMARY_WIDTHS = (24, 16)  # the summary's figure column, the organisations' and the total's, before fitting
HEADING_WORD = {
    heading: layout.longest_word(heading, bold=True)
    for heading, _ in (*GRANT_HEADINGS, *MONEY_HEADINGS, *DUE_HEADINGS, (FIGURE_HEADING, ""), (TOTAL, ""))
}


def _room(width: float, indent: float = 0.0) -> float:
    """The room for text in a column ``width`` characters wide."""
    return layout.usable_width(layout.stored_width(width)) - indent


def _widened(need: float, gap: float) -> float:
    """A column width for content ``need`` units wide, to the quarter character."""
    return math.ceil((need + gap) * 4) / 4


@functools.cache
def _heading_lines(heading: str, width: float, number: bool) -> int:
    """The lines a (bold) heading takes in a column ``width`` characters wide: the same headings
    head every sheet's tables, over columns of a few widths, so each is measured once."""
    return layout.wrap_lines(heading, _room(width, INDENT if number else 0.0), bold=True)


def _money_need(cents: list[int], total: bool) -> float:
    """The width a money column's widest figure (and its bold total) needs."""
    largest = max((abs(v) for v in cents), default=0)
    need = layout.number_width(Decimal(largest).scaleb(-2), any(v < 0 for v in cents), "money", LANG)
    if total:
        whole = sum(cents)
        need = max(need, layout.number_width(Decimal(abs(whole)).scaleb(-2), whole < 0, "money", LANG, bold=True))
    return need


def _widen_for_headings(widths: list[float], headings: list[tuple[str, str]]) -> list[float]:
    """Widen the columns half a character at a time, the worst heading's first, while the table
    fits on the page and a heading takes more than two lines."""
    lines = [_heading_lines(h, w, kind == "money") for (h, kind), w in zip(headings, widths, strict=True)]
    for _ in range(400):
        if sum(layout.stored_width(w) for w in widths) + 0.5 > PAGE_UNITS - 0.5 or max(lines) <= HEADING_LINES:
            break
        worst = lines.index(max(lines))
        widths[worst] += 0.5
        lines[worst] = _heading_lines(headings[worst][0], widths[worst], headings[worst][1] == "money")
    return widths


def _table_widths(headings: list[tuple[str, str]], widest: list[float], values: list[list[Any]]) -> list[float]:
    """The widths of a table whose rows are known: a text column as wide as its longest text (up
    to ``widest``, past which it wraps; never below its longest word nor its heading's), a date
    column as the widest date, a money column as its widest figure or total."""
    widths = []
    for (heading, kind), cap, column in zip(headings, widest, values, strict=True):
        word = HEADING_WORD[heading]
        if kind == "money":
            widths.append(_widened(max(_money_need(column, True), word + INDENT, MIN_WIDTH), NUMBER_GAP))
        elif kind == "date":
            widths.append(_widened(max(WIDEST_DATE, word), TEXT_GAP))
        else:
            texts = [t for t in column if t]
            longest = max((layout.text_width(t) for t in texts), default=0.0)
            words = max((layout.longest_word(t) for t in texts), default=0.0)
            widths.append(_widened(max(min(cap, longest), words, word, MIN_WIDTH), TEXT_GAP))
    return _widen_for_headings(widths, headings)


def _text(ws: Any, fmt: dict[str, Any], row: int, col: int, value: str, style: str, room: float) -> int:
    """A text cell, wrapped when it is wider than its column; returns its lines."""
    if layout.text_width(value) <= room:
        ws.write_string(row, col, value, fmt[style])
        return 1
    ws.write_string(row, col, value, fmt["wrap"])
    return layout.wrap_lines(value, room)


def _height(ws: Any, row: int, lines: int) -> None:
    if lines > 1:
        ws.set_row(row, LINE_PT * min(lines, MAX_LINES))


def _pairs(ws: Any, fmt: dict[str, Any], first: int, pairs: list[tuple[str, Any]], width: float) -> None:
    """``Label | value`` lines; a label wider than column A wraps, its row as tall as its lines."""
    room = _room(width)
    for row, (label, value) in enumerate(pairs, start=first):
        if layout.text_width(label, bold=True) > room:
            ws.write_string(row, 0, label, fmt["label_wrap"])
            ws.set_row(row, LINE_PT * layout.wrap_lines(label, room, bold=True))
        else:
            ws.write_string(row, 0, label, fmt["label"])
        if isinstance(value, date):
            ws.write_datetime(row, 1, value, fmt["date"])
        else:
            ws.write_string(row, 1, value, fmt["text"])


def _sheet(book: Any, name: str, footer: str) -> Any:
    sheet = book.add_worksheet(name[:31])
    sheet.set_landscape()
    sheet.set_paper(1)
    sheet.set_margins(**MARGINS)
    sheet.fit_to_pages(1, 0)  # one page wide, as it starts; the product then settles its print plan
    right = f"&R{PAGE}"
    left = footer.replace("&", "&&")
    if len(left) > FOOTER_LIMIT - len(right) - 2:
        left = left[: FOOTER_LIMIT - len(right) - 3].rstrip("&") + "…"
    sheet.set_footer(f"&L{left}{right}")
    return sheet


GRANTS_SQL = text(
    """
WITH reach AS (
  SELECT a.organisation_id, a.funder_id FROM user_access a JOIN funders f ON f.id = a.funder_id
  WHERE a.user_id = :user AND f.organisation_id = a.organisation_id
), gr AS (
  SELECT g.* FROM grants g
  JOIN reach r ON r.organisation_id = g.organisation_id AND r.funder_id = g.funder_id
  WHERE g.status <> 'declined' AND g.start_date <= :end AND g.end_date >= :start
), received AS (
  SELECT i.grant_id, SUM(r.amount) AS amount FROM instalments i
  JOIN instalment_receipts r ON r.instalment_id = i.id
  WHERE i.grant_id IN (SELECT id FROM gr) AND r.received_date <= :end GROUP BY i.grant_id
), charged AS (
  SELECT c.grant_id, SUM(CASE WHEN e.expense_date >= :start THEN c.amount ELSE 0 END) AS in_year,
         SUM(c.amount) AS amount
  FROM expense_charges c JOIN expenses e ON e.id = c.expense_id
  WHERE c.grant_id IN (SELECT id FROM gr) AND e.expense_date <= :end GROUP BY c.grant_id
)
SELECT o.name, gr.reference, gr.title, gr.status, gr.start_date, gr.end_date, gr.amount,
       COALESCE(received.amount, 0), COALESCE(charged.in_year, 0), COALESCE(charged.amount, 0)
FROM gr JOIN organisations o ON o.id = gr.organisation_id
LEFT JOIN received ON received.grant_id = gr.id LEFT JOIN charged ON charged.grant_id = gr.id
ORDER BY o.name, gr.start_date, gr.reference
"""
)
DUES_SQL = text(
    """
SELECT o.name, g.reference, d.title, d.due_date, d.submitted_on
FROM report_dues d JOIN grants g ON g.id = d.grant_id JOIN organisations o ON o.id = g.organisation_id
JOIN user_access a ON a.organisation_id = g.organisation_id AND a.funder_id = g.funder_id
JOIN funders f ON f.id = g.funder_id AND f.organisation_id = a.organisation_id
WHERE a.user_id = :user AND g.status <> 'declined' AND g.start_date <= :end AND g.end_date >= :start
ORDER BY o.name, d.due_date, g.reference
"""
)

Grant = tuple[
    str, str, str, date, date, int, int, int, int
]  # ref, title, status, start, end, amount, got, in year, spent


def bare_portfolio(
    engine: Engine, user_id: int, funder: str, year: DateRange, label: str, as_of: date
) -> tuple[dict[str, tuple[int, int, int, int]], bytes]:
    """The funder's figures in each organisation (granted, received, charged, left, in cents)
    and the workbook's bytes."""
    params = {"user": user_id, "start": year.start, "end": year.end}
    with engine.connect() as conn:
        grants: dict[str, list[Grant]] = {}
        for org, *grant in conn.execute(GRANTS_SQL, params):
            grants.setdefault(org, []).append(tuple(grant))  # type: ignore[arg-type]
        dues: dict[str, list[tuple[str, str, date, date | None]]] = {}
        for org, *due in conn.execute(DUES_SQL, params):
            dues.setdefault(org, []).append(tuple(due))  # type: ignore[arg-type]
    target = io.BytesIO()
    book = xlsxwriter.Workbook(
        target,
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False, "in_memory": True},
    )
    book.set_properties({"title": f"{SUMMARY_TITLE} — {funder}", "author": funder})
    fmt = {name: book.add_format(props) for name, props in STYLES.items()}
    figures: dict[str, tuple[int, int, int, int]] = {}
    for org, rows in grants.items():
        granted, received, spent = (sum(g[i] for g in rows) for i in (5, 6, 8))
        figures[org] = (granted, received, spent, granted - spent)
    _summary(_sheet(book, SUMMARY_SHEET, funder), fmt, funder, label, as_of, figures)
    for index, (org, rows) in enumerate(grants.items(), start=1):
        _organisation(book, fmt, index, org, funder, rows, dues.get(org, []), year, label, as_of)
    book.close()
    return figures, target.getvalue()


def _cell(row: int, col: int) -> str:
    return xlsxwriter.utility.xl_rowcol_to_cell(row, col)  # type: ignore[no-any-return]


def _summary(
    ws: Any, fmt: dict[str, Any], funder: str, label: str, as_of: date, figures: dict[str, tuple[int, int, int, int]]
) -> None:
    """The summary: a column of formulas per organisation, a total column, the columns then
    fitted to their figures and headings (the organisations' names) and the rows sized again."""
    ws.write_string(0, 0, SUMMARY_TITLE, fmt["title"])
    ws.set_row(0, TITLE_PT)
    # the header's lines are written before any column is sized: column A is as wide as by default
    _pairs(ws, fmt, 1, [(L_FUNDER, funder), (L_PERIOD, label), (L_AS_OF, as_of)], DEFAULT_WIDTH)
    headings = [(FIGURE_HEADING, "wrap"), *((org, "money") for org in figures), (TOTAL, "money")]
    first = [SUMMARY_WIDTHS[0], *(SUMMARY_WIDTHS[1] for _ in headings[1:])]
    for col, (heading, kind) in enumerate(headings):
        ws.write_string(5, col, heading, fmt["header_number" if kind == "money" else "header"])
    room = _room(first[0])
    lines: list[int] = []
    longest = 0.0
    columns: list[list[int]] = [[] for _ in headings[1:]]
    keys = {"grants_amount": 0, "grants_received": 1, "grants_spent": 2, "grants_balance": 3}
    last = len(figures)
    for row, (name, key) in enumerate(FIGURE_LABELS, start=6):
        lines.append(_text(ws, fmt, row, 0, name, "wrap", room))
        longest = max(longest, min(layout.text_width(name), room))
        total = 0
        for col, org in enumerate(figures, start=1):
            value = figures[org][keys[key]]
            total += value
            columns[col - 1].append(value)
            ws.write_formula(row, col, f"={NAMES[key]}_{col}", fmt["money"], value / 100)
        columns[-1].append(total)
        ws.write_formula(row, last + 1, f"=SUM({_cell(row, 1)}:{_cell(row, last)})", fmt["money"], total / 100)
    # fitted: the labels' column to its longest label (unless one wraps), each figure's to its widest
    widths = [_widened(max(longest, HEADING_WORD[FIGURE_HEADING], MIN_WIDTH), TEXT_GAP) if longest < room else first[0]]
    for (heading, _), cents in zip(headings[1:], columns, strict=True):
        word = layout.longest_word(heading, bold=True) + INDENT
        widths.append(_widened(max(_money_need(cents, False), word, MIN_WIDTH), NUMBER_GAP))
    widths = _widen_for_headings(widths, headings)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    # the rows sized again in the fitted widths (a row once made taller keeps a height)
    before = max(_heading_lines(h, w, kind == "money") for (h, kind), w in zip(headings, first, strict=True))
    after = max(_heading_lines(h, w, kind == "money") for (h, kind), w in zip(headings, widths, strict=True))
    if before > 1 or after > 1:
        ws.set_row(5, LINE_PT * after)
    room = _room(widths[0])
    for row, ((name, _), written) in enumerate(zip(FIGURE_LABELS, lines, strict=True), start=6):
        fitted = layout.wrap_lines(name, room)
        if fitted > 1 or written > 1:
            ws.set_row(row, LINE_PT * min(fitted, MAX_LINES))


Due = tuple[str, str, str, date, date | None]  # reference, title, state, due, submitted


def _organisation(
    book: Any,
    fmt: dict[str, Any],
    index: int,
    org: str,
    funder: str,
    grants: list[Grant],
    dues: list[tuple[str, str, date, date | None]],
    year: DateRange,
    label: str,
    as_of: date,
) -> None:
    for ref, _, _, start, end, *_ in grants:
        if not (year.start <= start and end <= year.end):
            raise NotImplementedError(f"{ref}: a grant beyond the year")  # its part would be split by days
    states = [
        (
            ref,
            title,
            DUE_STATE["submitted" if submitted is not None else "late" if due < as_of else "due"],
            due,
            submitted,
        )
        for ref, title, due, submitted in dues
    ]
    ws = _sheet(book, org, f"{org} — {funder}")
    widths = _organisation_widths(grants, states)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.write_string(0, 0, REPORT_TITLE, fmt["title"])
    ws.set_row(0, TITLE_PT)
    pairs = [(L_ORG, org), (L_FUNDER, funder), (L_PERIOD, label), (L_FROM, year.start), (L_TO, year.end)]
    _pairs(ws, fmt, 1, [*pairs, (L_AS_OF, as_of)], widths[0])
    rooms = [_room(w) for w in widths]
    amounts = _grants_table(book, ws, fmt, index, grants, widths, rooms)
    row = _money_table(book, ws, fmt, index, grants, amounts, widths, rooms)
    if states:
        _dues_table(ws, fmt, row + 2, states, widths, rooms)


def _organisation_widths(grants: list[Grant], dues: list[Due]) -> list[float]:
    """The sheet's columns: each table's fitted to its rows, each column as wide as the widest
    table needs it, column A wide enough for the header's labels."""
    refs, amounts = [g[0] for g in grants], [g[5] for g in grants]
    to_receive = [0 if status == "requested" else amount - got for _, _, status, _, _, amount, got, *_ in grants]
    spent = [g[8] for g in grants]
    grant_values = [refs, [g[1] for g in grants], [STATUS[g[2]] for g in grants], [], [], amounts, amounts]
    money_values = [refs, [g[6] for g in grants], to_receive, [g[7] for g in grants], spent]
    money_values.append([amount - charged for amount, charged in zip(amounts, spent, strict=True)])
    due_values = [[d[0] for d in dues], [d[1] for d in dues], [d[2] for d in dues], [], []]
    layouts = [
        _table_widths(GRANT_HEADINGS, GRANT_WIDEST, grant_values),
        _table_widths(MONEY_HEADINGS, MONEY_WIDEST, money_values),
        _table_widths(DUE_HEADINGS, DUE_WIDEST, due_values),
    ]
    widths = [max(w[col] for w in layouts if col < len(w)) for col in range(max(map(len, layouts)))]
    if _room(widths[0]) < LABEL_WIDTH:
        widths[0] = _widened(LABEL_WIDTH, 0.2)
    return widths


def _grants_table(
    book: Any, ws: Any, fmt: dict[str, Any], index: int, grants: list[Grant], widths: list[float], rooms: list[float]
) -> range:
    """The grants, their total named; returns their rows."""
    row = _header(ws, fmt, 8, L_GRANTS, GRANT_HEADINGS, widths)
    first = row
    for ref, title, status, start, end, amount, *_ in grants:
        lines = _text(ws, fmt, row, 0, ref, "text", rooms[0])
        lines = max(lines, _text(ws, fmt, row, 1, title, "wrap", rooms[1]))
        lines = max(lines, _text(ws, fmt, row, 2, STATUS[status], "text", rooms[2]))
        ws.write_datetime(row, 3, start, fmt["date"])
        ws.write_datetime(row, 4, end, fmt["date"])
        ws.write_number(row, 5, amount / 100, fmt["money"])
        ws.write_number(row, 6, amount / 100, fmt["money"])
        _height(ws, row, lines)
        row += 1
    granted = sum(g[5] for g in grants)
    ws.write_string(row, 0, TOTAL, fmt["text_total"])
    for col, style in ((1, "text_total"), (2, "text_total"), (3, "date_total"), (4, "date_total")):
        ws.write_blank(row, col, None, fmt[style])
    for col, letter, name in ((5, "F", "grants_amount"), (6, "G", "grants_in_period")):
        ws.write_formula(row, col, f"=SUM({letter}{first + 1}:{letter}{row})", fmt["money_total"], granted / 100)
        book.define_name(f"{NAMES[name]}_{index}", f"={_absolute(ws.name, row, col)}")
    return range(first, row)


def _money_table(
    book: Any,
    ws: Any,
    fmt: dict[str, Any],
    index: int,
    grants: list[Grant],
    amount_rows: range,
    widths: list[float],
    rooms: list[float],
) -> int:
    """What was received and spent of each grant, the totals named; returns the total's row."""
    row = _header(ws, fmt, amount_rows.stop + 2, L_MONEY, MONEY_HEADINGS, widths)
    first = row
    totals = [0] * 5
    for (ref, _, status, _, _, amount, got, in_year, spent), amount_row in zip(grants, amount_rows, strict=True):
        _height(ws, row, _text(ws, fmt, row, 0, ref, "text", rooms[0]))
        ws.write_number(row, 1, got / 100, fmt["money"])
        if status == "requested":
            ws.write_blank(row, 2, None, fmt["money"])
            to_receive = 0
        else:
            to_receive = amount - got
            ws.write_formula(row, 2, f"=F{amount_row + 1}-B{row + 1}", fmt["money"], to_receive / 100)
        ws.write_number(row, 3, in_year / 100, fmt["money"])
        ws.write_number(row, 4, spent / 100, fmt["money"])
        ws.write_formula(row, 5, f"=F{amount_row + 1}-E{row + 1}", fmt["money"], (amount - spent) / 100)
        for i, value in enumerate((got, to_receive, in_year, spent, amount - spent)):
            totals[i] += value
        row += 1
    ws.write_string(row, 0, TOTAL, fmt["text_total"])
    named = {1: "grants_received", 2: "grants_to_receive", 4: "grants_spent", 5: "grants_balance"}
    for col, value in enumerate(totals, start=1):
        letter = "ABCDEF"[col]
        ws.write_formula(row, col, f"=SUM({letter}{first + 1}:{letter}{row})", fmt["money_total"], value / 100)
        if col in named:
            book.define_name(f"{NAMES[named[col]]}_{index}", f"={_absolute(ws.name, row, col)}")
    return row


def _dues_table(
    ws: Any, fmt: dict[str, Any], row: int, dues: list[Due], widths: list[float], rooms: list[float]
) -> None:
    row = _header(ws, fmt, row, L_DUES, DUE_HEADINGS, widths)
    for ref, title, state, due, submitted in dues:
        lines = _text(ws, fmt, row, 0, ref, "text", rooms[0])
        lines = max(lines, _text(ws, fmt, row, 1, title, "wrap", rooms[1]))
        lines = max(lines, _text(ws, fmt, row, 2, state, "text", rooms[2]))
        ws.write_datetime(row, 3, due, fmt["date"])
        if submitted is None:
            ws.write_blank(row, 4, None, fmt["date"])
        else:
            ws.write_datetime(row, 4, submitted, fmt["date"])
        _height(ws, row, lines)
        row += 1


def _header(
    ws: Any, fmt: dict[str, Any], row: int, label: str, headings: list[tuple[str, str]], widths: list[float]
) -> int:
    """A table's title and header at ``row`` (as tall as its longest heading wraps); returns its
    first data row."""
    ws.write_string(row, 0, label, fmt["subtitle"])
    lines = 1
    for col, (heading, kind) in enumerate(headings):
        ws.write_string(row + 1, col, heading, fmt["header_number" if kind == "money" else "header"])
        lines = max(lines, _heading_lines(heading, widths[col], kind == "money"))
    _height(ws, row + 1, lines)
    return row + 2


def _absolute(sheet: str, row: int, col: int) -> str:
    return f"{xlsxwriter.utility.quote_sheetname(sheet)}!{xlsxwriter.utility.xl_rowcol_to_cell(row, col, True, True)}"


# --- the check ---------------------------------------------------------------------------------


def _cells(data: bytes) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    formulas = load_workbook(io.BytesIO(data))
    values = load_workbook(io.BytesIO(data), data_only=True)
    for ws, stored in zip(formulas.worksheets, values.worksheets, strict=True):
        cells = []
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not c.has_style:
                    continue
                value = stored[c.coordinate].value
                font, fill, border = c.font, c.fill, c.border
                cells.append(
                    (
                        c.coordinate,
                        c.value.date() if isinstance(c.value, datetime) else c.value,
                        value.date() if isinstance(value, datetime) else value,
                        c.number_format,
                        bool(font.b),
                        bool(font.i),
                        font.sz,
                        font.color.rgb if font.color is not None else None,
                        fill.fgColor.rgb if fill.fill_type else None,
                        border.top.style,
                        border.bottom.style,
                    )
                )
        yield ws.title, cells
    names = sorted((n, d.attr_text) for n, d in formulas.defined_names.items())
    yield "defined names", names  # type: ignore[misc]


def same_workbooks(product: bytes, bare: bytes, what: str) -> None:
    """Stop unless the two workbooks hold the same sheets, cells and defined names, laid out alike."""
    a, b = list(_cells(product)), list(_cells(bare))
    harness.same([name for name, _ in a], [name for name, _ in b], f"{what}: the sheets")
    for (name, cells), (_, others) in zip(a, b, strict=True):
        harness.same(cells, others, f"{what}: sheet {name!r}")
    layouts, bare_layouts = sheet_layouts(product), sheet_layouts(bare)
    for (name, layout_of), other in zip(layouts.items(), bare_layouts.values(), strict=True):
        harness.same(layout_of.pop("rows"), other.pop("rows"), f"{what}: sheet {name!r}, its rows' heights and formats")
        harness.same(layout_of, other, f"{what}: sheet {name!r}, its columns, pane and page")
