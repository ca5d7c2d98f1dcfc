"""From plan to budget: the staffing lines of a budget version come from a scenario and equal its projection."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import unit_of_work
from fundtrack.errors import InputError, NotFound
from fundtrack.models import BudgetVersion, VersionKind
from fundtrack.money import ZERO
from fundtrack.periods import DateRange
from fundtrack.services import interchange
from fundtrack.services.simulation import BUDGET_CATEGORIES, budget_version_from_scenario
from tests.conftest import treasurer

from .conftest import row_counts

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "parc-extension.yaml"
YEARS = DateRange(date(2026, 4, 1), date(2029, 3, 31))
OPERATIONS = "Fonctionnement de la Table"


@pytest.fixture
def example(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as session:
        return interchange.load_document(session, interchange.read_file(EXAMPLE)).organisation_id


def staffing_totals(version: BudgetVersion) -> dict[tuple[str, date], Decimal]:
    codes = {code for code, _ in BUDGET_CATEGORIES}
    out: dict[tuple[str, date], Decimal] = {}
    for line in version.lines:
        if line.category.code in codes:
            for a in line.amounts:
                key = (line.category.code, a.period_start)
                out[key] = out.get(key, ZERO) + a.amount
    return out


def test_the_budget_made_from_the_both_hires_scenario_equals_its_projection_to_the_cent(
    factory: sessionmaker[Session], example: int
) -> None:
    with unit_of_work(factory) as session:
        version, run = budget_version_from_scenario(
            session, treasurer(session, example), "both", OPERATIONS, "Deux embauches", rng=YEARS
        )
        totals = staffing_totals(version)
        projection = run.simulation.projection
        calendar = version.budget.project.organisation.calendar
        for year, amounts in projection.by_fiscal_year(calendar).items():
            assert totals[("salaries", year.start)] == amounts.earnings
            assert totals[("employer_contributions", year.start)] == amounts.contributions
            assert totals[("benefits", year.start)] == amounts.benefits
        assert version.kind is VersionKind.SCENARIO
        assert version.parent is not None and version.parent.current
        assert not version.current


def test_lines_other_than_staffing_are_kept_from_the_current_version(
    factory: sessionmaker[Session], example: int
) -> None:
    codes = {code for code, _ in BUDGET_CATEGORIES}
    with unit_of_work(factory) as session:
        version, _ = budget_version_from_scenario(
            session, treasurer(session, example), None, OPERATIONS, "Plan", rng=YEARS
        )
        assert version.parent is not None
        kept = sorted((ln.category.code, ln.description) for ln in version.lines if ln.category.code not in codes)
        before = sorted(
            (ln.category.code, ln.description) for ln in version.parent.lines if ln.category.code not in codes
        )
        assert kept == before


def test_an_unknown_scenario_or_a_taken_version_name_writes_nothing(
    factory: sessionmaker[Session], example: int, engine: Engine
) -> None:
    before = row_counts(engine)
    with pytest.raises(NotFound), unit_of_work(factory) as s:
        budget_version_from_scenario(s, treasurer(s, example), "no such scenario", OPERATIONS, "X", rng=YEARS)
    with unit_of_work(factory) as s:
        budget_version_from_scenario(s, treasurer(s, example), "both", OPERATIONS, "Deux embauches", rng=YEARS)
    middle = row_counts(engine)
    with pytest.raises(InputError) as refused, unit_of_work(factory) as s:
        budget_version_from_scenario(s, treasurer(s, example), "both", OPERATIONS, "Deux embauches", rng=YEARS)
    assert "Deux embauches" in refused.value.describe("en")
    assert row_counts(engine) == middle != before
