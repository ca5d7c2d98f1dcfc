"""Simulating the staffing plan: a scenario's cost per fiscal year, who pays each month,
where money runs out, the coordinator's answers, and the budget lines a scenario makes.

The plan itself (positions, payroll parameters, scenarios) is in
:mod:`fundtrack.services.staffing`; the arithmetic in :mod:`fundtrack.calc`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fundtrack.calc.hiring import earliest_carried_start, funding_needed, most_carried_hours
from fundtrack.calc.payroll import PositionTerms, RateBook
from fundtrack.calc.staffing import (
    BENEFITS,
    EMPLOYER_CONTRIBUTIONS,
    POSITION_CATEGORIES,
    SALARIES,
    AddPosition,
    Change,
    FundingLine,
    FundingStatus,
    Simulation,
    YearSummary,
    check_funds_position,
    compare,
    position_parts,
    simulate,
)
from fundtrack.errors import InputError, NotFound, RuleViolation
from fundtrack.i18n import msg
from fundtrack.models import (
    Allocation,
    BudgetLine,
    BudgetLineAmount,
    BudgetVersion,
    Expense,
    Grant,
    GrantStatus,
    Organisation,
)
from fundtrack.models.staffing import ChangeKind
from fundtrack.money import ZERO, shown
from fundtrack.periods import DateRange, FiscalYear, Month, spread_by_days
from fundtrack.queries.lookups import category_by_code, grant_by_reference
from fundtrack.queries.scope import Scope
from fundtrack.queries.staffing import StaffingPlan, list_positions, scenario_by_name, staffing_plan
from fundtrack.roles import Action
from fundtrack.schemas.staffing import NewChange, NewFunding
from fundtrack.services.budgets import copy_version, require_version_write
from fundtrack.services.context import Acting
from fundtrack.services.payroll_rates import rate_book
from fundtrack.services.staffing import M_DECLINED, M_OUTSIDE_GRANT, M_OVER_GRANT

M_UNKNOWN_VERSION = msg("staffing.unknown_version")
M_UNKNOWN_POSITION = msg("staffing.unknown_position")
M_ORG_ONLY = msg("staffing.org_only")
M_LINES_IN_USE = msg("budget.lines_in_use")


def organisation_only(session: Session, scope: Scope) -> Organisation:
    """The organisation, for what only the organisation's access may simulate."""
    if scope.funder_id is not None:
        raise RuleViolation(M_ORG_ONLY, field="scope")
    return session.get_one(Organisation, scope.organisation_id)


# --- simulation -----------------------------------------------------------------------


@dataclass(frozen=True)
class StaffingRun:
    """A simulated scenario (``name`` None for the current plan); ``added`` are the keys
    of the positions added on top of it (a hire given by options)."""

    name: str | None
    plan: StaffingPlan
    simulation: Simulation
    book: RateBook  # the parameters it was simulated with: the answers reuse them
    added: tuple[str, ...] = ()
    scenario_adds: tuple[str, ...] = ()  # the positions its scenario adds, read with it

    @property
    def years(self) -> tuple[YearSummary, ...]:
        return self.simulation.years

    @property
    def adds(self) -> list[str]:
        """The keys of the positions the run adds to the plan: its scenario's, then its extra hires'."""
        return [*self.scenario_adds, *(k for k in self.added if k not in self.scenario_adds)]


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
    :func:`~fundtrack.calc.staffing.simulate`). Each grant pays only the parts of a
    position's cost it may pay (a restricted grant, its eligible categories). Raises
    :class:`NotFound` for an unknown scenario and :class:`RuleViolation` for a funder's login.
    """
    org = organisation_only(session, scope)
    scenario = scenario_by_name(session, scope, name) if name is not None else None
    plan = _with_eligibility(session, org, staffing_plan(session, scope, scenario, extra))
    if titles:
        plan.titles.update(titles)
    book = rate_book(session, scope)
    simulation = simulate(plan.positions, plan.funding, rng, book, org.calendar)
    added = tuple(c.terms.key for c in extra if isinstance(c, AddPosition))
    adds = tuple(c.position_key for c in scenario.changes if c.kind is ChangeKind.ADD) if scenario is not None else ()
    return StaffingRun(name, plan, simulation, book, added, adds)


def _with_eligibility(session: Session, org: Organisation, plan: StaffingPlan) -> StaffingPlan:
    """The plan's funding lines with what each grant may pay of a position (domain.md 4.5)."""
    references = {line.key for line in plan.funding}
    if not references:
        return plan
    grants = session.scalars(
        select(Grant)
        .where(Grant.organisation_id == org.id, Grant.reference.in_(references))
        .options(selectinload(Grant.eligible_categories))
    )
    terms = {g.reference: (g.restricted, [c.code for c in g.eligible_categories]) for g in grants}
    funding = []
    for line in plan.funding:
        restricted, eligible = terms[line.key]
        funding.append(replace(line, restricted=restricted, parts=position_parts(restricted, eligible)))
    return replace(plan, funding=tuple(funding))


def compare_scenarios(
    session: Session, scope: Scope, names: Sequence[str | None], *, rng: DateRange
) -> dict[FiscalYear, dict[str, YearSummary]]:
    """Scenarios side by side per fiscal year (None, shown as ``""``, is the current plan)."""
    runs = {name or "": simulate_scenario(session, scope, name, rng=rng).simulation for name in names}
    return compare(runs)


@dataclass(frozen=True)
class YearAnswer:
    """The coordinator's answers for one fiscal year of a hire, from its confirmed money.

    ``earliest_start``: the earliest start that confirmed money carries to the end of
    ``year`` (None if none does); ``most_hours``: the most weekly hours it carries from
    the planned start to the end of ``year`` (None for a salaried position);
    ``needed_confirmed``/``needed_requested``: the extra money the hire as planned needs
    in ``year``, with confirmed money only and with every request granted.
    """

    year: FiscalYear
    earliest_start: date | None
    most_hours: Decimal | None
    needed_confirmed: Decimal
    needed_requested: Decimal


@dataclass(frozen=True)
class HiringAnswers:
    """The coordinator's three answers for one position, for each fiscal year from the
    one it starts in to the one holding ``until``."""

    position: str
    start: date
    until: date
    years: tuple[YearAnswer, ...]

    @property
    def earliest_start(self) -> date | None:
        """The earliest start confirmed money carries to ``until``."""
        return self.years[-1].earliest_start if self.years else None

    @property
    def most_hours(self) -> Decimal | None:
        """The most weekly hours confirmed money carries to ``until``."""
        return self.years[-1].most_hours if self.years else None

    @property
    def needed_confirmed(self) -> dict[FiscalYear, Decimal]:
        return {y.year: y.needed_confirmed for y in self.years}

    @property
    def needed_requested(self) -> dict[FiscalYear, Decimal]:
        return {y.year: y.needed_requested for y in self.years}


def hiring_answers(session: Session, scope: Scope, run: StaffingRun, key: str, until: date) -> HiringAnswers:
    """Answer the coordinator's questions for position ``key`` of a simulated plan, for
    every fiscal year of the organisation from the position's start to ``until``.

    Raises :class:`NotFound` for a position not in the plan and :class:`InputError`
    when ``until`` is before the position's start.
    """
    org = organisation_only(session, scope)
    terms = next((t for t in run.plan.positions if t.key == key), None)
    if terms is None:
        raise NotFound(M_UNKNOWN_POSITION, field="position", key=key)
    book = run.book
    all_lines = [line for line in run.plan.funding if line.position == key]
    confirmed = [line for line in all_lines if line.status is FundingStatus.CONFIRMED]
    cal = org.calendar
    needed_confirmed = funding_needed(terms, confirmed, book, cal, until)
    needed_requested = funding_needed(terms, all_lines, book, cal, until)
    years = []
    for year in needed_confirmed:
        end = min(year.end, until)
        years.append(
            YearAnswer(
                year,
                earliest_carried_start(terms, confirmed, book, cal, end),
                most_carried_hours(terms, confirmed, book, cal, end) if terms.is_hourly else None,
                needed_confirmed[year],
                needed_requested.get(year, ZERO),
            )
        )
    return HiringAnswers(key, terms.start, until, tuple(years))


# --- from plan to budget --------------------------------------------------------------

BUDGET_CATEGORIES = ((SALARIES, "gross"), (EMPLOYER_CONTRIBUTIONS, "contributions"), (BENEFITS, "benefits"))


def budget_lines_from_run(session: Session, acting: Acting, run: StaffingRun, version_id: int) -> list[BudgetLine]:
    """Replace a budget version's salary, contribution and benefit lines by the simulation's.

    One line per position and category, described by the position's title in the
    organisation's language, with an amount per fiscal year of the organisation:
    salaries are gross + vacation pay, contributions the seven employer contributions,
    benefits the benefits. Only the simulated range is replaced: the amounts the
    version's staffing lines have outside it are kept (an amount that straddles it
    keeps its days outside, spread by days). The version's other lines are untouched.
    Returns the staffing lines written.

    Writing a draft (a scenario version, not current) is the coordinator's too, any other
    version the treasurer's (:class:`~fundtrack.services.context.NotAllowed`). Lines
    that allocations or expenses name are never replaced (:class:`RuleViolation`):
    they would vanish with the lines, unrecorded.
    """
    scope = acting.scope
    version = session.get(BudgetVersion, version_id)
    if version is None or version.budget.organisation_id != acting.organisation_id:
        raise NotFound(M_UNKNOWN_VERSION, field="version", id=version_id)
    require_version_write(session, acting, version.kind, version.current)
    org = organisation_only(session, scope)
    lang = org.language.value
    categories = {code: category_by_code(session, scope, code, "category") for code, _ in BUDGET_CATEGORIES}
    generated = {c.id for c in categories.values()}
    _check_replaceable(session, version, [line for line in version.lines if line.category_id in generated])
    covered = run.simulation.projection.range
    kept: dict[tuple[int, str], list[tuple[DateRange, Decimal]]] = {}
    places: dict[tuple[int, str], int] = {}
    for old in [line for line in version.lines if line.category_id in generated]:
        old_key = (old.category_id, old.description)
        places.setdefault(old_key, old.position)
        for a in old.amounts:
            kept.setdefault(old_key, []).extend(_outside(a.period, a.amount, covered))
        version.lines.remove(old)
    session.flush()
    order = max((line.position for line in version.lines), default=-1) + 1
    new_lines: list[tuple[tuple[int, str], list[tuple[DateRange, Decimal]]]] = []
    projection = run.simulation.projection
    for key in projection.positions:
        years = projection.by_fiscal_year(org.calendar, key)
        description = run.plan.title(key, lang)
        for code, part in BUDGET_CATEGORIES:
            amounts: list[tuple[DateRange, Decimal]] = [
                (y, a.earnings if part == "gross" else (a.contributions if part == "contributions" else a.benefits))
                for y, a in years.items()
            ]
            line_key = (categories[code].id, description)
            before = kept.pop(line_key, [])
            if not before and not any(amount for _, amount in amounts):
                continue
            new_lines.append((line_key, before + amounts))
    new_lines.extend((line_key, rows) for line_key, rows in kept.items() if rows)
    created = []
    for (category_id, description), rows in new_lines:
        position = places.get((category_id, description))
        if position is None:
            position, order = order, order + 1
        line = BudgetLine(
            category_id=category_id,
            description=description,
            position=position,
            amounts=[
                BudgetLineAmount(period_start=p.start, period_end=p.end, amount=amount)
                for p, amount in sorted(rows, key=lambda r: r[0].start)
            ],
        )
        version.lines.append(line)
        created.append(line)
    session.flush()
    return created


def _check_replaceable(session: Session, version: BudgetVersion, lines: Sequence[BudgetLine]) -> None:
    ids = [line.id for line in lines]
    if not ids:
        return
    used = set(session.scalars(select(Allocation.line_id).where(Allocation.line_id.in_(ids))))
    used |= set(session.scalars(select(Expense.line_id).where(Expense.line_id.in_(ids))))
    if used:
        names = ", ".join(sorted({line.description for line in lines if line.id in used}))
        raise RuleViolation(M_LINES_IN_USE, field="version", lines=names, version=version.name)


def _outside(period: DateRange, amount: Decimal, covered: DateRange) -> list[tuple[DateRange, Decimal]]:
    """The part of ``amount`` (for ``period``) that falls outside ``covered``, by days."""
    inside = period.overlap(covered)
    if inside is None:
        return [(period, amount)]
    pieces = []
    if period.start < covered.start:
        pieces.append(DateRange(period.start, covered.start - timedelta(days=1)))
    if period.end > covered.end:
        pieces.append(DateRange(covered.end + timedelta(days=1), period.end))
    if not pieces:
        return []
    ordered = sorted([*pieces, inside], key=lambda p: p.start)
    shares = dict(zip(ordered, spread_by_days(amount, period, ordered), strict=True))
    return [(p, shares[p]) for p in pieces]


def budget_version_from_scenario(
    session: Session,
    acting: Acting,
    scenario: str | None,
    project: str,
    version_name: str,
    *,
    rng: DateRange,
) -> tuple[BudgetVersion, StaffingRun]:
    """A new scenario version of ``project``'s budget whose staffing lines come from the plan.

    The version is a copy of the project's current version (its other lines kept, its
    allocations not copied), with the salary, contribution and benefit lines of the
    fiscal years of ``rng`` replaced by those of ``scenario`` (None: the current
    staffing) simulated over ``rng`` (see :func:`budget_lines_from_run`); so the budget
    and the staffing plan cannot disagree. Raises :class:`NotFound` for an unknown
    project, scenario or budget, :class:`InputError` for a taken version name.
    """
    from fundtrack.models.budgets import VersionKind

    acting.require(session, Action.DRAFT_BUDGET)  # a scenario version, never current
    scope = acting.scope
    organisation_only(session, scope)
    run = simulate_scenario(session, scope, scenario, rng=rng)
    version = copy_version(session, acting, project, None, version_name, kind=VersionKind.SCENARIO)
    budget_lines_from_run(session, acting, run, version.id)
    session.refresh(version)
    return version, run


# --- what a grant pays for ---------------------------------------------------------------


@dataclass(frozen=True)
class GrantPositionCost:
    """What one grant pays for one position over a period, every request granted.

    Each month the grant pays part of the position's cost (:func:`simulate_scenario`'s
    who-pays-each-month), in the categories it may pay: pay and vacation pay
    (``earnings``), employer contributions, benefits.
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
    lines = run.simulation.granted.lines
    sums: dict[tuple[str, str], dict[Month, list[Decimal]]] = {}
    for cover_ in run.simulation.granted.months:
        if cover_.month.start < period.start or cover_.month.start > period.end:
            continue
        for i, category, amount in cover_.payments:
            if lines[i].key in wanted and amount:
                month = sums.setdefault((lines[i].key, cover_.position), {})
                month.setdefault(cover_.month, [ZERO, ZERO, ZERO])[POSITION_CATEGORIES.index(category)] += amount
    out = []
    for (grant, position), months in sorted(sums.items()):
        title_fr, title_en = run.plan.titles.get(position, (position, position))
        earnings, contributions, benefits = (sum((m[k] for m in months.values()), ZERO) for k in range(3))
        out.append(
            GrantPositionCost(
                grant,
                position,
                title_fr,
                title_en,
                min(months),
                max(months),
                len(months),
                earnings,
                contributions,
                benefits,
            )
        )
    return out


# --- a hire typed in a form (the admin's simulator) ---------------------------------------


def hire_change(session: Session, scope: Scope, cmd: NewChange) -> AddPosition:
    """The hire ``cmd`` describes (an ``add`` change loaded by :class:`ChangeSchema`) as the
    calc's change, each funding line checked as a position's funding is when recorded.

    Raises, naming the field (``funding[1].grant``, ``funding[0].amounts[0]``...):
    :class:`NotFound` for an unknown grant, :class:`RuleViolation` for a declined grant,
    a restricted grant that may pay no part of a position, a period outside the grant
    or amounts beyond it, and :class:`InputError` for two amounts of overlapping periods.
    """
    org = organisation_only(session, scope)
    assert cmd.kind == ChangeKind.ADD.value and cmd.start_date is not None  # the schema's rule for an add
    terms = PositionTerms(
        cmd.position,
        cmd.start_date,
        end=cmd.end_date,
        annual_salary=cmd.annual_salary,
        hourly_rate=cmd.hourly_rate,
        weekly_hours=cmd.weekly_hours,
        vacation_rate=cmd.vacation_rate or ZERO,
        benefits_rate=cmd.benefits_rate or ZERO,
        raise_rate=cmd.raise_rate or ZERO,
        employee=cmd.employee,
    )
    lines = tuple(_hire_line(session, org, cmd.position, entry, f"funding[{i}]") for i, entry in enumerate(cmd.funding))
    return AddPosition(terms, lines)


def _hire_line(session: Session, org: Organisation, key: str, entry: NewFunding, field: str) -> FundingLine:
    grant = grant_by_reference(session, Scope(org.id), entry.grant, field=f"{field}.grant")
    if grant.status is GrantStatus.DECLINED:
        raise RuleViolation(M_DECLINED, field=f"{field}.grant", reference=grant.reference)
    eligible = [c.code for c in grant.eligible_categories]
    parts = check_funds_position(grant.reference, grant.restricted, eligible, field=f"{field}.grant")
    amounts: list[tuple[DateRange, Decimal]] = []
    for j, a in enumerate(entry.amounts):
        where = f"{field}.amounts[{j}]"
        if a.fiscal_year is not None:
            period: DateRange = org.calendar.parse(a.fiscal_year, f"{where}.fiscal_year")
        else:
            assert a.start is not None and a.end is not None  # the schema's rule
            period = DateRange(a.start, a.end)
        if grant.period.overlap(period) is None:
            raise RuleViolation(
                M_OUTSIDE_GRANT,
                field=where,
                period=period,
                reference=grant.reference,
                start=grant.start_date,
                end=grant.end_date,
            )
        amounts.append((period, a.amount))
    total = sum((amount for _, amount in amounts), ZERO)
    if total > grant.amount:
        raise RuleViolation(
            M_OVER_GRANT,
            field=f"{field}.amounts",
            total=shown(total),
            reference=grant.reference,
            amount=shown(grant.amount),
        )
    status = FundingStatus.REQUESTED if grant.status is GrantStatus.REQUESTED else FundingStatus.CONFIRMED
    try:
        return FundingLine(
            grant.reference,
            grant.funder.name,
            key,
            status=status,
            amounts=tuple(amounts),
            share=entry.share,
            period=grant.period,
            restricted=grant.restricted,
            parts=parts,
        )
    except InputError as exc:  # two amounts for overlapping periods
        raise InputError(exc.code, field=f"{field}.amounts", **exc.params) from None


def run_answers(session: Session, scope: Scope, run: StaffingRun, until: date) -> list[HiringAnswers]:
    """The coordinator's answers up to ``until`` for each position the run adds (a hire
    starting after ``until`` has none), as ``fundtrack simulate`` prints them."""
    starts = {t.key: t.start for t in run.plan.positions}
    return [
        hiring_answers(session, scope, run, key, until) for key in run.adds if key in starts and starts[key] <= until
    ]


def free_position_key(session: Session, scope: Scope, title: str, scenario: str | None = None) -> str:
    """A key for a hire titled ``title`` (``Agent·e de mobilisation`` → ``agent-e-de-mobilisation``),
    followed by ``-2``, ``-3``... when a position of the plan (or one ``scenario`` adds) has it."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    wanted = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or "ajout"
    taken = {p.key for p in list_positions(session, Scope(scope.organisation_id))}
    if scenario is not None:
        found = scenario_by_name(session, scope, scenario)
        taken.update(c.position_key for c in found.changes if c.kind is ChangeKind.ADD)
    key, n = wanted, 1
    while key in taken:
        n += 1
        key = f"{wanted}-{n}"
    return key


@dataclass(frozen=True)
class YearTotal:
    """One fiscal year of a run, every funder together: what the page and its chart show."""

    year: FiscalYear
    pay: Decimal  # gross + vacation pay
    contributions: Decimal
    benefits: Decimal
    cost: Decimal
    confirmed: Decimal
    requested: Decimal
    gap_confirmed: Decimal
    gap_requested: Decimal


def year_totals(run: StaffingRun) -> list[YearTotal]:
    """Each fiscal year of ``run``: its cost by part, the money confirmed and requested that
    pays it (all funders together) and both gaps."""
    return [
        YearTotal(
            y.year,
            y.cost.earnings,
            y.cost.contributions,
            y.cost.benefits,
            y.cost.total,
            sum((a for _, a in y.confirmed), ZERO),
            sum((a for _, a in y.requested), ZERO),
            y.gap_confirmed,
            y.gap_requested,
        )
        for y in run.years
    ]


@dataclass(frozen=True)
class MonthTotal:
    """One month of a run, every position together."""

    month: Month
    cost: Decimal
    confirmed: Decimal
    requested: Decimal
    gap_confirmed: Decimal
    gap_requested: Decimal


def month_totals(run: StaffingRun) -> list[MonthTotal]:
    """Each month of ``run`` over all positions: cost, paid by confirmed money, paid by
    requests if granted, and what is left uncovered either way; in month order."""
    sums: dict[Month, list[Decimal]] = {}
    for m in run.simulation.monthly():
        row = sums.setdefault(m.month, [ZERO] * 5)
        values = (
            m.cost,
            sum((a for _, a in m.confirmed), ZERO),
            sum((a for _, a in m.requested), ZERO),
            m.gap_confirmed,
            m.gap_requested,
        )
        for i, value in enumerate(values):
            row[i] += value
    return [MonthTotal(month, *values) for month, values in sorted(sums.items())]
