"""The coordinator's use cases on the staffing plan: positions with their funding, and scenarios.

A position's pay terms are checked by the projection itself before anything is written;
its funding names grants that are not declined, within their periods, and never more
than a grant's amount over the whole plan (the grants' rows are locked while this is
checked). A scenario's changes are checked against the plan and the changes before them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.calc.staffing import FundingLine, check_funds_position
from fundtrack.errors import InputError, NotFound, RuleViolation
from fundtrack.i18n import msg
from fundtrack.models import GrantStatus
from fundtrack.models.staffing import (
    ChangeKind,
    Position,
    PositionFunding,
    PositionFundingAmount,
    PositionStatus,
    Scenario,
    ScenarioChange,
)
from fundtrack.money import ZERO, shown
from fundtrack.periods import DateRange
from fundtrack.queries.lookups import check_revision, grant_by_reference, lock_grants, new_revision
from fundtrack.queries.staffing import position_terms, staffing_plan
from fundtrack.roles import Action
from fundtrack.schemas.staffing import NewChange, NewFunding, NewPosition, NewScenario
from fundtrack.services.context import Acting

M_DUPLICATE_POSITION = msg("staffing.duplicate_position")
M_DUPLICATE_SCENARIO = msg("staffing.duplicate_scenario")
M_DECLINED = msg("staffing.declined_grant")
M_OVER_GRANT = msg("staffing.over_grant")
M_OUTSIDE_GRANT = msg("staffing.outside_grant")
M_UNKNOWN_POSITION = msg("staffing.unknown_position")
M_UNKNOWN_SCENARIO = msg("staffing.unknown_scenario")
M_POSITION_IN_SCENARIO = msg("staffing.position_in_scenario")

POSITION_COLUMNS = (
    "key",
    "title_fr",
    "title_en",
    "employee",
    "annual_salary",
    "hourly_rate",
    "weekly_hours",
    "start_date",
    "end_date",
    "vacation_rate",
    "benefits_rate",
    "raise_rate",
    "pay_as_of",
    "notes",
)

CHANGE_COLUMNS = (
    "title_fr",
    "title_en",
    "employee",
    "annual_salary",
    "hourly_rate",
    "weekly_hours",
    "start_date",
    "end_date",
    "vacation_rate",
    "benefits_rate",
    "raise_rate",
)


def create_position(session: Session, acting: Acting, cmd: NewPosition) -> Position:
    """Add a position to the plan. Refuses a duplicate key, pay terms the projection cannot
    use, a declined or unknown grant, and funding beyond a grant's amount or outside its period."""
    acting.require(session, Action.STAFFING)
    exists = session.scalar(
        select(Position.id).where(Position.organisation_id == acting.organisation_id, Position.key == cmd.key)
    )
    if exists is not None:
        raise InputError(M_DUPLICATE_POSITION, field="key", key=cmd.key)
    position = Position(
        organisation_id=acting.organisation_id,
        key=cmd.key,
        title_fr=cmd.title_fr,
        title_en=cmd.title_en,
        employee=cmd.employee,
        status=PositionStatus(cmd.status),
        annual_salary=cmd.annual_salary,
        hourly_rate=cmd.hourly_rate,
        weekly_hours=cmd.weekly_hours,
        start_date=cmd.start_date,
        end_date=cmd.end_date,
        vacation_rate=cmd.vacation_rate,
        benefits_rate=cmd.benefits_rate,
        raise_rate=cmd.raise_rate,
        raise_month=cmd.raise_on[0] if cmd.raise_on else None,
        raise_day=cmd.raise_on[1] if cmd.raise_on else None,
        pay_as_of=cmd.pay_as_of,
        notes=cmd.notes,
    )
    position_terms(position)  # the projection's own checks, before anything is written
    with session.no_autoflush:
        position.funding = [_funding(session, acting, f, f"funding[{i}]") for i, f in enumerate(cmd.funding)]
    # locked before the funding rows are written: a row that names a grant takes a share
    # lock on it (PostgreSQL), and two writers each holding one would then deadlock
    grant_ids = {f.grant_id for f in position.funding}
    lock_grants(session, grant_ids)
    session.add(position)
    session.flush()
    _check_grant_totals(session, grant_ids)
    return position


def _funding(session: Session, acting: Acting, cmd: NewFunding, field: str) -> PositionFunding:
    grant = grant_by_reference(session, acting.scope, cmd.grant, field=f"{field}.grant")
    if grant.status is GrantStatus.DECLINED:
        raise RuleViolation(M_DECLINED, field=f"{field}.grant", reference=grant.reference)
    eligible = [c.code for c in grant.eligible_categories]
    check_funds_position(grant.reference, grant.restricted, eligible, field=f"{field}.grant")
    funding = PositionFunding(grant_id=grant.id, share=cmd.share)
    funding.grant = grant
    for j, entry in enumerate(cmd.amounts):
        if entry.fiscal_year:
            period: DateRange = acting.calendar.parse(entry.fiscal_year, f"{field}.amounts[{j}].fiscal_year")
        else:
            assert entry.start is not None and entry.end is not None  # the schema's rule
            period = DateRange(entry.start, entry.end)
        if grant.period.overlap(period) is None:
            raise RuleViolation(
                M_OUTSIDE_GRANT,
                field=f"{field}.amounts[{j}]",
                period=period,
                reference=grant.reference,
                start=grant.start_date,
                end=grant.end_date,
            )
        funding.amounts.append(
            PositionFundingAmount(period_start=period.start, period_end=period.end, amount=entry.amount)
        )
    # the calc's own checks (overlapping periods...)
    FundingLine(
        grant.reference, "", "", amounts=tuple((a.period, a.amount) for a in funding.amounts), share=funding.share
    )
    return funding


def _check_grant_totals(session: Session, grant_ids: set[int]) -> None:
    """No grant gives the plan's positions more than its amount (the grants locked until
    the commit, so that two positions funded at once are counted together)."""
    for grant in lock_grants(session, grant_ids):
        rows = session.scalars(
            select(PositionFundingAmount.amount)
            .join(PositionFunding, PositionFunding.id == PositionFundingAmount.funding_id)
            .where(PositionFunding.grant_id == grant.id, PositionFunding.position_id.is_not(None))
        )
        total = sum(rows, ZERO)
        if total > grant.amount:
            raise RuleViolation(
                M_OVER_GRANT, field="funding", total=shown(total), reference=grant.reference, amount=shown(grant.amount)
            )


def create_scenario(session: Session, acting: Acting, cmd: NewScenario) -> Scenario:
    """Add a scenario: the plan plus ordered changes, each checked against the plan and the
    changes before it (a change to an unknown position, or one that leaves invalid terms,
    is refused)."""
    acting.require(session, Action.STAFFING)
    exists = session.scalar(
        select(Scenario.id).where(Scenario.organisation_id == acting.organisation_id, Scenario.name == cmd.name)
    )
    if exists is not None:
        raise InputError(M_DUPLICATE_SCENARIO, field="name", name=cmd.name)
    scenario = Scenario(organisation_id=acting.organisation_id, name=cmd.name, description=cmd.description)
    with session.no_autoflush:
        for seq, change in enumerate(cmd.changes):
            scenario.changes.append(_change(session, acting, seq, change))
        staffing_plan(session, acting.scope, scenario)  # refuses changes that do not apply
    session.add(scenario)
    session.flush()
    return scenario


def update_scenario(session: Session, acting: Acting, name: str, revision: int | None, cmd: NewScenario) -> Scenario:
    """Replace scenario ``name``'s name, description and changes by ``cmd``'s, checked as
    :func:`create_scenario` checks them. Refuses a stale read (``revision``) and a name
    another scenario has; nothing is written then."""
    scenario: Scenario = _edited(session, acting, _SCENARIOS, name, revision, renamed=cmd.name)
    scenario.changes.clear()
    session.flush()
    scenario.name, scenario.description = cmd.name, cmd.description
    with session.no_autoflush:
        for seq, change in enumerate(cmd.changes):
            scenario.changes.append(_change(session, acting, seq, change))
        staffing_plan(session, acting.scope, scenario)  # refuses changes that do not apply
    new_revision(scenario)
    session.flush()
    return scenario


def _change(session: Session, acting: Acting, seq: int, cmd: NewChange) -> ScenarioChange:
    row = ScenarioChange(
        seq=seq,
        kind=ChangeKind(cmd.kind),
        position_key=cmd.position,
        **{k: getattr(cmd, k) for k in CHANGE_COLUMNS},
    )
    row.funding = [_funding(session, acting, f, f"changes[{seq}].funding[{i}]") for i, f in enumerate(cmd.funding)]
    return row


def update_position(session: Session, acting: Acting, key: str, revision: int | None, cmd: NewPosition) -> Position:
    """Change position ``key``'s terms and replace its funding by ``cmd``'s (the key may
    change too). Refuses a stale read (``revision``), a key another position has, and what
    :func:`create_position` refuses; nothing is written then."""
    position: Position = _edited(session, acting, _POSITIONS, key, revision, renamed=cmd.key)
    old_grants = {f.grant_id for f in position.funding}
    with session.no_autoflush:
        for name in POSITION_COLUMNS:
            setattr(position, name, getattr(cmd, name))
        position.status = PositionStatus(cmd.status)
        position.raise_month = cmd.raise_on[0] if cmd.raise_on else None
        position.raise_day = cmd.raise_on[1] if cmd.raise_on else None
        position_terms(position)  # the projection's own checks
        funding = [_funding(session, acting, f, f"funding[{i}]") for i, f in enumerate(cmd.funding)]
    grant_ids = old_grants | {f.grant_id for f in funding}
    lock_grants(session, grant_ids)
    position.funding.clear()
    session.flush()
    position.funding.extend(funding)
    new_revision(position)
    session.flush()
    _check_grant_totals(session, {f.grant_id for f in funding})
    return position


def delete_position(session: Session, acting: Acting, key: str, revision: int | None = None) -> None:
    """Take position ``key`` out of the plan, with its funding. Refuses an unknown key, a
    stale read (``revision``), and a position a scenario still changes (its change would
    then name nothing)."""
    position: Position = _edited(session, acting, _POSITIONS, key, revision)
    used = session.scalars(
        select(Scenario.name)
        .join(ScenarioChange, ScenarioChange.scenario_id == Scenario.id)
        .where(
            Scenario.organisation_id == acting.organisation_id,
            ScenarioChange.position_key == key,
            ScenarioChange.kind != ChangeKind.ADD,
        )
        .distinct()
        .order_by(Scenario.name)
    ).all()
    if used:
        raise RuleViolation(M_POSITION_IN_SCENARIO, field="key", key=key, scenarios=", ".join(used))
    session.delete(position)
    session.flush()


def delete_scenario(session: Session, acting: Acting, name: str, revision: int | None = None) -> None:
    """Delete scenario ``name`` with its changes (the plan itself is untouched). Refuses an
    unknown name and a stale read (``revision``)."""
    scenario: Scenario = _edited(session, acting, _SCENARIOS, name, revision)
    session.delete(scenario)
    session.flush()


@dataclass(frozen=True)
class _Named:
    """A kind of staffing row named within its organisation: a position by its key, a
    scenario by its name, and what a refusal says of each."""

    model: type[Position] | type[Scenario]
    field: str
    unknown: str  # the catalogue's codes
    duplicate: str

    def named(self, value: str) -> Any:
        return getattr(self.model, self.field) == value


_POSITIONS = _Named(Position, "key", M_UNKNOWN_POSITION, M_DUPLICATE_POSITION)
_SCENARIOS = _Named(Scenario, "name", M_UNKNOWN_SCENARIO, M_DUPLICATE_SCENARIO)


def _edited(
    session: Session, acting: Acting, kind: _Named, current: str, revision: int | None, *, renamed: str | None = None
) -> Any:
    """The organisation's row named ``current``, to change or delete: refuses an unknown
    name, a stale read (``revision``) and, when it is ``renamed``, a name another row has."""
    acting.require(session, Action.STAFFING)
    mine = kind.model.organisation_id == acting.organisation_id
    row = cast("Position | Scenario | None", session.scalar(select(kind.model).where(mine, kind.named(current))))
    if row is None:
        raise NotFound(kind.unknown, field=kind.field, **{kind.field: current})
    check_revision(row, revision, current)
    if renamed is not None and renamed != current:
        other: int | None = session.scalar(select(kind.model.id).where(mine, kind.named(renamed)))
        if other is not None:
            raise InputError(kind.duplicate, field=kind.field, **{kind.field: renamed})
    return row
