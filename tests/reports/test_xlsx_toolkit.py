"""The workbook toolkit: safe text, exact numbers, formula totals with stored values, print setup."""

from __future__ import annotations

import zipfile
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest

from fundtrack.errors import InputError
from fundtrack.i18n import Lang
from fundtrack.reports.tables import Column, Table, TotalRow, percent_formula
from fundtrack.reports.xlsx import (
    MONEY_FORMATS,
    Formula,
    ReportError,
    ReportWorkbook,
    range_name,
    sheet_name,
)
from tests.reports.conftest import load

HOSTILE = [
    '=HYPERLINK("http://example.com/x","Cliquez ici")',
    "+1",
    "-1",
    "@SUM(A1:A2)",
    "=1+1",
    "http://example.com",
    "1234.56",
]

EXPENSE_COLUMNS = [
    Column("date", "report.col.date", "date", 12),
    Column("payee", "report.col.payee", "text", 30),
    Column("category", "term.category", "text", 20),
    Column("net", "report.col.net_cost", "money", 14, total="sum"),
    Column("charged", "report.col.charged", "money", 14, total="sum"),
    Column(
        "share",
        "report.col.share",
        "percent",
        10,
        total=lambda t: percent_formula(t.ref("charged"), t.ref("net"), t.value("charged"), t.value("net")),
    ),
]


def expense_rows() -> list[tuple[date, str, str, Decimal, Decimal]]:
    return [
        (date(2026, 4, 12), "Interprètes Montréal inc.", "Traduction", Decimal("1074.87"), Decimal("1074.87")),
        (date(2026, 4, 13), "Traiteur du Parc", "Traiteur", Decimal("2345.10"), Decimal("1172.55")),
        (date(2026, 5, 2), HOSTILE[0], HOSTILE[1], Decimal("0.10"), Decimal("0.05")),
        (date(2026, 6, 30), HOSTILE[3], HOSTILE[2], Decimal("0.20"), Decimal("0.00")),
    ]


def write_expenses(target: Path | BytesIO, lang: Lang, *, constant_memory: bool = False) -> Decimal:
    with ReportWorkbook(target, lang, constant_memory=constant_memory) as book:
        sheet = book.add_sheet("report.funder.sheet.expenses", footer="Table de quartier de Parc-Extension & co")
        sheet.title(HOSTILE[0])
        table = Table(sheet, EXPENSE_COLUMNS, freeze=True, repeat=True)
        for day, payee, category, net, charged in expense_rows():
            share = percent_formula(table.ref("charged"), table.ref("net"), charged, net)
            table.add([day, payee, category, net, charged, share])
        totals = table.finish(names={"net": "Total_net", "charged": "Total_charged"})
        return totals.value("charged")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_text_a_person_typed_never_becomes_a_formula_or_a_link(tmp_path: Path, lang: Lang) -> None:
    path = tmp_path / "injection.xlsx"
    with ReportWorkbook(path, lang) as book:
        sheet = book.add_sheet_named(HOSTILE[0])
        for value in HOSTILE:
            sheet.title(value, "text")
    ws = load(path).worksheets[0]
    for row, value in enumerate(HOSTILE, start=1):
        cell = ws.cell(row, 1)
        assert cell.data_type == "s", value
        assert cell.value == value
        assert cell.hyperlink is None
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<hyperlink" not in sheet_xml


def test_payees_and_categories_starting_with_formula_signs_stay_text_in_a_table(tmp_path: Path) -> None:
    path = tmp_path / "expenses.xlsx"
    write_expenses(path, "fr", constant_memory=True)
    ws = load(path).worksheets[0]
    assert ws["A1"].value == HOSTILE[0] and ws["A1"].data_type == "s"
    payees = [ws.cell(r, 2).value for r in range(3, 7)]
    categories = [ws.cell(r, 3).value for r in range(3, 7)]
    assert payees[2:] == [HOSTILE[0], HOSTILE[3]]
    assert categories[2:] == [HOSTILE[1], HOSTILE[2]]
    assert all(ws.cell(r, c).data_type == "s" for r in range(3, 7) for c in (2, 3))


@pytest.mark.parametrize("constant_memory", [False, True])
def test_amounts_are_numbers_and_totals_are_formulas_with_exact_stored_values(
    tmp_path: Path, constant_memory: bool
) -> None:
    path = tmp_path / "expenses.xlsx"
    charged = write_expenses(path, "fr", constant_memory=constant_memory)
    assert charged == Decimal("2247.47")
    formulas = load(path).worksheets[0]
    values = load(path, values=True).worksheets[0]
    nets = [values.cell(r, 4).value for r in range(3, 7)]
    assert nets == [1074.87, 2345.10, 0.10, 0.20]
    assert all(isinstance(v, float) for v in nets)
    assert formulas["D7"].value == "=SUM(D3:D6)"
    assert formulas["E7"].value == "=SUM(E3:E6)"
    assert formulas["F7"].value == '=IF(D7=0,"",E7/D7)'
    assert Decimal(str(values["D7"].value)) == Decimal("3420.27")
    assert Decimal(str(values["E7"].value)) == Decimal("2247.47")
    assert values["F7"].value == pytest.approx(float(Decimal("2247.47") / Decimal("3420.27")), rel=1e-15)
    # a row formula's stored value, including the blank of a division by zero
    assert formulas["F3"].value == '=IF(D3=0,"",E3/D3)'
    assert values["F3"].value == 1
    assert values["F6"].value == 0
    assert formulas["A3"].is_date and values["A3"].value.date() == date(2026, 4, 12)


@pytest.mark.parametrize(
    ("lang", "money", "percent"), [("fr", "[$-C0C]", '[$-C0C]0.00"\u00a0"%_-'), ("en", "[$$-1009]", "0.00%_-")]
)
def test_money_and_percent_formats_follow_the_language(tmp_path: Path, lang: Lang, money: str, percent: str) -> None:
    path = tmp_path / f"formats-{lang}.xlsx"
    write_expenses(path, lang)
    ws = load(path).worksheets[0]
    assert ws["D3"].number_format == MONEY_FORMATS[lang]
    assert money in ws["D3"].number_format and money in ws["E7"].number_format
    assert ws["F7"].number_format == percent
    assert ws["A3"].number_format == "yyyy-mm-dd"
    assert ws["D7"].font.b and ws["D2"].font.b
    header = "Bénéficiaire" if lang == "fr" else "Payee"
    assert ws["B2"].value == header
    assert ws.title == ("Dépenses" if lang == "fr" else "Expenses")


def test_headers_frozen_print_setup_and_page_numbers_in_the_reports_language(tmp_path: Path) -> None:
    for lang, page in (("fr", "Page &P de &N"), ("en", "Page &P of &N")):
        path = tmp_path / f"print-{lang}.xlsx"
        write_expenses(path, lang)  # type: ignore[arg-type]
        ws = load(path).worksheets[0]
        assert ws.freeze_panes == "A3"
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1)  # 1 is the default, left out of the file
        assert ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows is None  # four rows: the table does not go on to a second page
        assert ws.oddFooter.right.text == page
        # the organisation's name is user text: its ampersand is escaped, not a control code
        assert ws.oddFooter.left.text == "Table de quartier de Parc-Extension && co"
        assert ws.column_dimensions["B"].width == pytest.approx(30, abs=1)


def test_key_totals_are_named_ranges(tmp_path: Path) -> None:
    path = tmp_path / "names.xlsx"
    write_expenses(path, "en")
    book = load(path)
    names = {name: book.defined_names[name].attr_text for name in book.defined_names}
    assert names == {"Total_net": "Expenses!$D$7", "Total_charged": "Expenses!$E$7"}


def test_each_format_is_created_once_per_workbook() -> None:
    buffer = BytesIO()
    book = ReportWorkbook(buffer, "fr")
    assert book.formats.get("money") is book.formats.get("money")
    assert book.formats.custom({"bold": True}) is book.formats.custom({"bold": True})
    sheet = book.add_sheet_named("A")
    table = Table(sheet, EXPENSE_COLUMNS)
    created = len(book.formats)
    for day, payee, category, net, charged in expense_rows() * 50:
        table.add([day, payee, category, net, charged, None])
    table.finish()
    second = Table(book.add_sheet_named("B"), EXPENSE_COLUMNS)
    second.finish()
    assert len(book.formats) <= created + 6  # the total-row styles, once
    book.close()
    assert buffer.getvalue()[:2] == b"PK"


def test_a_workbook_can_be_served_from_memory() -> None:
    buffer = BytesIO()
    write_expenses(buffer, "fr")
    buffer.seek(0)
    assert load(buffer).worksheets[0]["B3"].value == "Interprètes Montréal inc."  # type: ignore[arg-type]


def test_money_with_a_third_decimal_or_a_float_is_refused(tmp_path: Path) -> None:
    book = ReportWorkbook(tmp_path / "refused.xlsx", "fr")
    table = Table(book.add_sheet_named("A"), EXPENSE_COLUMNS)
    with pytest.raises(InputError):
        table.add([date(2026, 4, 1), "x", "y", Decimal("1.005"), Decimal("1.00"), None])
    with pytest.raises(ReportError):
        table.add([date(2026, 4, 1), "x", "y", 1.5, Decimal("1.00"), None])
    with pytest.raises(ReportError):
        table.add([date(2026, 4, 1), "x", "y"])
    book.close()


def test_constant_memory_sheets_refuse_to_go_back_up(tmp_path: Path) -> None:
    book = ReportWorkbook(tmp_path / "order.xlsx", "fr", constant_memory=True)
    sheet = book.add_sheet_named("A")
    sheet.text(5, 0, "later")
    with pytest.raises(ReportError):
        sheet.text(2, 0, "earlier")
    book.close()


def test_an_empty_table_totals_zero() -> None:
    book = ReportWorkbook(BytesIO(), "fr")
    table = Table(book.add_sheet_named("A"), EXPENSE_COLUMNS)
    totals = table.finish()
    assert totals.value("net") == Decimal(0)
    assert totals.values["share"] == ""
    book.close()


def test_a_total_rule_sees_the_other_totals() -> None:
    book = ReportWorkbook(BytesIO(), "en")
    columns = [
        Column("line", "term.category"),
        Column("budget", "report.col.net_cost", "money", total="sum"),
        Column("actual", "report.col.charged", "money", total="sum"),
        Column(
            "variance",
            "report.col.share",
            "money",
            total=lambda t: Formula(f"{t.ref('budget')}-{t.ref('actual')}", t.value("budget") - t.value("actual")),
        ),
    ]
    table = Table(book.add_sheet_named("A"), columns)
    table.add(["Salaires", Decimal("50000.00"), Decimal("41234.56"), None])
    table.add(["Traduction", Decimal("12000.00"), Decimal("12500.01"), None])
    totals = table.finish()
    assert totals.values["variance"] == Decimal("8265.43")
    assert totals.ref("variance").absolute == "A!$D$4"
    assert isinstance(TotalRow({}, {"x": ""}).value("x"), Decimal)
    book.close()


def test_sheet_and_range_names_are_made_valid() -> None:
    assert sheet_name("Budget: 2025/2026 [révisé]", set()) == "Budget- 2025-2026 -révisé-"
    assert sheet_name("Dépenses", {"dépenses"}) == "Dépenses (2)"
    assert len(sheet_name("x" * 40, set())) == 31
    assert range_name("Total Centraide 2026-2027") == "Total_Centraide_2026_2027"
    assert range_name("A1") == "_A1"
    assert range_name("Écart") == "Ecart"
    with pytest.raises(ReportError):
        range_name("---")
