"""The organisation's budget workbook, for the board: budget, packages, funding gap, chart.

Three sheets: the multi-year budget (every line by fiscal year, then each project's
total as a formula over the lines); the financial package of each project in each
year (sources, shares, what is left to cover, the project's funding gap, conditions);
the funding gap per fiscal year with the money confirmed and requested, and a chart
of them. A label names one figure: what a package leaves to cover (every source, over
the year) and the funding gap (grants only, line by line and month by month) have
labels of their own, and the packages' funding gaps add up to the gap sheet's.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from xlsxwriter.utility import xl_range_abs

from fundtrack.calc.package import SOURCE_KIND_LABELS, FinancialPackage
from fundtrack.i18n import Lang, translate
from fundtrack.money import ZERO
from fundtrack.reports.budget import BudgetReport
from fundtrack.reports.charts import COLOURS, Series, insert_chart, money_by_year_chart
from fundtrack.reports.tables import Column, Table, TableTotals, fit_columns, percent_formula
from fundtrack.reports.xlsx import Cut, Formula, ReportSheet, ReportWorkbook

Progress = Callable[[int], None]


GAP_COLUMNS = [
    Column("year", "term.fiscal_year", "text", 12),
    Column("cost", "label.cost", "money", 16, total="sum"),
    # what grants cover month by month: not the packages' confirmed and requested money,
    # which count in-kind contributions and own funds over the year
    Column("confirmed", "report.budget.covered_confirmed", "money", 16, total="sum"),
    Column("requested", "report.budget.covered_requested", "money", 16, total="sum"),
    Column("gap_confirmed", "report.budget.gap_confirmed", "money", 18, total="sum"),
    Column("gap_if_granted", "report.budget.gap_if_granted", "money", 18, total="sum"),
]


def write_budget_report(
    report: BudgetReport,
    target: str | Path | IO[bytes],
    *,
    lang: Lang | None = None,
    progress: Progress | None = None,
) -> list[Cut]:
    """Write the budget workbook to ``target`` (a path or a binary file); return the values
    that had to be cut to fit a cell (none, as a rule)."""
    chosen: Lang = lang or report.lang
    title = translate("report.budget.title", chosen)
    with ReportWorkbook(target, chosen, title=title, author=report.organisation) as book:
        budget = book.add_sheet("report.budget.sheet.budget", footer=report.organisation)
        _write_budget(budget, report)
        if progress:
            progress(len(report.rows))
        packages = book.add_sheet("term.financial_packages", footer=report.organisation)
        years = {y.label for y in report.years}
        package_widths(packages, report.packages)
        gaps: Sequence[tuple[Decimal, Decimal] | None] = report.package_gaps or [None] * len(report.packages)
        for package, project_gap in zip(report.packages, gaps, strict=True):
            write_package(packages, package, years=years, funding_gap=project_gap)
        if progress:
            progress(len(report.packages))
        gap = book.add_sheet("term.funding_gap", footer=report.organisation)
        _write_gap(gap, report)
    return book.cuts


def _heading(sheet: ReportSheet, report: BudgetReport, code: str) -> None:
    book = sheet.workbook
    sheet.title(book.t("report.budget.title"))
    sheet.title(report.organisation, "subtitle")
    sheet.title(book.t(code), "subtitle")
    sheet.skip()


def _year_columns(report: BudgetReport) -> list[Column]:
    return [Column(f"y{i}", kind="money", width=15, total="sum", heading=y.label) for i, y in enumerate(report.years)]


def _width(values: Iterable[str], heading: str, *, least: float, most: float) -> float:
    """A column just wide enough for its longest value (within ``least`` and ``most``: a
    longer value wraps)."""
    from fundtrack.reports.layout import text_width

    longest = max((text_width(v) for v in values), default=0.0)
    return min(max(least, longest + 0.5, text_width(heading, bold=True) + 0.5), most)


def _write_budget(sheet: ReportSheet, report: BudgetReport) -> None:
    book = sheet.workbook
    _heading(sheet, report, "report.budget.lines")
    years = _year_columns(report)
    project_label = book.t("term.project")
    columns = [
        Column("project", "term.project", "wrap", _width(report.projects, project_label, least=14, most=24)),
        Column(
            "category",
            "term.category",
            "wrap",
            _width((r.category for r in report.rows), book.t("term.category"), least=12, most=18),
        ),
        Column(
            "description",
            "report.col.description",
            "wrap",
            # the projects' names stand in this column in the table by project below
            _width([*(r.description for r in report.rows), *report.projects], project_label, least=16, most=28),
        ),
        *years,
        Column("total", "label.total", "money", 16, total="sum"),
    ]
    table = Table(sheet, columns, freeze=True, repeat=True)
    first_year, last_year = table.col_of["y0"], table.col_of[f"y{len(report.years) - 1}"]
    for row in report.rows:
        span = f"{table.ref('y0')}:{table.ref(f'y{len(report.years) - 1}')}"
        total = Formula(f"SUM({span})", sum(row.amounts, ZERO))
        table.add([row.project, row.category, row.description, *row.amounts, total])
    lines = table.finish(names={"total": book.t("report.name.budget_total")})
    if not report.projects:
        return
    sheet.skip()
    sheet.label("report.budget.by_project")
    # each project's amounts stand under the same fiscal years as the lines above
    by_project = Table(
        sheet,
        [
            Column("project", "term.project", "wrap"),
            *years,
            Column("total", "label.total", "money", total="sum"),
        ],
        first_col=table.col_of["description"],
        widths=False,
    )
    projects = _column_range(lines, lines.columns["project"])
    for project in report.projects:
        name_ref = by_project.ref("project")
        cells = []
        for i, col in enumerate(range(first_year, last_year + 1)):
            values = _column_range(lines, col)
            cells.append(Formula(f"SUMPRODUCT(({projects}={name_ref})*{values})", report.project_total(project, i)))
        span = f"{by_project.ref('y0')}:{by_project.ref(f'y{len(report.years) - 1}')}"
        total = Formula(f"SUM({span})", sum((report.project_total(project, i) for i in range(len(report.years))), ZERO))
        by_project.add([project, *cells, total])
    by_project.finish()


def _column_range(table: TableTotals, col: int) -> str:
    last = max(table.last_row, table.first_row)
    return str(xl_range_abs(table.first_row, col, last, col))


SOURCE_COLUMNS = [
    Column("source", "label.source", "wrap", 30),
    Column("funder", "term.funder", "wrap", 28),
    Column("kind", "report.col.kind", "wrap", 16),
    Column("amount", "label.amount", "money", 16, total="sum"),
    Column("share", "report.col.share", "percent", 12),
]
CONDITION_COLUMNS = [
    Column("grant", "label.reference", "wrap", 30),
    Column("rule", "report.col.rule", "wrap", 28),
    Column("limit", "report.col.limit", "money"),
    Column("actual", "term.actual", "money"),
    Column("shortfall", "report.col.shortfall", "money"),
    Column("state", "report.col.state", "wrap", 14),
]


def _source_label(sheet: ReportSheet, source: Any) -> str:
    book = sheet.workbook
    if source.kind == "own_funds":
        return book.t("package.own_funds")  # named by the workbook, in its language
    return str(source.label or book.t(SOURCE_KIND_LABELS[source.kind]))


def _source_rows(sheet: ReportSheet, package: FinancialPackage) -> list[list[object]]:
    book = sheet.workbook
    rows: list[list[object]] = []
    for source in package.sources:
        kind = "report.source.requested" if source.kind == "grant" and not source.confirmed else None
        rows.append(
            [
                _source_label(sheet, source),
                source.funder,
                book.t(kind or SOURCE_KIND_LABELS[source.kind]),
                source.amount,
                source.share,
            ]
        )
    return rows


def _condition_rows(sheet: ReportSheet, conditions: Iterable[Any]) -> list[list[object]]:
    lang = sheet.workbook.lang
    rows: list[list[object]] = []
    for c in conditions:
        detail = c.detail_text(lang)
        rule = sheet.workbook.t(f"package.rule.{c.rule}") + (f" ({detail})" if detail else "")
        rows.append([c.grant, rule, c.limit, c.actual, c.shortfall, c.status(lang)])
    return rows


def package_widths(sheet: ReportSheet, packages: Sequence[FinancialPackage]) -> None:
    """Size the columns of a sheet of packages once, for every package it will hold: the
    sources, the conditions and the figures below them share columns A to F."""
    lang = sheet.workbook.lang
    sources = fit_columns(SOURCE_COLUMNS, [r for p in packages for r in _source_rows(sheet, p)], lang)
    conditions = fit_columns(
        CONDITION_COLUMNS, [r for p in packages for r in _condition_rows(sheet, p.conditions)], lang
    )
    widths: dict[int, float] = {}
    for columns in (sources, conditions):
        for i, column in enumerate(columns):
            widths[i] = max(widths.get(i, 0.0), column.width)
    widths[0] = max(widths[0], 40.0)  # the figures' labels below each table wrap in column A
    widths[1] = max(widths[1], 14.0)  # and their amounts stand in column B
    sheet.widths(widths)


def write_package(
    sheet: ReportSheet,
    package: FinancialPackage,
    *,
    years: Collection[str] = (),
    period_label: str | None = None,
    funding_gap: tuple[Decimal, Decimal] | None = None,
) -> None:
    """One project's package at the cursor: cost, sources with shares, what is left to
    cover, the project's funding gap (``funding_gap``: confirmed only, every request
    granted; as the gap sheet counts it) and the conditions.

    A grant's conditions cover its whole period: those that name another of ``years``
    (the fiscal years of the other packages) are left to that year's package.
    ``period_label`` names the package's period in its title (default: its fiscal year).
    Call :func:`package_widths` once before the first package of a sheet.
    """
    book = sheet.workbook
    if sheet.row == 0:
        sheet.title(book.t("term.financial_packages"))
        sheet.skip()
    first_row = sheet.row
    year = period_label or _year_label(package)
    label = book.t("report.budget.package", project=package.project, year=year)
    sheet.title(label, "subtitle")
    cost_ref = sheet.pair("report.budget.total_cost", package.total_cost, "money")
    cost = cost_ref.a1
    columns = [
        *SOURCE_COLUMNS[:4],
        Column(
            "share",
            "report.col.share",
            "percent",
            12,
            total=lambda t: percent_formula(t.ref("amount"), cost, t.value("amount"), package.total_cost),
        ),
    ]
    table = Table(sheet, columns, widths=False)
    sheet.keep_together(first_row, table.header_row + 2)  # the title stays with its sources
    for source, row in zip(package.sources, _source_rows(sheet, package), strict=True):
        row[4] = percent_formula(table.ref("amount"), cost, source.amount, package.total_cost)
        table.add(row)
    table.finish()
    confirmed = sheet.pair("report.col.confirmed", package.confirmed_total, "money")
    requested = sheet.pair("report.col.requested", package.requested_total, "money")
    sheet.pair(
        "report.package.left_confirmed",
        Formula(f"MAX(0,{cost}-{confirmed.a1})", package.gap_confirmed),
        "money",
    )
    sheet.pair(
        "report.package.left_if_granted",
        Formula(f"MAX(0,{cost}-{confirmed.a1}-{requested.a1})", package.gap_if_granted),
        "money",
    )
    if funding_gap is not None:
        sheet.pair("report.budget.gap_confirmed", funding_gap[0], "money")
        sheet.pair("report.budget.gap_if_granted", funding_gap[1], "money")
    conditions_here = [
        c for c in package.conditions if not (c.rule == "period" and c.detail != year and c.detail in years)
    ]
    if conditions_here:
        sheet.label("report.budget.conditions", "label")
        conditions = Table(sheet, CONDITION_COLUMNS, widths=False)
        for row in _condition_rows(sheet, conditions_here):
            conditions.add(row)
        conditions.finish(total=False)
    sheet.keep_together(first_row, sheet.row - 1)
    sheet.skip()


def _year_label(package: FinancialPackage) -> str:
    label = getattr(package.period, "label", None)
    return label if isinstance(label, str) else str(package.period)


def _write_gap(sheet: ReportSheet, report: BudgetReport) -> None:
    book = sheet.workbook
    rows = [[y.year.label, y.cost, y.confirmed, y.requested, y.gap_confirmed, y.gap_if_granted] for y in report.funding]
    sheet.widths({i: c.width for i, c in enumerate(fit_columns(GAP_COLUMNS, rows, book.lang))})
    _heading(sheet, report, "report.budget.gap_title")
    sheet.row -= 1  # the note takes the heading's blank line
    sheet.paragraph(book.t("report.budget.gap_note"))
    sheet.skip()
    table = Table(sheet, GAP_COLUMNS, freeze=True, repeat=True)
    for y in report.funding:
        gap_confirmed = Formula(f"{table.ref('cost')}-{table.ref('confirmed')}", y.gap_confirmed)
        gap_granted = Formula(
            f"{table.ref('cost')}-{table.ref('confirmed')}-{table.ref('requested')}", y.gap_if_granted
        )
        table.add([y.year.label, y.cost, y.confirmed, y.requested, gap_confirmed, gap_granted])
    totals = table.finish(
        names={
            "gap_confirmed": book.t("report.name.gap_confirmed"),
            "gap_if_granted": book.t("report.name.gap_if_granted"),
        }
    )
    header = totals.header_row
    chart = money_by_year_chart(
        book,
        title=book.t("report.budget.chart"),
        years=totals.data("year"),
        cost=Series(sheet.cell(header, totals.columns["cost"]), totals.data("cost"), COLOURS["cost"]),
        confirmed=Series(
            sheet.cell(header, totals.columns["confirmed"]), totals.data("confirmed"), COLOURS["confirmed"]
        ),
        requested=Series(
            sheet.cell(header, totals.columns["requested"]), totals.data("requested"), COLOURS["requested"]
        ),
        gap=Series(sheet.cell(header, totals.columns["gap_confirmed"]), totals.data("gap_confirmed"), COLOURS["gap"]),
        gap_if_granted=Series(
            sheet.cell(header, totals.columns["gap_if_granted"]),
            totals.data("gap_if_granted"),
            COLOURS["gap_if_granted"],
            dashed=True,
        ),
    )
    insert_chart(sheet, sheet.row + 1, 0, chart)
