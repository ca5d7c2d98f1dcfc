"""``fundtrack simulate`` and ``fundtrack budget-from-scenario`` tell the truth, on SQLite and PostgreSQL.

What users found: a hire's heading said "current staffing", its answers stopped at the
first fiscal year, months only a request covers showed nothing uncovered, the budget
made from a scenario was written in the language of the command and lost the years the
scenario did not cover, --json changed with --lang, and bad options were taken silently.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import unit_of_work
from fundtrack.models import BudgetVersion

from ..conftest import row_counts
from .conftest import run

D = Decimal
OPERATIONS = "Fonctionnement de la Table"
YEARS = ["2026-2027", "2027-2028", "2028-2029"]
HIRE = ["--add", "Agent·e de mobilisation", "--rate", "26", "--hours", "32", "--start", "2027-01-05"]


def simulate_json(url: str, *args: str) -> list[dict[str, Any]]:
    result = run(url, "simulate", "--from", "2026-2027", "--json", *args)
    assert result.exit_code == 0, result.output
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


# --- a hire given by options (point 5) ---------------------------------------------------


def test_a_hire_from_options_is_named_in_the_heading_and_answered_in_every_fiscal_year(example_url: str) -> None:
    result = run(example_url, "simulate", "--from", "2026-2027", *HIRE)
    assert result.exit_code == 0, result.output
    out = result.stdout
    heading = (
        "Simulation — dotation actuelle + embauche « Agent·e de mobilisation » — Table de quartier de Parc-Extension"
    )
    assert heading in out
    assert "Simulation — dotation actuelle — " not in out
    assert "« Agent·e de mobilisation » : réponses pour le coordonnateur (jusqu'au 2029-03-31)" in out
    for year, end in zip(YEARS, ["2027-03-31", "2028-03-31", "2029-03-31"], strict=True):
        assert f"Début au plus tôt que l'argent confirmé porte jusqu'au {end} : aucun" in out
        assert f"Financement manquant pour l'embauche prévue, {year} : " in out


def test_the_answers_for_the_hire_are_the_gaps_it_adds_in_each_fiscal_year(example_url: str) -> None:
    (plan,) = simulate_json(example_url)
    (hired,) = simulate_json(example_url, *HIRE)
    assert plan["hire"] is None and hired["hire"] == {
        "key": "agente-de-mobilisation",
        "title": "Agent·e de mobilisation",
    }
    (answer,) = hired["answers"]
    assert [y["fiscal_year"] for y in answer["years"]] == YEARS
    for before, after, year in zip(plan["years"], hired["years"], answer["years"], strict=True):
        added = D(after["gap_confirmed"]) - D(before["gap_confirmed"])
        assert added > 0 and D(year["needed_confirmed"]) == added  # no money for the hire: all of it is needed


def test_a_scenario_hire_is_answered_for_each_fiscal_year_of_the_range(example_url: str) -> None:
    (data,) = simulate_json(example_url, "--scenario", "mobilisation agent")
    (answer,) = data["answers"]
    assert [y["fiscal_year"] for y in answer["years"]] == YEARS
    first, _, last = answer["years"]
    assert first["earliest_start"] == "2027-01-05" and D(first["needed_confirmed"]) == 0  # the foundation pays
    assert last["earliest_start"] is None and D(last["needed_confirmed"]) > 0
    assert D(first["most_hours"]) >= D(last["most_hours"])


# --- who pays each month, both ways (point 4) ------------------------------------------------


def test_a_month_only_a_request_pays_is_uncovered_if_only_confirmed_money_comes(example_url: str) -> None:
    (data,) = simulate_json(example_url, "--scenario", "communications agent")
    july = next(m for m in data["months"] if m["month"] == "2027-07" and m["position"] == "communications")
    assert july["confirmed"] == []
    assert [(p["grant"], p["amount"]) for p in july["requested"]] == [("FGM-2027-2028", july["cost"])]
    assert D(july["gap_confirmed"]) == D(july["cost"]) == D("4073.73")
    assert D(july["gap_requested"]) == 0
    result = run(example_url, "simulate", "--from", "2026-2027", "--scenario", "communications agent", "--months")
    rows = table_after(result.stdout, "Mois par mois : qui paie chaque poste")
    assert list(rows[0]) == [
        "Mois",
        "Poste",
        "Coût",
        "Payé par l'argent confirmé",
        "Non couvert si seul l'argent confirmé vient",
        "Payé par les demandes (si accordées)",
        "Non couvert si toutes les demandes sont accordées",
    ]
    (row,) = [r for r in rows if r["Mois"] == "2027-07" and r["Poste"] == "Agent·e de communication"]
    assert list(row.values())[2:] == [
        "4\u00a0073,73",
        "",
        "4\u00a0073,73",
        "FGM-2027-2028 4\u00a0073,73\u00a0$",
        "0,00",
    ]


def table_after(out: str, title: str) -> list[dict[str, str]]:
    """The rows of the table printed under ``title``, cut by the columns of its dashes."""
    lines = out.splitlines()
    at = lines.index(title)
    header, dashes = lines[at + 1], lines[at + 2]
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", dashes)]
    names = [header[a:b].strip() for a, b in spans]
    rows = []
    for line in lines[at + 3 :]:
        if not line.strip() or line.startswith("Note"):
            break
        rows.append(dict(zip(names, (line[a:b].strip() for a, b in spans), strict=True)))
    return [dict(zip(names, names, strict=True)), *rows]


# --- JSON is the same in every language (point 9) --------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--scenario", "both"],
        ["--compare", "--scenario", "mobilisation agent", "--scenario", "communications agent"],
        [*HIRE, "--fund", "FGM-2026-2027:2026-2027:24000"],
    ],
)
def test_simulate_json_is_the_same_in_french_and_in_english(example_url: str, args: list[str]) -> None:
    french = run(example_url, "--lang", "fr", "simulate", "--from", "2026-2027", "--json", *args)
    english = run(example_url, "--lang", "en", "simulate", "--from", "2026-2027", "--json", *args)
    assert french.exit_code == english.exit_code == 0
    assert french.stdout == english.stdout
    notes = json.loads(french.stdout)[0]["notes"]
    assert {"code": "payroll.year_borrowed", "params": {"year": 2027, "used": 2026}} in notes
    assert "aucun paramètre" not in french.stdout and "no payroll parameters" not in english.stdout


def test_budget_from_scenario_json_is_the_same_in_french_and_in_english(
    example_url: str, factory: sessionmaker[Session]
) -> None:
    outputs = []
    for lang in ("fr", "en"):
        result = run(
            example_url,
            "--lang",
            lang,
            "budget-from-scenario",
            "--project",
            OPERATIONS,
            "--from",
            "2026-2027",
            "--json",
        )
        assert result.exit_code == 0, result.output
        outputs.append(result.stdout)
        with unit_of_work(factory) as session:  # make room for the same default name
            session.delete(
                session.scalars(select(BudgetVersion).where(BudgetVersion.name == "Dotation actuelle")).one()
            )
    assert outputs[0] == outputs[1]
    data = json.loads(outputs[0])
    assert data["version"] == "Dotation actuelle"
    assert {line["category"] for line in data["lines"]} == {"salaries", "employer_contributions", "benefits"}


# --- the budget made from a scenario (point 7) -----------------------------------------------


def test_budget_from_scenario_writes_french_descriptions_under_lang_en_and_keeps_2025_2026(
    example_url: str, factory: sessionmaker[Session]
) -> None:
    result = run(
        example_url, "--lang", "en", "budget-from-scenario", "both", "--project", OPERATIONS, "--from", "2026-2027"
    )
    assert result.exit_code == 0, result.output
    assert "staffing lines taken from 'both'" in result.stdout
    with factory() as session:
        version = session.scalars(select(BudgetVersion).where(BudgetVersion.name == "both")).one()
        adopted = version.parent
        assert adopted is not None
        staffing = {"salaries", "employer_contributions", "benefits"}

        def amounts(v: BudgetVersion) -> dict[tuple[str, str], dict[str, Decimal]]:
            return {
                (ln.category.code, ln.description): {a.period_start.isoformat(): a.amount for a in ln.amounts}
                for ln in v.lines
                if ln.category.code in staffing
            }

        new, old = amounts(version), amounts(adopted)
        descriptions = {d for _, d in new}
        assert descriptions == {
            "Coordonnatrice",
            "Agente de liaison",
            "Agent·e de mobilisation",
            "Agent·e de communication",
        }
        for key, by_year in old.items():
            assert new[key]["2025-04-01"] == by_year["2025-04-01"]  # 2025-2026 is not simulated: kept
        assert new[("salaries", "Coordonnatrice")]["2025-04-01"] == D("60769.80")
        per_year = [sum((y.get(f"{n}-04-01", D(0)) for y in new.values()), D(0)) for n in (2025, 2026, 2027, 2028)]
        everything = [
            sum(
                (
                    a.amount
                    for ln in version.lines
                    for a in ln.amounts
                    if a.period_start.year == n and a.period_start.month == 4
                ),
                D(0),
            )
            for n in (2025, 2026, 2027, 2028)
        ]
    lines = result.stdout.splitlines()
    header = next(x for x in lines if x.startswith("Line "))
    assert header.split()[-4:] == ["2025-2026", "2026-2027", "2027-2028", "2028-2029"]
    staffing_total = next(
        x for x in lines if x.startswith("Total of the staffing lines (salaries, contributions, benefits)")
    )
    version_total = next(x for x in lines if x.startswith("Total of the version (all its lines)"))
    assert staffing_total.split()[-4:] == [f"{v:,}" for v in per_year]
    assert version_total.split()[-4:] == [f"{v:,}" for v in everything]
    assert per_year[0] < everything[0]  # the version has more than its staffing lines
    assert "Coordinator" not in result.stdout


# --- bad options are refused, nothing written (point 21) -------------------------------------

BAD = [
    (["simulate", "--add", "", "--rate", "26", "--hours", "32", "--start", "2027-01-05"],
     "--add : le titre de l'embauche ne peut pas être vide"),
    (["simulate", "--add", "Agent·e", "--rate", "26", "--hours", "0", "--start", "2027-01-05"],
     "--hours : un poste ajouté doit compter plus de 0 heure par semaine (0)"),
    (["simulate", "--add", "Agent·e", "--rate", "26", "--hours", "abc", "--start", "2027-01-05"],
     "--hours : heures par semaine invalides (abc) : un nombre de 0 à 168"),
    (["simulate", "--add", "Agent·e", "--rate", "0", "--hours", "32", "--start", "2027-01-05"],
     "--rate : un poste ajouté doit être payé plus de 0"),
    (["simulate", "--add", "Agent·e", "--rate", "26", "--hours", "32", "--start", "2027-02-30"],
     "--start : date « 2027-02-30 » invalide"),
    (["simulate", "--add", "Agent·e", "--rate", "26", "--hours", "32", "--start", "2027-01-05", "--vacation", "7"],
     "--vacation : taux hors limites (7) : de 0 à 1"),
    (["simulate", "--rate", "26"], "--rate : cette option décrit une embauche : donner aussi --add TITRE"),
    (["simulate", "--years", "0"], "--years : « 0 » : un nombre entier d'exercices, de 1 à 10"),
    (["simulate", "--years", "abc"], "--years : « abc » : un nombre entier d'exercices, de 1 à 10"),
    (["budget-from-scenario", "both", "--project", OPERATIONS, "--years", "0"],
     "--years : « 0 » : un nombre entier d'exercices, de 1 à 10"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "message"), BAD)
def test_a_bad_option_exits_1_with_a_message_naming_it_and_writes_nothing(
    example_url: str, engine: Engine, args: list[str], message: str
) -> None:
    before = row_counts(engine)
    result = run(example_url, *args)
    assert result.exit_code == 1
    assert result.stderr.startswith("Erreur : ") and message in result.stderr, result.stderr
    assert result.stdout == ""
    assert row_counts(engine) == before
