"""Benchmark: the funder report from the database, against bare SQL and bare xlsxwriter.

A SQLite file holds the Table, Centraide's PIC and N expenses charged to it (the
organisation, funder and grant made by the services, the expenses bulk-inserted with
Core; kept under ``bench/.cache/``). Each figure times, in interleaved pairs:

- the product: open a session, :func:`fundtrack.reports.funder.funder_report`, then
  :func:`fundtrack.reports.funder_xlsx.write_funder_report` (the whole workbook, the
  expense detail streamed from the database);
- the bare side: open a connection, read the same expense rows with one SQL statement
  (the same joins, filters and order, the money in integer cents as stored) and write
  them with bare xlsxwriter in constant-memory mode as the same printable sheet: the
  same cells (money as numbers, a total row of formulas), the same cell formats, column
  widths (the money columns as wide as their widest figure needs), row heights (a text
  wider than its column wraps: its row is as tall as its lines, measured with the text
  widths of :mod:`fundtrack.reports.layout`, as the product measures them), frozen
  header, autofilter, orientation, paper, margins and footer. A script that writes the
  report a funder prints has that work to do; without it the bare side wrote a sheet
  that printed cut.

What the bare side does not do stays the product's own cost: the report's other sheets
and the figures they show (grants, budget vs actual, staffing, instalments, summed by
the database over the charges), and the print plan (scale, repeated header, page
breaks chosen from the rows' heights).

Before timing, the two expense sheets are read back (openpyxl) and compared cell by
cell, to the cent, then row by row for their layout: each row's height, each cell's
format (font, fill, border, number format, alignment), the columns' widths, the pane,
the autofilter and the page setup above. Goal: ≤ 1.2× at 100,000 rows. Then the
product's peak Python memory (tracemalloc) at 10,000 and at the largest size: it should
stay flat (goal: the large peak at most 1.5× the small one). 1,000,000 rows with
``FUNDTRACK_BENCH_FULL=1``.

Run: .venv/bin/python bench/bench_reports.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from openpyxl import load_workbook
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
from bench_variance import CACHE, schema_stamp
from sheet_layout import sheet_layouts

import fundtrack.models  # noqa: F401  (registers every table)
from fundtrack.db import make_engine, session_factory
from fundtrack.i18n import translate
from fundtrack.models import Expense, ExpenseCharge
from fundtrack.models.base import Base
from fundtrack.periods import FiscalCalendar
from fundtrack.queries.lookups import category_by_code
from fundtrack.queries.scope import Scope
from fundtrack.reports import layout
from fundtrack.reports.funder import funder_report
from fundtrack.reports.funder_xlsx import EXPENSE_COLUMNS, write_funder_report
from fundtrack.reports.xlsx import DATE_WORD_FORMATS, MONEY_FORMATS
from fundtrack.schemas.interchange import NewOrganisation
from fundtrack.schemas.ledger import FunderSchema, GrantSchema, ProjectSchema
from fundtrack.services.funders import create_funder, create_project
from fundtrack.services.grants import create_grant
from fundtrack.services.organisation import create_organisation

PAYEES = [
    "Interprètes Montréal inc.",
    "Traiteur du Parc",
    "Location de salles Jarry",
    '=HYPERLINK("http://example.com","x")',
    "Imprimerie Villeray",
]
FUNDER = "Centraide du Grand Montréal"
ORGANISATION = "Table de quartier de Parc-Extension"
AS_OF = date(2026, 11, 25)
PERIOD = FiscalCalendar(4).starting(2026)
CATEGORY_CODES = ["translation", "catering", "room_rental", "communications", "supplies"]
SHEET = translate("report.funder.sheet.expenses", "fr")


def cached_database(count: int) -> Path:
    """A SQLite file: the Table, Centraide's PIC and ``count`` expenses charged to it."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"report-{count}-{schema_stamp()}.sqlite3"
    if path.exists():
        return path
    started = time.perf_counter()
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{partial}")
    Base.metadata.create_all(engine)
    with session_factory(engine)() as session, session.begin():
        acting = create_organisation(session, NewOrganisation(ORGANISATION))
        create_funder(session, acting, FunderSchema().load({"name": FUNDER, "kind": "centraide"}))
        project = create_project(
            session, acting, ProjectSchema().load({"name": "Fonctionnement de la Table", "operations": True})
        )
        grant = create_grant(
            session,
            acting,
            GrantSchema().load(
                {
                    "reference": "PIC-2025-2028",
                    "funder": FUNDER,
                    "title": "Projet impact collectif",
                    "status": "confirmed",
                    "amount": "900000000.00",
                    "start_date": "2025-04-01",
                    "end_date": "2028-03-31",
                    "projects": [project.name],
                }
            ),
        )
        categories = [category_by_code(session, acting.scope, code).id for code in CATEGORY_CODES]
        _insert_expenses(session, acting.organisation_id, project.id, grant.id, categories, count)
    engine.dispose()
    conn = sqlite3.connect(partial)
    conn.execute("PRAGMA journal_mode=DELETE")  # one file, safe to rename
    conn.close()
    partial.rename(path)
    print(f"  generated {count:,} charged expenses in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def _expense_values(count: int, offset: int) -> Iterator[tuple[int, date, str, str, Decimal, Decimal, str]]:
    start = date(2026, 4, 1)
    for i in range(offset, offset + count):
        net = Decimal(10_000 + (i * 7919) % 250_000).scaleb(-2)
        charged = Decimal((net * 100 * (i % 4 + 1)) // 4).scaleb(-2)
        yield (
            i,
            start + timedelta(days=i % 365),
            PAYEES[i % len(PAYEES)],
            f"Dépense {i} : événement",
            net,
            charged,
            (f"R-{i:06d}"),
        )


def _insert_expenses(
    session: Session, org_id: int, project_id: int, grant_id: int, categories: list[int], count: int
) -> None:
    chunk = 20_000
    for first in range(0, count, chunk):
        expenses, charges = [], []
        for i, day, payee, description, net, charged, receipt in _expense_values(min(chunk, count - first), first):
            expenses.append(
                {
                    "id": i + 1,
                    "organisation_id": org_id,
                    "project_id": project_id,
                    "category_id": categories[i % len(categories)],
                    "expense_date": day,
                    "payee": payee,
                    "description": description,
                    "pre_tax": net,
                    "gst": Decimal(0),
                    "qst": Decimal(0),
                    "gst_rebate": Decimal(0),
                    "qst_rebate": Decimal(0),
                    "net_cost": net,
                    "receipt_reference": receipt,
                }
            )
            charges.append({"expense_id": i + 1, "grant_id": grant_id, "amount": charged})
        session.execute(insert(Expense), expenses)
        session.execute(insert(ExpenseCharge), charges)


# --- the two sides -------------------------------------------------------------------------


def product(db: Path, out: Path) -> Callable[[], Path]:
    def run() -> Path:
        engine = make_engine(f"sqlite:///{db}")
        try:
            with session_factory(engine)() as session:
                data = funder_report(session, Scope(1), FUNDER, as_of=AS_OF, period=PERIOD, lang="fr")
                write_funder_report(data, out)
        finally:
            engine.dispose()
        return out

    return run


BARE_ROWS = text(
    """
SELECT e.expense_date, g.reference, e.payee, e.description, c.label_fr, e.net_cost, ch.amount, e.receipt_reference
FROM expense_charges ch
JOIN expenses e ON e.id = ch.expense_id
JOIN grants g ON g.id = ch.grant_id
JOIN funders f ON f.id = g.funder_id
JOIN budget_categories c ON c.id = e.category_id
WHERE e.organisation_id = :org AND f.name = :funder AND g.status <> 'declined'
  AND e.expense_date >= :start AND e.expense_date <= :end
ORDER BY e.expense_date, e.id, g.reference
"""
)


def bare(db: Path, out: Path) -> Callable[[], Path]:
    def run() -> Path:
        engine = make_engine(f"sqlite:///{db}")
        try:
            with engine.connect() as conn:
                result = conn.execute(
                    BARE_ROWS, {"org": 1, "funder": FUNDER, "start": PERIOD.start, "end": PERIOD.end}
                ).yield_per(1000)
                _bare_write(out, result)
        finally:
            engine.dispose()
        return out

    return run


# the expense sheet's cell formats, as a script writing the same printable sheet sets them
_TOP = {"valign": "top"}
_HEADER = {
    "bold": True,
    "text_wrap": True,
    "valign": "top",
    "bg_color": "#DDE4EE",
    "bottom": 1,
    "bottom_color": "#7F7F7F",
}
_TOTAL = {"bold": True, "top": 1, "top_color": "#7F7F7F", "bg_color": "#F2F2F2"}
BARE_FORMATS: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "font_size": 14},
    "subtitle": {"bold": True, "font_size": 11, "font_color": "#1F3864"},
    "header": _HEADER,
    "header_number": {**_HEADER, "align": "right", "indent": 1},
    "date": {"num_format": DATE_WORD_FORMATS["fr"], "align": "left", **_TOP},
    "text": _TOP,
    "wrap": {"text_wrap": True, **_TOP},
    "money": {"num_format": MONEY_FORMATS["fr"], **_TOP},
    "text_total": {**_TOP, **_TOTAL},
    "money_total": {"num_format": MONEY_FORMATS["fr"], **_TOP, **_TOTAL},
}
LINE_PT = 15  # a line of wrapped 11-point text
MAX_LINES = 27  # a row is at most 409 points tall


def _room(width: float, indent: float = 0.0) -> float:
    """The room for text in a column ``width`` characters wide (the cell's padding off)."""
    return layout.usable_width(layout.stored_width(width)) - indent


def _bare_write(path: Path, rows: Any) -> None:
    book = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    ws = book.add_worksheet(SHEET)
    f = {name: book.add_format(props) for name, props in BARE_FORMATS.items()}
    ws.set_landscape()
    ws.set_paper(1)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.7)
    ws.set_footer(f"&L{ORGANISATION} — {FUNDER}&R{translate('report.page', 'fr')}")
    ws.write_string(0, 0, translate("report.funder.expenses", "fr"), f["title"])
    ws.set_row(0, 21)
    ws.write_string(1, 0, f"{FUNDER} — {PERIOD.label}", f["subtitle"])
    header_lines = 1
    for col, column in enumerate(EXPENSE_COLUMNS):
        heading = translate(column.label, "fr")
        number = column.kind == "money"
        ws.write_string(2, col, heading, f["header_number" if number else "header"])
        ws.set_column(col, col, column.width)
        room = _room(column.width, layout.INDENT_UNITS if number else 0.0)
        header_lines = max(header_lines, layout.wrap_lines(heading, room, bold=True))
    if header_lines > 1:
        ws.set_row(2, LINE_PT * header_lines)
    ws.freeze_panes(3, 0)
    ws.repeat_rows(2)
    # a text wider than its column wraps: its row is made as tall as its lines
    rooms = [_room(EXPENSE_COLUMNS[col].width) for col in range(8)]
    text_width, wrap_lines = layout.text_width, layout.wrap_lines
    date_fmt, wrap, money = f["date"], f["wrap"], f["money"]
    r = 3
    net_total = charged_total = largest_net = largest_charged = 0
    for day, grant, payee, description, category, net, charged, receipt in rows:
        ws.write_datetime(r, 0, date.fromisoformat(day) if isinstance(day, str) else day, date_fmt)
        lines = 1
        for col, value in ((1, grant), (2, payee), (3, description), (4, category), (7, receipt or "")):
            ws.write_string(r, col, value, wrap)
            if text_width(value) > rooms[col]:
                lines = max(lines, wrap_lines(value, rooms[col]))
        ws.write_number(r, 5, net / 100, money)  # integer cents read, written as dollars
        ws.write_number(r, 6, charged / 100, money)
        if lines > 1:
            ws.set_row(r, LINE_PT * min(lines, MAX_LINES))
        net_total += net
        charged_total += charged
        largest_net = max(largest_net, net)
        largest_charged = max(largest_charged, charged)
        r += 1
    # the money columns as wide as their widest figure (the bold total included) needs
    for col, largest, total in ((5, largest_net, net_total), (6, largest_charged, charged_total)):
        need = max(
            layout.number_width(Decimal(largest).scaleb(-2), False, "money", "fr"),
            layout.number_width(Decimal(total).scaleb(-2), False, "money", "fr", bold=True),
        )
        if _room(EXPENSE_COLUMNS[col].width) < need:
            ws.set_column(col, col, math.ceil((need + 0.2) * 4) / 4)
    ws.autofilter(2, 0, r - 1, 7)
    ws.write_string(r, 0, translate("label.total", "fr"), f["text_total"])
    for col in (1, 2, 3, 4, 7):
        ws.write_blank(r, col, None, f["text_total"])
    ws.write_formula(r, 5, f"=SUM(F4:F{r})", f["money_total"], net_total / 100)
    ws.write_formula(r, 6, f"=SUM(G4:G{r})", f["money_total"], charged_total / 100)
    book.close()


def expense_cells(path: Path) -> list[tuple[Any, ...]]:
    """The expense sheet's data rows (a date in the first column), money in cents."""
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        out = []
        for row in book[SHEET].iter_rows(values_only=True):
            if isinstance(row[0], datetime):
                net, charged = (round(Decimal(repr(v)) * 100) for v in row[5:7])
                out.append((row[0].date(), *row[1:5], net, charged, row[7] or ""))
        return out
    finally:
        book.close()


def expense_layout(path: Path) -> dict[str, Any]:
    """How the expense sheet is laid out, read back (:func:`sheet_layout.sheet_layouts`): each
    row's height and each cell's format (font, fill, border, number format, alignment), the
    column widths, the frozen pane, the autofilter, the page's orientation, paper, margins
    and footer (the print scale and the page breaks are the product's alone: not compared)."""
    return sheet_layouts(path, [SHEET])[SHEET]


def same_sheets(product_file: Path, bare_file: Path) -> None:
    harness.same(expense_cells(product_file), expense_cells(bare_file), "funder report, expense sheet")
    product_layout, bare_layout = expense_layout(product_file), expense_layout(bare_file)
    harness.same(
        product_layout.pop("rows"), bare_layout.pop("rows"), "funder report, expense rows' heights and formats"
    )
    harness.same(product_layout, bare_layout, "funder report, expense sheet's columns, pane, filter and page")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    harness.header("funder report from the database")
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        folder = Path(tmp)
        db = cached_database(args.rows)
        harness.compare(
            f"funder report from SQLite, {args.rows:,} rows",
            product(db, folder / "product.xlsx"),
            bare(db, folder / "bare.xlsx"),
            goal=1.2,
            check=same_sheets,
        )
        sizes = [10_000, 1_000_000 if harness.FULL else args.rows]
        if not harness.FULL:
            print("  (peak memory at 1,000,000 rows with FUNDTRACK_BENCH_FULL=1)")
        peaks = [(n, harness.peak_memory(product(cached_database(n), folder / f"memory-{n}.xlsx"))) for n in sizes]
        harness.memory_flat(f"funder report peak memory, {sizes[1]:,} / {sizes[0]:,} rows", peaks[0], peaks[1], 1.5)
    harness.finish()


if __name__ == "__main__":
    main()
