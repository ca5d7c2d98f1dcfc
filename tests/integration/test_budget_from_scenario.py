"""From plan to budget: the staffing lines of a budget version come from a scenario and equal its projection."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import unit_of_work
from fundtrack.errors import InputError, NotFound
from fundtrack.models import Budget, BudgetLine, BudgetLineAmount, BudgetVersion, Organisation, Project, VersionKind
from fundtrack.money import ZERO
from fundtrack.periods import DateRange
from fundtrack.queries.lookups import category_by_code
from fundtrack.queries.scope import Scope
from fundtrack.services import interchange
from fundtrack.services.simulation import (
    BUDGET_CATEGORIES,
    budget_lines_from_run,
    budget_version_from_scenario,
    simulate_scenario,
)
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


def test_the_years_the_scenario_does_not_simulate_keep_their_amounts(
    factory: sessionmaker[Session], example: int
) -> None:
    """The adopted budget has 2025-2026 staffing amounts; a scenario simulated from
    2026-2027 replaces 2026-2029 and keeps 2025-2026 as it was."""
    codes = {code for code, _ in BUDGET_CATEGORIES}
    with unit_of_work(factory) as session:
        version, _ = budget_version_from_scenario(
            session, treasurer(session, example), "both", OPERATIONS, "Deux embauches", rng=YEARS
        )
        assert version.parent is not None
        before = {
            (ln.category.code, ln.description): a.amount
            for ln in version.parent.lines
            for a in ln.amounts
            if ln.category.code in codes and a.period_start == date(2025, 4, 1)
        }
        after = {
            (ln.category.code, ln.description): a.amount
            for ln in version.lines
            for a in ln.amounts
            if ln.category.code in codes and a.period_start == date(2025, 4, 1)
        }
        assert len(before) == 6 and after == before
        assert before[("salaries", "Coordonnatrice")] == Decimal("60769.80")


def test_an_amount_across_the_simulated_range_keeps_its_days_outside_it(
    factory: sessionmaker[Session], example: int
) -> None:
    """36 500 $ of salary for calendar 2026 keeps 90 days of 365 before April 2026 (9 000 $);
    a line of a position the plan no longer has keeps its year outside the range."""
    with unit_of_work(factory) as session:
        org = session.get_one(Organisation, example)
        budget = session.scalars(select(Budget).join(Budget.project).where(Project.name == OPERATIONS)).one()
        version = BudgetVersion(budget=budget, name="Essai", kind=VersionKind.SCENARIO)
        session.add(version)
        for code, description, start, end, amount in [
            ("salaries", "Agente de liaison", date(2026, 1, 1), date(2026, 12, 31), "36500.00"),
            ("benefits", "Ancien poste", date(2025, 4, 1), date(2026, 3, 31), "1000.00"),
            ("benefits", "Ancien poste", date(2026, 4, 1), date(2027, 3, 31), "1000.00"),
        ]:
            line = BudgetLine(category_id=category_by_code(session, Scope(org.id), code).id, description=description)
            line.amounts.append(BudgetLineAmount(period_start=start, period_end=end, amount=Decimal(amount)))
            version.lines.append(line)
        session.flush()
        run = simulate_scenario(session, Scope(example), rng=YEARS)
        lines = budget_lines_from_run(session, treasurer(session, example), run, version.id)
        by_line = {
            (ln.category.code, ln.description): [(a.period_start, a.period_end, a.amount) for a in ln.amounts]
            for ln in lines
        }
        liaison = by_line[("salaries", "Agente de liaison")]
        assert liaison[0] == (date(2026, 1, 1), date(2026, 3, 31), Decimal("9000.00"))
        assert [a[0] for a in liaison[1:]] == [date(2026, 4, 1), date(2027, 4, 1), date(2028, 4, 1)]
        assert by_line[("benefits", "Ancien poste")] == [(date(2025, 4, 1), date(2026, 3, 31), Decimal("1000.00"))]
