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
    assert ws.cell(header, 10).value == (
        "Manque si toutes les demandes sont accordées" if lang == "fr" else "Gap if every request is granted"
    )
    rows = [[ws.cell(r, c).value for c in range(1, 11)] for r in range(header + 1, header + 1 + 2 * len(run.years))]
    mine = {row[0]: row for row in rows if row[1] == MOBILISATION}
    for year in run.years:
        row = mine[year.year.label]
        assert dec(row[5]) == year.cost.total
        assert dec(row[3]) == year.cost.contributions
        assert dec(row[6]) == sum((a for _, a in year.confirmed), ZERO)
        assert dec(row[8]) == year.gap_confirmed and dec(row[9]) == year.gap_requested
    plan = "Plan actuel" if lang == "fr" else "Current plan"
    assert {row[1] for row in rows} == {MOBILISATION, plan}


def test_each_scenario_has_its_total_over_the_whole_period(tmp_path: Path, example: Session, org_scope: Scope) -> None:
    """The scenario sheet used to stop at the fiscal years: now each scenario has its three years' total."""
    report = simulation_report(example, org_scope, [MOBILISATION, None, "both"], as_of=TODAY, lang="fr")
    path = tmp_path / "simulation.xlsx"
    write_simulation_report(report, path)
    values, formulas = load(path, values=True).worksheets[0], load(path).worksheets[0]
    header = find(values, "Période")
    assert values.cell(header - 1, 1).value == "Chaque scénario sur toute la période"
    rows = {values.cell(r, 2).value: r for r in range(header + 1, header + 4)}
    assert list(rows) == [MOBILISATION, "Plan actuel", "both"]
    for name, row in rows.items():
        run = simulate_scenario(example, org_scope, name if name != "Plan actuel" else None, rng=report.period)
        assert values.cell(row, 1).value == "2026-2027 – 2028-2029"
        assert dec(values.cell(row, 6).value) == sum((y.cost.total for y in run.years), ZERO)
        assert dec(values.cell(row, 9).value) == sum((y.gap_confirmed for y in run.years), ZERO)
        assert dec(values.cell(row, 10).value) == sum((y.gap_requested for y in run.years), ZERO)
        assert formulas.cell(row, 3).value.startswith("=SUMIF($B$")  # a sum of the years above, by scenario
    assert values.max_row == header + 3


def test_who_pays_each_month_with_requests_apart_and_the_uncovered_part_both_ways(
    tmp_path: Path, example: Session, org_scope: Scope
) -> None:
    """The communications agent is paid only by the foundation's request: its months used to
    show 0 uncovered under a column of the foundation mixed with confirmed money."""
    report = simulation_report(example, org_scope, ["communications agent"], as_of=TODAY, lang="fr")
    run = simulate_scenario(example, org_scope, "communications agent", rng=report.period)
    path = tmp_path / "simulation.xlsx"
    write_simulation_report(report, path)
    book = load(path, values=True)
    months, positions = book.worksheets[1], book.worksheets[2]
    assert months.title == "Qui paie chaque mois"
    header = find(months, "Mois")
    names = [months.cell(header, c).value for c in range(1, months.max_column + 1)]
    assert names == [
        "Mois",
        "Initiative montréalaise de soutien au développement social local",
        "Centraide du Grand Montréal",
        "Non couvert si seul l'argent confirmé vient",
        "Foundation of Greater Montréal (demandé)",
        "Non couvert si toutes les demandes sont accordées",
        "Coût",
    ]
    july = [months.cell(find(months, "2027-07"), c).value for c in range(1, 8)]
    expected = [m for m in run.simulation.monthly() if m.month.label == "2027-07"]
    assert dec(july[3]) == sum((m.gap_confirmed for m in expected), ZERO) == Decimal("4073.73")
    assert dec(july[4]) == Decimal("4073.73") and dec(july[5]) == 0
    total = [months.cell(months.max_row, c).value for c in range(2, 8)]
    monthly = run.simulation.monthly()
    assert dec(total[2]) == sum((m.gap_confirmed for m in monthly), ZERO)
    assert dec(total[4]) == sum((m.gap_requested for m in monthly), ZERO)
    assert dec(total[5]) == sum((m.cost for m in monthly), ZERO)
    assert positions.max_row - find(positions, "Mois") - 1 == len(monthly)
    assert dec(positions.cell(positions.max_row, 3).value) == sum((m.cost for m in monthly), ZERO)
    with zipfile.ZipFile(path) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert '<c:grouping val="stacked"/>' in chart
    assert chart.count("wdUpDiag") == 2  # the request and the uncovered part, hatched


@pytest.mark.parametrize(
    ("lang", "title"), [("fr", "Coût total : qui paie chaque mois"), ("en", "Total cost: who pays each month")]
)
def test_the_chart_says_it_plots_the_total_cost(
    tmp_path: Path, example: Session, org_scope: Scope, lang: Lang, title: str
) -> None:
    report = simulation_report(example, org_scope, [MOBILISATION], as_of=TODAY, lang=lang)
    path = tmp_path / "simulation.xlsx"
    write_simulation_report(report, path)
    with zipfile.ZipFile(path) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert f"<a:t>{title}</a:t>" in chart and "Salaires" not in chart and "Salaries" not in chart


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
