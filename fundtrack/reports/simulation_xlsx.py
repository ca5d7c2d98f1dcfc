"""The simulation workbook: scenarios side by side per fiscal year, and who pays each month.

Sheets: the scenarios by fiscal year (cost as a formula of pay, contributions and
benefits; both gaps as formulas), then each scenario over the whole period (SUMIF
formulas over the years above); each month's cost by the funder who pays it, confirmed
money and requests in their own columns, the uncovered part if only confirmed money
comes and if every request is granted (table, and a chart of the total cost stacked by
payer, requests and the uncovered part hatched); the same month by month for each
position.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO

from fundtrack.i18n import Lang, msg, translate
from fundtrack.reports.charts import COLOURS, Series, funder_colour, insert_chart, stacked_by_funder_chart
from fundtrack.reports.simulation import ScenarioYear, SimulationReport
from fundtrack.reports.tables import Column, Table, TableTotals
from fundtrack.reports.xlsx import Formula, ReportSheet, ReportWorkbook, column_letter

Progress = Callable[[int], None]

M_REQUESTED_FUNDER = msg("report.simulation.requested_funder")


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
    Column("gap_requested", "report.col.gap_if_granted", "money", 17, total="sum"),
]
SUMMED = ("pay", "contributions", "benefits", "confirmed", "requested")
# The same columns for each scenario over the whole period, which its first column names.
PERIOD_COLUMNS = [Column("year", "report.simulation.period", "wrap", 12), *YEAR_COLUMNS[1:]]


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


def _year_row(table: Table, y: ScenarioYear, sums: Callable[[str], Formula] | None = None) -> None:
    """One row of scenario figures: the summed columns as values (or ``sums`` formulas),
    the cost and both gaps as formulas of them."""
    r = table.ref

    def value(key: str) -> object:
        return sums(key) if sums is not None else getattr(y, key)

    table.add(
        [
            y.year,
            y.scenario,
            *(value(key) for key in SUMMED[:3]),
            Formula(f"{r('pay')}+{r('contributions')}+{r('benefits')}", y.cost),
            *(value(key) for key in SUMMED[3:]),
            Formula(f"{r('cost')}-{r('confirmed')}", y.gap_confirmed),
            Formula(f"{r('cost')}-{r('confirmed')}-{r('requested')}", y.gap_requested),
        ]
    )


def _write_years(sheet: ReportSheet, report: SimulationReport) -> None:
    _heading(sheet, report, "report.simulation.years")
    table = Table(sheet, YEAR_COLUMNS, freeze=True, repeat=True)
    for y in report.years:
        _year_row(table, y)
    years = table.finish(total=False)
    # each scenario over the whole period: a sum of its years above, by scenario name
    sheet.skip()
    sheet.title(sheet.workbook.t("report.simulation.period_totals"), "subtitle")
    totals = Table(sheet, PERIOD_COLUMNS, widths=False)
    for y in report.totals():
        row = totals.current_row

        def sums(key: str, row: int = row, value: ScenarioYear = y) -> Formula:
            return Formula(
                f"SUMIF({_rows(years, 'scenario')},{totals.ref('scenario', row)},{_rows(years, key)})",
                getattr(value, key),
            )

        _year_row(totals, y, sums)
    totals.finish(total=False)


def _rows(table: TableTotals, key: str) -> str:
    """``$C$6:$C$17``: the data cells of column ``key`` (at least one row)."""
    letter = column_letter(table.columns[key])
    return f"${letter}${table.first_row + 1}:${letter}${max(table.last_row, table.first_row) + 1}"


def _funder_columns(book: ReportWorkbook, report: SimulationReport) -> tuple[list[Column], list[Column]]:
    """A money column per funder's confirmed money (``c0``...) and per funder's request (``r0``...)."""
    confirmed = [
        Column(f"c{i}", kind="money", width=20, total="sum", heading=funder)
        for i, funder in enumerate(report.confirmed_funders)
    ]
    requested = [
        Column(f"r{i}", kind="money", width=20, total="sum", heading=book.t(M_REQUESTED_FUNDER, funder=funder))
        for i, funder in enumerate(report.requested_funders)
    ]
    return confirmed, requested


def _sum_of(table: Table, prefix: str, count: int) -> str:
    """``SUM(B6:D6)`` over this row's ``c`` or ``r`` columns (``0`` when there are none)."""
    if not count:
        return "0"
    return f"SUM({table.ref(f'{prefix}0')}:{table.ref(f'{prefix}{count - 1}')})"


UNCOVERED_CONFIRMED = Column("uncovered_confirmed", "staffing.col.uncovered_confirmed", "money", 17, total="sum")
UNCOVERED_REQUESTED = Column("uncovered_requested", "staffing.col.uncovered_if_granted", "money", 17, total="sum")


def _write_months(sheet: ReportSheet, report: SimulationReport) -> None:
    book = sheet.workbook
    _heading(sheet, report, "report.simulation.months", scenario=True)
    confirmed, requested = _funder_columns(book, report)
    nc, nr = len(confirmed), len(requested)
    columns = [
        Column("month", "label.month", "text", 10),
        *confirmed,
        UNCOVERED_CONFIRMED,
        *requested,
        UNCOVERED_REQUESTED,
        Column("cost", "label.cost", "money", 15, total="sum"),
    ]
    table = Table(sheet, columns, freeze=True, repeat=True)
    for m in report.month_totals():
        cost = Formula(
            f"{_sum_of(table, 'c', nc)}+{_sum_of(table, 'r', nr)}+{table.ref('uncovered_requested')}", m.cost
        )
        uncovered = Formula(f"{table.ref('cost')}-{_sum_of(table, 'c', nc)}", m.uncovered_confirmed)
        table.add([m.month, *m.confirmed, uncovered, *m.requested, m.uncovered_requested, cost])
    totals = table.finish()
    header = totals.header_row

    def series(key: str, colour: str, hatched: bool = False) -> Series:
        return Series(sheet.cell(header, totals.columns[key]), totals.data(key), colour, hatched)

    # a funder keeps its colour: solid for its confirmed money, hatched for its request
    colour = {
        f: funder_colour(i) for i, f in enumerate(dict.fromkeys(report.confirmed_funders + report.requested_funders))
    }
    chart = stacked_by_funder_chart(
        book,
        title=book.t("report.simulation.chart"),
        periods=totals.data("month"),
        funders=[
            *(series(f"c{i}", colour[f]) for i, f in enumerate(report.confirmed_funders)),
            *(series(f"r{i}", colour[f], hatched=True) for i, f in enumerate(report.requested_funders)),
        ],
        uncovered=series("uncovered_requested", COLOURS["uncovered"], hatched=True),
    )
    insert_chart(sheet, sheet.row + 1, 0, chart, width=960, height=500)


def _write_positions(sheet: ReportSheet, report: SimulationReport) -> None:
    _heading(sheet, report, "report.simulation.positions", scenario=True)
    confirmed, requested = _funder_columns(sheet.workbook, report)
    nc, nr = len(confirmed), len(requested)
    columns = [
        Column("month", "label.month", "text", 10),
        Column("position", "term.position", "text", 26),
        Column("cost", "label.cost", "money", 15, total="sum"),
        *confirmed,
        UNCOVERED_CONFIRMED,
        *requested,
        UNCOVERED_REQUESTED,
    ]
    table = Table(sheet, columns, freeze=True, repeat=True, autofilter=True)
    for m in report.months:
        uncovered_confirmed = Formula(f"{table.ref('cost')}-{_sum_of(table, 'c', nc)}", m.uncovered_confirmed)
        uncovered_requested = Formula(
            f"{table.ref('uncovered_confirmed')}-{_sum_of(table, 'r', nr)}", m.uncovered_requested
        )
        table.add([m.month, m.position, m.cost, *m.confirmed, uncovered_confirmed, *m.requested, uncovered_requested])
    table.finish()
