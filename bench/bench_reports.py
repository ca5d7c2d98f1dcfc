"""Benchmark: the funder report with 100,000 expense rows, against bare xlsxwriter.

Writes the same expense cells (date, grant, payee, description, category, net cost,
amount charged, receipt, and a total row of formulas) three ways in the same run:

- bare xlsxwriter in constant-memory mode (the baseline);
- the expense-detail table alone through fundtrack's toolkit (ReportWorkbook + Table);
- the whole funder report (summary, instalments, expense detail) with
  :func:`fundtrack.reports.funder_xlsx.write_funder_report`;

and prints each time and its ratio to the baseline (aim: at most 1.5). Then measures
the funder report's peak Python memory (tracemalloc) for 10,000 and 100,000 expense
rows streamed from a generator: it should not grow with the rows.

Then the same from a real database: a SQLite file holding 10,000 and 100,000 charged
expenses (bulk-inserted with core inserts), the whole report (:func:`funder_report`
then :func:`write_funder_report`, the expense detail streamed from the database)
timed against bare xlsxwriter writing the same cells, and its peak memory.

Run: .venv/bin/python bench/bench_reports.py [--rows 100000] [--repeat 2] [--database-only]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from sqlalchemy import insert
from sqlalchemy.orm import Session

import fundtrack.models  # noqa: F401  (registers every table)
from fundtrack.db import make_engine, session_factory
from fundtrack.models import Expense, ExpenseCharge, GrantStatus
from fundtrack.models.base import Base
from fundtrack.periods import FiscalCalendar
from fundtrack.queries.scope import Scope
from fundtrack.reports.funder import (
    ExpenseLine,
    ExpenseStream,
    FunderReport,
    GrantSummary,
    InstalmentLine,
    funder_report,
)
from fundtrack.reports.funder_xlsx import EXPENSE_COLUMNS, write_funder_report
from fundtrack.reports.tables import Table
from fundtrack.reports.xlsx import MONEY_FORMATS, ReportWorkbook
from fundtrack.services.grants import create_funder, create_grant, create_project
from fundtrack.services.organisation import category_by_code, create_organisation

PAYEES = [
    "Interprètes Montréal inc.",
    "Traiteur du Parc",
    "Location de salles Jarry",
    '=HYPERLINK("http://example.com","x")',
    "Imprimerie Villeray",
]
CATEGORIES = ["Traduction et interprétation", "Traiteur", "Location de salles", "Communications", "Fournitures"]


def expense_lines(count: int, offset: int = 0) -> Iterator[ExpenseLine]:
    """Deterministic expenses, each exact to the cent."""
    start = date(2026, 4, 1)
    for i in range(offset, offset + count):
        net = Decimal(10_000 + (i * 7919) % 250_000).scaleb(-2)
        charged = Decimal((net * 100 * (i % 4 + 1)) // 4).scaleb(-2)
        yield ExpenseLine(
            start + timedelta(days=i % 365),
            PAYEES[i % len(PAYEES)],
            f"Dépense {i} : événement de quartier",
            CATEGORIES[i % len(CATEGORIES)],
            net,
            charged,
            f"R-{i:06d}",
            "PIC-2025-2028",
        )


def funder_data(expenses: Callable[[], Iterator[ExpenseLine]], count: int) -> FunderReport:
    year = FiscalCalendar(4).starting(2026)
    grant = GrantSummary(
        "PIC-2025-2028",
        "Projet impact collectif — Parc-Extension",
        GrantStatus.CONFIRMED,
        date(2025, 4, 1),
        date(2028, 3, 31),
        Decimal("450000.00"),
        Decimal("150000.00"),
        Decimal("225000.00"),
        ("Fonctionnement de la Table",),
        False,
        Decimal("0.15"),
    )
    instalments = tuple(
        InstalmentLine("PIC-2025-2028", date(2025 + q // 4, 1 + 3 * (q % 4), 15), Decimal("37500.00"), None, None,
                       "", "due")
        for q in range(12)
    )  # fmt: skip
    return FunderReport(
        organisation="Table de quartier de Parc-Extension",
        funder="Centraide du Grand Montréal",
        funder_kind="centraide",
        lang="fr",
        period=year,
        period_label=year.label,
        as_of=date(2026, 11, 25),
        grant_reference=None,
        grants=(grant,),
        instalments=instalments,
        report_dues=(),
        expenses=ExpenseStream(count, expenses),
    )


def with_funder_report(path: Path, rows: Iterable[ExpenseLine]) -> None:
    items = rows if isinstance(rows, list) else list(rows)
    write_funder_report(funder_data(lambda: iter(items), len(items)), path)


def with_table(path: Path, rows: Iterable[ExpenseLine]) -> None:
    with ReportWorkbook(path, "fr", constant_memory=True) as book:
        sheet = book.add_sheet_named("Dépenses")
        sheet.title("Détail des dépenses")
        table = Table(sheet, EXPENSE_COLUMNS, freeze=True, repeat=True, autofilter=True)
        add = table.add
        for e in rows:
            add((e.expense_date, e.grant, e.payee, e.description, e.category, e.net_cost, e.charged, e.receipt))
        table.finish(names={"net": "Total_net", "charged": "Total_impute"})


def with_bare_xlsxwriter(path: Path, rows: Iterable[ExpenseLine]) -> None:
    book = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    ws = book.add_worksheet("Dépenses")
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
    net_total = Decimal(0)
    charged_total = Decimal(0)
    for e in rows:
        ws.write_datetime(r, 0, e.expense_date, date_fmt)
        ws.write_string(r, 1, e.grant, plain)
        ws.write_string(r, 2, e.payee, plain)
        ws.write_string(r, 3, e.description, plain)
        ws.write_string(r, 4, e.category, plain)
        ws.write_number(r, 5, float(e.net_cost), money)
        ws.write_number(r, 6, float(e.charged), money)
        ws.write_string(r, 7, e.receipt, plain)
        net_total += e.net_cost
        charged_total += e.charged
        r += 1
    ws.write_formula(r, 5, f"=SUM(F3:F{r})", money, float(net_total))
    ws.write_formula(r, 6, f"=SUM(G3:G{r})", money, float(charged_total))
    book.close()


Writer = Callable[[Path, Iterable[ExpenseLine]], None]


def timed(write: Writer, rows: list[ExpenseLine], path: Path) -> float:
    gc.collect()
    started = time.perf_counter()
    write(path, rows)
    return time.perf_counter() - started


def best_times(writers: list[Writer], rows: list[ExpenseLine], repeat: int, folder: Path) -> list[float]:
    """Best time of each writer, taking turns so that a busy machine hurts all alike."""
    best = [float("inf")] * len(writers)
    for n in range(repeat):
        for i, write in enumerate(writers):
            best[i] = min(best[i], timed(write, rows, folder / f"{write.__name__}-{n}.xlsx"))
    return best


def peak_memory(count: int, folder: Path) -> int:
    """Peak bytes allocated by Python while writing the funder report with ``count`` streamed rows."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    write_funder_report(funder_data(lambda: expense_lines(count), count), folder / f"memory-{count}.xlsx")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


# --- from a real database ------------------------------------------------------------

FUNDER = "Centraide du Grand Montréal"
AS_OF = date(2026, 11, 25)
CATEGORY_CODES = ["translation", "catering", "room_rental", "communications", "supplies"]


def build_database(path: Path, count: int) -> None:
    """A SQLite file: the Table, Centraide's PIC and ``count`` expenses charged to it.

    The organisation, funder and grant go through the services; the expenses and their
    charges are bulk-inserted with core inserts (exact amounts, net cost = pre-tax +
    taxes - rebates as the table's check requires).
    """
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with session_factory(engine)() as session, session.begin():
        org = create_organisation(session, "Table de quartier de Parc-Extension")
        create_funder(session, org, {"name": FUNDER, "kind": "centraide"})
        project = create_project(session, org, {"name": "Fonctionnement de la Table", "operations": True})
        grant = create_grant(
            session,
            org,
            {
                "reference": "PIC-2025-2028",
                "funder": FUNDER,
                "title": "Projet impact collectif",
                "status": "confirmed",
                "amount": Decimal("900000000.00"),
                "start_date": date(2025, 4, 1),
                "end_date": date(2028, 3, 31),
                "projects": [project.name],
            },
        )
        categories = [category_by_code(session, org.id, code).id for code in CATEGORY_CODES]
        _insert_expenses(session, org.id, project.id, grant.id, categories, count)
    engine.dispose()


def _insert_expenses(
    session: Session, org_id: int, project_id: int, grant_id: int, categories: list[int], count: int
) -> None:
    chunk = 10_000
    for first in range(0, count, chunk):
        expenses, charges = [], []
        for i, e in enumerate(expense_lines(min(chunk, count - first), offset=first), start=first + 1):
            expenses.append(
                {
                    "id": i,
                    "organisation_id": org_id,
                    "project_id": project_id,
                    "category_id": categories[i % len(categories)],
                    "expense_date": e.expense_date,
                    "payee": e.payee,
                    "description": e.description,
                    "pre_tax": e.net_cost,
                    "gst": Decimal("0.00"),
                    "qst": Decimal("0.00"),
                    "gst_rebate": Decimal("0.00"),
                    "qst_rebate": Decimal("0.00"),
                    "net_cost": e.net_cost,
                    "receipt_reference": e.receipt,
                }
            )
            charges.append({"expense_id": i, "grant_id": grant_id, "amount": e.charged})
        session.execute(insert(Expense), expenses)
        session.execute(insert(ExpenseCharge), charges)


def report_from_database(path: Path, out: Path) -> None:
    """The whole funder report, read from the database and written (the detail streamed)."""
    engine = make_engine(f"sqlite:///{path}")
    with session_factory(engine)() as session:
        scope = Scope(1)
        period = FiscalCalendar(4).starting(2026)
        data = funder_report(session, scope, FUNDER, as_of=AS_OF, period=period, lang="fr")
        write_funder_report(data, out)
    engine.dispose()


def database_rows(path: Path) -> list[ExpenseLine]:
    """The report's expense rows, read once, for the bare xlsxwriter baseline."""
    engine = make_engine(f"sqlite:///{path}")
    with session_factory(engine)() as session:
        data = funder_report(session, Scope(1), FUNDER, as_of=AS_OF, period=FiscalCalendar(4).starting(2026))
        assert data.expenses is not None
        rows = list(data.expenses.rows())
    engine.dispose()
    return rows


def database_bench(folder: Path, counts: list[int], repeat: int) -> None:
    print("funder report from a SQLite database (expense detail streamed with yield_per)")
    for count in counts:
        db = folder / f"expenses-{count}.sqlite3"
        started = time.perf_counter()
        build_database(db, count)
        built = time.perf_counter() - started
        rows = database_rows(db)
        assert len(rows) == count, (len(rows), count)
        bare = report = float("inf")
        for n in range(repeat):
            bare = min(bare, timed(with_bare_xlsxwriter, rows, folder / f"db-bare-{count}-{n}.xlsx"))
            gc.collect()
            started = time.perf_counter()
            report_from_database(db, folder / f"db-report-{count}-{n}.xlsx")
            report = min(report, time.perf_counter() - started)
        del rows
        gc.collect()
        tracemalloc.start()
        tracemalloc.reset_peak()
        report_from_database(db, folder / f"db-memory-{count}.xlsx")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        ratio = report / bare
        verdict = "ok" if ratio <= 1.5 else "ABOVE AIM"
        print(f"  {count:>7,} charged expenses (database built in {built:5.2f} s)")
        print(f"    bare xlsxwriter, same cells    {bare:7.2f} s")
        print(f"    funder report from database    {report:7.2f} s   ratio {ratio:5.2f} (aim <= 1.5: {verdict})")
        print(f"    peak Python memory             {peak / 1e6:7.2f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--database-only", action="store_true", help="Only the report from a database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        folder = Path(tmp)
        if not args.database_only:
            generated(folder, args.rows, args.repeat)
        database_bench(folder, sorted({10_000, args.rows}), args.repeat)


def generated(folder: Path, count: int, repeat: int) -> None:
    """The report's writing alone, expense rows from a generator."""
    rows = list(expense_lines(count))
    writers: list[Writer] = [with_bare_xlsxwriter, with_table, with_funder_report]
    for write in writers:  # warm every path once (imports, caches)
        write(folder / f"warm-{write.__name__}.xlsx", rows[:1000])
    bare, table, report = best_times(writers, rows, repeat, folder)
    print(f"expense rows: {count:,} (constant memory, best of {repeat})")
    print(f"  bare xlsxwriter, same cells      {bare:7.2f} s")
    for label, seconds in (("toolkit table", table), ("funder report, whole workbook", report)):
        ratio = seconds / bare
        verdict = "ok" if ratio <= 1.5 else "ABOVE AIM"
        print(f"  {label:<32} {seconds:7.2f} s   ratio {ratio:5.2f} (aim <= 1.5: {verdict})")
    del rows
    small = peak_memory(10_000, folder)
    large = peak_memory(100_000, folder)
    print("funder report, peak Python memory with streamed expense rows (tracemalloc)")
    print(f"  10,000 rows                      {small / 1e6:7.2f} MB")
    print(f"  100,000 rows                     {large / 1e6:7.2f} MB   ({large / small:.2f}x for 10x the rows)")


if __name__ == "__main__":
    main()
