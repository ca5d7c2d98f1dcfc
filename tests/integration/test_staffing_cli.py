"""``fundtrack simulate`` and ``fundtrack payroll-rates`` on the Parc-Extension example."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fundtrack.cli import main
from fundtrack.db import make_engine
from fundtrack.i18n import set_lang

from .conftest import row_counts

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "parc-extension.yaml"
D = Decimal


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["--database", db, *args], catch_exceptions=False)


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The example loaded into a SQLite file whose schema comes from the models."""
    from alembic import command

    import fundtrack.models  # noqa: F401
    from fundtrack.db import alembic_config, make_engine
    from fundtrack.models import Base

    monkeypatch.delenv("FUNDTRACK_DATABASE_URL", raising=False)
    monkeypatch.delenv("FUNDTRACK_LANG", raising=False)
    url = f"sqlite:///{tmp_path / 'table.sqlite3'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    command.stamp(alembic_config(engine), "head")
    engine.dispose()
    result = run(url, "load", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    yield url
    set_lang("fr")


def simulate_json(db: str, *args: str) -> list[dict[str, object]]:
    result = run(db, "simulate", "--from", "2026-2027", "--json", *args)
    assert result.exit_code == 0, result.output
    data: list[dict[str, object]] = json.loads(result.output)
    return data


def test_the_coordinator_simulates_both_hires_in_french(example: str) -> None:
    result = run(example, "simulate", "--from", "2026-2027", "--scenario", "both")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Simulation — both — Table de quartier de Parc-Extension" in out
    for text in ("2026-2027", "2027-2028", "2028-2029", "Manque (confirmé)", "Agent·e de mobilisation"):
        assert text in out
    assert "« Agent·e de communication » : réponses pour le coordonnateur" in out
    assert "Début au plus tôt que l'argent confirmé porte" in out
    assert "aucun paramètre de paie pour 2027 : ceux de 2026 sont appliqués" in out


def test_each_scenario_answers_the_three_questions_and_adds_up(example: str) -> None:
    for name in ("mobilisation agent", "communications agent", "both"):
        (data,) = simulate_json(example, "--scenario", name)
        years = data["years"]
        assert isinstance(years, list)
        for year in years:
            paid = sum((D(v) for v in [*year["confirmed"].values(), *year["requested"].values()]), D(0))
            assert paid + D(year["gap_requested"]) == D(year["cost"])
            assert D(year["gap_confirmed"]) >= D(year["gap_requested"])
        answers = data["answers"]
        assert isinstance(answers, list) and answers
        for answer in answers:
            for year in answer["years"]:
                assert set(year) >= {"earliest_start", "most_hours", "needed_confirmed", "needed_requested"}
        months = data["months"]
        assert isinstance(months, list)
        for month in months:
            confirmed = sum((D(p["amount"]) for p in month["confirmed"]), D(0))
            requested = sum((D(p["amount"]) for p in month["requested"]), D(0))
            assert confirmed + D(month["gap_confirmed"]) == D(month["cost"])
            assert confirmed + requested + D(month["gap_requested"]) == D(month["cost"])


def test_the_communications_agent_depends_on_a_request(example: str) -> None:
    (data,) = simulate_json(example, "--scenario", "communications agent")
    positions = {p["key"]: p for p in data["positions"]}  # type: ignore[attr-defined]
    assert positions["communications"]["runway_confirmed"] == "2027-07"
    assert positions["communications"]["runway_requested"] != "2027-07"
    (answer,) = data["answers"]  # type: ignore[misc]
    first = answer["years"][0]
    assert first["fiscal_year"] == "2027-2028"
    assert first["earliest_start"] is None and D(first["most_hours"]) == 0
    assert D(first["needed_confirmed"]) > 0
    assert D(first["needed_requested"]) == 0


def test_a_hire_from_options_in_english(example: str) -> None:
    result = run(
        example,
        "--lang",
        "en",
        "simulate",
        "--from",
        "2026-2027",
        "--add",
        "Agent·e de mobilisation",
        "--rate",
        "26",
        "--hours",
        "32",
        "--start",
        "2027-01-05",
        "--fund",
        "FGM-2026-2027:2026-2027:24000",
    )
    assert result.exit_code == 0, result.output
    assert "Simulation — current staffing + hire 'Agent·e de mobilisation' — Table de quartier" in result.output
    assert "'Agent·e de mobilisation': the coordinator's answers" in result.output
    assert "Most weekly hours confirmed money carries from 2027-01-05" in result.output


def test_scenarios_side_by_side(example: str) -> None:
    result = run(
        example,
        "simulate",
        "--from",
        "2026-2027",
        "--compare",
        "--scenario",
        "mobilisation agent",
        "--scenario",
        "both",
    )
    assert result.exit_code == 0, result.output
    assert "Scénarios côte à côte" in result.output
    assert "dotation actuelle: Coût" in result.output and "both: Coût" in result.output


def test_a_hire_without_a_start_is_refused_with_a_message(example: str) -> None:
    result = run(example, "simulate", "--add", "Agent·e", "--rate", "26", "--hours", "32")
    assert result.exit_code == 1
    assert "--add exige --start" in result.output


def test_an_unknown_scenario_is_refused(example: str) -> None:
    result = run(example, "--lang", "en", "simulate", "--scenario", "nope")
    assert result.exit_code == 1
    assert "unknown scenario: 'nope'" in result.output


def test_payroll_rates_are_listed_as_percentages_with_their_sources_without_writing(example: str) -> None:
    before = counts(example)
    result = run(example, "payroll-rates")
    assert result.exit_code == 0, result.output
    assert "2025" in result.output and "2026" in result.output
    assert "6,3 %" in result.output and "74\u00a0600,00" in result.output
    assert "Revenu Québec" in result.output and "Retraite Québec" in result.output
    assert counts(example) == before
    data = json.loads(run(example, "payroll-rates", "--json").output)
    assert [t["year"] for t in data] == [2025, 2026]
    assert data[1]["ei_max"] == "68900.00"


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        return row_counts(engine)
    finally:
        engine.dispose()
