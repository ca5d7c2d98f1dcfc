"""The coordinator's staffing plan and hiring scenarios, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.calc.payroll import PositionTerms
from fundtrack.calc.staffing import AddPosition
from fundtrack.db import unit_of_work
from fundtrack.errors import InputError, NotFound, RuleViolation, ValidationFailed
from fundtrack.models import Budget, BudgetLine, BudgetVersion, VersionKind
from fundtrack.models.staffing import PayrollRateTable, Position
from fundtrack.periods import DateRange
from fundtrack.queries.lookups import project_by_name
from fundtrack.queries.scope import Scope
from fundtrack.queries.staffing import list_positions
from fundtrack.schemas.staffing import PayrollRatesSchema, PositionSchema, ScenarioSchema
from fundtrack.services import interchange
from fundtrack.services.context import Acting, acting_for
from fundtrack.services.payroll_rates import payroll_tables, rate_book, set_payroll_rates
from fundtrack.services.simulation import budget_lines_from_run, compare_scenarios, hiring_answers, simulate_scenario
from fundtrack.services.staffing import create_position, create_scenario

from .conftest import add_grant, row_counts

D = Decimal
YEARS = DateRange(date(2026, 4, 1), date(2028, 3, 31))

GRANTS = [
    {
        "reference": "PIC-2026-2028",
        "funder": "Centraide du Grand Montréal",
        "title": "Projet impact collectif",
        "status": "confirmed",
        "amount": "200000.00",
        "start_date": "2026-04-01",
        "end_date": "2028-03-31",
    },
    {
        "reference": "FGM-MOB",
        "funder": "Fondation du Grand Montréal",
        "title": "Mobilisation agent",
        "status": "confirmed",
        "amount": "30000.00",
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
    },
    {
        "reference": "ARR-2027",
        "funder": "Arrondissement VSP",
        "title": "Soutien à la mobilisation",
        "status": "requested",
        "amount": "20000.00",
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
    },
]

LIAISON = {
    "key": "liaison",
    "title_fr": "Agente de liaison",
    "title_en": "Liaison agent",
    "status": "filled",
    "employee": "E-002",
    "hourly_rate": "26.50",
    "weekly_hours": "32",
    "start_date": "2019-02-04",
    "vacation_rate": "0.06",
    "raise_rate": "0.03",
    "pay_as_of": "2026-04-01",
    "funding": [
        {
            "grant": "PIC-2026-2028",
            "amounts": [
                {"fiscal_year": "2026-2027", "amount": "45000"},
                {"fiscal_year": "2027-2028", "amount": "45000"},
            ],
        }
    ],
}

MOBILISATION = {
    "name": "mobilisation agent",
    "changes": [
        {
            "kind": "add",
            "position": "mobilisation",
            "title_fr": "Agent·e de mobilisation",
            "title_en": "Mobilisation agent",
            "hourly_rate": "26",
            "weekly_hours": "32",
            "start_date": "2027-01-05",
            "vacation_rate": "0.04",
            "funding": [
                {"grant": "FGM-MOB", "amounts": [{"start": "2027-01-01", "end": "2027-12-31", "amount": "30000"}]},
                {"grant": "ARR-2027", "amounts": [{"start": "2027-01-01", "end": "2027-12-31", "amount": "20000"}]},
            ],
        }
    ],
}


@pytest.fixture
def staffed(in_table: Callable[..., Any]) -> Callable[..., Any]:
    """The Table with its grants, the liaison agent in post and the mobilisation scenario."""

    def setup(session: Session, org: Acting) -> None:
        for grant in GRANTS:
            add_grant(session, org, **grant)
        create_position(session, org, PositionSchema().load(LIAISON))
        create_scenario(session, org, ScenarioSchema().load(MOBILISATION))

    in_table(setup)
    return in_table


def test_the_shipped_payroll_rates_are_read_without_writing_and_an_edit_is_the_organisations(
    staffed: Callable[..., Any], engine: Engine
) -> None:
    before = row_counts(engine)
    staffed(lambda s, o: payroll_tables(s, o.scope))
    assert row_counts(engine) == before  # reading never writes

    def edit(session: Session, org: Acting) -> None:
        set_payroll_rates(session, org, PayrollRatesSchema().load({"year": 2026, "cnesst_rate": "0.0091"}))

    staffed(edit)

    def check(session: Session, org: Acting) -> None:
        rows = payroll_tables(session, org.scope)
        assert [r.year for r in rows] == [2025, 2026]
        assert rows[1].cnesst_rate == D("0.0091") and not rows[1].cnesst_placeholder
        assert rows[1].rrq_mga == D("74600.00") and rows[0].cnesst_rate == D("0.0148")
        assert rate_book(session, org.scope).for_year(2026)[0].cnesst_rate == D("0.0091")

    staffed(check)


def test_a_year_not_shipped_needs_every_parameter(staffed: Callable[..., Any]) -> None:
    with pytest.raises(InputError) as err:
        staffed(lambda s, o: set_payroll_rates(s, o, PayrollRatesSchema().load({"year": 2027, "rrq_rate": "0.063"})))
    assert err.value.field == "rrq_exemption"


def test_the_organisations_own_cnesst_rate_replaces_the_average(staffed: Callable[..., Any]) -> None:
    def check(session: Session, org: Acting) -> None:
        org.organisation(session).cnesst_rate = D("0.0091")
        book = rate_book(session, org.scope)
        assert [t.cnesst_rate for t in book.tables] == [D("0.0091"), D("0.0091")]

    staffed(check)


def test_the_current_plan_is_simulated_per_fiscal_year_with_who_pays(staffed: Callable[..., Any]) -> None:
    def check(session: Session, org: Acting) -> None:
        run = simulate_scenario(session, org.scope, rng=YEARS)
        first = run.years[0]
        assert first.year.label == "2026-2027"
        assert first.confirmed == (("Centraide du Grand Montréal", D("45000.00")),)
        assert first.gap_confirmed == first.cost.total - D("45000")
        for summary in run.years:
            paid = sum((a for _, a in summary.confirmed + summary.requested), D(0))
            assert paid + summary.gap_requested == summary.cost.total
        spent, expected = D(0), None
        for line in run.simulation.projection.for_position("liaison"):
            spent += line.total
            if spent > D("45000"):
                expected = line.month
                break
        assert run.simulation.runway("liaison") == expected is not None

    staffed(check)


def test_the_mobilisation_scenario_adds_the_agent_and_its_funders(staffed: Callable[..., Any]) -> None:
    def check(session: Session, org: Acting) -> None:
        run = simulate_scenario(session, org.scope, "mobilisation agent", rng=YEARS)
        assert run.plan.title("mobilisation", "en") == "Mobilisation agent"
        first = run.years[0]
        assert ("Fondation du Grand Montréal", first.confirmed[1][1]) in first.confirmed
        months = run.simulation.who_pays("mobilisation")
        assert months[0][0].month.label == "2027-01"
        assert [line.key for line, _ in months[0][1]] == ["FGM-MOB"]
        runway_confirmed = run.simulation.runway("mobilisation")
        runway_requested = run.simulation.runway("mobilisation", requested=True)
        assert runway_confirmed is not None and runway_requested is not None
        assert runway_confirmed < runway_requested  # the borough's request carries it further

        table = compare_scenarios(session, org.scope, [None, "mobilisation agent"], rng=YEARS)
        for year in table.values():
            assert year["mobilisation agent"].cost.total > year[""].cost.total

    staffed(check)


def test_the_coordinators_three_answers_for_the_mobilisation_agent(staffed: Callable[..., Any]) -> None:
    def check(session: Session, org: Acting) -> None:
        run = simulate_scenario(session, org.scope, "mobilisation agent", rng=YEARS)
        answers = hiring_answers(session, org.scope, run, "mobilisation", date(2027, 12, 31))
        assert answers.earliest_start is not None and answers.earliest_start > date(2027, 1, 5)
        assert answers.most_hours is not None and D(0) < answers.most_hours < D(32)
        confirmed, granted = answers.needed_confirmed, answers.needed_requested
        assert sum(confirmed.values()) > sum(granted.values()) >= 0
        # one answer per fiscal year, from the start's to the one holding the date to reach
        assert [y.year.label for y in answers.years] == ["2026-2027", "2027-2028"]
        first, last = answers.years
        assert first.earliest_start == date(2027, 1, 5) and first.needed_confirmed == 0  # the foundation pays
        assert last.earliest_start == answers.earliest_start and last.needed_confirmed > 0
        with pytest.raises(NotFound):
            hiring_answers(session, org.scope, run, "communications", date(2027, 12, 31))

    staffed(check)


def test_a_hire_given_on_the_command_line_joins_the_plan(staffed: Callable[..., Any]) -> None:
    def check(session: Session, org: Acting) -> None:
        hire = PositionTerms("com", date(2027, 4, 1), hourly_rate=D("28"), weekly_hours=D("28"))
        run = simulate_scenario(
            session,
            org.scope,
            rng=YEARS,
            extra=[AddPosition(hire)],
            titles={"com": ("Agent·e de communication", "Communications agent")},
        )
        assert run.simulation.runway("com") is not None and run.simulation.runway("com").label == "2027-04"  # type: ignore[union-attr]
        assert run.plan.title("com", "fr") == "Agent·e de communication"

    staffed(check)


def test_the_budget_generated_from_a_scenario_equals_the_projection(staffed: Callable[..., Any]) -> None:
    def check(session: Session, org: Acting) -> None:
        project = project_by_name(session, org.scope, "Fonctionnement de la Table")
        budget = Budget(organisation_id=org.organisation_id, project_id=project.id)
        version = BudgetVersion(name="scénario mobilisation", kind=VersionKind.SCENARIO)
        budget.versions.append(version)
        session.add(budget)
        session.flush()
        run = simulate_scenario(session, org.scope, "mobilisation agent", rng=YEARS)
        lines = budget_lines_from_run(session, org, run, version.id)
        again = budget_lines_from_run(session, org, run, version.id)  # replaces, never doubles
        assert len(again) == len(lines)
        stored = session.scalars(select(BudgetLine).where(BudgetLine.version_id == version.id)).all()
        assert len(stored) == len(lines)
        per_year = run.simulation.projection.by_fiscal_year(org.calendar)
        for year, amounts in per_year.items():
            total = sum((a.amount for line in stored for a in line.amounts if a.period_start == year.start), D(0))
            assert total == amounts.total

    staffed(check)


def test_bad_staffing_input_is_refused_and_nothing_is_written(staffed: Callable[..., Any], engine: Engine) -> None:
    before = row_counts(engine)
    over = {
        **LIAISON,
        "key": "coordination",
        "funding": [{"grant": "PIC-2026-2028", "amounts": [{"fiscal_year": "2026-2027", "amount": "160000"}]}],
    }
    with pytest.raises(RuleViolation):
        staffed(lambda s, o: create_position(s, o, PositionSchema().load(over)))
    outside = {
        **LIAISON,
        "key": "x",
        "funding": [{"grant": "FGM-MOB", "amounts": [{"fiscal_year": "2025-2026", "amount": "10"}]}],
    }
    with pytest.raises(RuleViolation):
        staffed(lambda s, o: create_position(s, o, PositionSchema().load(outside)))
    with pytest.raises(InputError):
        staffed(lambda s, o: create_position(s, o, PositionSchema().load(LIAISON)))
    bad_change = {"name": "x", "changes": [{"kind": "end", "position": "nobody", "end_date": "2027-01-01"}]}
    with pytest.raises(NotFound):
        staffed(lambda s, o: create_scenario(s, o, ScenarioSchema().load(bad_change)))
    assert row_counts(engine) == before


def test_a_funders_login_sees_only_the_positions_it_funds(staffed: Callable[..., Any]) -> None:
    def check(session: Session, org: Acting) -> None:
        funders = {f.name: f.id for f in org.organisation(session).funders}
        centraide = Scope(org.organisation_id, funders["Centraide du Grand Montréal"])
        city = Scope(org.organisation_id, funders["Ville de Montréal"])
        assert [p.key for p in list_positions(session, centraide)] == ["liaison"]
        assert list_positions(session, city) == []
        with pytest.raises(RuleViolation):
            simulate_scenario(session, centraide, rng=YEARS)

    staffed(check)


def test_positions_rates_and_scenarios_go_round_the_interchange_file(
    staffed: Callable[..., Any], factory: sessionmaker[Session]
) -> None:
    staffed(lambda s, o: set_payroll_rates(s, o, PayrollRatesSchema().load({"year": 2026, "cnesst_rate": "0.0091"})))
    with unit_of_work(factory) as session:
        document = interchange.dump_document(session, acting_for(session))
    assert document["payroll_rates"] == [{"year": 2026, "cnesst_rate": "0.0091"}]
    assert document["positions"][0]["key"] == "liaison"
    assert document["positions"][0]["funding"][0]["amounts"][0] == {"fiscal_year": "2026-2027", "amount": "45000.00"}
    assert document["scenarios"][0]["changes"][0]["funding"][0]["amounts"][0]["start"] == "2027-01-01"
    document["organisation"]["name"] = "Copie"
    with unit_of_work(factory) as session:
        copy = interchange.load_document(session, interchange.parse_text(interchange.to_yaml(document)))
        again = interchange.dump_document(session, copy)
    for key in ("payroll_rates", "positions", "scenarios"):
        assert again[key] == document[key]


def test_an_interchange_file_with_a_bad_position_names_the_path(
    staffed: Callable[..., Any], factory: sessionmaker[Session]
) -> None:
    with unit_of_work(factory) as session:
        document = interchange.dump_document(session, acting_for(session))
        tables = len(session.scalars(select(PayrollRateTable)).all())
    document["organisation"]["name"] = "Autre"
    document["positions"][0]["weekly_hours"] = "200"
    with pytest.raises(ValidationFailed) as err, unit_of_work(factory) as session:
        interchange.load_document(session, document)
    assert [e.path for e in err.value.errors] == ["positions[0].weekly_hours"]
    with factory() as session:
        assert session.scalars(select(Position)).all()[0].key == "liaison"
        assert len(session.scalars(select(PayrollRateTable)).all()) == tables
