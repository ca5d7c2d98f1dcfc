"""The simulation workbook: scenarios side by side per fiscal year, and who pays each month.

Sheets: the scenarios by fiscal year (cost as a formula of pay, contributions and
benefits; both gaps as formulas); each month's cost stacked by the funder who pays it,
the uncovered part in its own colour (table and chart); the month-by-month table of
who pays each position.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO

from fundtrack.i18n import Lang, translate
from fundtrack.money import ZERO
from fundtrack.reports.charts import COLOURS, Series, funder_colour, insert_chart, stacked_by_funder_chart
from fundtrack.reports.simulation import SimulationReport
from fundtrack.reports.tables import Column, Table
from fundtrack.reports.xlsx import Formula, ReportSheet, ReportWorkbook

Progress = Callable[[int], None]


YEAR_COLUMNS = [
    Column("year", "term.fiscal_year", "text", 12),
    Column("scenario", "term.scenario", "text", 26),
    Column("pay", "report.col.pay", "money", 15, total="sum"),
    Column("contributions", "term.employer_contributions", "money", 15, total="sum"),
    Column("benefits", "label.benefits", "money", 14, total="sum"),
    Column("cost", "label.cost", "money", 15, total="sum"),
    Column("confirmed", "report.col.confirmed", "money", 15, total="sum"),
    Column("requested", "report.col.requested", "money", 15, total="sum"),
    Column("gap_confirmed", "report.col.gap_confirmed", "money", 17, total="sum"),
    Column("gap_requested", "report.col.gap_requested", "money", 17, total="sum"),
]


def write_simulation_report(
    report: SimulationReport,
    target: str | Path | IO[bytes],
    *,
    lang: Lang | None = None,
    progress: Progress | None = None,
) -> None:
    """Write the simulation workbook to ``target`` (a path or a binary file)."""
    chosen: Lang = lang or report.lang
    with ReportWorkbook(
        target, chosen, title=translate("report.simulation.title", chosen), author=report.organisation
    ) as book:
        years = book.add_sheet("report.simulation.sheet.years", footer=report.organisation)
        _write_years(years, report)
        months = book.add_sheet("report.simulation.sheet.months", footer=report.organisation)
        _write_months(months, report)
        positions = book.add_sheet("report.simulation.sheet.positions", footer=report.organisation)
        _write_positions(positions, report)
        if progress:
            progress(len(report.years) + len(report.months))


def _heading(sheet: ReportSheet, report: SimulationReport, code: str, scenario: bool = False) -> None:
    book = sheet.workbook
    sheet.title(book.t("report.simulation.title"))
    sheet.title(report.organisation, "subtitle")
    sheet.title(book.t(code), "subtitle")
    if scenario:
        sheet.title(book.t("report.simulation.scenario", name=report.detail_scenario), "subtitle")
    sheet.skip()


def _write_years(sheet: ReportSheet, report: SimulationReport) -> None:
    _heading(sheet, report, "report.simulation.years")
    table = Table(sheet, YEAR_COLUMNS, freeze=True, repeat=True)
    for y in report.years:
        r = table.ref
        table.add(
            [
                y.year,
                y.scenario,
                y.pay,
                y.contributions,
                y.benefits,
                Formula(f"{r('pay')}+{r('contributions')}+{r('benefits')}", y.cost),
                y.confirmed,
                y.requested,
                Formula(f"{r('cost')}-{r('confirmed')}", y.gap_confirmed),
                Formula(f"{r('cost')}-{r('confirmed')}-{r('requested')}", y.gap_requested),
            ]
        )
    table.finish(total=False)


def _funder_columns(report: SimulationReport) -> list[Column]:
    return [Column(f"f{i}", kind="money", width=20, total="sum", heading=f) for i, f in enumerate(report.funders)]


def _paid_sum(table: Table, count: int) -> str:
    if not count:
        return "0"
    return f"SUM({table.ref('f0')}:{table.ref(f'f{count - 1}')})"


def _write_months(sheet: ReportSheet, report: SimulationReport) -> None:
    book = sheet.workbook
    _heading(sheet, report, "report.simulation.months", scenario=True)
    columns = [
        Column("month", "label.month", "text", 10),
        *_funder_columns(report),
        Column("uncovered", "report.col.uncovered", "money", 14, total="sum"),
        Column("cost", "label.cost", "money", 15, total="sum"),
    ]
    table = Table(sheet, columns, freeze=True, repeat=True)
    count = len(report.funders)
    for month, paid, uncovered in report.month_totals():
        cost = sum(paid, ZERO) + uncovered
        total = Formula(f"{_paid_sum(table, count)}+{table.ref('uncovered')}", cost)
        table.add([month, *paid, uncovered, total])
    totals = table.finish()
    header = totals.header_row
    chart = stacked_by_funder_chart(
        book,
        title=book.t("report.simulation.chart"),
        periods=totals.data("month"),
        funders=[
            Series(sheet.cell(header, totals.columns[f"f{i}"]), totals.data(f"f{i}"), funder_colour(i))
            for i in range(count)
        ],
        uncovered=Series(
            sheet.cell(header, totals.columns["uncovered"]), totals.data("uncovered"), COLOURS["uncovered"], True
        ),
    )
    insert_chart(sheet, sheet.row + 1, 0, chart, width=960, height=500)


def _write_positions(sheet: ReportSheet, report: SimulationReport) -> None:
    _heading(sheet, report, "report.simulation.positions", scenario=True)
    columns = [
        Column("month", "label.month", "text", 10),
        Column("position", "term.position", "text", 26),
        Column("cost", "label.cost", "money", 15, total="sum"),
        *_funder_columns(report),
        Column("uncovered", "report.col.uncovered", "money", 14, total="sum"),
    ]
    table = Table(sheet, columns, freeze=True, repeat=True, autofilter=True)
    count = len(report.funders)
    for m in report.months:
        uncovered = Formula(f"{table.ref('cost')}-{_paid_sum(table, count)}", m.uncovered)
        table.add([m.month, m.position, m.cost, *m.paid, uncovered])
    table.finish()
