"""The ``fundtrack`` command on a SQLite file, as the treasurer runs it in a terminal or a script."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fundtrack.cli import main
from fundtrack.i18n import set_lang

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "parc-extension.yaml"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.delenv("FUNDTRACK_DATABASE_URL", raising=False)
    monkeypatch.delenv("FUNDTRACK_LANG", raising=False)
    yield f"sqlite:///{tmp_path / 'table.sqlite3'}"
    set_lang("fr")


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["--database", db, *args], catch_exceptions=False)


def schema_from_models(url: str) -> None:
    """The schema of the models, stamped at the migrations' head (the migrations have their own tests)."""
    from alembic import command

    import fundtrack.models  # noqa: F401
    from fundtrack.db import alembic_config, make_engine
    from fundtrack.models import Base

    engine = make_engine(url)
    Base.metadata.create_all(engine)
    command.stamp(alembic_config(engine), "head")
    engine.dispose()


@pytest.fixture
def loaded(db: str) -> str:
    schema_from_models(db)
    result = run(db, "load", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    return db


def test_init_creates_the_database(db: str, tmp_path: Path) -> None:
    result = run(db, "init")
    assert result.exit_code == 0
    assert "Base de données prête" in result.output
    assert (tmp_path / "table.sqlite3").is_file()


def test_load_says_what_it_loaded(db: str) -> None:
    schema_from_models(db)
    result = run(db, "load", str(EXAMPLE))
    assert result.exit_code == 0
    assert "Table de quartier de Parc-Extension" in result.output
    assert "11 ententes" in result.output  # its sections named in French, as the user reads them


def test_a_bad_file_exits_1_lists_its_errors_on_stderr_and_writes_nothing(db: str, tmp_path: Path) -> None:
    schema_from_models(db)
    bad = tmp_path / "bad.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('amount: "25000.00"', 'amount: "25000.001"').replace("status: requested", "status: maybe", 1)
    bad.write_text(text, encoding="utf-8")
    result = run(db, "--lang", "en", "load", str(bad))
    assert result.exit_code == 1
    assert result.stderr.startswith("Nothing was written.")
    assert "grants[2].amount: more than two decimals (25000.001)" in result.stderr
    assert "grants[3].status: 'maybe' is not allowed" in result.stderr
    assert result.stdout == ""
    listing = run(db, "--lang", "fr", "funders")
    assert listing.exit_code == 1
    assert "aucun organisme dans la base" in listing.stderr


def test_a_file_that_is_not_yaml_exits_1(db: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: fundtrack\norganisation: [name\n", encoding="utf-8")
    result = run(db, "--lang", "en", "load", str(bad))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: invalid YAML file")


def test_a_missing_file_exits_1(db: str, tmp_path: Path) -> None:
    result = run(db, "--lang", "en", "load", str(tmp_path / "nowhere.yaml"))
    assert result.exit_code == 1
    assert "cannot read" in result.stderr


def test_dump_then_load_elsewhere_gives_the_same_file(loaded: str, tmp_path: Path) -> None:
    out = tmp_path / "table.json"
    assert run(loaded, "dump", "-o", str(out)).exit_code == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["format"] == "fundtrack"
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    schema_from_models(other)
    assert run(other, "load", str(out)).exit_code == 0
    again = run(other, "dump", "--format", "json")
    assert json.loads(again.stdout) == document
    yaml_dump = run(loaded, "dump")
    assert yaml_dump.stdout.startswith("format: fundtrack")


def test_funders_listing(loaded: str) -> None:
    result = run(loaded, "funders")
    assert result.exit_code == 0
    assert "Bailleur de fonds" in result.output
    assert "Centraide du Grand Montréal" in result.output
    assert "15,00\u00a0%" in result.output  # as French writes a percentage


def test_funders_as_json(loaded: str) -> None:
    funders = json.loads(run(loaded, "funders", "--json").stdout)
    centraide = next(f for f in funders if f["name"] == "Centraide du Grand Montréal")
    assert centraide == {
        "name": "Centraide du Grand Montréal",
        "kind": "centraide",
        "fiscal_start_month": 4,
        "language": "fr",
        "fee_cap": "0.15",
    }


def test_grants_listing_and_json(loaded: str) -> None:
    result = run(loaded, "grants")
    assert result.exit_code == 0
    assert "PIC-2025-2028" in result.output
    assert "450\u00a0000,00" in result.output
    grants = json.loads(run(loaded, "grants", "--json").stdout)
    pic = next(g for g in grants if g["reference"] == "PIC-2025-2028")
    assert (pic["amount"], pic["received"], pic["status"]) == ("450000.00", "225000.00", "confirmed")
    city = json.loads(run(loaded, "grants", "--funder", "Ville de Montréal", "--json").stdout)
    assert [g["reference"] for g in city] == ["VDM-2026", "VDM-LIEU-2027"]


# what a process has imported of the ORM and the models when it ends, on its last line of stderr
ORM_MODULES = """
import atexit, sys
atexit.register(lambda: sys.stderr.write("\\n" + " ".join(sorted(
    m for m in sys.modules if m == "sqlalchemy.orm" or m.startswith(("sqlalchemy.orm.", "fundtrack.models"))
))))
from fundtrack.cli import main
main(prog_name="fundtrack")
"""


def run_process(db: str, *args: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """``fundtrack --database db args`` as a process of its own, and the ORM modules it imported."""
    done = subprocess.run(
        [sys.executable, "-c", ORM_MODULES, "--database", db, *args], capture_output=True, text=True, check=False
    )
    return done, done.stderr.rsplit("\n", 1)[-1]


@pytest.mark.parametrize(
    "args",
    [
        ("funders",),
        ("--lang", "en", "funders", "--json"),
        ("grants",),
        ("grants", "--funder", "Ville de Montréal", "--json"),
        ("ledger", "--fiscal-year", "2025-2026"),
        ("--lang", "en", "ledger", "--json"),
    ],
)
def test_a_listing_runs_without_the_orm_or_the_models(loaded: str, args: tuple[str, ...]) -> None:
    # a treasurer's quick look pays for no mapping of every table: the cold start's figure
    done, imported = run_process(loaded, *args)
    assert done.returncode == 0, done.stderr
    assert done.stdout == run(loaded, *args).stdout  # the same listing as in this process
    assert imported == ""


def test_a_listing_refused_runs_without_the_orm_either(loaded: str) -> None:
    done, imported = run_process(loaded, "--lang", "en", "grants", "--funder", "Nobody")
    assert done.returncode == 1
    assert "Error: funder: unknown funder: 'Nobody'" in done.stderr
    assert imported == ""


def test_a_command_that_reads_the_models_imports_them(loaded: str) -> None:
    done, imported = run_process(loaded, "grant", "VDM-2026")
    assert done.returncode == 0, done.stderr
    assert "sqlalchemy.orm" in imported.split() and "fundtrack.models" in imported.split()


def test_receivables_as_of_a_date(loaded: str) -> None:
    result = run(loaded, "--lang", "en", "receivables", "--as-of", "2026-11-25")
    assert result.exit_code == 0
    assert "Instalments receivable as of 2026-11-25" in result.output
    owed = json.loads(run(loaded, "receivables", "--as-of", "2026-11-25", "--json").stdout)
    first = owed[0]
    # the City's August instalment is the oldest one owed: 102 days late
    assert first == {
        "funder": "Ville de Montréal",
        "reference": "VDM-2026",
        "expected_date": "2026-08-15",
        "amount": "20000.00",
        "overdue_days": 102,
        "received": "0.00",  # nothing of it came in yet (a short receipt shows here)
        "overdue": True,
    }
    assert all(isinstance(r["amount"], str) for r in owed)


def test_receivables_with_a_bad_date_exits_1(loaded: str) -> None:
    result = run(loaded, "--lang", "en", "receivables", "--as-of", "25/11/2026")
    assert result.exit_code == 1
    assert "--as-of: invalid date '25/11/2026': write YYYY-MM-DD" in result.stderr


def test_ledger_of_a_fiscal_year(loaded: str) -> None:
    result = run(loaded, "ledger", "--fiscal-year", "2025-2026")
    assert result.exit_code == 0
    assert "Financement de l'exercice 2025-2026" in result.output
    assert "Total" in result.output
    data = json.loads(run(loaded, "ledger", "--fiscal-year", "2025-2026", "--json").stdout)
    assert data["fiscal_year"] == "2025-2026"
    pic = next(r for r in data["rows"] if r["funder"] == "Centraide du Grand Montréal")
    assert (pic["confirmed"], pic["received"], pic["to_receive"]) == ("150000.00", "150000.00", "0.00")
    total = data["total"]
    assert all(isinstance(total[k], str) for k in ("confirmed", "requested", "received", "to_receive"))
    assert sum(Decimal(r["confirmed"]) for r in data["rows"]) == Decimal(total["confirmed"])


def test_english_output(loaded: str) -> None:
    result = run(loaded, "--lang", "en", "ledger", "--fiscal-year", "2025-2026")
    assert "Funding for fiscal year 2025-2026" in result.output
    assert "Confirmed" in result.output
    assert "150,000.00" in result.output
    listing = run(loaded, "--lang", "en", "grants")
    assert "confirmed" in listing.output and "Reference" in listing.output


def test_a_fiscal_year_label_that_does_not_parse_exits_1(loaded: str) -> None:
    result = run(loaded, "--lang", "en", "ledger", "--fiscal-year", "2025")
    assert result.exit_code == 1
    assert "fiscal_year: invalid fiscal year '2025': write 2025-2026" in result.stderr


def test_a_city_grant_shown_in_the_tables_april_years_and_in_the_citys_calendar_year(loaded: str) -> None:
    result = run(loaded, "grant", "VDM-2026", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # 40,000 $ over calendar 2026: 90 days fall in the Table's 2025-2026, 275 in 2026-2027
    assert data["organisation_years"] == {"2025-2026": "9863.01", "2026-2027": "30136.99"}
    assert data["funder_years"] == {"2026": "40000.00"}
    text = run(loaded, "--lang", "en", "grant", "VDM-2026")
    assert "By fiscal year of the funder" in text.stdout
    assert "30,136.99" in text.stdout


def test_the_treasurer_records_an_instalment_received_and_it_leaves_the_receivables(loaded: str) -> None:
    before = json.loads(run(loaded, "receivables", "--as-of", "2026-11-25", "--json").stdout)
    assert any(r["reference"] == "VDM-2026" and r["expected_date"] == "2026-08-15" for r in before)
    result = run(loaded, "receive", "VDM-2026", "--amount", "20 000,00 $", "--date", "2026-11-20")
    assert result.exit_code == 0, result.output
    assert "reçu le 2026-11-20" in result.stdout
    after = json.loads(run(loaded, "receivables", "--as-of", "2026-11-25", "--json").stdout)
    assert not any(r["reference"] == "VDM-2026" for r in after)
    ledger = json.loads(run(loaded, "ledger", "--fiscal-year", "2026-2027", "--json").stdout)
    city = next(r for r in ledger["rows"] if r["funder"] == "Ville de Montréal")
    assert city["received"] == "20000.00"


def test_a_received_amount_with_a_third_decimal_is_refused_and_nothing_changes(loaded: str) -> None:
    result = run(loaded, "--lang", "en", "receive", "VDM-2026", "--amount", "20000.001", "--date", "2026-11-20")
    assert result.exit_code == 1
    assert "--amount: more than two decimals (20000.001)" in result.stderr
    after = json.loads(run(loaded, "receivables", "--as-of", "2026-11-25", "--json").stdout)
    assert any(r["reference"] == "VDM-2026" for r in after)


def test_an_instalment_cannot_be_received_twice(loaded: str) -> None:
    assert run(loaded, "receive", "VDM-2026", "--amount", "20000", "--date", "2026-11-20").exit_code == 0
    again = run(loaded, "--lang", "en", "receive", "VDM-2026", "--amount", "20000", "--expected", "2026-08-15")
    assert again.exit_code == 1
    assert "was already received in full ($20,000.00, on 2026-11-20)" in again.stderr


def test_the_coordinator_turns_a_scenario_into_a_budget_version(loaded: str) -> None:
    result = run(
        loaded, "budget-from-scenario", "both", "--project", "Fonctionnement de la Table",
        "--name", "Both hires", "--from", "2026-2027", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    descriptions = {line["description"] for line in data["lines"]}
    assert {"Coordonnatrice", "Agente de liaison"} <= descriptions
    assert len(descriptions) == 4  # the two in post and the two hires
    simulated = json.loads(run(loaded, "simulate", "--scenario", "both", "--from", "2026-2027", "--json").stdout)
    first_year = simulated[0]["years"][0]
    total = sum(Decimal(line["years"][first_year["fiscal_year"]]) for line in data["lines"])
    assert total == Decimal(first_year["cost"])


def test_a_receipt_short_of_the_instalment_shows_the_difference_and_leaves_the_rest_owed(loaded: str) -> None:
    """0,01 $ of a 37 500 $ instalment is recorded, not "received in full"."""
    result = run(loaded, "--lang", "en", "receive", "PIC-2025-2028", "--amount", "0.01", "--date", "2026-10-20")
    assert result.exit_code == 0, result.output
    assert "Received so far on this instalment: $0.01 of $37,500.00 expected (difference -$37,499.99)" in result.output
    owed = json.loads(run(loaded, "receivables", "--as-of", "2026-11-25", "--json").stdout)
    pic = next(r for r in owed if r["reference"] == "PIC-2025-2028" and r["expected_date"] == "2026-10-15")
    assert (pic["amount"], pic["received"]) == ("37499.99", "0.01")


def test_what_is_received_never_exceeds_the_grant(loaded: str) -> None:
    before = run(loaded, "grant", "VDM-2026", "--json").stdout
    result = run(loaded, "--lang", "en", "receive", "VDM-2026", "--amount", "1 000 000 000,00 $")
    assert result.exit_code == 1
    assert "receiving $1,000,000,000.00 on grant 'VDM-2026' would exceed its amount ($40,000.00)" in result.stderr
    beyond = run(loaded, "--lang", "en", "receive", "VDM-2026", "--amount", "1 000 000 000 000 000,00 $")
    assert beyond.exit_code == 1
    assert "--amount" in beyond.stderr and "beyond the maximum amount of $999,999,999,999.99" in beyond.stderr
    assert run(loaded, "grant", "VDM-2026", "--json").stdout == before


def test_a_grant_without_instalments_says_so_when_a_receipt_is_recorded(loaded: str) -> None:
    result = run(loaded, "--lang", "en", "receive", "ARR-VSP-2027", "--amount", "100")
    assert result.exit_code == 1
    assert "grant 'ARR-VSP-2027' has no instalment scheduled" in result.stderr
    assert "already received" not in result.stderr


def test_the_load_summary_names_its_sections_in_the_users_language(db: str) -> None:
    schema_from_models(db)
    french = run(db, "load", str(EXAMPLE))
    assert "7 bailleurs de fonds, 4 projets, 11 ententes" in french.output
    assert "funders" not in french.output


def test_the_audit_log_names_who_received_and_loaded(loaded: str) -> None:
    from sqlalchemy import func, select

    from fundtrack.db import make_engine
    from fundtrack.models import AuditLog

    engine = make_engine(loaded)
    with engine.connect() as conn:
        last = conn.scalar(select(func.max(AuditLog.id)))
    run(loaded, "--as", "Awa Diallo", "receive", "VDM-2026", "--amount", "20000", "--date", "2026-11-20")
    with engine.connect() as conn:
        received = conn.execute(select(AuditLog.actor, AuditLog.action).where(AuditLog.id > last)).all()
        loaders = {a for (a,) in conn.execute(select(AuditLog.actor).where(AuditLog.entity == "grant"))}
    engine.dispose()
    assert {actor for actor, _ in received} == {"Awa Diallo"}
    assert ("Awa Diallo", "receive") in received
    assert "system" not in loaders
