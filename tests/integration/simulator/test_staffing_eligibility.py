"""The borough's event grant never pays a salary: refused at input, never paid by the simulator.

ARR-VSP-2027 is restricted to translation, room rental, catering and administration. The
example's mobilisation scenario used to give it 20 000 $ of the agent's pay, and the
simulator paid it (4 051,35 $ in 2027-11). On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import unit_of_work
from fundtrack.errors import RuleViolation, ValidationFailed
from fundtrack.models import Grant
from fundtrack.models.staffing import PositionFunding, PositionFundingAmount, Scenario
from fundtrack.periods import DateRange
from fundtrack.queries.scope import Scope
from fundtrack.schemas.staffing import PositionSchema, ScenarioSchema
from fundtrack.services import interchange
from fundtrack.services.simulation import simulate_scenario
from fundtrack.services.staffing import create_position, create_scenario
from tests.conftest import treasurer

from ..conftest import row_counts
from .conftest import example_document, run

D = Decimal
YEARS = DateRange(date(2026, 4, 1), date(2029, 3, 31))
SCENARIOS = [None, "mobilisation agent", "communications agent", "both"]
BOROUGH = "ARR-VSP-2027"
THE_BOROUGHS_SHARE = {"grant": BOROUGH, "amounts": [{"start": "2027-01-01", "end": "2027-12-31", "amount": "20000.00"}]}


def borough_payments(session: Session, org: int, name: str | None) -> list[tuple[str, str, Decimal]]:
    run_ = simulate_scenario(session, Scope(org), name, rng=YEARS)
    return [
        (m.month.label, m.position, amount)
        for m in run_.simulation.monthly()
        for line, amount in m.confirmed + m.requested
        if line.key.startswith("ARR-VSP")
    ]


def test_the_borough_pays_no_salary_in_any_month_of_any_scenario_of_the_example(
    factory: sessionmaker[Session], example_org: int
) -> None:
    with factory() as session:
        for name in SCENARIOS:
            assert borough_payments(session, example_org, name) == []
        run_ = simulate_scenario(session, Scope(example_org), "both", rng=YEARS)
        (november,) = [m for m in run_.simulation.monthly("mobilisation") if m.month.label == "2027-11"]
        # the 4 051,35 $ the borough seemed to pay is uncovered, whether or not requests are granted
        assert [(line.key, a) for line, a in november.confirmed] == [("PIC-2025-2028", D("403.21"))]
        assert november.requested == ()
        assert november.gap_confirmed == november.gap_requested == D("4051.35")


def test_funding_recorded_before_the_rule_is_never_paid_by_the_simulator(
    factory: sessionmaker[Session], example_org: int
) -> None:
    with unit_of_work(factory) as session:
        grant = session.scalars(select(Grant).where(Grant.reference == BOROUGH)).one()
        scenario = session.scalars(select(Scenario).where(Scenario.name == "both")).one()
        funding = PositionFunding(grant_id=grant.id)
        funding.amounts.append(
            PositionFundingAmount(period_start=date(2027, 1, 1), period_end=date(2027, 12, 31), amount=D("20000"))
        )
        scenario.changes[0].funding.append(funding)
    with factory() as session:
        assert borough_payments(session, example_org, "both") == []
        run_ = simulate_scenario(session, Scope(example_org), "both", rng=YEARS)
        assert run_.simulation.runway("mobilisation", requested=True) == run_.simulation.runway("mobilisation")


def test_the_example_as_it_was_is_refused_at_load_and_nothing_is_written(
    factory: sessionmaker[Session], engine: Engine
) -> None:
    document = example_document()
    document["scenarios"][0]["changes"][0]["funding"].append(THE_BOROUGHS_SHARE)
    before = row_counts(engine)
    with pytest.raises(ValidationFailed) as refused, unit_of_work(factory) as session:
        interchange.load_document(session, document)
    assert [e.path for e in refused.value.errors] == [
        "scenarios[0].changes[0].funding[2].grant",
        "scenarios[2].changes[0].funding[2].grant",
    ]
    assert "grant ARR-VSP-2027 is restricted to administration, catering, room_rental, translation" in (
        refused.value.describe("en")
    )
    assert row_counts(engine) == before


def test_a_position_or_a_scenario_funded_by_the_borough_is_refused_and_nothing_is_written(
    factory: sessionmaker[Session], engine: Engine, example_org: int
) -> None:
    position: dict[str, Any] = {
        "key": "animation",
        "title_fr": "Animatrice",
        "title_en": "Facilitator",
        "hourly_rate": "25",
        "weekly_hours": "28",
        "start_date": "2027-01-04",
        "funding": [THE_BOROUGHS_SHARE],
    }
    scenario = {"name": "animation", "changes": [{"kind": "add", "position": "animation", **position}]}
    del scenario["changes"][0]["key"]  # type: ignore[index]
    before = row_counts(engine)
    with pytest.raises(RuleViolation) as refused, unit_of_work(factory) as session:
        create_position(session, treasurer(session, example_org), PositionSchema().load(position))
    assert refused.value.field == "funding[0].grant"
    with pytest.raises(RuleViolation) as refused, unit_of_work(factory) as session:
        create_scenario(session, treasurer(session, example_org), ScenarioSchema().load(scenario))
    assert refused.value.field == "changes[0].funding[0].grant"
    assert row_counts(engine) == before


def test_a_hire_funded_by_the_borough_on_the_command_line_is_refused(example_url: str, engine: Engine) -> None:
    before = row_counts(engine)
    result = run(
        example_url,
        "--lang",
        "en",
        "simulate",
        "--add",
        "Animatrice",
        "--rate",
        "25",
        "--hours",
        "28",
        "--start",
        "2027-01-04",
        "--fund",
        "ARR-VSP-2027:2026-2027:5000",
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: --fund: grant ARR-VSP-2027 is restricted to administration, catering")
    assert result.stdout == ""
    assert row_counts(engine) == before
