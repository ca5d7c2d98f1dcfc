"""The budget and simulation workbooks of the Parc-Extension example, figure by figure.

Every figure read back with openpyxl is compared with the services' own results
(budgets, package, funding gap, staffing simulation), in French and in English; the
charts are there and point at the right ranges; LibreOffice's recalculation agrees
with every stored value.
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from fundtrack.i18n import Lang, using_lang
from fundtrack.money import ZERO
from fundtrack.queries.budget_lines import line_amounts, lines_of_versions
from fundtrack.queries.scope import Scope
from fundtrack.queries.versions import current_version_ids
from fundtrack.reports.budget import budget_report
from fundtrack.reports.budget_xlsx import write_budget_report
from fundtrack.reports.recalc import check_workbook
from fundtrack.reports.simulation import simulation_report
from fundtrack.reports.simulation_xlsx import write_simulation_report
from fundtrack.services.package import funding_gap, project_package
from fundtrack.services.simulation import simulate_scenario
from tests.conftest import the_organisation, the_scope
from tests.reports.conftest import TODAY, load

SCENARIOS: list[str | None] = ["mobilisation agent", "communications agent", "both", None]
YEARS = ["2025-2026", "2026-2027", "2027-2028"]
SHEETS = {
    "budget": {
        "fr": ["Budget pluriannuel", "Montages financiers", "Manque à gagner"],
        "en": ["Multi-year budget", "Financial packages", "Funding gap"],
    },
    "simulation": {
        "fr": ["Scénarios", "Qui paie chaque mois", "Par poste"],
        "en": ["Scenarios", "Who pays each month", "By position"],
    },
}
HEADERS: dict[str, dict[Lang, str]] = {
    "project": {"fr": "Projet", "en": "Project"},
    "year": {"fr": "Exercice", "en": "Fiscal year"},
    "month": {"fr": "Mois", "en": "Month"},
    "cost": {"fr": "Coût total", "en": "Total cost"},
    "plan": {"fr": "Plan actuel", "en": "Current plan"},
}


def dec(value: Any) -> Decimal:
    assert isinstance(value, int | float) and not isinstance(value, bool), value
    return Decimal(str(value)).quantize(Decimal("0.01"))


def rows_from(ws: Any, first: int, last: int, cols: int, col: int = 1) -> list[list[Any]]:
    return [[ws.cell(r, c).value for c in range(col, col + cols)] for r in range(first, last + 1)]


def find(ws: Any, text: str, col: int = 1, start: int = 1) -> int:
    return next(r for r in range(start, ws.max_row + 1) if ws.cell(r, col).value == text)


def chart_refs(path: Path) -> list[set[str]]:
    with zipfile.ZipFile(path) as archive:
        names = sorted(n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        return [set(re.findall(r"<c:f>([^<]*)</c:f>", archive.read(n).decode())) for n in names]


# --- the budget workbook ---------------------------------------------------------------


@pytest.fixture(scope="module")
def budget_books(tmp_path_factory: pytest.TempPathFactory, example_factory: Any) -> dict[Lang, tuple[Path, Any]]:
    out: dict[Lang, tuple[Path, Any]] = {}
    folder = tmp_path_factory.mktemp("budget")
    with example_factory() as session:
        scope = the_scope(session)
        for lang in ("fr", "en"):
            report = budget_report(session, scope, as_of=TODAY, lang=lang)
            path = folder / f"budget-{lang}.xlsx"
            write_budget_report(report, path)
            out[lang] = (path, report)
    return out


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_example_budget_lines_by_project_and_fiscal_year(
    budget_books: dict[Lang, tuple[Path, Any]], example: Session, org_scope: Scope, lang: Lang
) -> None:
    path, report = budget_books[lang]
    assert [y.label for y in report.years] == YEARS
    book = load(path, values=True)
    assert book.sheetnames == SHEETS["budget"][lang]
    ws = book.worksheets[0]
    header = find(ws, HEADERS["project"][lang])
    assert rows_from(ws, header, header, 7, col=1)[0][3:6] == YEARS
    # every line of every current version, as the budget service gives it
    org = the_organisation(example)
    years = report.years
    whole = years[0].start, years[-1].end
    lines = lines_of_versions(example, current_version_ids(example, org.id))
    expected = sorted(
        (
            ln.version.budget.project.name,
            ln.category.label(lang),
            ln.description,
            *(line_amounts(ln).over(y) for y in years),
        )
        for ln in lines
        if any(a.period_start <= whole[1] and a.period_end >= whole[0] for a in ln.amounts)
    )
    got = rows_from(ws, header + 1, header + len(expected), 7)
    assert sorted((r[0], r[1], r[2], *(dec(v) for v in r[3:6])) for r in got) == expected
    for r in got:
        assert dec(r[6]) == sum((dec(v) for v in r[3:6]), ZERO)
    total = header + len(expected) + 1
    assert ws.cell(total, 1).value == "Total"
    # each year's total is the cost the funding gap service counts in that year
    gap, _, _ = funding_gap(example, org_scope)
    cost = {y.period.label: y.cost for y in gap.years(org.calendar)}
    assert [dec(ws.cell(total, c).value) for c in (4, 5, 6)] == [cost[y] for y in YEARS]
    assert dec(ws.cell(total, 7).value) == sum((cost[y] for y in YEARS), ZERO)
    # by project: each project's cost in each year is its package's total cost
    project_header = find(ws, HEADERS["project"][lang], col=3, start=total + 1)
    projects = rows_from(ws, project_header + 1, project_header + len(report.projects), 5, col=3)
    assert [p[0] for p in projects] == list(report.projects)
    for name, *amounts in projects:
        costs = [project_package(example, org_scope, name, y).total_cost for y in years]
        assert [dec(v) for v in amounts] == [*costs, sum(costs, ZERO)], name
    totals = rows_from(ws, project_header + len(projects) + 1, project_header + len(projects) + 1, 5, col=3)[0]
    assert [dec(v) for v in totals[1:4]] == [cost[y] for y in YEARS]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_example_packages_match_the_package_service(
    budget_books: dict[Lang, tuple[Path, Any]], example: Session, org_scope: Scope, lang: Lang
) -> None:
    path, report = budget_books[lang]
    ws = load(path, values=True).worksheets[1]
    seen = 0
    for project in report.projects:
        for year in report.years:
            with using_lang(lang):  # the package names the organisation's own funds in the workbook's language
                package = project_package(example, org_scope, project, year)
            title = find(ws, f"{project} — {year.label}")
            assert ws.cell(title + 1, 1).value == HEADERS["cost"][lang]
            assert dec(ws.cell(title + 1, 2).value) == package.total_cost
            first = title + 3
            sources = rows_from(ws, first, first + len(package.sources) - 1, 5)
            assert [(s[0], s[1], dec(s[3])) for s in sources] == [
                (s.label, s.funder, s.amount) for s in package.sources
            ]
            for row, source in zip(sources, package.sources, strict=True):
                expected = "" if not package.total_cost else source.amount / package.total_cost
                assert row[4] == expected or abs(Decimal(str(row[4])) - Decimal(expected)) < Decimal("1e-9")
            total = first + len(package.sources)
            assert ws.cell(total, 1).value == "Total"
            assert dec(ws.cell(total, 4).value) == sum((s.amount for s in package.sources), ZERO)
            figures = [dec(ws.cell(total + i, 2).value) for i in range(1, 5)]
            assert figures == [
                package.confirmed_total,
                package.requested_total,
                package.gap_confirmed,
                package.gap_if_granted,
            ], (project, year.label)
            seen += 1
    assert seen == len(report.packages) == len(report.projects) * len(report.years)


def test_example_project_gaps_are_the_gap_service_asked_for_each_project_and_year(
    example: Session, org_scope: Scope
) -> None:
    # the workbook reads one gap over every year and adds each project's lines by year:
    # the same figures as the gap of one project in one year, asked one at a time
    report = budget_report(example, org_scope, as_of=TODAY)
    calendar = the_organisation(example).calendar
    expected = []
    for project in report.projects:
        for year in report.years:
            gap, _, _ = funding_gap(example, org_scope, year, project=project)
            years = {y.period: (y.gap_confirmed, y.gap_if_granted) for y in gap.years(calendar)}
            expected.append(years.get(year, (ZERO, ZERO)))
    assert list(report.package_gaps) == expected
    assert any(confirmed for confirmed, _ in expected), "the example has a project with a gap"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_example_gap_with_confirmed_and_requested_money_and_its_chart(
    budget_books: dict[Lang, tuple[Path, Any]], example: Session, org_scope: Scope, lang: Lang
) -> None:
    path, _ = budget_books[lang]
    org = the_organisation(example)
    gap, _, _ = funding_gap(example, org_scope)
    by_year = {y.period.label: y for y in gap.years(org.calendar)}
    ws = load(path, values=True).worksheets[2]
    header = find(ws, HEADERS["year"][lang])
    rows = rows_from(ws, header + 1, header + len(YEARS), 6)
    for row in rows:
        y = by_year[row[0]]
        assert [dec(v) for v in row[1:]] == [
            y.cost,
            y.cost - y.gap_confirmed,
            y.gap_confirmed - y.gap_if_granted,
            y.gap_confirmed,
            y.gap_if_granted,
        ], row[0]
    assert [r[0] for r in rows] == YEARS
    total = rows_from(ws, header + 4, header + 4, 6)[0]
    assert [dec(v) for v in total[1:]] == [sum((dec(r[c]) for r in rows), ZERO) for c in range(1, 6)]
    # the chart: years as categories, cost, confirmed and requested money, both gaps
    sheet = f"'{SHEETS['budget'][lang][2]}'"
    first, last = header + 1, header + len(YEARS)
    (refs,) = chart_refs(path)
    assert f"{sheet}!$A${first}:$A${last}" in refs
    for col in "BCDEF":
        assert f"{sheet}!${col}${header}" in refs and f"{sheet}!${col}${first}:${col}${last}" in refs


@pytest.mark.libreoffice
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_libreoffice_agrees_with_the_example_budget_workbook(
    tmp_path: Path, soffice: str, budget_books: dict[Lang, tuple[Path, Any]], lang: Lang
) -> None:
    path, _ = budget_books[lang]
    result = check_workbook(path, tmp_path / "recalculated", soffice=soffice)
    assert result.formulas > 100
    assert result.ok, [str(m) for m in result.mismatches]


# --- the simulation workbook -----------------------------------------------------------


@pytest.fixture(scope="module")
def simulation_books(tmp_path_factory: pytest.TempPathFactory, example_factory: Any) -> dict[Lang, tuple[Path, Any]]:
    out: dict[Lang, tuple[Path, Any]] = {}
    folder = tmp_path_factory.mktemp("simulation")
    with example_factory() as session:
        scope = the_scope(session)
        for lang in ("fr", "en"):
            report = simulation_report(session, scope, SCENARIOS, as_of=TODAY, lang=lang)
            path = folder / f"simulation-{lang}.xlsx"
            write_simulation_report(report, path)
            out[lang] = (path, report)
    return out


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_example_scenarios_side_by_side_per_fiscal_year(
    simulation_books: dict[Lang, tuple[Path, Any]], example: Session, org_scope: Scope, lang: Lang
) -> None:
    path, report = simulation_books[lang]
    book = load(path, values=True)
    assert book.sheetnames == SHEETS["simulation"][lang]
    ws = book.worksheets[0]
    header = find(ws, HEADERS["year"][lang])
    rows = rows_from(ws, header + 1, header + 3 * len(SCENARIOS), 10)
    expected = []
    for name in SCENARIOS:
        run = simulate_scenario(example, org_scope, name, rng=report.period)
        label = name or HEADERS["plan"][lang]
        for y in run.years:
            expected.append(
                (
                    y.year.label,
                    label,
                    y.cost.gross + y.cost.vacation,
                    y.cost.contributions,
                    y.cost.benefits,
                    y.cost.total,
                    sum((a for _, a in y.confirmed), ZERO),
                    sum((a for _, a in y.requested), ZERO),
                    y.gap_confirmed,
                    y.gap_requested,
                )
            )
    assert len(rows) == len(expected) == 3 * len(SCENARIOS)
    assert sorted((r[0], r[1], *(dec(v) for v in r[2:])) for r in rows) == sorted(expected)
    # side by side: each fiscal year's scenarios together, in the order asked
    labels = [n or HEADERS["plan"][lang] for n in SCENARIOS]
    assert [(r[0], r[1]) for r in rows] == [(y, s) for y in sorted({r[0] for r in rows}) for s in labels]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_example_who_pays_each_month_and_each_position(
    simulation_books: dict[Lang, tuple[Path, Any]], example: Session, org_scope: Scope, lang: Lang
) -> None:
    path, report = simulation_books[lang]
    run = simulate_scenario(example, org_scope, SCENARIOS[0], rng=report.period)
    confirmed, requested = list(report.confirmed_funders), list(report.requested_funders)
    nc, nr = len(confirmed), len(requested)
    expected: dict[tuple[str, str], tuple[Decimal, list[Decimal], Decimal, list[Decimal], Decimal]] = {}
    for m in run.simulation.monthly():
        paid_c, paid_r = [ZERO] * nc, [ZERO] * nr
        for line, amount in m.confirmed:
            paid_c[confirmed.index(line.funder)] += amount
        for line, amount in m.requested:
            paid_r[requested.index(line.funder)] += amount
        assert m.cost == sum(paid_c, ZERO) + sum(paid_r, ZERO) + m.gap_requested
        expected[(m.month.label, run.plan.title(m.position, lang))] = (
            m.cost,
            paid_c,
            m.gap_confirmed,
            paid_r,
            m.gap_requested,
        )
    assert {line.funder for m in run.simulation.monthly() for line, _ in m.confirmed} == set(confirmed)
    assert {line.funder for m in run.simulation.monthly() for line, _ in m.requested} == set(requested)
    book = load(path, values=True)
    width = nc + nr + 5

    positions = book.worksheets[2]
    header = find(positions, HEADERS["month"][lang])
    assert rows_from(positions, header, header, width)[0][3 : 3 + nc] == confirmed
    rows = rows_from(positions, header + 1, header + len(expected), width)
    got = {
        (r[0], r[1]): (
            dec(r[2]),
            [dec(v) for v in r[3 : 3 + nc]],
            dec(r[3 + nc]),
            [dec(v) for v in r[4 + nc : 4 + nc + nr]],
            dec(r[4 + nc + nr]),
        )
        for r in rows
    }
    assert got == expected
    total = rows_from(positions, header + len(expected) + 1, header + len(expected) + 1, width)[0]
    assert dec(total[2]) == sum((e[0] for e in expected.values()), ZERO)
    assert dec(total[3 + nc]) == sum((e[2] for e in expected.values()), ZERO)
    assert dec(total[4 + nc + nr]) == sum((e[4] for e in expected.values()), ZERO)

    months = book.worksheets[1]
    header = find(months, HEADERS["month"][lang])
    by_month: dict[str, list[Decimal]] = {}
    for (month, _), (cost, paid_c, gap_c, paid_r, gap_r) in expected.items():
        sums = by_month.setdefault(month, [ZERO] * (width - 2))
        for i, v in enumerate([*paid_c, gap_c, *paid_r, gap_r, cost]):
            sums[i] += v
    rows = rows_from(months, header + 1, header + len(by_month), width - 1)
    assert {r[0]: [dec(v) for v in r[1:]] for r in rows} == by_month
    assert [r[0] for r in rows] == sorted(by_month)
    # the chart: each funder's confirmed money and request stacked, the uncovered part on top
    sheet = f"'{SHEETS['simulation'][lang][1]}'"
    first, last = header + 1, header + len(by_month)
    (refs,) = chart_refs(path)
    assert f"{sheet}!$A${first}:$A${last}" in refs
    stacked = [*range(nc), *range(nc + 1, nc + 1 + nr), nc + 1 + nr]  # not the uncovered-if-confirmed column
    for i in stacked:
        col = chr(ord("B") + i)
        assert f"{sheet}!${col}${header}" in refs and f"{sheet}!${col}${first}:${col}${last}" in refs
    col = chr(ord("B") + nc)
    assert f"{sheet}!${col}${first}:${col}${last}" not in refs


@pytest.mark.libreoffice
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_libreoffice_agrees_with_the_example_simulation_workbook(
    tmp_path: Path, soffice: str, simulation_books: dict[Lang, tuple[Path, Any]], lang: Lang
) -> None:
    path, _ = simulation_books[lang]
    result = check_workbook(path, tmp_path / "recalculated", soffice=soffice)
    assert result.formulas > 100
    assert result.ok, [str(m) for m in result.mismatches]
