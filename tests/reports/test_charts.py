"""Native charts: cost against confirmed and requested money, and monthly cost stacked by funder."""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

from fundtrack.i18n import Lang
from fundtrack.reports.charts import (
    COLOURS,
    Series,
    funder_colour,
    insert_chart,
    money_by_year_chart,
    stacked_by_funder_chart,
)
from fundtrack.reports.tables import Column, Table
from fundtrack.reports.xlsx import Formula, ReportWorkbook

YEARS = [
    ("2025-2026", Decimal("182450.00"), Decimal("150000.00"), Decimal("20000.00")),
    ("2026-2027", Decimal("248900.50"), Decimal("175000.00"), Decimal("45000.00")),
    ("2027-2028", Decimal("255120.25"), Decimal("100000.00"), Decimal("60000.00")),
]
FUNDERS = ["Centraide du Grand Montréal", '=HYPERLINK("http://x","Ville")']
MONTHS = [
    ("2026-04", [Decimal("5000.00"), Decimal("1200.00")], Decimal("300.00")),
    ("2026-05", [Decimal("5000.00"), Decimal("1200.00")], Decimal("0.00")),
    ("2026-06", [Decimal("4800.00"), Decimal("0.00")], Decimal("2400.55")),
]


def write_charts(path: Path, lang: Lang) -> None:
    with ReportWorkbook(path, lang) as book:
        sheet = book.add_sheet_named("Budget")
        table = Table(
            sheet,
            [
                Column("year", "term.fiscal_year"),
                Column("cost", "label.cost", "money", total="sum"),
                Column("confirmed", "report.col.confirmed", "money", total="sum"),
                Column("requested", "report.col.requested", "money", total="sum"),
                Column("gap", "term.funding_gap", "money", total="sum"),
            ],
        )
        for label, cost, confirmed, requested in YEARS:
            gap = Formula(f"{table.ref('cost')}-{table.ref('confirmed')}", cost - confirmed)
            table.add([label, cost, confirmed, requested, gap])
        totals = table.finish()
        header = totals.header_row
        chart = money_by_year_chart(
            book,
            title=book.t("report.budget.chart"),
            years=totals.data("year"),
            cost=Series(sheet.cell(header, 1), totals.data("cost"), COLOURS["cost"]),
            confirmed=Series(sheet.cell(header, 2), totals.data("confirmed"), COLOURS["confirmed"]),
            requested=Series(sheet.cell(header, 3), totals.data("requested"), COLOURS["requested"]),
            gap=Series(sheet.cell(header, 4), totals.data("gap"), COLOURS["gap"]),
        )
        insert_chart(sheet, sheet.row + 1, 0, chart)

        months = book.add_sheet_named("Mois")
        columns = [Column("month", "label.month")]
        columns += [Column(f"f{i}", kind="money", heading=name, total="sum") for i, name in enumerate(FUNDERS)]
        columns.append(Column("uncovered", "staffing.col.uncovered_if_granted", "money", total="sum"))
        monthly = Table(months, columns)
        for label, paid, uncovered in MONTHS:
            monthly.add([label, *paid, uncovered])
        mt = monthly.finish()
        stacked = stacked_by_funder_chart(
            book,
            title=book.t("report.budget.chart"),
            periods=mt.data("month"),
            funders=[
                Series(months.cell(mt.header_row, i + 1), mt.data(f"f{i}"), funder_colour(i))
                for i in range(len(FUNDERS))
            ],
            uncovered=Series(months.cell(mt.header_row, 3), mt.data("uncovered"), COLOURS["uncovered"], True),
        )
        insert_chart(months, months.row + 1, 0, stacked)


def chart_xml(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        names = sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart"))
        return [archive.read(n).decode() for n in names]


def test_budget_chart_shows_cost_confirmed_and_requested_per_fiscal_year_with_the_gap(tmp_path: Path) -> None:
    path = tmp_path / "charts.xlsx"
    write_charts(path, "fr")
    budget, _ = chart_xml(path)
    assert "<c:barChart>" in budget and "<c:lineChart>" in budget
    # series names point at the header cells; categories at the fiscal years
    assert "<c:f>Budget!$B$1</c:f>" in budget and "<c:f>Budget!$E$1</c:f>" in budget
    assert "<c:f>Budget!$A$2:$A$4</c:f>" in budget and "<c:f>Budget!$C$2:$C$4</c:f>" in budget
    assert COLOURS["confirmed"].lstrip("#") in budget
    assert "[$-C0C]" in budget


def test_monthly_cost_is_stacked_by_funder_with_the_uncovered_part_in_its_own_colour(tmp_path: Path) -> None:
    path = tmp_path / "charts.xlsx"
    write_charts(path, "en")
    _, stacked = chart_xml(path)
    assert '<c:grouping val="stacked"/>' in stacked
    # a funder named like a formula is read from its header cell, never parsed
    assert "<c:f>Mois!$C$1</c:f>" in stacked
    assert not [f for f in re.findall(r"<c:f>([^<]*)</c:f>", stacked) if "HYPERLINK" in f]
    assert "<c:f>Mois!$D$1</c:f>" in stacked and "wdUpDiag" in stacked
    assert COLOURS["uncovered"].lstrip("#") in stacked
    assert "[$$-1009]" in stacked
