"""Benchmark: the expense-detail sheet of a funder report, through fundtrack's toolkit.

Writes 100,000 expense rows (date, payee, description, category, net cost, amount
charged, receipt) with a total row of formulas, twice in the same run:

- through fundtrack.reports (ReportWorkbook + Table, constant-memory mode);
- with bare xlsxwriter in constant-memory mode, the same cells and formats (the baseline);

and prints the ratio (aim: at most 1.5). Then measures the toolkit's peak memory
(tracemalloc) for 10,000 and 100,000 rows streamed from a generator: it should not
grow with the rows.

Run: .venv/bin/python bench/bench_reports.py [--rows 100000] [--repeat 3]
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

from fundtrack.reports.tables import Column, Table
from fundtrack.reports.xlsx import MONEY_FORMATS, ReportWorkbook

Row = tuple[date, str, str, str, Decimal, Decimal, str]

PAYEES = [
    "Interprètes Montréal inc.",
    "Traiteur du Parc",
    "Location de salles Jarry",
    '=HYPERLINK("http://example.com","x")',
    "Imprimerie Villeray",
]
CATEGORIES = ["Traduction", "Traiteur", "Location de salle", "Communications", "Fournitures"]

COLUMNS = [
    Column("date", "report.total", "date", 11),
    Column("payee", "report.total", "text", 28),
    Column("description", "report.total", "wrap", 40),
    Column("category", "report.total", "text", 18),
    Column("net", "report.total", "money", 14, total="sum"),
    Column("charged", "report.total", "money", 14, total="sum"),
    Column("receipt", "report.total", "text", 14),
]


def expense_rows(count: int) -> Iterator[Row]:
    """Deterministic expenses, each exact to the cent."""
    start = date(2026, 4, 1)
    for i in range(count):
        net = Decimal(10_000 + (i * 7919) % 250_000).scaleb(-2)
        charged = Decimal((net * 100 * (i % 4 + 1)) // 4).scaleb(-2)
        yield (
            start + timedelta(days=i % 365),
            PAYEES[i % len(PAYEES)],
            f"Dépense {i} : événement de quartier",
            CATEGORIES[i % len(CATEGORIES)],
            net,
            charged,
            f"R-{i:06d}",
        )


def with_toolkit(path: Path, rows: Iterable[Row]) -> None:
    with ReportWorkbook(path, "fr", constant_memory=True) as book:
        sheet = book.add_sheet_named("Dépenses")
        sheet.title("Détail des dépenses")
        table = Table(sheet, COLUMNS, freeze=True, repeat=True)
        add = table.add
        for row in rows:
            add(row)
        table.finish(names={"net": "Total_net", "charged": "Total_impute"})


def with_bare_xlsxwriter(path: Path, rows: Iterable[Row]) -> None:
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    ws = book.add_worksheet("Dépenses")
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "text_wrap": True})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    money = book.add_format({"num_format": MONEY_FORMATS["fr"]})
    wrap = book.add_format({"text_wrap": True})
    plain = book.add_format()
    ws.write_string(0, 0, "Détail des dépenses", bold)
    for col, column in enumerate(COLUMNS):
        ws.write_string(1, col, column.key, header)
        ws.set_column(col, col, column.width)
    r = 2
    net_total = Decimal(0)
    charged_total = Decimal(0)
    for day, payee, description, category, net, charged, receipt in rows:
        ws.write_datetime(r, 0, day, date_fmt)
        ws.write_string(r, 1, payee, plain)
        ws.write_string(r, 2, description, wrap)
        ws.write_string(r, 3, category, plain)
        ws.write_number(r, 4, float(net), money)
        ws.write_number(r, 5, float(charged), money)
        ws.write_string(r, 6, receipt, plain)
        net_total += net
        charged_total += charged
        r += 1
    ws.write_formula(r, 4, f"=SUM(E3:E{r})", money, float(net_total))
    ws.write_formula(r, 5, f"=SUM(F3:F{r})", money, float(charged_total))
    book.close()


def timed(write: Callable[[Path, Iterable[Row]], None], rows: list[Row], path: Path) -> float:
    gc.collect()
    started = time.perf_counter()
    write(path, rows)
    return time.perf_counter() - started


def best_times(rows: list[Row], repeat: int, folder: Path) -> tuple[float, float]:
    """Best time of each writer, alternating them so that a busy machine hurts both alike."""
    bare, toolkit = float("inf"), float("inf")
    for n in range(repeat):
        bare = min(bare, timed(with_bare_xlsxwriter, rows, folder / f"bare-{n}.xlsx"))
        toolkit = min(toolkit, timed(with_toolkit, rows, folder / f"toolkit-{n}.xlsx"))
    return bare, toolkit


def peak_memory(count: int, folder: Path) -> int:
    """Peak bytes allocated by Python while streaming ``count`` rows through the toolkit."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    with_toolkit(folder / f"memory-{count}.xlsx", expense_rows(count))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        folder = Path(tmp)
        rows = list(expense_rows(args.rows))
        # warm both paths once (imports, format caches)
        with_toolkit(folder / "warm-toolkit.xlsx", rows[:1000])
        with_bare_xlsxwriter(folder / "warm-bare.xlsx", rows[:1000])
        bare, toolkit = best_times(rows, args.repeat, folder)
        ratio = toolkit / bare
        verdict = "ok" if ratio <= 1.5 else "ABOVE AIM"
        print(f"expense detail, {args.rows:,} rows (constant memory, best of {args.repeat})")
        print(f"  bare xlsxwriter      {bare:7.2f} s")
        print(f"  fundtrack toolkit    {toolkit:7.2f} s")
        print(f"  ratio                {ratio:7.2f}   (aim <= 1.5: {verdict})")
        del rows
        small = peak_memory(10_000, folder)
        large = peak_memory(100_000, folder)
        growth = large / small
        print("peak Python memory while streaming rows (tracemalloc)")
        print(f"  10,000 rows          {small / 1e6:7.2f} MB")
        print(f"  100,000 rows         {large / 1e6:7.2f} MB   ({growth:.2f}x for 10x the rows)")


if __name__ == "__main__":
    main()
