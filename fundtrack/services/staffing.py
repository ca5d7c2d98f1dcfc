"""The staffing plan and the hiring simulator: positions, payroll parameters, scenarios.

Each function takes the caller's session (one transaction per user action or file),
checks the rules, writes and flushes; it never commits. The arithmetic is in
:mod:`fundtrack.calc.payroll`, :mod:`fundtrack.calc.staffing` and
:mod:`fundtrack.calc.hiring`; this module turns rows into their inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fundtrack.calc.payroll import PayrollRates, PositionTerms, RateBook
from fundtrack.calc.staffing import (
    AddPosition,
    Change,
    ChangePay,
    EndPosition,
    FundingLine,
    FundingStatus,
    MoveDates,
    apply_changes,
    check_funds_position,
)
from fundtrack.errors import InputError, NotFound, RuleViolation
from fundtrack.i18n import msg
from fundtrack.models import Grant, GrantStatus, Organisation
from fundtrack.models.staffing import (
    ChangeKind,
    PayrollRateTable,
    Position,
    PositionFunding,
    PositionFundingAmount,
    PositionStatus,
    Scenario,
    ScenarioChange,
)
from fundtrack.money import ZERO
from fundtrack.periods import DateRange
from fundtrack.rates import PARAMETERS, shipped_tables
from fundtrack.services.grants import grant_by_reference
from fundtrack.services.scope import Scope

M_DUPLICATE_POSITION = msg("staffing.duplicate_position")
M_UNKNOWN_POSITION = msg("staffing.unknown_position")
M_DUPLICATE_SCENARIO = msg("staffing.duplicate_scenario")
M_UNKNOWN_SCENARIO = msg("staffing.unknown_scenario")
M_DECLINED = msg("staffing.declined_grant")
M_OVER_GRANT = msg("staffing.over_grant")
M_OUTSIDE_GRANT = msg("staffing.outside_grant")
M_NEW_YEAR_NEEDS_ALL = msg("staffing.rates_new_year")
M_ORG_ONLY = msg("staffing.org_only")


# --- payroll parameters ---------------------------------------------------------------


def load_payroll_rates(session: Session, org: Organisation) -> list[PayrollRateTable]:
    """Copy the shipped tables into the organisation's, leaving edited years alone.

    Returns the tables written (new or refreshed).
    """
    existing = {t.year: t for t in session.scalars(select(PayrollRateTable).where(_org(PayrollRateTable, org.id)))}
    written = []
    for shipped in shipped_tables():
        row = existing.get(shipped.rates.year)
        if row is not None and row.edited:
            continue
        if row is None:
            row = PayrollRateTable(organisation_id=org.id, year=shipped.rates.year)
            session.add(row)
        _fill(row, shipped.rates)
        written.append(row)
    session.flush()
    return written


def set_payroll_rates(session: Session, org: Organisation, data: dict[str, Any]) -> PayrollRateTable:
    """Change some parameters of one year (the treasurer's edit), or add a year with all of them.

    ``data`` is :class:`~fundtrack.schemas.staffing.PayrollRatesSchema` data. The table
    is checked as a whole (:class:`~fundtrack.calc.payroll.PayrollRates`) before it is written.
    """
    year = data["year"]
    row = session.scalar(select(PayrollRateTable).where(_org(PayrollRateTable, org.id), PayrollRateTable.year == year))
    if row is None:
        shipped = {t.rates.year: t.rates for t in shipped_tables()}.get(year)
        if shipped is None:
            missing = [p for p in PARAMETERS if data.get(p) is None]
            if missing:
                raise InputError(M_NEW_YEAR_NEEDS_ALL, field=missing[0], year=year, missing=", ".join(missing))
        row = PayrollRateTable(organisation_id=org.id, year=year)
        if shipped is not None:
            _fill(row, shipped)
        else:
            row.cnesst_placeholder, row.sources = False, {}
    values = {p: data[p] if data.get(p) is not None else getattr(row, p) for p in PARAMETERS}
    PayrollRates(year=year, **values)  # raises InputError on inconsistent values
    for name, value in values.items():
        setattr(row, name, value)
    if data.get("cnesst_rate") is not None:
        row.cnesst_placeholder = False
    row.sources = {**(row.sources or {}), **data.get("sources", {})}
    row.edited = True
    session.add(row)
    session.flush()
    return row


def list_payroll_rates(session: Session, scope: Scope) -> list[PayrollRateTable]:
    query = select(PayrollRateTable).where(_org(PayrollRateTable, scope.organisation_id))
    return list(session.scalars(query.order_by(PayrollRateTable.year)))


def rate_book(session: Session, org: Organisation) -> RateBook:
    """The organisation's parameters (the shipped ones when it has none), with its own
    CNESST rate in every year whose rate is still the provincial average."""
    rows = list_payroll_rates(session, Scope(org.id))
    tables = [_rates_of(row) for row in rows] or [t.rates for t in shipped_tables()]
    book = RateBook.of(tables)
    if org.cnesst_rate is not None:
        book = book.with_cnesst({t.year: org.cnesst_rate for t in book.tables if t.cnesst_placeholder})
    return book


def _fill(row: PayrollRateTable, rates: PayrollRates) -> None:
    for name in PARAMETERS:
        setattr(row, name, getattr(rates, name))
    row.cnesst_placeholder = rates.cnesst_placeholder
    row.sources = dict(rates.sources)


def _rates_of(row: PayrollRateTable) -> PayrollRates:
    values = {name: getattr(row, name) for name in PARAMETERS}
    return PayrollRates(
        year=row.year,
        cnesst_placeholder=row.cnesst_placeholder,
        sources=tuple(sorted((row.sources or {}).items())),
        **values,
    )


# --- positions ------------------------------------------------------------------------


def create_position(session: Session, org: Organisation, data: dict[str, Any]) -> Position:
    """Add a position from :class:`~fundtrack.schemas.staffing.PositionSchema` data.

    Refuses a duplicate key, pay terms the projection cannot use, a declined or unknown
    grant, and funding beyond a grant's amount or outside its period.
    """
    exists = session.scalar(select(Position.id).where(_org(Position, org.id), Position.key == data["key"]))
    if exists is not None:
        raise InputError(M_DUPLICATE_POSITION, field="key", key=data["key"])
    raise_on = data.get("raise_on")
    position = Position(
        organisation_id=org.id,
        key=data["key"],
        title_fr=data["title_fr"],
        title_en=data["title_en"],
        employee=data.get("employee"),
        status=PositionStatus(data.get("status", "planned")),
        annual_salary=data.get("annual_salary"),
        hourly_rate=data.get("hourly_rate"),
        weekly_hours=data.get("weekly_hours"),
        start_date=data["start_date"],
        end_date=data.get("end_date"),
        vacation_rate=data.get("vacation_rate", ZERO),
        benefits_rate=data.get("benefits_rate", ZERO),
        raise_rate=data.get("raise_rate", ZERO),
        raise_month=raise_on[0] if raise_on else None,
        raise_day=raise_on[1] if raise_on else None,
        pay_as_of=data.get("pay_as_of"),
        notes=data.get("notes"),
    )
    position_terms(position, org)  # the projection's own checks, before anything is written
    with session.no_autoflush:
        position.funding = [_funding(session, org, f, f"funding[{i}]") for i, f in enumerate(data.get("funding", []))]
    session.add(position)
    session.flush()
    _check_grant_totals(session, org, {f.grant_id for f in position.funding})
    return position


def list_positions(session: Session, scope: Scope) -> list[Position]:
    """The plan's positions; a funder's login sees only the positions its grants fund."""
    query = (
        select(Position)
        .where(_org(Position, scope.organisation_id))
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


def position_terms(position: Position | ScenarioChange, org: Organisation) -> PositionTerms:
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


def _funding(session: Session, org: Organisation, data: dict[str, Any], field: str) -> PositionFunding:
    grant = grant_by_reference(session, Scope(org.id), data["grant"], field=f"{field}.grant")
    if grant.status is GrantStatus.DECLINED:
        raise RuleViolation(M_DECLINED, field=f"{field}.grant", reference=grant.reference)
    eligible = [c.code for c in grant.eligible_categories]
    check_funds_position(grant.reference, grant.restricted, eligible, field=f"{field}.grant")
    funding = PositionFunding(grant_id=grant.id, share=data.get("share"))
    funding.grant = grant
    for j, entry in enumerate(data.get("amounts", [])):
        if entry.get("fiscal_year"):
            period: DateRange = org.calendar.parse(entry["fiscal_year"], f"{field}.amounts[{j}].fiscal_year")
        else:
            period = DateRange(entry["start"], entry["end"])
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
            PositionFundingAmount(period_start=period.start, period_end=period.end, amount=entry["amount"])
        )
    # the calc's own checks (overlapping periods...)
    FundingLine(
        grant.reference, "", "", amounts=tuple((a.period, a.amount) for a in funding.amounts), share=funding.share
    )
    return funding


def _check_grant_totals(session: Session, org: Organisation, grant_ids: set[int]) -> None:
    """No grant gives positions (of the plan and of every scenario) more than its amount."""
    for grant_id in grant_ids:
        grant = session.get(Grant, grant_id)
        assert grant is not None
        rows = session.scalars(
            select(PositionFundingAmount.amount)
            .join(PositionFunding, PositionFunding.id == PositionFundingAmount.funding_id)
            .where(PositionFunding.grant_id == grant_id, PositionFunding.position_id.is_not(None))
        )
        total = sum(rows, ZERO)
        if total > grant.amount:
            raise RuleViolation(
                M_OVER_GRANT, field="funding", total=total, reference=grant.reference, amount=grant.amount
            )


# --- scenarios ------------------------------------------------------------------------


def create_scenario(session: Session, org: Organisation, data: dict[str, Any]) -> Scenario:
    """Add a scenario from :class:`~fundtrack.schemas.staffing.ScenarioSchema` data.

    Every change is checked against the plan and the changes before it (a change to an
    unknown position, or one that leaves invalid terms, is refused).
    """
    exists = session.scalar(select(Scenario.id).where(_org(Scenario, org.id), Scenario.name == data["name"]))
    if exists is not None:
        raise InputError(M_DUPLICATE_SCENARIO, field="name", name=data["name"])
    scenario = Scenario(organisation_id=org.id, name=data["name"], description=data.get("description"))
    with session.no_autoflush:
        for seq, change in enumerate(data.get("changes", [])):
            row = ScenarioChange(
                seq=seq,
                kind=ChangeKind(change["kind"]),
                position_key=change["position"],
                **{k: change.get(k) for k in CHANGE_COLUMNS},
            )
            row.funding = [
                _funding(session, org, f, f"changes[{seq}].funding[{i}]")
                for i, f in enumerate(change.get("funding", []))
            ]
            scenario.changes.append(row)
        staffing_plan(session, org, scenario)  # refuses changes that do not apply
    session.add(scenario)
    session.flush()
    return scenario


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


def scenario_by_name(session: Session, scope: Scope, name: str) -> Scenario:
    scenario = session.scalar(
        select(Scenario)
        .where(_org(Scenario, scope.organisation_id), Scenario.name == name)
        .options(selectinload(Scenario.changes).selectinload(ScenarioChange.funding))
    )
    if scenario is None:
        raise NotFound(M_UNKNOWN_SCENARIO, field="scenario", name=name)
    return scenario


def list_scenarios(session: Session, scope: Scope) -> list[Scenario]:
    query = select(Scenario).where(_org(Scenario, scope.organisation_id)).order_by(Scenario.name)
    return list(session.scalars(query))


def scenario_changes(scenario: Scenario, org: Organisation) -> list[Change]:
    """A stored scenario's changes as the calc's."""
    out: list[Change] = []
    for row in scenario.changes:
        if row.kind is ChangeKind.ADD:
            terms = position_terms(row, org)
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
    session: Session, org: Organisation, scenario: Scenario | None, extra: Sequence[Change] = ()
) -> StaffingPlan:
    positions = list_positions(session, Scope(org.id))
    terms = [position_terms(p, org) for p in positions]
    lines = [line for p in positions for line in funding_lines(p.key, p.funding)]
    titles = {p.key: (p.title_fr, p.title_en) for p in positions}
    changes: list[Change] = []
    if scenario is not None:
        changes.extend(scenario_changes(scenario, org))
        for row in scenario.changes:
            if row.kind is ChangeKind.ADD:
                titles[row.position_key] = (row.title_fr or row.position_key, row.title_en or row.position_key)
    changes.extend(extra)
    for change in extra:
        if isinstance(change, AddPosition):
            titles.setdefault(change.terms.key, (change.terms.key, change.terms.key))
    new_terms, new_lines = apply_changes(terms, lines, changes)
    return StaffingPlan(new_terms, new_lines, titles)


# --- helpers --------------------------------------------------------------------------


def _org(model: Any, organisation_id: int) -> Any:
    return model.organisation_id == organisation_id


def organisation_only(session: Session, scope: Scope) -> Organisation:
    if scope.funder_id is not None:
        raise RuleViolation(M_ORG_ONLY, field="scope")
    org = session.get(Organisation, scope.organisation_id)
    assert org is not None
    return org
