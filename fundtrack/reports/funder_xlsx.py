"""The funder report as an Excel workbook, in the funder's language.

Sheets, each written top to bottom (the workbook is in constant-memory mode so that a
long expense detail streams): the summary (organisation, funder, period, each grant,
the report due dates) and the instalments expected and received. Totals are formulas
with their stored values; the key totals are named ranges.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO

from fundtrack.i18n import Lang, define, translate
from fundtrack.models import GrantStatus
from fundtrack.reports import labels  # noqa: F401  (the column labels)
from fundtrack.reports.funder import ExpenseStream, FunderReport
from fundtrack.reports.tables import Column, Table, TableTotals
from fundtrack.reports.xlsx import Formula, ReportSheet, ReportWorkbook

Progress = Callable[[int], None]

for _code, _fr, _en in [
    ("report.funder.title", "Rapport au bailleur de fonds", "Report to the funder"),
    ("report.funder.sheet.summary", "Sommaire", "Summary"),
    ("report.funder.sheet.instalments", "Versements", "Instalments"),
    ("report.funder.sheet.expenses", "Dépenses", "Expenses"),
    ("report.funder.expenses", "Détail des dépenses imputées", "Detail of the expenses charged"),
    ("report.name.expenses_net", "Depenses_cout_net", "Expenses_net_cost"),
    ("report.name.expenses_charged", "Depenses_imputees", "Expenses_charged"),
    ("report.funder.organisation", "Organisme", "Organisation"),
    ("report.funder.funder", "Bailleur de fonds", "Funder"),
    ("report.funder.period", "Période", "Period"),
    ("report.funder.period_dates", "Du", "From"),
    ("report.funder.period_end", "Au", "To"),
    ("report.funder.grant", "Entente", "Grant"),
    ("report.funder.as_of", "Produit le", "Produced on"),
    ("report.funder.grants", "Ententes de financement", "Grant agreements"),
    ("report.funder.dues", "Redditions de comptes", "Reports due"),
    ("report.funder.instalments", "Versements prévus et reçus", "Instalments expected and received"),
    ("report.name.grants_amount", "Total_ententes", "Total_grants"),
    ("report.name.grants_in_period", "Total_periode", "Total_in_period"),
    ("report.name.grants_received", "Total_recu", "Total_received"),
    ("report.name.grants_to_receive", "Total_a_recevoir", "Total_to_receive"),
    ("report.name.instalments_expected", "Versements_prevus", "Instalments_expected"),
    ("report.name.instalments_received", "Versements_recus", "Instalments_received"),
]:
    define(_code, _fr, _en)

GRANT_COLUMNS = [
    Column("reference", "report.col.reference", "text", 18),
    Column("title", "report.col.title", "wrap", 36),
    Column("status", "report.col.status", "text", 12),
    Column("start", "report.col.start", "date", 11),
    Column("end", "report.col.end", "date", 11),
    Column("amount", "report.col.amount", "money", 16, total="sum"),
    Column("in_period", "report.col.in_period", "money", 16, total="sum"),
    Column("received", "report.col.received", "money", 16, total="sum"),
    Column("to_receive", "report.col.to_receive", "money", 16, total="sum"),
]

DUE_COLUMNS = [
    Column("reference", "report.col.reference", "text", 18),
    Column("title", "report.col.report", "wrap", 36),
    Column("state", "report.col.state", "text", 12),
    Column("due", "report.col.due_date", "date", 11),
    Column("submitted", "report.col.submitted_on", "date", 11),
]

EXPENSE_COLUMNS = [
    Column("date", "report.col.date", "date", 11),
    Column("grant", "report.col.reference", "text", 16),
    Column("payee", "report.col.payee", "text", 28),
    Column("description", "report.col.description", "text", 40),
    Column("category", "report.col.category", "text", 22),
    Column("net", "report.col.net_cost", "money", 14, total="sum"),
    Column("charged", "report.col.charged", "money", 14, total="sum"),
    Column("receipt", "report.col.receipt", "text", 14),
]
PROGRESS_EVERY = 1000

INSTALMENT_COLUMNS = [
    Column("reference", "report.col.reference", "text", 18),
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
        instalments = book.add_sheet("report.funder.sheet.instalments", footer=footer)
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
    sheet.pair("report.funder.funder", report.funder)
    if report.grant_reference:
        sheet.pair("report.funder.grant", report.grant_reference)
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
            ]
        )
    totals = table.finish(
        names={
            "amount": names["grants_amount"],
            "in_period": names["grants_in_period"],
            "received": names["grants_received"],
            "to_receive": names["grants_to_receive"],
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
