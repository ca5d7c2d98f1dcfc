"""Benchmark: the funder report from the database, against bare SQL and bare xlsxwriter.

A SQLite file holds the Table, Centraide's PIC and N expenses charged to it (the
organisation, funder and grant made by the services, the expenses bulk-inserted with
Core; kept under ``bench/.cache/``). Each figure times, in interleaved pairs:

- the product: open a session, :func:`fundtrack.reports.funder.funder_report`, then
  :func:`fundtrack.reports.funder_xlsx.write_funder_report` (the whole workbook, the
  expense detail streamed from the database);
- the bare side: open a connection, read the same expense rows with one SQL statement
  (the same joins, filters and order) and write them with bare xlsxwriter in
  constant-memory mode (the same cells, money as numbers, a total row of formulas).

Before timing, the two expense sheets are read back (openpyxl) and compared cell by
cell, to the cent. Goal: ≤ 1.2× at 100,000 rows. Then the product's peak Python memory
(tracemalloc) at 10,000 and at the largest size: it should stay flat (goal: the large
peak at most 1.5× the small one). 1,000,000 rows with ``FUNDTRACK_BENCH_FULL=1``.

Run: .venv/bin/python bench/bench_reports.py [--rows 100000]
"""

from __future__ import annotations

import argparse
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

import fundtrack.models  # noqa: F401  (registers every table)
from fundtrack.db import make_engine, session_factory
from fundtrack.i18n import translate
from fundtrack.models import Expense, ExpenseCharge
from fundtrack.models.base import Base
from fundtrack.periods import FiscalCalendar
from fundtrack.queries.lookups import category_by_code
from fundtrack.queries.scope import Scope
from fundtrack.reports.funder import funder_report
from fundtrack.reports.funder_xlsx import EXPENSE_COLUMNS, write_funder_report
from fundtrack.reports.xlsx import MONEY_FORMATS
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
        acting = create_organisation(session, NewOrganisation("Table de quartier de Parc-Extension"))
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


def _bare_write(path: Path, rows: Any) -> None:
    book = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    ws = book.add_worksheet(SHEET)
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "text_wrap": True})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    money = book.add_format({"num_format": MONEY_FORMATS["fr"]})
    plain = book.add_format()
    ws.write_string(0, 0, "Détail des dépenses", bold)
    for col, column in enumerate(EXPENSE_COLUMNS):
        ws.write_string(1, col, column.key, header)
        ws.set_column(col, col, column.width)
    r = 2
    net_total = charged_total = 0
    for day, grant, payee, description, category, net, charged, receipt in rows:
        ws.write_datetime(r, 0, date.fromisoformat(day) if isinstance(day, str) else day, date_fmt)
        ws.write_string(r, 1, grant, plain)
        ws.write_string(r, 2, payee, plain)
        ws.write_string(r, 3, description, plain)
        ws.write_string(r, 4, category, plain)
        ws.write_number(r, 5, net / 100, money)  # integer cents read, written as dollars
        ws.write_number(r, 6, charged / 100, money)
        ws.write_string(r, 7, receipt or "", plain)
        net_total += net
        charged_total += charged
        r += 1
    ws.write_formula(r, 5, f"=SUM(F3:F{r})", money, net_total / 100)
    ws.write_formula(r, 6, f"=SUM(G3:G{r})", money, charged_total / 100)
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


def same_sheets(product_file: Path, bare_file: Path) -> None:
    harness.same(expense_cells(product_file), expense_cells(bare_file), "funder report, expense sheet")


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
