"""The staffing plan and the hiring simulator: positions, payroll parameters, scenarios.

Each function takes the caller's session (one transaction per user action or file),
checks the rules, writes and flushes; it never commits. The arithmetic is in
:mod:`fundtrack.calc.payroll`, :mod:`fundtrack.calc.staffing` and
:mod:`fundtrack.calc.hiring`; this module turns rows into their inputs.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fundtrack.calc.hiring import earliest_carried_start, funding_needed, most_carried_hours
from fundtrack.calc.payroll import PayrollRates, PositionTerms, RateBook
from fundtrack.calc.staffing import (
    AddPosition,
    Change,
    ChangePay,
    EndPosition,
    FundingLine,
    FundingStatus,
    MoveDates,
    Simulation,
    YearSummary,
    apply_changes,
    compare,
    simulate,
)
from fundtrack.errors import InputError, NotFound, RuleViolation
from fundtrack.i18n import define
from fundtrack.models import BudgetLine, BudgetLineAmount, BudgetVersion, Grant, GrantStatus, Organisation
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
from fundtrack.money import ZERO, allocate
from fundtrack.periods import DateRange, FiscalYear, Month
from fundtrack.rates import PARAMETERS, shipped_tables
from fundtrack.services.grants import grant_by_reference
from fundtrack.services.organisation import category_by_code
from fundtrack.services.scope import Scope

M_DUPLICATE_POSITION = define(
    "staffing.duplicate_position", "le poste « {key} » existe déjà", "position '{key}' already exists"
)
M_UNKNOWN_POSITION = define("staffing.unknown_position", "poste inconnu : « {key} »", "unknown position: '{key}'")
M_DUPLICATE_SCENARIO = define(
    "staffing.duplicate_scenario", "le scénario « {name} » existe déjà", "scenario '{name}' already exists"
)
M_UNKNOWN_SCENARIO = define("staffing.unknown_scenario", "scénario inconnu : « {name} »", "unknown scenario: '{name}'")
M_DECLINED = define(
    "staffing.declined_grant",
    "la subvention « {reference} » a été refusée : elle ne peut financer aucun poste",
    "grant '{reference}' was declined: it cannot fund a position",
)
M_OVER_GRANT = define(
    "staffing.over_grant",
    "les postes reçoivent {total} de la subvention « {reference} », plus que son montant ({amount})",
    "positions get {total} from grant '{reference}', more than its amount ({amount})",
)
M_OUTSIDE_GRANT = define(
    "staffing.outside_grant",
    "période {period} hors de la subvention « {reference} » ({start} – {end})",
    "period {period} is outside grant '{reference}' ({start} – {end})",
)
M_NEW_YEAR_NEEDS_ALL = define(
    "staffing.rates_new_year",
    "aucun tableau livré pour {year} : donner tous les paramètres (manque : {missing})",
    "no shipped table for {year}: give every parameter (missing: {missing})",
)
M_UNKNOWN_VERSION = define(
    "staffing.unknown_version", "version de budget inconnue ({id})", "unknown budget version ({id})"
)
M_ORG_ONLY = define(
    "staffing.org_only",
    "la simulation de la dotation demande l'accès de l'organisme",
    "simulating staffing needs the organisation's access",
)


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
        _plan(session, org, scenario)  # refuses changes that do not apply
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


def _plan(session: Session, org: Organisation, scenario: Scenario | None, extra: Sequence[Change] = ()) -> StaffingPlan:
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


# --- simulation -----------------------------------------------------------------------


@dataclass(frozen=True)
class StaffingRun:
    """A simulated scenario (``name`` None for the current plan)."""

    name: str | None
    plan: StaffingPlan
    simulation: Simulation

    @property
    def years(self) -> tuple[YearSummary, ...]:
        return self.simulation.years


def default_range(org: Organisation, as_of: date, years: int = 3) -> DateRange:
    """The organisation's fiscal year holding ``as_of`` and the ``years - 1`` after it."""
    first = org.calendar.year_of(as_of)
    last = org.calendar.starting(first.start.year + years - 1)
    return DateRange(first.start, last.end)


def simulate_scenario(
    session: Session,
    scope: Scope,
    name: str | None = None,
    *,
    rng: DateRange,
    extra: Sequence[Change] = (),
    titles: dict[str, tuple[str, str]] | None = None,
) -> StaffingRun:
    """The plan (or scenario ``name``) plus ``extra`` changes, simulated over ``rng``.

    ``rng`` should start on the first day of a fiscal year (see
    :func:`~fundtrack.calc.staffing.simulate`). Raises :class:`NotFound` for an unknown
    scenario and :class:`RuleViolation` for a funder's login.
    """
    org = _organisation(session, scope)
    scenario = scenario_by_name(session, scope, name) if name is not None else None
    plan = _plan(session, org, scenario, extra)
    if titles:
        plan.titles.update(titles)
    simulation = simulate(plan.positions, plan.funding, rng, rate_book(session, org), org.calendar)
    return StaffingRun(name, plan, simulation)


def compare_scenarios(
    session: Session, scope: Scope, names: Sequence[str | None], *, rng: DateRange
) -> dict[FiscalYear, dict[str, YearSummary]]:
    """Scenarios side by side per fiscal year (None, shown as ``""``, is the current plan)."""
    runs = {name or "": simulate_scenario(session, scope, name, rng=rng).simulation for name in names}
    return compare(runs)


@dataclass(frozen=True)
class HiringAnswers:
    """The coordinator's three answers for one position, from its confirmed money.

    ``earliest_start``: the earliest start that confirmed money carries to ``until``
    (None if none does); ``most_hours``: the most weekly hours it carries from the planned
    start (None for a salaried position); ``needed``: extra money needed per fiscal
    year as planned, with confirmed money only and with every request granted.
    """

    position: str
    until: date
    earliest_start: date | None
    most_hours: Decimal | None
    needed_confirmed: dict[FiscalYear, Decimal]
    needed_requested: dict[FiscalYear, Decimal]


def hiring_answers(session: Session, scope: Scope, run: StaffingRun, key: str, until: date) -> HiringAnswers:
    """Answer the coordinator's questions for position ``key`` of a simulated plan."""
    org = _organisation(session, scope)
    terms = next((t for t in run.plan.positions if t.key == key), None)
    if terms is None:
        raise NotFound(M_UNKNOWN_POSITION, field="position", key=key)
    book = rate_book(session, org)
    all_lines = [line for line in run.plan.funding if line.position == key]
    confirmed = [line for line in all_lines if line.status is FundingStatus.CONFIRMED]
    cal = org.calendar
    return HiringAnswers(
        key,
        until,
        earliest_carried_start(terms, confirmed, book, cal, until),
        most_carried_hours(terms, confirmed, book, cal, until) if terms.is_hourly else None,
        funding_needed(terms, confirmed, book, cal, until),
        funding_needed(terms, all_lines, book, cal, until),
    )


# --- from plan to budget --------------------------------------------------------------

BUDGET_CATEGORIES = (("salaries", "gross"), ("employer_contributions", "contributions"), ("benefits", "benefits"))


def budget_lines_from_run(
    session: Session, scope: Scope, run: StaffingRun, version_id: int, lang: str = "fr"
) -> list[BudgetLine]:
    """Replace a budget version's salary, contribution and benefit lines by the simulation's.

    One line per position and category, with an amount per fiscal year of the
    organisation: salaries are gross + vacation pay, contributions the seven employer
    contributions, benefits the benefits. The version's other lines are untouched.
    """
    from fundtrack.models import BudgetVersion

    org = _organisation(session, scope)
    version = session.get(BudgetVersion, version_id)
    if version is None or version.budget.organisation_id != org.id:
        raise NotFound(M_UNKNOWN_VERSION, field="version", id=version_id)
    categories = {code: category_by_code(session, org.id, code, "category") for code, _ in BUDGET_CATEGORIES}
    generated = {c.id for c in categories.values()}
    for old in [line for line in version.lines if line.category_id in generated]:
        version.lines.remove(old)
    session.flush()
    created = []
    order = len(version.lines)
    projection = run.simulation.projection
    for key in projection.positions:
        years = projection.by_fiscal_year(org.calendar, key)
        for code, part in BUDGET_CATEGORIES:
            amounts = {
                y: a.earnings if part == "gross" else (a.contributions if part == "contributions" else a.benefits)
                for y, a in years.items()
            }
            if not any(amounts.values()):
                continue
            line = BudgetLine(
                category_id=categories[code].id,
                description=run.plan.title(key, lang),
                position=order,
                amounts=[
                    BudgetLineAmount(period_start=y.start, period_end=y.end, amount=amount)
                    for y, amount in amounts.items()
                ],
            )
            order += 1
            version.lines.append(line)
            created.append(line)
    session.flush()
    return created


def budget_version_from_scenario(
    session: Session,
    scope: Scope,
    scenario: str | None,
    project: str,
    version_name: str,
    *,
    rng: DateRange,
    lang: str = "fr",
) -> tuple[BudgetVersion, StaffingRun]:
    """A new scenario version of ``project``'s budget whose staffing lines come from the plan.

    The version is a copy of the project's current version (its other lines and its
    allocations kept), with the salary, contribution and benefit lines replaced by
    those of ``scenario`` (None: the current staffing) simulated over ``rng``; so the
    budget and the staffing plan cannot disagree. Raises :class:`NotFound` for an
    unknown project, scenario or budget, :class:`InputError` for a taken version name.
    """
    from fundtrack.models.budgets import VersionKind
    from fundtrack.services.budgets import copy_version

    org = _organisation(session, scope)
    run = simulate_scenario(session, scope, scenario, rng=rng)
    version = copy_version(session, org, project, None, version_name, kind=VersionKind.SCENARIO)
    budget_lines_from_run(session, scope, run, version.id, lang)
    session.refresh(version)
    return version, run


# --- helpers --------------------------------------------------------------------------


def _org(model: Any, organisation_id: int) -> Any:
    return model.organisation_id == organisation_id


def _organisation(session: Session, scope: Scope) -> Organisation:
    if scope.funder_id is not None:
        raise RuleViolation(M_ORG_ONLY, field="scope")
    org = session.get(Organisation, scope.organisation_id)
    assert org is not None
    return org


# --- what a grant pays for ---------------------------------------------------------------


@dataclass(frozen=True)
class GrantPositionCost:
    """What one grant pays for one position over a period, every request granted.

    Each month the grant pays part of the position's cost (:func:`simulate_scenario`'s
    who-pays-each-month); that part is split over pay, employer contributions and
    benefits in proportion to the month's own (:func:`fundtrack.money.allocate`).
    """

    grant: str
    position: str
    title_fr: str
    title_en: str
    first_month: Month
    last_month: Month
    months: int
    earnings: Decimal
    contributions: Decimal
    benefits: Decimal

    @property
    def total(self) -> Decimal:
        return self.earnings + self.contributions + self.benefits

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_fr


def grant_staffing(
    session: Session, scope: Scope, period: DateRange, references: Collection[str] | None = None
) -> list[GrantPositionCost]:
    """The positions the grants of ``scope`` (or those of ``references`` among them) pay
    in ``period``'s months, from the current staffing plan; sorted by grant and position.

    The plan is simulated for the whole organisation from the start of its fiscal year
    holding ``period.start`` (so that each year's money is spent in order), but only the
    rows of grants the scope sees leave this function: a funder's login gets its own.
    """
    org = session.get_one(Organisation, scope.organisation_id)
    visible = set(session.scalars(select(Grant.reference).where(scope.grants_filter())))
    wanted = visible if references is None else visible & set(references)
    if not wanted:
        return []
    rng = DateRange(org.calendar.year_of(period.start).start, period.end)
    run = simulate_scenario(session, Scope(org.id), rng=rng)
    months = {(line.position, line.month): line for line in run.simulation.projection.lines}
    sums: dict[tuple[str, str], list[Any]] = {}
    for cover_, paid in run.simulation.who_pays():
        if cover_.month.start < period.start or cover_.month.start > period.end:
            continue
        month = months[(cover_.position, cover_.month)]
        for line, amount in paid:
            if line.key not in wanted or not amount:
                continue
            parts = allocate(amount, [month.earnings, month.contributions, month.benefits])
            row = sums.setdefault((line.key, cover_.position), [cover_.month, cover_.month, 0, ZERO, ZERO, ZERO])
            row[0], row[1] = min(row[0], cover_.month), max(row[1], cover_.month)
            row[2] += 1
            row[3], row[4], row[5] = row[3] + parts[0], row[4] + parts[1], row[5] + parts[2]
    out = []
    for (grant, position), (first, last, count, earnings, contributions, benefits) in sorted(sums.items()):
        title_fr, title_en = run.plan.titles.get(position, (position, position))
        out.append(
            GrantPositionCost(
                grant, position, title_fr, title_en, first, last, count, earnings, contributions, benefits
            )
        )
    return out
