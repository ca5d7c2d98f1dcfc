"""The treasurer's and the coordinator's commands on the Parc-Extension example: package,
budget vs actual, the gap, and the current year's expenses imported from CSV."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from fundtrack.cli import main
from fundtrack.db import make_engine
from fundtrack.i18n import set_lang
from fundtrack.models import Expense

from .test_cli import schema_from_models

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "parc-extension.yaml"
EXPENSES_CSV = ROOT / "examples" / "expenses-2026-2027.csv"
LIEU = "Lieu de rassemblement"


@pytest.fixture(scope="module")
def example_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example loaded once; each test works on its own copy."""
    path = tmp_path_factory.mktemp("example") / "table.sqlite3"
    schema_from_models(f"sqlite:///{path}")
    result = CliRunner().invoke(main, ["--database", f"sqlite:///{path}", "load", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def db(example_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.delenv("FUNDTRACK_DATABASE_URL", raising=False)
    monkeypatch.delenv("FUNDTRACK_LANG", raising=False)
    copy = tmp_path / "table.sqlite3"
    shutil.copy(example_db, copy)
    yield f"sqlite:///{copy}"
    set_lang("fr")


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["--database", db, *args], catch_exceptions=False)


def text(result: Result) -> str:
    """The output with non-breaking spaces shown as spaces (French numbers use them)."""
    return result.output.replace("\u00a0", " ").replace("\u202f", " ")


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def expense_count(db: str) -> int:
    engine = make_engine(db)
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(Expense)) or 0
    engine.dispose()
    return count


# --- the package -----------------------------------------------------------------------


def test_the_space_to_acquire_shows_its_gap_and_the_citys_matching_shortfall(db: str) -> None:
    result = run(db, "package", "--project", LIEU, "--fiscal-year", "2027-2028")
    assert result.exit_code == 0, result.output
    out = text(result)
    assert "Montage financier — Lieu de rassemblement — 2027-2028" in out
    assert "VDM-LIEU-2027" in out and "200 000,00" in out and "44,05 %" in out
    assert "Coût total 454 000,00 $" in out
    assert "si seul l'argent confirmé arrive : 431 000,00 $" in out
    assert "si toutes les demandes sont accordées : 231 000,00 $" in out
    assert "manque 77 000,00 $" in out


def test_the_package_in_english_and_as_json(db: str) -> None:
    out = text(run(db, "--lang", "en", "package", "--project", LIEU, "--fiscal-year", "2027-2028"))
    assert "Financial package — Lieu de rassemblement — 2027-2028" in out
    assert "44.05%" in out and "$454,000.00" in out
    data = as_json(run(db, "package", "--project", LIEU, "--fiscal-year", "2027-2028", "--json"))
    assert (data["total_cost"], data["gap_confirmed"], data["gap_if_granted"]) == (
        "454000.00",
        "431000.00",
        "231000.00",
    )
    matching = [c for c in data["conditions"] if c["rule"] == "matching"]
    assert [(c["holds"], c["shortfall"]) for c in matching] == [(False, "77000.00")]


# --- budget vs actual ------------------------------------------------------------------


@pytest.mark.parametrize("by", ["line", "category", "project", "grant", "funder"])
def test_budget_vs_actual_adds_up_to_the_same_year_whatever_the_grouping(db: str, by: str) -> None:
    data = as_json(run(db, "variance", "--fiscal-year", "2025-2026", "--by", by, "--as-of", "2026-03-31", "--json"))
    assert data["total"] == {
        "budget": "180509.76",
        "actual": "171114.03",
        "variance": "9395.73",
        "variance_rate": "0.0521",
        "forecast": "171114.03",
    }
    assert len(data["rows"]) > 1


def test_budget_vs_actual_by_grant_shows_each_grant_and_own_funds(db: str) -> None:
    data = as_json(
        run(db, "variance", "--fiscal-year", "2025-2026", "--by", "grant", "--as-of", "2026-03-31", "--json")
    )
    rows = {r["key"]: r for r in data["rows"]}
    assert set(rows) == {
        "ARR-VSP-2026",
        "DESJ-2026",
        "IMSDSL-2025-2028",
        "PIC-2025-2028",
        "VDM-2026",
        "Fonds propres / non imputé",
    }
    assert (rows["PIC-2025-2028"]["budget"], rows["PIC-2025-2028"]["actual"]) == ("115500.00", "113486.71")
    assert rows["IMSDSL-2025-2028"]["variance"] == "-1376.52"


def test_budget_vs_actual_in_french_and_in_english(db: str) -> None:
    fr = text(run(db, "variance", "--fiscal-year", "2025-2026", "--as-of", "2026-03-31"))
    assert "Budget et réel — 2025-2026 — par ligne budgétaire" in fr
    total = next(line for line in fr.splitlines() if line.startswith("Total"))
    assert "180 509,76" in total and "171 114,03" in total and "5,21 %" in total
    en = text(
        run(db, "--lang", "en", "variance", "--fiscal-year", "2025-2026", "--by", "funder", "--as-of", "2026-03-31")
    )
    assert "Budget vs actual — 2025-2026 — by funder" in en
    centraide = next(line for line in en.splitlines() if line.startswith("Centraide"))
    assert "115,500.00" in centraide and "1.74%" in centraide


def test_a_funder_sees_only_its_grants(db: str) -> None:
    data = as_json(
        run(
            db,
            "variance",
            "--funder",
            "Arrondissement de Villeray–Saint-Michel–Parc-Extension",
            "--fiscal-year",
            "2026",
            "--by",
            "grant",
            "--json",
        )
    )
    assert [r["key"] for r in data["rows"]] == ["ARR-VSP-2026", "ARR-VSP-2027"]


# --- the gap ---------------------------------------------------------------------------


def test_the_gap_of_a_fiscal_year_as_text_and_json(db: str) -> None:
    out = text(run(db, "gap", "--fiscal-year", "2026-2027"))
    assert "Manque à gagner — 2026-2027" in out
    assert "223 998,88" in out and "29 423,85" in out and "26 423,85" in out
    data = as_json(run(db, "gap", "--fiscal-year", "2026-2027", "--json"))
    assert data["years"] == [
        {"fiscal_year": "2026-2027", "cost": "223998.88", "gap_confirmed": "29423.85", "gap_if_granted": "26423.85"}
    ]
    months = as_json(run(db, "gap", "--fiscal-year", "2026-2027", "--by-month", "--json"))["months"]
    assert len(months) > 12
    assert all(set(m) == {"line", "month", "cost", "covered", "gap_confirmed", "gap_if_granted"} for m in months)


# --- expenses import -------------------------------------------------------------------


def test_the_current_years_expenses_are_imported_from_the_example_csv(db: str) -> None:
    before = expense_count(db)
    result = run(db, "expenses", "import", str(EXPENSES_CSV))
    assert result.exit_code == 0, result.output
    assert "30 dépense(s) importée(s), coût net 107 023,94 $ ; 0 doublon(s)" in text(result)
    assert expense_count(db) == before + 30
    data = as_json(
        run(db, "variance", "--fiscal-year", "2026-2027", "--by", "project", "--json", "--as-of", "2026-11-25")
    )
    assert data["total"]["actual"] == "107023.94"


def test_likely_duplicates_are_reported_with_their_amount_and_skipped_unless_forced(db: str) -> None:
    assert run(db, "expenses", "import", str(EXPENSES_CSV)).exit_code == 0
    count = expense_count(db)
    again = run(db, "expenses", "import", str(EXPENSES_CSV))
    assert again.exit_code == 0
    out = text(again)
    assert "0 dépense(s) importée(s)" in out and "30 doublon(s) probable(s) ignoré(s)" in out
    assert "ligne 30 : doublon probable : Traiteur solidaire (illustratif), 1 050,00 $, le 2026-10-17" in out
    assert expense_count(db) == count
    english = text(run(db, "--lang", "en", "expenses", "import", str(EXPENSES_CSV)))
    assert "likely duplicate: Traiteur solidaire (illustratif), $1,050.00, on 2026-10-17" in english
    skipped = as_json(run(db, "expenses", "import", str(EXPENSES_CSV), "--json"))["skipped"]
    assert len(skipped) == 30 and skipped[0]["pre_tax"] == "2230.00"
    forced = run(db, "expenses", "import", str(EXPENSES_CSV), "--force")
    assert forced.exit_code == 0, forced.output
    assert expense_count(db) == count + 30


def test_a_csv_with_bad_rows_writes_nothing_and_lists_each_row(db: str, tmp_path: Path) -> None:
    rows = EXPENSES_CSV.read_text(encoding="utf-8").splitlines()
    rows[3] = rows[3].replace("1 750,00 $", "1,750")  # ambiguous amount
    rows[6] = rows[6].replace(";supplies;", ";fournitures;")  # unknown category
    bad = tmp_path / "depenses.csv"
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    before = expense_count(db)
    result = run(db, "expenses", "import", str(bad))
    assert result.exit_code == 1
    errors = text(result).splitlines()
    assert errors[0] == "Rien n'a été importé. 2 erreurs :"
    assert errors[1].startswith("  ligne 4.pre_tax : « 1,750 » est ambigu")
    assert errors[2].startswith("  ligne 7.category : ")
    assert expense_count(db) == before
    data = json.loads(run(db, "--lang", "en", "expenses", "import", str(bad), "--json").stdout)
    assert data["imported"] == 0
    assert [e["path"] for e in data["errors"]] == ["row 4.pre_tax", "row 7.category"]
    assert expense_count(db) == before
