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

Run: .venv/bin/python bench/bench_reports.py [--rows 100000] [--repeat 2]
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

from fundtrack.models import GrantStatus
from fundtrack.periods import FiscalCalendar
from fundtrack.reports.funder import ExpenseLine, ExpenseStream, FunderReport, GrantSummary, InstalmentLine
from fundtrack.reports.funder_xlsx import EXPENSE_COLUMNS, write_funder_report
from fundtrack.reports.tables import Table
from fundtrack.reports.xlsx import MONEY_FORMATS, ReportWorkbook

PAYEES = [
    "Interprètes Montréal inc.",
    "Traiteur du Parc",
    "Location de salles Jarry",
    '=HYPERLINK("http://example.com","x")',
    "Imprimerie Villeray",
]
CATEGORIES = ["Traduction et interprétation", "Traiteur", "Location de salles", "Communications", "Fournitures"]


def expense_lines(count: int) -> Iterator[ExpenseLine]:
    """Deterministic expenses, each exact to the cent."""
    start = date(2026, 4, 1)
    for i in range(count):
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


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        folder = Path(tmp)
        rows = list(expense_lines(args.rows))
        writers: list[Writer] = [with_bare_xlsxwriter, with_table, with_funder_report]
        for write in writers:  # warm every path once (imports, caches)
            write(folder / f"warm-{write.__name__}.xlsx", rows[:1000])
        bare, table, report = best_times(writers, rows, args.repeat, folder)
        print(f"expense rows: {args.rows:,} (constant memory, best of {args.repeat})")
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
