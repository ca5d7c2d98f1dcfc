"""The staffing plan as the simulator and the reports read it: positions, their funding, scenarios.

A stored scenario is the current plan plus its ordered changes; :func:`staffing_plan`
applies them (and any extra change, such as a hire typed on the command line) with the
pure rules of :mod:`fundtrack.calc.staffing`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fundtrack.calc.payroll import PositionTerms
from fundtrack.calc.staffing import (
    AddPosition,
    Change,
    ChangePay,
    EndPosition,
    FundingLine,
    FundingStatus,
    MoveDates,
    apply_changes,
)
from fundtrack.errors import NotFound
from fundtrack.i18n import msg
from fundtrack.models import Grant, GrantStatus
from fundtrack.models.staffing import ChangeKind, Position, PositionFunding, Scenario, ScenarioChange
from fundtrack.money import ZERO
from fundtrack.queries.scope import Scope

M_UNKNOWN_SCENARIO = msg("staffing.unknown_scenario")


def list_positions(session: Session, scope: Scope) -> list[Position]:
    """The plan's positions; a funder's login sees only the positions its grants fund."""
    query = (
        select(Position)
        .where(Position.organisation_id == scope.organisation_id)
        .options(selectinload(Position.funding).selectinload(PositionFunding.amounts))
        .options(selectinload(Position.funding).selectinload(PositionFunding.grant).selectinload(Grant.funder))
        .order_by(Position.start_date, Position.key)
    )
    if scope.funder_id is not None:
        funded = (
            select(PositionFunding.position_id)
            .join(Grant, Grant.id == PositionFunding.grant_id)
            .where(Grant.funder_id == scope.funder_id)
        )
        query = query.where(Position.id.in_(funded))
    return list(session.scalars(query))


def position_terms(position: Position | ScenarioChange) -> PositionTerms:
    """The projection's terms for a position of the plan or a scenario's new position."""
    if isinstance(position, ScenarioChange):
        assert position.start_date is not None
        return PositionTerms(
            position.position_key,
            position.start_date,
            end=position.end_date,
            annual_salary=position.annual_salary,
            hourly_rate=position.hourly_rate,
            weekly_hours=position.weekly_hours,
            vacation_rate=position.vacation_rate or ZERO,
            benefits_rate=position.benefits_rate or ZERO,
            raise_rate=position.raise_rate or ZERO,
            employee=position.employee,
        )
    raise_on = (position.raise_month, position.raise_day or 1) if position.raise_month else None
    return PositionTerms(
        position.key,
        position.start_date,
        end=position.end_date,
        annual_salary=position.annual_salary,
        hourly_rate=position.hourly_rate,
        weekly_hours=position.weekly_hours,
        vacation_rate=position.vacation_rate,
        benefits_rate=position.benefits_rate,
        raise_rate=position.raise_rate,
        raise_on=raise_on,
        pay_as_of=position.pay_as_of,
        employee=position.employee,
    )


def funding_lines(key: str, funding: Sequence[PositionFunding]) -> list[FundingLine]:
    """The calc's funding lines for position ``key``; declined grants give nothing."""
    lines = []
    for f in funding:
        grant = f.grant
        if grant.status is GrantStatus.DECLINED:
            continue
        status = FundingStatus.REQUESTED if grant.status is GrantStatus.REQUESTED else FundingStatus.CONFIRMED
        lines.append(
            FundingLine(
                grant.reference,
                grant.funder.name,
                key,
                status=status,
                amounts=tuple((a.period, a.amount) for a in f.amounts),
                share=f.share,
                period=grant.period,
                restricted=grant.restricted,
            )
        )
    return lines


def scenario_by_name(session: Session, scope: Scope, name: str) -> Scenario:
    scenario = session.scalar(
        select(Scenario)
        .where(Scenario.organisation_id == scope.organisation_id, Scenario.name == name)
        .options(selectinload(Scenario.changes).selectinload(ScenarioChange.funding))
    )
    if scenario is None:
        raise NotFound(M_UNKNOWN_SCENARIO, field="scenario", name=name)
    return scenario


def list_scenarios(session: Session, scope: Scope) -> list[Scenario]:
    query = select(Scenario).where(Scenario.organisation_id == scope.organisation_id).order_by(Scenario.name)
    return list(session.scalars(query))


def scenario_changes(scenario: Scenario) -> list[Change]:
    """A stored scenario's changes as the calc's."""
    out: list[Change] = []
    for row in scenario.changes:
        if row.kind is ChangeKind.ADD:
            terms = position_terms(row)
            out.append(AddPosition(terms, tuple(funding_lines(terms.key, row.funding))))
        elif row.kind is ChangeKind.CHANGE_PAY:
            out.append(ChangePay(row.position_key, row.annual_salary, row.hourly_rate, row.weekly_hours))
        elif row.kind is ChangeKind.MOVE:
            out.append(MoveDates(row.position_key, row.start_date, row.end_date))
        else:
            assert row.end_date is not None
            out.append(EndPosition(row.position_key, row.end_date))
    return out


@dataclass(frozen=True)
class StaffingPlan:
    """Positions and their funding after a scenario, with each position's titles."""

    positions: tuple[PositionTerms, ...]
    funding: tuple[FundingLine, ...]
    titles: dict[str, tuple[str, str]]

    def title(self, key: str, lang: str) -> str:
        fr, en = self.titles.get(key, (key, key))
        return en if lang == "en" else fr


def staffing_plan(
    session: Session, scope: Scope, scenario: Scenario | None, extra: Sequence[Change] = ()
) -> StaffingPlan:
    """The plan after ``scenario``'s changes (and ``extra``): positions, funding, titles."""
    positions = list_positions(session, Scope(scope.organisation_id))
    terms = [position_terms(p) for p in positions]
    lines = [line for p in positions for line in funding_lines(p.key, p.funding)]
    titles = {p.key: (p.title_fr, p.title_en) for p in positions}
    changes: list[Change] = []
    if scenario is not None:
        changes.extend(scenario_changes(scenario))
        for row in scenario.changes:
            if row.kind is ChangeKind.ADD:
                titles[row.position_key] = (row.title_fr or row.position_key, row.title_en or row.position_key)
    changes.extend(extra)
    for change in extra:
        if isinstance(change, AddPosition):
            titles.setdefault(change.terms.key, (change.terms.key, change.terms.key))
    new_terms, new_lines = apply_changes(terms, lines, changes)
    return StaffingPlan(new_terms, new_lines, titles)
