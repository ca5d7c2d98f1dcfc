"""The simulation workbook from the example: hiring scenarios side by side, and who pays each month."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from fundtrack.i18n import Lang
from fundtrack.money import ZERO
from fundtrack.queries.scope import Scope
from fundtrack.reports.recalc import check_workbook
from fundtrack.reports.simulation import simulation_report
from fundtrack.reports.simulation_xlsx import write_simulation_report
from fundtrack.services.simulation import default_range, simulate_scenario
from tests.conftest import the_organisation
from tests.reports.conftest import TODAY, load

MOBILISATION = "mobilisation agent"


def dec(value: Any) -> Decimal:
    assert isinstance(value, int | float) and not isinstance(value, bool), value
    return Decimal(str(value)).quantize(Decimal("0.01"))


def find(ws: Any, text: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == text)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_scenarios_side_by_side_match_the_simulation(
    tmp_path: Path, example: Session, org_scope: Scope, lang: Lang
) -> None:
    report = simulation_report(example, org_scope, [MOBILISATION, None], as_of=TODAY, lang=lang)
    run = simulate_scenario(example, org_scope, MOBILISATION, rng=default_range(the_organisation(example), TODAY))
    path = tmp_path / f"simulation-{lang}.xlsx"
    write_simulation_report(report, path)
    ws = load(path, values=True).worksheets[0]
    header = find(ws, "Exercice" if lang == "fr" else "Fiscal year")
    rows = [[ws.cell(r, c).value for c in range(1, 11)] for r in range(header + 1, ws.max_row + 1)]
    mine = {row[0]: row for row in rows if row[1] == MOBILISATION}
    assert len(rows) == 2 * len(run.years)
    for year in run.years:
        row = mine[year.year.label]
        assert dec(row[5]) == year.cost.total
        assert dec(row[3]) == year.cost.contributions
        assert dec(row[6]) == sum((a for _, a in year.confirmed), ZERO)
        assert dec(row[8]) == year.gap_confirmed and dec(row[9]) == year.gap_requested
    plan = "Plan actuel" if lang == "fr" else "Current plan"
    assert {row[1] for row in rows} == {MOBILISATION, plan}


def test_who_pays_each_month_with_the_uncovered_part_stacked(
    tmp_path: Path, example: Session, org_scope: Scope
) -> None:
    report = simulation_report(example, org_scope, [MOBILISATION], as_of=TODAY, lang="fr")
    run = simulate_scenario(example, org_scope, MOBILISATION, rng=report.period)
    path = tmp_path / "simulation.xlsx"
    write_simulation_report(report, path)
    book = load(path, values=True)
    months, positions = book.worksheets[1], book.worksheets[2]
    assert months.title == "Qui paie chaque mois"
    last = months.max_row
    n = len(report.funders)
    covers = run.simulation.who_pays()
    assert dec(months.cell(last, n + 3).value) == sum((c.cost for c, _ in covers), ZERO)
    assert dec(months.cell(last, n + 2).value) == sum((c.gap for c, _ in covers), ZERO)
    assert [months.cell(find(months, "Mois"), 2 + i).value for i in range(n)] == list(report.funders)
    assert positions.max_row - find(positions, "Mois") - 1 == len(covers)
    assert dec(positions.cell(positions.max_row, 3).value) == sum((c.cost for c, _ in covers), ZERO)
    with zipfile.ZipFile(path) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert '<c:grouping val="stacked"/>' in chart and "wdUpDiag" in chart


@pytest.mark.libreoffice
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_libreoffice_agrees_with_every_stored_value_of_the_simulation(
    tmp_path: Path, soffice: str, example: Session, org_scope: Scope, lang: Lang
) -> None:
    report = simulation_report(example, org_scope, [MOBILISATION, None, "communications agent"], as_of=TODAY)
    path = tmp_path / "simulation.xlsx"
    write_simulation_report(report, path, lang=lang)
    result = check_workbook(path, tmp_path / "recalculated", soffice=soffice)
    assert result.formulas > 100
    assert result.ok, [str(m) for m in result.mismatches]


def test_the_simulation_command(tmp_path: Path, example_db: Path) -> None:
    from fundtrack.cli import main

    out = tmp_path / "simulation.xlsx"
    result = CliRunner().invoke(
        main,
        ["--database", f"sqlite:///{example_db}", "report", "simulation", MOBILISATION, "--lang", "en",
         "--as-of", "2026-11-25", "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [ws.title for ws in load(out).worksheets] == ["Scenarios", "Who pays each month", "By position"]
