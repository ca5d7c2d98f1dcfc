"""The budget workbook: one label, one figure (issue point 6).

The users saw, for 2026-2027, a "gap if only confirmed money comes" of 29 423,85 $ on
the gap sheet and 21 398,88 $ summed over the projects' packages (2025-2026: 10 726,45 $
against 309,76 $). The two figures answer two questions: the funding gap counts grants
only, line by line and month by month; what a package leaves to cover counts every
source (in-kind contributions, own funds) over the year. Each now has its own label, the
packages carry their project's funding gap too, and any label that stands on both
sheets adds up to the same figure. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fundtrack.reports.budget import budget_report
from fundtrack.reports.budget_xlsx import write_budget_report
from tests.conftest import the_scope
from tests.reports.conftest import TODAY, load
from tests.reports.test_funder_report import dec

GAP = "Manque à gagner, argent confirmé seulement (ententes, ligne par ligne et mois par mois)"
GAP_IF_GRANTED = "Manque à gagner si toutes les demandes sont accordées (ententes, ligne par ligne et mois par mois)"
LEFT = "Reste à couvrir, argent confirmé seulement (toutes les sources, sur la période)"
YEARS = ("2025-2026", "2026-2027", "2027-2028")


def gap_sheet(ws: Any) -> dict[str, dict[str, Decimal]]:
    """Each figure of the gap sheet, by its column's label and fiscal year."""
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Exercice")
    out: dict[str, dict[str, Decimal]] = {}
    for col in range(2, ws.max_column + 1):
        label = ws.cell(header, col).value
        out[label] = {ws.cell(r, 1).value: dec(ws.cell(r, col).value) for r in range(header + 1, header + 4)}
    return out


def package_sums(ws: Any) -> dict[str, dict[str, Decimal]]:
    """Each figure labelled in column A of the packages, summed over the projects, by year."""
    out: dict[str, dict[str, Decimal]] = {}
    year = None
    for r in range(1, ws.max_row + 1):
        label, value = ws.cell(r, 1).value, ws.cell(r, 2).value
        if isinstance(label, str) and " — " in label and label.rsplit(" — ", 1)[1] in YEARS:
            year = label.rsplit(" — ", 1)[1]
        elif isinstance(label, str) and isinstance(value, int | float) and year is not None:
            by_year = out.setdefault(label, dict.fromkeys(YEARS, Decimal(0)))
            by_year[year] += dec(value)
    return out


def test_one_label_one_figure_across_the_gap_sheet_and_the_packages(
    tmp_path: Path, parc_extension: sessionmaker[Session]
) -> None:
    path = tmp_path / "budget.xlsx"
    with parc_extension() as session:
        write_budget_report(budget_report(session, the_scope(session), as_of=TODAY), path)
    book = load(path, values=True)
    packages, gaps = package_sums(book["Montages financiers"]), gap_sheet(book["Manque à gagner"])
    # the figure the users saw on the gap sheet is the funding gap, and the packages now add up to it
    assert gaps[GAP]["2026-2027"] == Decimal("29423.85") == packages[GAP]["2026-2027"]
    assert gaps[GAP]["2025-2026"] == Decimal("10726.45") == packages[GAP]["2025-2026"]
    assert gaps[GAP_IF_GRANTED] == packages[GAP_IF_GRANTED]
    # the packages' own figure (every source, over the year) has a label of its own
    assert packages[LEFT]["2026-2027"] == Decimal("21398.88")
    assert packages[LEFT]["2025-2026"] == Decimal("309.76")
    assert LEFT not in gaps
    # and no label stands on both sheets for two different figures
    for label in set(packages) & set(gaps):
        assert packages[label] == gaps[label], label
    notes = [c.value for row in book["Manque à gagner"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(n.startswith("Manque à gagner : le coût de chaque ligne, mois par mois") for n in notes)
