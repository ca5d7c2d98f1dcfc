"""Editing the staffing plan and simulating a typed hire, on the Parc-Extension example
(SQLite and PostgreSQL): what the admin's staffing views and simulator call."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import unit_of_work
from fundtrack.errors import NotFound, RuleViolation, StaleRecord
from fundtrack.models.staffing import Position, Scenario
from fundtrack.money import ZERO
from fundtrack.periods import DateRange
from fundtrack.queries.scope import Scope
from fundtrack.schemas.common import load_or_raise
from fundtrack.schemas.staffing import ChangeSchema, NewChange, PositionSchema
from fundtrack.services import interchange
from fundtrack.services.context import acting_for
from fundtrack.services.simulation import (
    free_position_key,
    hire_change,
    month_totals,
    run_answers,
    simulate_scenario,
    year_totals,
)
from fundtrack.services.staffing import create_scenario, delete_position, delete_scenario, update_position

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "parc-extension.yaml"
RANGE = DateRange(date(2026, 4, 1), date(2029, 3, 31))


@pytest.fixture
def example(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    with unit_of_work(factory) as session:
        interchange.load_document(session, interchange.read_file(EXAMPLE))
    return factory


def hire(**changes: object) -> NewChange:
    data: dict[str, object] = {
        "kind": "add",
        "position": "communications-2",
        "title_fr": "Agent·e de communication",
        "title_en": "Communications agent",
        "hourly_rate": "28.00",
        "weekly_hours": "28",
        "start_date": "2027-07-01",
        "vacation_rate": "0.04",
        "benefits_rate": "0.04",
        "funding": [
            {"grant": "FGM-2027-2028", "amounts": [{"start": "2027-07-01", "end": "2028-06-30", "amount": "45000.00"}]}
        ],
    }
    data.update(changes)
    cmd: NewChange = load_or_raise(ChangeSchema(), data)
    return cmd


def test_a_typed_hire_costs_the_same_as_the_same_hire_saved_in_a_scenario(example: sessionmaker[Session]) -> None:
    with unit_of_work(example) as session:
        scope = Scope(acting_for(session).organisation_id)
        typed = simulate_scenario(session, scope, rng=RANGE, extra=[hire_change(session, scope, hire())])
        stored = simulate_scenario(session, scope, "communications agent", rng=RANGE)
        assert [y.cost for y in typed.years] == [y.cost for y in stored.years]
        assert [y.gap_requested for y in typed.years] == [y.gap_requested for y in stored.years]
        assert [a.position for a in run_answers(session, scope, typed, RANGE.end)] == ["communications-2"]
        assert [a.position for a in run_answers(session, scope, stored, RANGE.end)] == ["communications"]


def test_every_month_of_a_run_adds_up_to_its_fiscal_years(example: sessionmaker[Session]) -> None:
    with unit_of_work(example) as session:
        scope = Scope(acting_for(session).organisation_id)
        run = simulate_scenario(session, scope, "both", rng=RANGE)
        years = year_totals(run)
        months = month_totals(run)
        for y in years:
            mine = [m for m in months if m.month.start in y.year]
            assert sum((m.cost for m in mine), ZERO) == y.cost
            assert sum((m.confirmed for m in mine), ZERO) == y.confirmed
        assert years[1].requested > 0  # the Foundation's request pays the communications agent


@pytest.mark.parametrize(
    ("funding", "error", "field"),
    [
        (
            [{"grant": "ARR-VSP-2026", "amounts": [{"fiscal_year": "2026-2027", "amount": "100"}]}],
            RuleViolation,
            "funding[0].grant",
        ),
        (
            [{"grant": "FGM-2027-2028", "amounts": [{"fiscal_year": "2031-2032", "amount": "100"}]}],
            RuleViolation,
            "funding[0].amounts[0]",
        ),
        (
            [{"grant": "FGM-2027-2028", "amounts": [{"fiscal_year": "2027-2028", "amount": "90000"}]}],
            RuleViolation,
            "funding[0].amounts",
        ),
        ([{"grant": "NOPE", "share": "0.5"}], NotFound, "funding[0].grant"),
    ],
)
def test_a_hires_funding_is_refused_naming_its_line(
    example: sessionmaker[Session], funding: list[dict[str, object]], error: type[Exception], field: str
) -> None:
    with unit_of_work(example) as session:
        scope = Scope(acting_for(session).organisation_id)
        with pytest.raises(error) as raised:
            hire_change(session, scope, hire(funding=funding))
        assert getattr(raised.value, "field", None) == field


def test_a_hires_key_is_free_in_the_plan_and_in_the_scenario(example: sessionmaker[Session]) -> None:
    with unit_of_work(example) as session:
        scope = Scope(acting_for(session).organisation_id)
        assert free_position_key(session, scope, "Agent·e de liaison") == "agente-de-liaison"
        assert free_position_key(session, scope, "Liaison") == "liaison-2"
        assert free_position_key(session, scope, "Mobilisation", "both") == "mobilisation-2"
        assert free_position_key(session, scope, "…") == "ajout"


def _position(session: Session, key: str) -> Position:
    found = session.scalar(select(Position).where(Position.key == key))
    assert found is not None
    return found


def test_a_position_is_changed_from_its_read_revision_and_a_stale_one_is_refused(
    example: sessionmaker[Session],
) -> None:
    data = {
        "key": "liaison",
        "title_fr": "Agente de liaison",
        "title_en": "Liaison agent",
        "status": "filled",
        "hourly_rate": "27.00",
        "weekly_hours": "30",
        "start_date": "2019-02-04",
        "funding": [{"grant": "PIC-2025-2028", "amounts": [{"fiscal_year": "2026-2027", "amount": "41000.00"}]}],
    }
    with unit_of_work(example) as session:
        revision = _position(session, "liaison").revision
    with unit_of_work(example) as session:
        update_position(session, acting_for(session), "liaison", revision, load_or_raise(PositionSchema(), data))
    with unit_of_work(example) as session:
        found = _position(session, "liaison")
        assert found.hourly_rate == Decimal("27.00") and found.revision != revision
        assert [(f.grant.reference, [a.amount for a in f.amounts]) for f in found.funding] == [
            ("PIC-2025-2028", [Decimal("41000.00")])
        ]
    with unit_of_work(example) as session, pytest.raises(StaleRecord):
        update_position(session, acting_for(session), "liaison", revision, load_or_raise(PositionSchema(), data))


def test_a_position_a_scenario_changes_cannot_be_deleted_until_the_scenario_goes(
    example: sessionmaker[Session],
) -> None:
    from fundtrack.schemas.staffing import ScenarioSchema

    with unit_of_work(example) as session:
        acting = acting_for(session)
        cmd = load_or_raise(
            ScenarioSchema(),
            {
                "name": "liaison à 35 h",
                "changes": [{"kind": "change_pay", "position": "liaison", "weekly_hours": "35"}],
            },
        )
        create_scenario(session, acting, cmd)
    with unit_of_work(example) as session, pytest.raises(RuleViolation) as refused:
        delete_position(session, acting_for(session), "liaison")
    assert "liaison à 35 h" in refused.value.message("fr")
    with unit_of_work(example) as session:
        delete_scenario(session, acting_for(session), "liaison à 35 h")
        delete_position(session, acting_for(session), "liaison")
    with unit_of_work(example) as session:
        assert session.scalar(select(Position).where(Position.key == "liaison")) is None
        assert session.scalar(select(Scenario).where(Scenario.name == "liaison à 35 h")) is None
        with pytest.raises(NotFound):
            delete_scenario(session, acting_for(session), "liaison à 35 h")
