"""The budget workbook: the multi-year budget, each project's package and the gap per fiscal year."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from fundtrack.db import make_engine, session_factory
from fundtrack.i18n import Lang
from fundtrack.models.base import Base
from fundtrack.periods import FiscalCalendar
from fundtrack.queries.scope import Scope
from fundtrack.reports.budget import BudgetReport, budget_report
from fundtrack.reports.budget_xlsx import write_budget_report
from fundtrack.reports.recalc import check_workbook
from fundtrack.services.package import funding_gap, project_package
from tests.integration.budget_factories import OPS, the_table
from tests.reports.conftest import TODAY, load

YEAR = FiscalCalendar(4).starting(2025)


@pytest.fixture
def table_db(tmp_path: Path) -> Iterator[tuple[Path, Session, Scope]]:
    """The Table with its 2025-2026 operations budget and two grants allocated to it."""
    path = tmp_path / "table.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    factory = session_factory(engine)
    with factory() as session, session.begin():
        org_id = the_table(session).organisation_id
    with factory() as session:
        yield path, session, Scope(org_id)
    engine.dispose()


def dec(value: Any) -> Decimal:
    assert isinstance(value, int | float) and not isinstance(value, bool), value
    return Decimal(str(value)).quantize(Decimal("0.01"))


def find(ws: Any, text: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == text)


def report_of(table_db: tuple[Path, Session, Scope]) -> BudgetReport:
    _, session, scope = table_db
    return budget_report(session, scope, as_of=TODAY)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_multi_year_budget_by_project_and_fiscal_year(
    tmp_path: Path, table_db: tuple[Path, Session, Scope], lang: Lang
) -> None:
    report = report_of(table_db)
    assert report.years == (YEAR,)
    path = tmp_path / f"budget-{lang}.xlsx"
    write_budget_report(report, path, lang=lang)
    book = load(path, values=True)
    ws = book.worksheets[0]
    assert ws.title == ("Budget pluriannuel" if lang == "fr" else "Multi-year budget")
    header = find(ws, "Projet" if lang == "fr" else "Project")
    assert ws.cell(header, 4).value == "2025-2026"
    lines = [[ws.cell(r, c).value for c in range(1, 6)] for r in range(header + 1, header + 5)]
    assert sorted((line[2], dec(line[3])) for line in lines) == sorted(
        (r.description, r.amounts[0]) for r in report.rows
    )
    total_row = header + 5
    assert dec(ws.cell(total_row, 4).value) == dec(ws.cell(total_row, 5).value) == Decimal("24000.00")
    by_project = find(ws, OPS)
    assert ws.cell(by_project, 1).value == OPS
    # the table by project stands under the lines' fiscal years: names in the description column
    last = ws.max_row - 1  # the project's row, above the total of the projects
    assert ws.cell(last, 3).value == OPS and dec(ws.cell(last, 4).value) == Decimal("24000.00")
    assert dec(ws.cell(last, 5).value) == Decimal("24000.00")  # its total over the years
    assert dec(ws.cell(last + 1, 4).value) == Decimal("24000.00")
    formulas = load(path).worksheets[0]
    assert formulas.cell(last, 4).value.startswith("=SUMPRODUCT(")
    assert "Budget_total" in load(path).defined_names


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_packages_and_gap_match_the_services(tmp_path: Path, table_db: tuple[Path, Session, Scope], lang: Lang) -> None:
    _, session, scope = table_db
    report = report_of(table_db)
    package = project_package(session, scope, OPS, YEAR)
    gap, _, _ = funding_gap(session, scope, YEAR)
    (year_gap,) = gap.years(FiscalCalendar(4))
    path = tmp_path / f"budget-{lang}.xlsx"
    write_budget_report(report, path, lang=lang)
    book = load(path, values=True)

    packages = book.worksheets[1]
    cost_row = find(packages, "Coût total" if lang == "fr" else "Total cost")
    assert dec(packages.cell(cost_row, 2).value) == package.total_cost == Decimal("24000.00")
    sources = {
        packages.cell(r, 1).value: dec(packages.cell(r, 4).value)
        for r in range(cost_row + 2, cost_row + 2 + len(package.sources))
    }
    assert sources == {s.label: s.amount for s in package.sources}
    # what the package leaves to cover has its own label (the gap sheet's gap is another figure)
    gap_row = find(
        packages,
        "Reste à couvrir, argent confirmé seulement (toutes les sources, sur la période)"
        if lang == "fr"
        else "Left to cover, confirmed money only (every source, over the period)",
    )
    assert dec(packages.cell(gap_row, 2).value) == package.gap_confirmed == Decimal("10400.00")
    holds = "respectée" if lang == "fr" else "holds"
    assert holds in {packages.cell(r, 6).value for r in range(gap_row, packages.max_row + 1)}

    gap_sheet = book.worksheets[2]
    header = find(gap_sheet, "Exercice" if lang == "fr" else "Fiscal year")
    row = [gap_sheet.cell(header + 1, c).value for c in range(1, 7)]
    assert row[0] == "2025-2026"
    assert [dec(v) for v in row[1:]] == [
        year_gap.cost,
        year_gap.cost - year_gap.gap_confirmed,
        year_gap.gap_confirmed - year_gap.gap_if_granted,
        year_gap.gap_confirmed,
        year_gap.gap_if_granted,
    ]
    with zipfile.ZipFile(path) as archive:
        assert any(n.startswith("xl/charts/chart") for n in archive.namelist())


@pytest.mark.libreoffice
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_libreoffice_agrees_with_every_stored_value_of_the_budget_workbook(
    tmp_path: Path, soffice: str, table_db: tuple[Path, Session, Scope], lang: Lang
) -> None:
    path = tmp_path / "budget.xlsx"
    write_budget_report(report_of(table_db), path, lang=lang)
    result = check_workbook(path, tmp_path / "recalculated", soffice=soffice)
    assert result.formulas > 10
    assert result.ok, [str(m) for m in result.mismatches]


def test_the_budget_command(tmp_path: Path, table_db: tuple[Path, Session, Scope]) -> None:
    db, _, _ = table_db
    out = tmp_path / "budget.xlsx"
    from fundtrack.cli import main

    result = CliRunner().invoke(
        main,
        ["--database", f"sqlite:///{db}", "report", "budget", "--years", "2025-2026", "--lang", "en",
         "--as-of", date(2026, 11, 25).isoformat(), "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [ws.title for ws in load(out).worksheets] == ["Multi-year budget", "Financial packages", "Funding gap"]
