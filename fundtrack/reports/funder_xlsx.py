"""The funder report as an Excel workbook, in the funder's language.

Sheets, each written top to bottom (the workbook is in constant-memory mode so that a
long expense detail streams): the summary (organisation, funder, period, each grant,
what was received, spent and is left, the report due dates); budget vs actual by line
for what the funder pays, the lines' other sources, each project's sources and the
administrative fees against the cap; the financial package of each project the funder
supports, with only this funder's own conditions; the staffing its grants paid for
(the payroll expenses charged to them) and what the staffing plan expects them to pay
in the months to come; the instalments of the period; the detail of the expenses
charged. Totals and variances are formulas with their stored values; the key totals
are named ranges. Dates read in words (``15 avr. 2026``, ``Apr 15, 2026``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from fundtrack.i18n import Lang, translate
from fundtrack.models import GrantStatus
from fundtrack.money import ZERO
from fundtrack.reports.budget_xlsx import package_widths, write_package
from fundtrack.reports.funder import ExpenseStream, FunderReport, months_in_words
from fundtrack.reports.tables import Column, Table, TableTotals, TotalRow, fit_columns, percent_formula
from fundtrack.reports.xlsx import Cut, Formula, ReportSheet, ReportWorkbook

Progress = Callable[[int], None]


GRANT_COLUMNS = [
    Column("reference", "label.reference", "text", 18),
    Column("title", "label.title", "wrap", 30),
    Column("status", "label.status", "text", 12),
    Column("start", "label.start", "date", 11),
    Column("end", "label.end", "date", 11),
    Column("amount", "report.col.amount", "money", 16, total="sum"),
    Column("in_period", "report.col.in_period", "money", 16, total="sum"),
]
MONEY_COLUMNS = [
    Column("reference", "label.reference", "text", 18),
    Column("received", "report.col.received", "money", 16, total="sum"),
    Column("to_receive", "report.col.to_receive", "money", 16, total="sum"),
    Column("spent_in_period", "report.col.spent_in_period", "money", 16, total="sum"),
    Column("spent", "report.col.spent_to_date", "money", 16, total="sum"),
    Column("balance", "report.col.balance", "money", 16, total="sum"),
]

DUE_COLUMNS = [
    Column("reference", "label.reference", "text", 18),
    Column("title", "report.col.report", "wrap", 30),
    Column("state", "report.col.state", "text", 12),
    Column("due", "report.col.due_date", "date", 11),
    Column("submitted", "report.col.submitted_on", "date", 11),
]

EXPENSE_COLUMNS = [
    Column("date", "report.col.date", "date", 11),
    Column("grant", "label.reference", "wrap", 15),
    Column("payee", "report.col.payee", "wrap", 22),
    Column("description", "report.col.description", "wrap", 28),
    Column("category", "term.category", "wrap", 16),
    Column("net", "report.col.net_cost", "money", 13.5, total="sum"),
    Column("charged", "report.col.charged", "money", 13.5, total="sum"),
    Column("receipt", "report.col.receipt", "wrap", 12),
]
PROGRESS_EVERY = 1000

INSTALMENT_COLUMNS = [
    Column("reference", "label.reference", "text", 18),
    Column("expected_date", "report.col.expected_date", "date", 12),
    Column("expected", "report.col.expected_amount", "money", 16, total="sum"),
    Column("received_date", "report.col.received_date", "date", 12),
    Column("received", "report.col.received_amount", "money", 16, total="sum"),
    Column("difference", "report.col.difference", "money", 14, total="sum"),
    Column("state", "report.col.state", "text", 12),
    Column("note", "report.col.note", "wrap", 30),
]


def funder_names(lang: Lang) -> dict[str, str]:
    """The defined names of the key totals, in ``lang``."""
    keys = ["grants_amount", "grants_in_period", "grants_received", "grants_to_receive"]
    keys += ["grants_spent", "grants_balance", "bva_budget", "bva_actual", "bva_variance", "staffing_total"]
    keys += ["instalments_expected", "instalments_received", "expenses_net", "expenses_charged"]
    return {key: translate(f"report.name.{key}", lang) for key in keys}


def write_funder_report(
    report: FunderReport,
    target: str | Path | IO[bytes],
    *,
    lang: Lang | None = None,
    progress: Progress | None = None,
) -> list[Cut]:
    """Write ``report`` as an xlsx workbook to ``target`` (a path or a binary file).

    ``lang`` overrides the report's language (the funder's). ``progress`` is called
    with the number of rows written since its last call, for a progress bar. Returns
    the values that had to be cut to fit a cell (none, as a rule).
    """
    chosen: Lang = lang or report.lang
    footer = f"{report.organisation} — {report.funder}"
    title = translate("report.funder.title", chosen)
    with ReportWorkbook(
        target,
        chosen,
        constant_memory=True,
        title=f"{title} — {report.funder}",
        author=report.organisation,
        dates="words",
    ) as book:
        names = funder_names(chosen)
        summary = book.add_sheet("report.funder.sheet.summary", footer=footer)
        _write_summary(summary, report, names)
        _tick(progress, len(report.grants) + len(report.report_dues))
        variance = book.add_sheet("report.funder.sheet.variance", footer=footer)
        _write_variance(variance, report, names)
        _tick(progress, len(report.lines) + len(report.packages) + len(report.fee_caps))
        if report.packages:
            packages = book.add_sheet("term.financial_packages", footer=footer)
            _write_packages(packages, report)
        staffing = book.add_sheet("report.funder.sheet.staffing", footer=footer)
        _write_staffing(staffing, report, names)
        _tick(progress, len(report.staffing))
        instalments = book.add_sheet("term.instalments", footer=footer)
        _write_instalments(instalments, report, names)
        _tick(progress, len(report.instalments))
        if report.expenses is not None:
            expenses = book.add_sheet("report.funder.sheet.expenses", footer=footer)
            _write_expenses(expenses, report, report.expenses, names, progress)
    return book.cuts


def _tick(progress: Progress | None, rows: int) -> None:
    if progress is not None:
        progress(rows)


def _status(status: GrantStatus, lang: Lang) -> str:
    return translate(f"grant_status.{status.value}", lang)


def _fitted(sheet: ReportSheet, columns: Sequence[Column], rows: Sequence[Sequence[object]]) -> list[Column]:
    book = sheet.workbook
    return fit_columns(columns, rows, book.lang, dates=book.formats.dates)


def _share_widths(sheet: ReportSheet, *layouts: Sequence[Column]) -> None:
    """Columns used by several tables of a sheet: each as wide as the widest of them needs."""
    widths: dict[int, float] = {}
    for columns in layouts:
        for i, column in enumerate(columns):
            widths[i] = max(widths.get(i, 0.0), column.width)
    sheet.widths(widths)


def _subtitle(report: FunderReport) -> str:
    return f"{report.funder} — {report.period_label}"


def _write_header(sheet: ReportSheet, report: FunderReport) -> None:
    book = sheet.workbook
    sheet.title(book.t("report.funder.title"))
    sheet.pair("report.funder.organisation", report.organisation)
    sheet.pair("term.funder", report.funder)
    if report.grant_reference:
        sheet.pair("term.grant", report.grant_reference)
    sheet.pair("report.funder.period", report.period_label)
    sheet.pair("report.funder.period_dates", report.period.start, "date")
    sheet.pair("report.funder.period_end", report.period.end, "date")
    sheet.pair("report.funder.as_of", report.as_of, "date")
    sheet.skip()


def write_summary_sheet(sheet: ReportSheet, report: FunderReport, names: dict[str, str]) -> TableTotals:
    """The report's summary sheet (header, grants, money, report dues) on ``sheet`` of another
    workbook (the funder's workbook across organisations); ``names`` names its totals."""
    return _write_summary(sheet, report, names)


def _write_summary(sheet: ReportSheet, report: FunderReport, names: dict[str, str]) -> TableTotals:
    """The grants (amount, share of the period), then what was received and spent of each."""
    book = sheet.workbook
    grant_rows: list[list[object]] = [
        [g.reference, g.title, _status(g.status, book.lang), g.start, g.end, g.amount, g.in_period]
        for g in report.grants
    ]
    money_rows: list[list[object]] = [
        [g.reference, g.received, g.to_receive, g.spent_in_period, g.spent_to_date, g.balance] for g in report.grants
    ]
    due_rows: list[list[object]] = [
        [d.reference, d.title, book.t(d.state_label), d.due_date, d.submitted_on] for d in report.report_dues
    ]
    grant_columns = _fitted(sheet, GRANT_COLUMNS, grant_rows)
    money_columns = _fitted(sheet, MONEY_COLUMNS, money_rows)
    due_columns = _fitted(sheet, DUE_COLUMNS, due_rows)
    _share_widths(sheet, grant_columns, money_columns, due_columns)
    # the header's labels and values share columns A and B with the tables
    sheet.ensure_width(0, 12)
    _write_header(sheet, report)
    sheet.label("report.funder.grants")
    grants = Table(sheet, grant_columns, repeat=True, widths=False)
    amount_rows = [grants.add(row) for row in grant_rows]
    totals = grants.finish(names={"amount": names["grants_amount"], "in_period": names["grants_in_period"]})
    sheet.skip()
    sheet.label("report.funder.money")
    money = Table(sheet, money_columns, widths=False)
    for g, row, amount_row in zip(report.grants, money_rows, amount_rows, strict=True):
        amount = grants.ref("amount", amount_row)
        to_receive = (
            None if g.status is GrantStatus.REQUESTED else Formula(f"{amount}-{money.ref('received')}", g.to_receive)
        )
        balance = Formula(f"{amount}-{money.ref('spent')}", g.balance)
        money.add([row[0], row[1], to_receive, row[3], row[4], balance])
    money.finish(
        names={
            "received": names["grants_received"],
            "to_receive": names["grants_to_receive"],
            "spent": names["grants_spent"],
            "balance": names["grants_balance"],
        }
    )
    if report.report_dues:
        sheet.skip()
        sheet.label("report.funder.dues")
        dues = Table(sheet, due_columns, widths=False)
        for row in due_rows:
            dues.add(row)
        dues.finish(total=False)
    return totals


def _write_instalments(sheet: ReportSheet, report: FunderReport, names: dict[str, str]) -> TableTotals:
    book = sheet.workbook
    rows: list[list[object]] = [
        [
            i.reference,
            i.expected_date,
            i.expected_amount,
            i.received_date,
            i.received_amount,
            i.received_amount - i.expected_amount if i.received_amount is not None else None,
            book.t(i.state_label),
            i.note,
        ]
        for i in report.instalments
    ]
    columns = _fitted(sheet, INSTALMENT_COLUMNS, rows)
    sheet.widths({i: c.width for i, c in enumerate(columns)})
    sheet.title(book.t("report.funder.instalments"))
    sheet.title(_subtitle(report), "subtitle")
    table = Table(sheet, columns, freeze=True, repeat=True, widths=False)
    for i, row in zip(report.instalments, rows, strict=True):
        if i.received_amount is not None:
            row[5] = Formula(f"{table.ref('received')}-{table.ref('expected')}", i.received_amount - i.expected_amount)
        table.add(row)
    return table.finish(names={"expected": names["instalments_expected"], "received": names["instalments_received"]})


def _write_expenses(
    sheet: ReportSheet,
    report: FunderReport,
    stream: ExpenseStream,
    names: dict[str, str],
    progress: Progress | None,
) -> TableTotals:
    """The expense detail, streamed: each row is written as it is read, then flushed."""
    book = sheet.workbook
    sheet.widths({i: c.width for i, c in enumerate(EXPENSE_COLUMNS)})
    sheet.title(book.t("report.funder.expenses"))
    sheet.title(_subtitle(report), "subtitle")
    if not stream.count:
        sheet.title(book.t("report.funder.no_expenses"), "note")
    table = Table(sheet, EXPENSE_COLUMNS, freeze=True, repeat=True, autofilter=True, widths=False)
    table.add_cents(stream.rows(), every=PROGRESS_EVERY, tick=progress)
    return table.finish(names={"net": names["expenses_net"], "charged": names["expenses_charged"]})


def _variance_columns() -> list[Column]:
    def variance_total(t: TotalRow) -> Formula:
        return Formula(f"{t.ref('budget')}-{t.ref('actual')}", t.value("budget") - t.value("actual"))

    def rate_total(t: TotalRow) -> Formula:
        budget, actual = t.value("budget"), t.value("actual")
        return percent_formula(t.ref("variance"), t.ref("budget"), budget - actual, budget)

    return [
        Column("line", "term.budget_line", "wrap", 30),
        Column("category", "term.category", "wrap", 16),
        Column("budget", "report.col.approved", "money", 15, total="sum"),
        Column("actual", "report.col.actual_to_date", "money", 15, total="sum"),
        Column("variance", "report.col.variance", "money", 14, total=variance_total),
        Column("rate", "report.col.variance_rate", "percent", 10, total=rate_total),
        Column("forecast", "report.col.forecast", "money", 15, total="sum"),
    ]


def _sources_columns() -> list[Column]:
    def share_total(t: TotalRow) -> Formula:
        return percent_formula(t.ref("budget"), t.ref("line_budget"), t.value("budget"), t.value("line_budget"))

    return [
        Column("line", "term.budget_line", "wrap", 30),
        Column("line_budget", "report.col.line_budget", "money", 15, total="sum"),
        Column("budget", "report.col.this_funder", "money", 15, total="sum"),
        Column("share", "report.col.funder_share", "percent", 10, total=share_total),
        Column("other_confirmed", "report.col.other_confirmed", "money", 15, total="sum"),
        Column("other_requested", "report.col.other_requested", "money", 15, total="sum"),
        Column("own", "report.col.own_or_uncovered", "money", 15, total="sum"),
    ]


def _write_variance(sheet: ReportSheet, report: FunderReport, names: dict[str, str]) -> None:
    """Budget vs actual by line, the line's other sources, each project's sources, the fees."""
    book = sheet.workbook
    rows: list[list[object]] = [
        [ln.line, ln.category, ln.row.budget, ln.row.actual, ln.row.variance, ln.row.variance_rate, ln.row.forecast]
        for ln in report.lines
    ]
    source_rows: list[list[object]] = [
        [ln.line, ln.line_budget or ZERO, ln.row.budget, None, ln.other_confirmed, ln.other_requested, ln.own_funds]
        for ln in report.lines
    ]
    columns = _fitted(sheet, _variance_columns(), rows)
    layouts = [columns]
    if report.shows_others:
        layouts.append(_fitted(sheet, _sources_columns(), source_rows))
    if report.packages:
        layouts.append(_fitted(sheet, _project_columns(report), _project_rows(report)))
    if report.fee_caps:
        layouts.append(_fitted(sheet, FEE_COLUMNS, _fee_rows(report)))
    _share_widths(sheet, *layouts)
    sheet.title(book.t("report.funder.variance"))
    sheet.title(_subtitle(report), "subtitle")
    sheet.paragraph(book.t("report.funder.variance_note", funder=report.funder))
    if not report.shows_others:
        sheet.paragraph(book.t("report.funder.others_hidden"))
    table = Table(sheet, columns, freeze=True, repeat=True, widths=False)
    for ln in report.lines:
        r = ln.row
        table.add(
            [
                ln.line,
                ln.category,
                r.budget,
                r.actual,
                Formula(f"{table.ref('budget')}-{table.ref('actual')}", r.variance),
                percent_formula(table.ref("variance"), table.ref("budget"), r.variance, r.budget),
                r.forecast,
            ]
        )
    table.finish(
        names={"budget": names["bva_budget"], "actual": names["bva_actual"], "variance": names["bva_variance"]}
    )
    if report.shows_others:
        sheet.skip()
        _write_line_sources(sheet, report, layouts[1])
    if report.packages:
        sheet.skip()
        _write_sources_by_project(sheet, report)
    if report.fee_caps:
        sheet.skip()
        _write_fee_caps(sheet, report)


def _write_line_sources(sheet: ReportSheet, report: FunderReport, columns: list[Column]) -> None:
    """Each line's whole budget: this funder's part, the other sources, what is left."""
    sheet.label("report.funder.line_sources")
    table = Table(sheet, columns, widths=False)
    for ln in report.lines:
        line_budget = ln.line_budget or ZERO
        table.add(
            [
                ln.line,
                line_budget,
                ln.row.budget,
                percent_formula(table.ref("budget"), table.ref("line_budget"), ln.row.budget, line_budget),
                ln.other_confirmed,
                ln.other_requested,
                Formula(
                    f"{table.ref('line_budget')}-{table.ref('budget')}"
                    f"-{table.ref('other_confirmed')}-{table.ref('other_requested')}",
                    ln.own_funds or ZERO,
                ),
            ]
        )
    table.finish()


def _project_columns(report: FunderReport) -> list[Column]:
    columns = [
        Column("project", "term.project", "wrap", 30),
        Column("cost", "label.cost", "money", total="sum"),
        Column("funder", "report.col.this_funder", "money", total="sum"),
    ]
    if report.shows_others:
        columns += [
            Column("other_confirmed", "report.col.other_confirmed", "money", total="sum"),
            Column("other_requested", "report.col.other_requested", "money", total="sum"),
        ]
    columns += [
        Column("in_kind", "report.col.in_kind", "money", total="sum"),
        Column("own", "term.own_funds", "money", total="sum"),
    ]
    if report.shows_others:
        columns.append(Column("gap", "report.col.left_confirmed", "money", total="sum"))
    return columns


def _project_rows(report: FunderReport) -> list[list[object]]:
    mine = {g.reference for g in report.grants}
    rows = []
    for p in report.packages:
        grants = [s for s in p.sources if s.kind == "grant"]
        values: list[object] = [p.project, p.total_cost, sum((s.amount for s in grants if s.label in mine), ZERO)]
        if report.shows_others:
            values += [
                sum((s.amount for s in grants if s.label not in mine and s.confirmed), ZERO),
                sum((s.amount for s in grants if s.label not in mine and not s.confirmed), ZERO),
            ]
        values += [p.in_kind_total, p.own_funds]
        if report.shows_others:
            values.append(p.gap_confirmed)
        rows.append(values)
    return rows


def _write_sources_by_project(sheet: ReportSheet, report: FunderReport) -> None:
    """Each supported project's cost and sources (from its package): this funder, the others, in-kind."""
    sheet.label("report.funder.by_project")
    table = Table(sheet, _project_columns(report), widths=False)
    for values in _project_rows(report):
        table.add(values)
    table.finish()


FEE_COLUMNS = [
    Column("grant", "label.reference"),
    Column("cap", "report.col.cap", "percent"),
    Column("limit", "report.col.cap_amount", "money"),
    Column("allocated", "report.col.fees_allocated", "money"),
    Column("charged", "report.col.fees_charged", "money"),
    Column("room", "report.col.room", "money"),
]


def _fee_rows(report: FunderReport) -> list[list[object]]:
    return [[f.grant, f.cap, f.limit, f.allocated, f.charged, f.room] for f in report.fee_caps]


def _write_fee_caps(sheet: ReportSheet, report: FunderReport) -> None:
    sheet.label("report.funder.fees")
    table = Table(sheet, FEE_COLUMNS, widths=False)
    for f in report.fee_caps:
        room = Formula(f"{table.ref('limit')}-{table.ref('allocated')}", f.room)
        table.add([f.grant, f.cap, f.limit, f.allocated, f.charged, room])
    table.finish(total=False)


def _write_packages(sheet: ReportSheet, report: FunderReport) -> None:
    book = sheet.workbook
    package_widths(sheet, report.packages)
    sheet.title(book.t("report.funder.packages"))
    sheet.title(_subtitle(report), "subtitle")
    if not report.shows_others:
        sheet.paragraph(book.t("report.funder.others_hidden"))
    sheet.skip()
    for package in report.packages:
        write_package(sheet, package, period_label=report.period_label)


PAID_COLUMNS = [
    Column("grant", "label.reference", "text", 18),
    Column("position", "term.position", "wrap", 26),
    Column("pay", "report.col.pay", "money", 14, total="sum"),
    Column("contributions", "term.employer_contributions", "money", 14, total="sum"),
    Column("benefits", "label.benefits", "money", 14, total="sum"),
    Column("total", "label.total", "money", 14, total="sum"),
]
STAFFING_COLUMNS = [
    Column("grant", "label.reference", "text", 18),
    Column("position", "term.position", "wrap", 26),
    Column("months", "report.funder.period", "wrap", 14),
    Column("count", "report.col.months", "integer", 6, total="sum"),
    Column("pay", "report.col.pay", "money", 14, total="sum"),
    Column("contributions", "term.employer_contributions", "money", 14, total="sum"),
    Column("benefits", "label.benefits", "money", 14, total="sum"),
    Column("total", "report.col.paid_by_grant", "money", 14, total="sum"),
]


def _write_staffing(sheet: ReportSheet, report: FunderReport, names: dict[str, str]) -> None:
    """What the grants paid for staff in the period (the payroll expenses charged to them,
    as in the expense detail), then what the staffing plan expects them to pay in the
    months to come, labelled as planned."""
    book = sheet.workbook
    lang = book.lang
    paid_rows: list[list[object]] = [
        [p.grant, p.position, p.salaries, p.contributions, p.benefits, p.total] for p in report.staffing_paid
    ]
    planned_rows: list[list[object]] = [
        [
            s.grant,
            s.title(lang),
            months_in_words(s.first_month.start, s.last_month.start, lang),
            s.months,
            s.earnings,
            s.contributions,
            s.benefits,
            s.total,
        ]
        for s in report.staffing
    ]
    paid_columns = _fitted(sheet, PAID_COLUMNS, paid_rows)
    planned_columns = _fitted(sheet, STAFFING_COLUMNS, planned_rows)
    _share_widths(sheet, paid_columns, planned_columns)
    sheet.title(book.t("report.funder.staffing"))
    sheet.title(_subtitle(report), "subtitle")
    sheet.paragraph(book.t("report.funder.staffing_note", sheet=book.t("report.funder.sheet.expenses")))
    sheet.skip()
    sheet.label("report.funder.staffing_paid")
    paid = Table(sheet, paid_columns, widths=False)
    for p, row in zip(report.staffing_paid, paid_rows, strict=True):
        row[5] = Formula(f"{paid.ref('pay')}+{paid.ref('contributions')}+{paid.ref('benefits')}", p.total)
        paid.add(row)
    paid.finish(names={"total": names["staffing_total"]})
    if report.planned is None:
        return
    sheet.skip()
    months = months_in_words(report.planned.start, report.planned.end, lang)
    sheet.label("report.funder.staffing_planned", months=months)
    planned = Table(sheet, planned_columns, widths=False)
    for s, row in zip(report.staffing, planned_rows, strict=True):
        row[7] = Formula(f"{planned.ref('pay')}+{planned.ref('contributions')}+{planned.ref('benefits')}", s.total)
        planned.add(row)
    planned.finish()
