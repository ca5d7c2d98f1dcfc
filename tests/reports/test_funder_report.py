"""The funder report from the Parc-Extension example, read back and checked figure by figure."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from fundtrack.db import make_engine, session_factory
from fundtrack.errors import NotFound
from fundtrack.i18n import Lang
from fundtrack.models.base import Base
from fundtrack.periods import DateRange, FiscalCalendar
from fundtrack.queries.ledger import grant_years
from fundtrack.queries.lookups import funder_by_name
from fundtrack.queries.scope import Scope
from fundtrack.reports.funder import funder_report
from fundtrack.reports.funder_xlsx import funder_names, write_funder_report
from fundtrack.reports.recalc import check_workbook
from fundtrack.services import interchange
from tests.conftest import the_scope
from tests.reports.conftest import EXAMPLE, TODAY, load

CENTRAIDE = "Centraide du Grand Montréal"
FOUNDATION = "Foundation of Greater Montréal"
BOROUGH = "Arrondissement de Villeray–Saint-Michel–Parc-Extension"


def dec(value: Any) -> Decimal:
    """A figure read back from the workbook, as the Decimal it was written from."""
    assert isinstance(value, int | float) and not isinstance(value, bool), value
    return Decimal(str(value)).quantize(Decimal("0.01"))


def tables(ws: Any, header: str) -> list[list[list[Any]]]:
    """Each table whose header row holds ``header`` in column A: its rows, down to a blank line."""
    found = []
    for start in [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == header]:
        rows = []
        r = start + 1
        while r <= ws.max_row and ws.cell(r, 1).value is not None:
            rows.append([ws.cell(r, c).value for c in range(1, ws.max_column + 1)])
            r += 1
        found.append(rows)
    return found


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_centraide_report_summary_matches_the_ledger(
    tmp_path: Path, example: Session, org_scope: Scope, lang: Lang
) -> None:
    report = funder_report(example, org_scope, CENTRAIDE, as_of=TODAY, lang=lang)
    assert report.period == FiscalCalendar(4).starting(2026)
    path = tmp_path / f"centraide-{lang}.xlsx"
    write_funder_report(report, path)

    values = load(path, values=True)
    formulas = load(path)
    summary = values.worksheets[0]
    assert summary.title == ("Sommaire" if lang == "fr" else "Summary")
    assert summary["B2"].value == "Table de quartier de Parc-Extension"
    assert summary["B3"].value == CENTRAIDE
    assert summary["B4"].value == "2026-2027"
    reference = "Référence" if lang == "fr" else "Reference"
    grant_rows, money_rows, due_rows = tables(summary, reference)
    *grants, total = grant_rows
    assert [g[0] for g in grants] == ["PIC-2025-2028"]
    pic = grants[0]
    years = grant_years(example, org_scope, "PIC-2025-2028")
    assert dec(pic[5]) == years.amount == Decimal("450000.00")
    assert dec(pic[6]) == years.funder_years[report.period] == Decimal("150000.00")
    assert pic[2] == ("confirmée" if lang == "fr" else "confirmed")
    assert [dec(v) for v in total[5:7]] == [report.total_amount, report.total_in_period]
    # what was received and is still to receive, in the table below the grants
    (received, money_total) = money_rows
    assert received[0] == "PIC-2025-2028"
    assert dec(received[1]) == Decimal("225000.00")  # six instalments received by 2027-03-31
    assert dec(received[2]) == Decimal("225000.00")
    assert [dec(v) for v in money_total[1:3]] == [report.total_received, Decimal("225000.00")]

    names = funder_names(lang)
    defined = {n: formulas.defined_names[n].attr_text for n in formulas.defined_names}
    assert set(names.values()) <= set(defined)
    assert "Total_ententes" in defined if lang == "fr" else "Total_grants" in defined

    # the instalments of the report's period only: four of the twelve, 150,000 $ of 450,000 $
    instalments = values["Versements" if lang == "fr" else "Instalments"]
    (inst_rows,) = tables(instalments, reference)
    *lines, inst_total = inst_rows
    assert len(lines) == 4 == len(report.instalments)
    assert sum(dec(r[2]) for r in lines) == dec(inst_total[2]) == Decimal("150000.00")
    assert dec(inst_total[4]) == sum(
        (i.received_amount for i in report.instalments if i.received_amount is not None), Decimal(0)
    )
    states = {r[6] for r in lines}
    assert states == ({"reçu", "en retard", "à venir"} if lang == "fr" else {"received", "late", "to come"})
    assert lines[0][1].date() == date(2026, 4, 15) and lines[0][3].date() == date(2026, 4, 21)
    assert all(report.period.start <= r[1].date() <= report.period.end for r in lines)
    assert [r[1] for r in due_rows] == [d.title for d in report.report_dues]


def test_a_funder_report_defaults_to_the_funders_language_and_fiscal_year(
    tmp_path: Path, example: Session, org_scope: Scope
) -> None:
    report = funder_report(example, org_scope, FOUNDATION, as_of=TODAY)
    assert report.lang == "en"
    assert report.period == FiscalCalendar(1).starting(2026)
    assert report.period_label == "2026"
    assert [g.reference for g in report.grants] == ["FGM-2026-2027"]
    years = grant_years(example, org_scope, "FGM-2026-2027")
    assert report.grants[0].in_period == years.funder_years[report.period]
    path = tmp_path / "fgm.xlsx"
    write_funder_report(report, path)
    ws = load(path, values=True).worksheets[0]
    assert ws.title == "Summary"
    _, _, dues = tables(ws, "Reference")
    assert [(r[1], r[2]) for r in dues] == [("Interim report", "to come"), ("Final report", "to come")]


def test_one_grant_over_any_period(example: Session, org_scope: Scope) -> None:
    period = DateRange(date(2026, 1, 1), date(2026, 6, 30))
    report = funder_report(example, org_scope, BOROUGH, as_of=TODAY, grant_reference="ARR-VSP-2026", period=period)
    assert [g.reference for g in report.grants] == ["ARR-VSP-2026"]
    assert report.period_label == "du 1er janvier 2026 au 30 juin 2026"  # the borough reads French
    # 181 days of 365 of 25,000 $, spread by days
    assert report.grants[0].in_period == Decimal("12397.26")
    assert report.grants[0].received == Decimal("15000.00")


def test_a_funders_login_only_gets_its_own_grants(example: Session, org_scope: Scope) -> None:
    centraide = funder_by_name(example, org_scope, CENTRAIDE)
    login = Scope(org_scope.organisation_id, centraide.id)
    assert [g.reference for g in funder_report(example, login, CENTRAIDE, as_of=TODAY).grants] == ["PIC-2025-2028"]
    with pytest.raises(NotFound):
        funder_report(example, login, "Ville de Montréal", as_of=TODAY)
    with pytest.raises(NotFound):
        funder_report(example, login, CENTRAIDE, as_of=TODAY, grant_reference="VDM-2026")
    with pytest.raises(NotFound):
        funder_report(example, org_scope, CENTRAIDE, as_of=TODAY, grant_reference="VDM-2026")


def hostile_example(path: Path) -> Path:
    """The example with a funder, a grant title and a report named like formulas."""
    document = interchange.read_file(EXAMPLE)
    doc = copy.deepcopy(document)
    evil = '=HYPERLINK("http://example.com/x","Cliquez")'
    for funder in doc["funders"]:
        if funder["name"] == CENTRAIDE:
            funder["name"] = evil
    for grant in doc["grants"]:
        if grant["funder"] == CENTRAIDE:
            grant["funder"] = evil
            grant["title"] = "+1 -1 @SUM(A1)"
            grant["report_dues"][0]["title"] = "@SUM(A1:A9)"
            for instalment in grant["instalments"]:
                instalment["note"] = "-2+3"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with session_factory(engine)() as session, session.begin():
        interchange.load_document(session, doc)
    engine.dispose()
    return path


def test_names_and_text_that_look_like_formulas_stay_text(tmp_path: Path) -> None:
    db = hostile_example(tmp_path / "hostile.sqlite3")
    engine = make_engine(f"sqlite:///{db}")
    evil = '=HYPERLINK("http://example.com/x","Cliquez")'
    with session_factory(engine)() as session:
        scope = the_scope(session)
        report = funder_report(session, scope, evil, as_of=TODAY)
    engine.dispose()
    path = tmp_path / "hostile.xlsx"
    write_funder_report(report, path)
    book = load(path)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    texts = {c.value for c in cells if c.data_type == "s"}
    assert {evil, "+1 -1 @SUM(A1)", "@SUM(A1:A9)", "-2+3", f"{evil} — 2026-2027"} <= texts
    formulas = [c.value for c in cells if c.data_type == "f"]
    assert formulas and not [f for f in formulas if "HYPERLINK" in f or "@" in f]


@pytest.mark.libreoffice
@pytest.mark.parametrize(("funder", "lang"), [(CENTRAIDE, "fr"), (CENTRAIDE, "en"), (FOUNDATION, "en")])
def test_libreoffice_agrees_with_every_stored_value_of_the_funder_report(
    tmp_path: Path, soffice: str, example: Session, org_scope: Scope, funder: str, lang: Lang
) -> None:
    report = funder_report(example, org_scope, funder, as_of=TODAY, lang=lang)
    path = tmp_path / "report.xlsx"
    write_funder_report(report, path)
    result = check_workbook(path, tmp_path / "recalculated", soffice=soffice)
    assert result.formulas > 5
    assert result.ok, [str(m) for m in result.mismatches]


def test_the_command_writes_the_report_in_the_asked_language(tmp_path: Path, example_db: Path) -> None:
    out = tmp_path / "centraide.xlsx"
    from fundtrack.cli import main

    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "--database", f"sqlite:///{example_db}",
            "report", "funder", CENTRAIDE,
            "--period", "2026-04-01:2027-03-31", "--lang", "en", "--as-of", "2026-11-25",
            "-o", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Rapport écrit" in result.output
    ws = load(out, values=True).worksheets[0]
    assert ws.title == "Summary" and ws["B4"].value == "2026-2027"

    unknown = runner.invoke(main, ["--database", f"sqlite:///{example_db}", "report", "funder", "Nobody", "-o",
                                   str(tmp_path / "x.xlsx")])  # fmt: skip
    assert unknown.exit_code == 1
    assert "Nobody" in unknown.stderr and not (tmp_path / "x.xlsx").exists()


def test_the_expense_detail_streams_and_totals_what_was_charged(
    tmp_path: Path, example: Session, org_scope: Scope
) -> None:
    from dataclasses import replace

    from fundtrack.reports.funder import ExpenseLine, ExpenseStream

    base = funder_report(example, org_scope, CENTRAIDE, as_of=TODAY)
    read: list[int] = []

    def rows() -> Any:
        for i in range(2500):
            read.append(i)
            yield ExpenseLine(
                date(2026, 4, 1),
                "PIC-2025-2028",
                "@SUM(A1)" if i == 0 else "Traiteur du Parc",
                "=1+1" if i == 1 else f"Repas {i}",
                "Traiteur",
                107487,
                53744,
                f"R-{i}",
            )

    report = replace(base, expenses=ExpenseStream(2500, rows))
    ticks: list[int] = []
    path = tmp_path / "expenses.xlsx"
    write_funder_report(report, path, progress=ticks.append)
    sections = len(report.lines) + len(report.packages) + len(report.fee_caps) + len(report.staffing)
    assert len(read) == 2500
    assert sum(ticks) == len(report.grants) + len(report.report_dues) + sections + len(report.instalments) + 2500
    book = load(path, values=True)
    ws = book["Dépenses"]
    assert ws.freeze_panes == "A4"
    assert ws["C4"].value == "@SUM(A1)" and ws["D5"].value == "=1+1"
    total = ws.max_row
    assert dec(ws.cell(total, 6).value) == Decimal("1074.87") * 2500
    assert dec(ws.cell(total, 7).value) == Decimal("537.44") * 2500
    assert load(path)["Dépenses"].cell(total, 7).value == f"=SUM(G4:G{total - 1})"


def test_an_expense_detail_wraps_a_long_payee_cuts_a_huge_description_and_keeps_negative_amounts(
    tmp_path: Path, example: Session, org_scope: Scope
) -> None:
    from dataclasses import replace

    from fundtrack.reports.funder import ExpenseLine, ExpenseStream

    base = funder_report(example, org_scope, CENTRAIDE, as_of=TODAY)
    day = date(2026, 4, 1)
    huge = "x" * 40_000
    lines = [
        ExpenseLine(day, "PIC-2025-2028", "Traiteur", "Repas", "Traiteur", 1000, 500, "R-1"),
        ExpenseLine(
            day, "PIC-2025-2028", "Imprimerie de la rue Jarry et fils, Villeray", huge, "Traiteur", -250, -125, ""
        ),
    ]
    report = replace(base, expenses=ExpenseStream(len(lines), lambda: iter(lines)))
    path = tmp_path / "expenses.xlsx"
    cuts = write_funder_report(report, path)
    assert [(c.sheet, c.cell, c.length) for c in cuts] == [("Dépenses", "D5", 40_000)]
    ws = load(path)["Dépenses"]
    assert ws.row_dimensions[4].height is None  # one line
    assert ws.row_dimensions[5].height > 15  # the payee and the cut description wrap
    assert ws["D5"].value.startswith("xxx") and len(ws["D5"].value) == 32_767
    assert ws["F4"].value == 10 and ws["G5"].value == -1.25
    values = load(path, values=True)["Dépenses"]
    assert dec(values["F6"].value) == Decimal("7.50") and dec(values["G6"].value) == Decimal("3.75")
