"""The treasurer's and the coordinator's commands on the Parc-Extension example: package,
budget vs actual, the gap, and the current year's expenses imported from CSV."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
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
    rows = {r["grant"]: r for r in data["rows"]}
    assert set(rows) == {"ARR-VSP-2026", "DESJ-2026", "IMSDSL-2025-2028", "PIC-2025-2028", "VDM-2026", None}
    assert (rows["PIC-2025-2028"]["budget"], rows["PIC-2025-2028"]["actual"]) == ("115500.00", "113486.71")
    assert rows["IMSDSL-2025-2028"]["variance"] == "-1376.52"


@pytest.mark.parametrize("by", ["line", "category", "project", "grant", "funder"])
def test_budget_vs_actual_in_json_is_the_same_in_french_and_in_english(db: str, by: str) -> None:
    args = ("variance", "--fiscal-year", "2025-2026", "--by", by, "--as-of", "2026-03-31", "--json")
    french, english = run(db, "--lang", "fr", *args), run(db, "--lang", "en", *args)
    assert french.exit_code == english.exit_code == 0
    assert french.stdout == english.stdout
    if by == "category":
        assert {"translation", "salaries", "other"} <= {r["category"] for r in json.loads(french.stdout)["rows"]}


def test_three_lines_of_one_position_stay_three_lines_with_their_categories(db: str) -> None:
    """The coordinator's salary, contributions and benefits lines share a description."""
    data = as_json(run(db, "variance", "--fiscal-year", "2025-2026", "--by", "line", "--as-of", "2026-03-31", "--json"))
    coordinator = [r for r in data["rows"] if r["line"] == "Coordonnatrice"]
    assert sorted(r["category"] for r in coordinator) == ["benefits", "employer_contributions", "salaries"]
    salary = next(r for r in coordinator if r["category"] == "salaries")
    assert salary["budget"] == "60769.80"  # not 70 117,85 $, the three lines added together
    listing = text(run(db, "variance", "--fiscal-year", "2025-2026", "--as-of", "2026-03-31"))
    rows = [line for line in listing.splitlines() if "Coordonnatrice" in line]
    assert len(rows) == 3 and any("Salaires" in r for r in rows)


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
    assert [r["grant"] for r in data["rows"]] == ["ARR-VSP-2026", "ARR-VSP-2027"]


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
    keys = {"project", "category", "line", "month", "cost", "covered", "gap_confirmed", "gap_if_granted"}
    assert all(set(m) == keys for m in months)


# --- expenses import -------------------------------------------------------------------


def test_the_current_years_expenses_are_imported_from_the_example_csv(db: str) -> None:
    before = expense_count(db)
    result = run(db, "expenses", "import", str(EXPENSES_CSV))
    assert result.exit_code == 0, result.output
    assert "30 dépenses importées, coût net 107 023,94 $ ; 0 doublon probable ignoré" in text(result)
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
    assert "0 dépense importée" in out and "30 doublons probables ignorés" in out
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


def _total(db: str, *args: str) -> dict[str, Decimal]:
    data = as_json(run(db, "variance", "--by", "category", "--json", *args))
    return {k: Decimal(v) for k, v in data["total"].items() if v is not None}


def test_the_forecast_is_the_actual_to_date_plus_the_budget_of_the_days_after_it(db: str) -> None:
    year = ("--fiscal-year", "2025-2026")
    november = _total(db, *year, "--as-of", "2025-11-30")
    to_november = _total(db, "--period", "2025-04-01:2025-11-30", "--as-of", "2025-11-30")
    rest = _total(db, "--period", "2025-12-01:2026-03-31", "--as-of", "2026-03-31")
    # not 229 950,46 $: the whole year's actual plus the budget still to come
    assert november["forecast"] == to_november["actual"] + rest["budget"]
    assert november["forecast"] != Decimal("229950.46")
    assert _total(db, *year, "--as-of", "2026-03-31")["forecast"] == Decimal("171114.03")


def test_the_as_of_month_counts_for_its_remaining_days(db: str) -> None:
    year = ("--fiscal-year", "2025-2026")
    first, last = _total(db, *year, "--as-of", "2025-12-01"), _total(db, *year, "--as-of", "2025-12-31")
    before = _total(db, *year, "--as-of", "2025-11-30")
    december = _total(db, "--period", "2025-12-01:2025-12-31", "--as-of", "2025-12-31")
    day_one = _total(db, "--period", "2025-12-01:2025-12-01", "--as-of", "2025-12-01")
    assert first["forecast"] != last["forecast"]  # the first day of a month no longer drops the month
    # moving the date by one day moves the forecast by that day's actual less that day's budget
    assert first["forecast"] - before["forecast"] == day_one["actual"] - day_one["budget"]
    assert last["forecast"] - before["forecast"] == december["actual"] - december["budget"]


HEADER = (
    "Date;Fournisseur;Description;Projet;Catégorie;Ligne;Montant avant taxes;TPS;TVQ;Mode de paiement;Pièce;Subvention"
)


def test_an_unknown_map_field_is_refused_and_nothing_is_imported(db: str) -> None:
    before = expense_count(db)
    result = run(db, "--lang", "en", "expenses", "import", str(EXPENSES_CSV), "--map", "colour=Montant avant taxes")
    assert result.exit_code == 1
    assert "--map colour: --map: 'colour' is not a field of the expense file" in result.stderr
    assert expense_count(db) == before


def test_a_row_repeated_in_the_file_is_reported_as_such_not_as_already_recorded(db: str, tmp_path: Path) -> None:
    row = "17/06/2026;Traiteur du Parc;Repas;Grands rendez-vous et assemblées;catering;;300,00 $;;;chèque;T-1;"
    csv = tmp_path / "june.csv"
    csv.write_text(f"{HEADER}\n{row}\n{row}\n", encoding="utf-8")
    result = run(db, "--lang", "en", "expenses", "import", str(csv))
    assert result.exit_code == 0, result.output
    assert "likely duplicate of row 2 of the same file" in result.stderr
    assert "already recorded" not in result.stderr


def test_an_expense_dated_before_its_project_or_years_ahead_is_recorded_with_a_warning(db: str, tmp_path: Path) -> None:
    before = expense_count(db)
    early = "15/03/2025;Traiteur du Parc;Repas;Grands rendez-vous et assemblées;catering;;300,00 $;;;chèque;T-2;"
    ahead = "15/06/2031;Traiteur du Parc;Repas;Fonctionnement de la Table;catering;;310,00 $;;;chèque;T-3;"
    csv = tmp_path / "odd.csv"
    csv.write_text(f"{HEADER}\n{early}\n{ahead}\n", encoding="utf-8")
    result = run(db, "--lang", "en", "expenses", "import", str(csv))
    assert result.exit_code == 0, result.output
    assert "but project 'Grands rendez-vous et assemblées' only starts on 2025-04-01" in result.stderr
    assert "more than a year after today" in result.stderr
    assert expense_count(db) == before + 2


def test_the_gap_by_month_names_each_line_with_its_category(db: str) -> None:
    listing = text(run(db, "gap", "--fiscal-year", "2026-2027", "--by-month"))
    april = [line.split("  ")[0] for line in listing.splitlines() if "Coordonnatrice" in line and "2026-04" in line]
    assert len(april) == len(set(april)) == 3
