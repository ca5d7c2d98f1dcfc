"""The funder report as an Excel workbook, in the funder's language.

Sheets, each written top to bottom (the workbook is in constant-memory mode so that a
long expense detail streams): the summary (organisation, funder, period, each grant
with what was received, spent and is left, the report due dates); budget vs actual by
line for what the funder pays, with the lines' other sources, each project's sources
and the administrative fees against the cap; the financial package of each project
the funder supports; the staffing its grants pay for; the instalments expected and
received; the detail of the expenses charged. Totals and variances are formulas with
their stored values; the key totals are named ranges.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO

from fundtrack.i18n import Lang, translate
from fundtrack.models import GrantStatus
from fundtrack.money import ZERO
from fundtrack.reports.budget_xlsx import write_package
from fundtrack.reports.funder import ExpenseStream, FunderReport
from fundtrack.reports.tables import Column, Table, TableTotals, TotalRow, percent_formula
from fundtrack.reports.xlsx import Formula, ReportSheet, ReportWorkbook

Progress = Callable[[int], None]


GRANT_COLUMNS = [
    Column("reference", "label.reference", "text", 18),
    Column("title", "label.title", "wrap", 36),
    Column("status", "label.status", "text", 12),
    Column("start", "label.start", "date", 11),
    Column("end", "label.end", "date", 11),
    Column("amount", "report.col.amount", "money", 16, total="sum"),
    Column("in_period", "report.col.in_period", "money", 16, total="sum"),
    Column("received", "report.col.received", "money", 16, total="sum"),
    Column("to_receive", "report.col.to_receive", "money", 16, total="sum"),
    Column("spent_in_period", "report.col.spent_in_period", "money", 16, total="sum"),
    Column("spent", "report.col.spent_to_date", "money", 16, total="sum"),
    Column("balance", "report.col.balance", "money", 16, total="sum"),
]

DUE_COLUMNS = [
    Column("reference", "label.reference", "text", 18),
    Column("title", "report.col.report", "wrap", 36),
    Column("state", "report.col.state", "text", 12),
    Column("due", "report.col.due_date", "date", 11),
    Column("submitted", "report.col.submitted_on", "date", 11),
]

EXPENSE_COLUMNS = [
    Column("date", "report.col.date", "date", 11),
    Column("grant", "label.reference", "text", 16),
    Column("payee", "report.col.payee", "text", 28),
    Column("description", "report.col.description", "text", 40),
    Column("category", "term.category", "text", 22),
    Column("net", "report.col.net_cost", "money", 14, total="sum"),
    Column("charged", "report.col.charged", "money", 14, total="sum"),
    Column("receipt", "report.col.receipt", "text", 14),
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
) -> None:
    """Write ``report`` as an xlsx workbook to ``target`` (a path or a binary file).

    ``lang`` overrides the report's language (the funder's). ``progress`` is called
    with the number of rows written since its last call, for a progress bar.
    """
    chosen: Lang = lang or report.lang
    footer = f"{report.organisation} — {report.funder}"
    title = translate("report.funder.title", chosen)
    with ReportWorkbook(
        target, chosen, constant_memory=True, title=f"{title} — {report.funder}", author=report.organisation
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


def _tick(progress: Progress | None, rows: int) -> None:
    if progress is not None:
        progress(rows)


def _status(status: GrantStatus, lang: Lang) -> str:
    return translate(f"grant_status.{status.value}", lang)


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


def _write_summary(sheet: ReportSheet, report: FunderReport, names: dict[str, str]) -> TableTotals:
    book = sheet.workbook
    _write_header(sheet, report)
    sheet.widths({0: 28})
    sheet.label("report.funder.grants")
    table = Table(sheet, GRANT_COLUMNS, repeat=True)
    for g in report.grants:
        to_receive = (
            None
            if g.status is GrantStatus.REQUESTED
            else Formula(f"{table.ref('amount')}-{table.ref('received')}", g.to_receive)
        )
        table.add(
            [
                g.reference,
                g.title,
                _status(g.status, book.lang),
                g.start,
                g.end,
                g.amount,
                g.in_period,
                g.received,
                to_receive,
                g.spent_in_period,
                g.spent_to_date,
                Formula(f"{table.ref('amount')}-{table.ref('spent')}", g.balance),
            ]
        )
    totals = table.finish(
        names={
            "amount": names["grants_amount"],
            "in_period": names["grants_in_period"],
            "received": names["grants_received"],
            "to_receive": names["grants_to_receive"],
            "spent": names["grants_spent"],
            "balance": names["grants_balance"],
        }
    )
    if report.report_dues:
        sheet.skip()
        sheet.label("report.funder.dues")
        dues = Table(sheet, DUE_COLUMNS, widths=False)
        for d in report.report_dues:
            dues.add([d.reference, d.title, book.t(d.state_label), d.due_date, d.submitted_on])
        dues.finish(total=False)
    return totals


def _write_instalments(sheet: ReportSheet, report: FunderReport, names: dict[str, str]) -> TableTotals:
    book = sheet.workbook
    sheet.title(book.t("report.funder.instalments"))
    sheet.title(f"{report.funder} — {report.period_label}", "subtitle")
    table = Table(sheet, INSTALMENT_COLUMNS, freeze=True, repeat=True)
    for i in report.instalments:
        difference = (
            Formula(f"{table.ref('received')}-{table.ref('expected')}", i.received_amount - i.expected_amount)
            if i.received_amount is not None
            else None
        )
        table.add(
            [
                i.reference,
                i.expected_date,
                i.expected_amount,
                i.received_date,
                i.received_amount,
                difference,
                book.t(i.state_label),
                i.note,
            ]
        )
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
    sheet.title(book.t("report.funder.expenses"))
    sheet.title(f"{report.funder} — {report.period_label}", "subtitle")
    table = Table(sheet, EXPENSE_COLUMNS, freeze=True, repeat=True, autofilter=True)
    add = table.add
    pending = 0
    for e in stream.rows():
        add((e.expense_date, e.grant, e.payee, e.description, e.category, e.net_cost, e.charged, e.receipt))
        pending += 1
        if pending == PROGRESS_EVERY:
            _tick(progress, pending)
            pending = 0
    _tick(progress, pending)
    return table.finish(names={"net": names["expenses_net"], "charged": names["expenses_charged"]})


def _variance_columns(others: bool) -> list[Column]:
    def variance_total(t: TotalRow) -> Formula:
        return Formula(f"{t.ref('budget')}-{t.ref('actual')}", t.value("budget") - t.value("actual"))

    def rate_total(t: TotalRow) -> Formula:
        budget, actual = t.value("budget"), t.value("actual")
        return percent_formula(t.ref("variance"), t.ref("budget"), budget - actual, budget)

    columns = [
        Column("line", "term.budget_line", "wrap", 34),
        Column("category", "term.category", "wrap", 18),
        Column("budget", "report.col.approved", "money", 15, total="sum"),
        Column("actual", "report.col.actual_to_date", "money", 15, total="sum"),
        Column("variance", "report.col.variance", "money", 14, total=variance_total),
        Column("rate", "report.col.variance_rate", "percent", 14, total=rate_total),
        Column("forecast", "report.col.forecast", "money", 15, total="sum"),
    ]
    if not others:
        return columns

    def share_total(t: TotalRow) -> Formula:
        return percent_formula(t.ref("budget"), t.ref("line_budget"), t.value("budget"), t.value("line_budget"))

    return [
        *columns,
        Column("line_budget", "report.col.line_budget", "money", 15, total="sum"),
        Column("share", "report.col.funder_share", "percent", 11, total=share_total),
        Column("other_confirmed", "report.col.other_confirmed", "money", 15, total="sum"),
        Column("other_requested", "report.col.other_requested", "money", 15, total="sum"),
        Column("own", "report.col.own_or_uncovered", "money", 15, total="sum"),
    ]


def _write_variance(sheet: ReportSheet, report: FunderReport, names: dict[str, str]) -> None:
    """Budget vs actual by line, then each project's sources, then the fees against the cap."""
    book = sheet.workbook
    sheet.title(book.t("report.funder.variance"))
    sheet.title(f"{report.funder} — {report.period_label}", "subtitle")
    sheet.title(book.t("report.funder.variance_note", funder=report.funder), "note")
    if not report.shows_others:
        sheet.title(book.t("report.funder.others_hidden"), "note")
    others = report.shows_others
    table = Table(sheet, _variance_columns(others), freeze=True, repeat=True)
    for ln in report.lines:
        r = ln.row
        values: list[object] = [
            ln.line,
            ln.category,
            r.budget,
            r.actual,
            Formula(f"{table.ref('budget')}-{table.ref('actual')}", r.variance),
            percent_formula(table.ref("variance"), table.ref("budget"), r.variance, r.budget),
            r.forecast,
        ]
        if others:
            line_budget = ln.line_budget or ZERO
            own = ln.own_funds or ZERO
            values += [
                line_budget,
                percent_formula(table.ref("budget"), table.ref("line_budget"), r.budget, line_budget),
                ln.other_confirmed,
                ln.other_requested,
                Formula(
                    f"{table.ref('line_budget')}-{table.ref('budget')}"
                    f"-{table.ref('other_confirmed')}-{table.ref('other_requested')}",
                    own,
                ),
            ]
        table.add(values)
    table.finish(
        names={"budget": names["bva_budget"], "actual": names["bva_actual"], "variance": names["bva_variance"]}
    )
    if report.packages:
        sheet.skip()
        _write_sources_by_project(sheet, report)
    if report.fee_caps:
        sheet.skip()
        _write_fee_caps(sheet, report)


def _write_sources_by_project(sheet: ReportSheet, report: FunderReport) -> None:
    """Each supported project's cost and sources (from its package): this funder, the others, in-kind."""
    sheet.label("report.funder.by_project")
    mine = {g.reference for g in report.grants}
    columns = [
        Column("project", "term.project", "wrap"),
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
        columns.append(Column("gap", "report.col.gap_confirmed", "money", total="sum"))
    table = Table(sheet, columns, widths=False)
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


def _write_fee_caps(sheet: ReportSheet, report: FunderReport) -> None:
    sheet.label("report.funder.fees")
    table = Table(sheet, FEE_COLUMNS, widths=False)
    for f in report.fee_caps:
        room = Formula(f"{table.ref('limit')}-{table.ref('allocated')}", f.room)
        table.add([f.grant, f.cap, f.limit, f.allocated, f.charged, room])
    table.finish(total=False)


def _write_packages(sheet: ReportSheet, report: FunderReport) -> None:
    book = sheet.workbook
    sheet.title(book.t("report.funder.packages"))
    sheet.title(f"{report.funder} — {report.period_label}", "subtitle")
    if not report.shows_others:
        sheet.title(book.t("report.funder.others_hidden"), "note")
    sheet.skip()
    for package in report.packages:
        write_package(sheet, package)


STAFFING_COLUMNS = [
    Column("grant", "label.reference", "text", 18),
    Column("position", "term.position", "wrap", 28),
    Column("from", "report.col.from_month", "text", 10),
    Column("to", "report.col.to_month", "text", 10),
    Column("months", "report.col.months", "integer", 8, total="sum"),
    Column("pay", "report.col.pay", "money", 16, total="sum"),
    Column("contributions", "term.employer_contributions", "money", 16, total="sum"),
    Column("benefits", "label.benefits", "money", 14, total="sum"),
    Column("total", "report.col.paid_by_grant", "money", 16, total="sum"),
]


def _write_staffing(sheet: ReportSheet, report: FunderReport, names: dict[str, str]) -> None:
    book = sheet.workbook
    sheet.title(book.t("report.funder.staffing"))
    sheet.title(f"{report.funder} — {report.period_label}", "subtitle")
    sheet.title(book.t("report.funder.staffing_note"), "note")
    table = Table(sheet, STAFFING_COLUMNS, freeze=True, repeat=True)
    for s in report.staffing:
        total = Formula(f"{table.ref('pay')}+{table.ref('contributions')}+{table.ref('benefits')}", s.total)
        table.add(
            [
                s.grant,
                s.title(book.lang),
                f"{s.first_month.start:%Y-%m}",
                f"{s.last_month.start:%Y-%m}",
                s.months,
                s.earnings,
                s.contributions,
                s.benefits,
                total,
            ]
        )
    table.finish(names={"total": names["staffing_total"]})
