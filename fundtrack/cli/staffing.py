"""Commands of the staffing plan: ``fundtrack simulate`` and ``fundtrack payroll-rates``.

``simulate`` prints, per fiscal year of the organisation, what the plan (or each named
scenario, or a hire given by options) costs with employer contributions, what each
funder pays, and the gap with confirmed money only and with every request granted;
then each position's runway and, for every position the scenario adds, the
coordinator's three answers. ``--months`` adds the month-by-month table of who pays.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import click
from sqlalchemy.orm import Session

from fundtrack.calc.payroll import PositionTerms
from fundtrack.calc.staffing import AddPosition, FundingLine, FundingStatus, YearSummary
from fundtrack.cli.base import CliContext, echo_json, echo_table, handle_errors, main, pass_cli, session_for
from fundtrack.errors import InputError
from fundtrack.i18n import Lang, msg, translate
from fundtrack.models import GrantStatus, Organisation
from fundtrack.models.staffing import ChangeKind
from fundtrack.money import ZERO, format_money, parse_money
from fundtrack.periods import DateRange, FiscalYear, parse_date
from fundtrack.rates import PARAMETERS
from fundtrack.schemas.common import M_INVALID
from fundtrack.services.grants import grant_by_reference
from fundtrack.services.organisation import get_organisation
from fundtrack.services.scope import Scope
from fundtrack.services.simulation import HiringAnswers, StaffingRun, default_range, hiring_answers, simulate_scenario
from fundtrack.services.staffing import list_payroll_rates, load_payroll_rates, scenario_by_name

M_TITLE = msg("cli.simulate_title")
M_CURRENT = msg("cli.simulate_current")
M_FUNDERS = msg("cli.simulate_funders")
M_RUNWAY = msg("cli.simulate_runway")
M_ALWAYS = msg("cli.simulate_always")
M_ANSWERS = msg("cli.simulate_answers")
M_EARLIEST = msg("cli.simulate_earliest")
M_NONE_CARRIES = msg("cli.simulate_none")
M_HOURS = msg("cli.simulate_hours")
M_NEEDED = msg("cli.simulate_needed")
M_MONTHS = msg("cli.simulate_months")
M_COMPARE = msg("cli.simulate_compare")
M_NOTE = msg("cli.simulate_note")
M_ADD_NEEDS = msg("cli.add_needs")
M_BAD_FUND = msg("cli.bad_fund")
M_RATES_LOADED = msg("cli.rates_loaded")
M_RATES_TITLE = msg("cli.rates_title")

ADDED_KEY = "ajout"


@main.command()
@click.option("--scenario", "scenarios", multiple=True, metavar="NAME", help="A stored scenario (repeatable)")
@click.option("--compare", is_flag=True, help="Compare the current staffing and the scenarios side by side")
@click.option("--add", "add_title", metavar="TITLE", help="Add a hire: its title")
@click.option("--rate", type=str, help="Hourly rate of the hire")
@click.option("--hours", type=str, help="Weekly hours of the hire")
@click.option("--salary", type=str, help="Annual salary of the hire (instead of --rate and --hours)")
@click.option("--start", "start", type=str, help="Start date of the hire (YYYY-MM-DD)")
@click.option("--end", "end", type=str, help="End date of the hire")
@click.option("--vacation", default="0.04", show_default=True, help="Vacation-pay rate of the hire")
@click.option("--benefits", default="0", show_default=True, help="Benefits rate of the hire")
@click.option("--fund", multiple=True, metavar="REF:YEAR:AMOUNT", help="Money a grant gives the hire in a year")
@click.option("--from", "first_year", metavar="FISCAL-YEAR", help="First fiscal year (default: the current one)")
@click.option("--years", default=3, show_default=True, help="Number of fiscal years")
@click.option("--until", metavar="FISCAL-YEAR", help="For the answers: carry to the end of this fiscal year")
@click.option("--months", is_flag=True, help="Also print who pays each position's month")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@pass_cli
@handle_errors
def simulate(cli: CliContext, /, **options: Any) -> None:
    """Simulate the staffing plan, a scenario or a hire: cost, funders, gap, runway, answers."""
    with session_for(cli) as session:
        org = get_organisation(session, cli.organisation)
        lang = cli.resolve_lang(org.language.value)
        scope = Scope(org.id)
        if options["first_year"]:
            start = org.calendar.parse(options["first_year"], "--from").start
        else:
            start = date.today()
        rng = default_range(org, start, max(1, options["years"]))
        extra, titles = _added(session, org, options)
        names: list[str | None] = list(options["scenarios"]) or [None]
        if options["compare"] and None not in names:
            names.insert(0, None)
        runs = [simulate_scenario(session, scope, name, rng=rng, extra=extra, titles=titles) for name in names]
        answers = {id(run): _answers(session, scope, org, run, options, rng) for run in runs}
        if options["as_json"]:
            echo_json([_run_json(run, answers[id(run)], lang) for run in runs])
            return
        if options["compare"]:
            _print_compare(runs, org, lang)
        for run in runs:
            _print_run(run, answers[id(run)], org, lang, options["months"])


def _added(session: Session, org: Organisation, options: dict[str, Any]) -> tuple[list[AddPosition], dict[str, Any]]:
    title = options["add_title"]
    if not title:
        return [], {}
    if not options["start"] or not (options["salary"] or (options["rate"] and options["hours"])):
        raise InputError(M_ADD_NEEDS, field="--add")
    key = _slug(title) or ADDED_KEY
    terms = PositionTerms(
        key,
        parse_date(options["start"], "--start"),
        end=parse_date(options["end"], "--end") if options["end"] else None,
        annual_salary=parse_money(options["salary"], field="--salary") if options["salary"] else None,
        hourly_rate=parse_money(options["rate"], field="--rate") if options["rate"] else None,
        weekly_hours=_number(options["hours"], "--hours") if options["hours"] else None,
        vacation_rate=_number(options["vacation"], "--vacation"),
        benefits_rate=_number(options["benefits"], "--benefits"),
    )
    lines = tuple(_fund(session, org, key, value) for value in options["fund"])
    return [AddPosition(terms, lines)], {key: (title, title)}


def _number(text: str, field: str) -> Decimal:
    """A number typed in an option (``37,5`` or ``37.5``); the terms check its range."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise InputError(M_INVALID, field=field, detail=text) from None
    if not value.is_finite():
        raise InputError(M_INVALID, field=field, detail=text)
    return value


def _fund(session: Session, org: Organisation, key: str, value: str) -> FundingLine:
    parts = value.split(":")
    if len(parts) != 3:
        raise InputError(M_BAD_FUND, field="--fund", value=value)
    grant = grant_by_reference(session, Scope(org.id), parts[0].strip(), field="--fund")
    year = org.calendar.parse(parts[1], "--fund")
    status = FundingStatus.REQUESTED if grant.status is GrantStatus.REQUESTED else FundingStatus.CONFIRMED
    return FundingLine(
        grant.reference,
        grant.funder.name,
        key,
        status=status,
        amounts=((year, parse_money(parts[2], field="--fund")),),
        period=grant.period,
    )


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _answers(
    session: Session, scope: Scope, org: Organisation, run: StaffingRun, options: dict[str, Any], rng: DateRange
) -> list[HiringAnswers]:
    """The coordinator's answers for each position the scenario or the options add."""
    keys: list[str] = []
    if run.name is not None:
        scenario = scenario_by_name(session, scope, run.name)
        keys.extend(c.position_key for c in scenario.changes if c.kind is ChangeKind.ADD)
    if options["add_title"]:
        keys.append(_slug(options["add_title"]) or ADDED_KEY)
    out = []
    for key in keys:
        terms = next(t for t in run.plan.positions if t.key == key)
        if options["until"]:
            until = org.calendar.parse(options["until"], "--until").end
        else:
            until = _money_horizon(run, key, org, terms.start)
        out.append(hiring_answers(session, scope, run, key, until))
    return out


def _money_horizon(run: StaffingRun, key: str, org: Organisation, start: date) -> date:
    """The end of the fiscal year in which the position's confirmed money ends (at least the start's)."""
    ends = [start]
    for line in run.plan.funding:
        if line.position == key and line.status is FundingStatus.CONFIRMED:
            ends.append(line.amounts[-1][0].end if line.amounts else line.expires)
    return org.calendar.year_of(max(ends)).end


def _funder_total(pairs: tuple[tuple[str, Decimal], ...]) -> Decimal:
    return sum((amount for _, amount in pairs), ZERO)


def _print_run(run: StaffingRun, answers: list[HiringAnswers], org: Organisation, lang: Lang, months: bool) -> None:
    name = run.name or translate(M_CURRENT)
    headers = [
        translate(c)
        for c in (
            "term.fiscal_year",
            "staffing.col.salaries",
            "term.employer_contributions",
            "label.benefits",
            "label.cost",
            "col.confirmed",
            "col.requested",
            "staffing.col.gap_confirmed",
            "staffing.col.gap_requested",
        )
    ]
    rows = [
        [
            y.year.label,
            y.cost.earnings,
            y.cost.contributions,
            y.cost.benefits,
            y.cost.total,
            _funder_total(y.confirmed),
            _funder_total(y.requested),
            y.gap_confirmed,
            y.gap_requested,
        ]
        for y in run.years
    ]
    click.echo()
    echo_table(headers, rows, lang, title=translate(M_TITLE, name=name, org=org.name))
    _print_funders(run.years, lang)
    click.echo()
    runway_rows = []
    for terms in run.plan.positions:
        if not run.simulation.projection.for_position(terms.key):
            continue
        short = run.simulation.runway(terms.key)
        short_all = run.simulation.runway(terms.key, requested=True)
        runway_rows.append(
            [
                run.plan.title(terms.key, lang),
                short.label if short else translate(M_ALWAYS),
                short_all.label if short_all else translate(M_ALWAYS),
            ]
        )
    headers = [
        translate(c) for c in ("term.position", "staffing.col.runway_confirmed", "staffing.col.runway_requested")
    ]
    echo_table(headers, runway_rows, lang, title=translate(M_RUNWAY))
    for answer in answers:
        _print_answers(run, answer, lang)
    if months:
        _print_months(run, lang)
    for note in run.simulation.projection.notes:
        click.echo(translate(M_NOTE, text=note.message(lang)))


def _print_funders(years: tuple[YearSummary, ...], lang: Lang) -> None:
    funders = sorted({f for y in years for f, _ in y.confirmed + y.requested})
    if not funders:
        return
    click.echo()
    headers = [translate("term.funder")] + [y.year.label for y in years]
    rows = []
    for funder in funders:
        for status, label in (("confirmed", "col.confirmed"), ("requested", "col.requested")):
            values = [dict(y.confirmed if status == "confirmed" else y.requested).get(funder) for y in years]
            if any(v is not None for v in values):
                rows.append([f"{funder} ({translate(label).lower()})"] + [v if v is not None else ZERO for v in values])
    echo_table(headers, rows, lang, title=translate(M_FUNDERS))


def _print_answers(run: StaffingRun, answer: HiringAnswers, lang: Lang) -> None:
    click.echo()
    until = answer.until.isoformat()
    click.echo(click.style(translate(M_ANSWERS, title=run.plan.title(answer.position, lang), until=until), bold=True))
    earliest = answer.earliest_start.isoformat() if answer.earliest_start else translate(M_NONE_CARRIES)
    click.echo(translate(M_EARLIEST, until=until, answer=earliest))
    if answer.most_hours is not None:
        terms = next(t for t in run.plan.positions if t.key == answer.position)
        click.echo(translate(M_HOURS, start=terms.start.isoformat(), answer=format(answer.most_hours.normalize(), "f")))
    for year, needed in answer.needed_confirmed.items():
        click.echo(
            translate(
                M_NEEDED,
                year=year.label,
                confirmed=format_money(needed, lang),
                requested=format_money(answer.needed_requested.get(year, ZERO), lang),
            )
        )


def _print_months(run: StaffingRun, lang: Lang) -> None:
    click.echo()
    headers = [
        translate(c)
        for c in (
            "label.month",
            "term.position",
            "label.cost",
            "staffing.col.paid_by",
            "staffing.col.gap",
        )
    ]
    rows = []
    for cover, payers in run.simulation.who_pays():
        paid_by = ", ".join(f"{line.key} {format_money(amount, lang)}" for line, amount in payers)
        rows.append([cover.month.label, run.plan.title(cover.position, lang), cover.cost, paid_by, cover.gap])
    echo_table(headers, rows, lang, title=translate(M_MONTHS))


def _print_compare(runs: list[StaffingRun], org: Organisation, lang: Lang) -> None:
    headers = [translate("term.fiscal_year")]
    for run in runs:
        name = run.name or translate(M_CURRENT)
        headers += [
            f"{name}: {translate('label.cost')}",
            translate("staffing.col.gap_confirmed"),
            translate("staffing.col.gap_requested"),
        ]
    years: dict[FiscalYear, list[Any]] = {}
    for i, run in enumerate(runs):
        for y in run.years:
            row = years.setdefault(y.year, [ZERO] * (3 * len(runs)))
            row[3 * i : 3 * i + 3] = [y.cost.total, y.gap_confirmed, y.gap_requested]
    rows = [[year.label, *values] for year, values in sorted(years.items())]
    click.echo()
    echo_table(headers, rows, lang, title=translate(M_COMPARE, org=org.name))


def _run_json(run: StaffingRun, answers: list[HiringAnswers], lang: Lang) -> dict[str, Any]:
    sim = run.simulation
    return {
        "scenario": run.name,
        "range": {"start": sim.projection.range.start, "end": sim.projection.range.end},
        "years": [
            {
                "fiscal_year": y.year.label,
                "pay_and_vacation": y.cost.earnings,
                "contributions": y.cost.contributions,
                "benefits": y.cost.benefits,
                "cost": y.cost.total,
                "confirmed": dict(y.confirmed),
                "requested": dict(y.requested),
                "gap_confirmed": y.gap_confirmed,
                "gap_requested": y.gap_requested,
            }
            for y in run.years
        ],
        "positions": [
            {
                "key": t.key,
                "title": run.plan.title(t.key, lang),
                "runway_confirmed": _label(sim.runway(t.key)),
                "runway_requested": _label(sim.runway(t.key, requested=True)),
            }
            for t in run.plan.positions
            if sim.projection.for_position(t.key)
        ],
        "answers": [
            {
                "position": a.position,
                "until": a.until,
                "earliest_start": a.earliest_start,
                "most_hours": a.most_hours,
                "needed_confirmed": {y.label: v for y, v in a.needed_confirmed.items()},
                "needed_requested": {y.label: v for y, v in a.needed_requested.items()},
            }
            for a in answers
        ],
        "months": [
            {
                "month": c.month.label,
                "position": c.position,
                "cost": c.cost,
                "paid": [
                    {"grant": line.key, "funder": line.funder, "status": line.status, "amount": a} for line, a in p
                ],
                "gap": c.gap,
            }
            for c, p in sim.who_pays()
        ],
        "notes": [{"code": n.code, "message": n.message(lang)} for n in sim.projection.notes],
    }


def _label(month: Any) -> str | None:
    return None if month is None else str(month.label)


@main.command("payroll-rates")
@click.option("--load", "load_shipped", is_flag=True, help="Load the shipped tables (edited years are kept)")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@pass_cli
@handle_errors
def payroll_rates(cli: CliContext, load_shipped: bool, as_json: bool) -> None:
    """List the payroll parameters per calendar year, or load the shipped tables."""
    with session_for(cli) as session:
        org = get_organisation(session, cli.organisation)
        lang = cli.resolve_lang(org.language.value)
        if load_shipped:
            written = load_payroll_rates(session, org)
            click.echo(translate(M_RATES_LOADED, years=", ".join(str(t.year) for t in written) or "—"))
        tables = list_payroll_rates(session, Scope(org.id))
        if as_json:
            echo_json(
                [
                    {"year": t.year, **{p: getattr(t, p) for p in PARAMETERS}, "edited": t.edited, "sources": t.sources}
                    for t in tables
                ]
            )
            return
        if not load_shipped and not tables:
            load_payroll_rates(session, org)
            tables = list_payroll_rates(session, Scope(org.id))
        headers = [translate("staffing.col.parameter")] + [str(t.year) for t in tables]
        rows: list[list[Decimal | str]] = [
            [translate(f"payroll.param.{p}"), *(_param(getattr(t, p), lang) for t in tables)] for p in PARAMETERS
        ]
        echo_table(headers, rows, lang, title=translate(M_RATES_TITLE, org=org.name))


def _param(value: Decimal, lang: Lang) -> Decimal | str:
    """Rates as percentages (6,3 % / 6.3 %), amounts as amounts."""
    if value <= 1:
        text = format((value * 100).normalize(), "f")
        return f"{text.replace('.', ',') if lang == 'fr' else text} %"
    return value


M_BUDGET_FROM_SCENARIO = msg("cli.budget_from_scenario")
M_CURRENT_PLAN = msg("cli.current_plan")


@main.command("budget-from-scenario")
@click.argument("scenario", required=False)
@click.option("--project", required=True, help="The project whose budget gets the staffing lines")
@click.option("--name", "version_name", help="Name of the new budget version (default: the scenario's)")
@click.option("--from", "first_year", metavar="FISCAL-YEAR", help="First fiscal year (default: the current one)")
@click.option("--years", default=3, show_default=True, help="Number of fiscal years")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@pass_cli
@handle_errors
def budget_from_scenario(
    cli: CliContext,
    scenario: str | None,
    project: str,
    version_name: str | None,
    first_year: str | None,
    years: int,
    as_json: bool,
) -> None:
    """Make a budget version whose salary, contribution and benefit lines come from a scenario.

    Without SCENARIO, the current staffing. The new version copies the project's
    current one and replaces only its staffing lines.
    """
    from fundtrack.services.simulation import BUDGET_CATEGORIES, budget_version_from_scenario

    with session_for(cli) as session:
        org = get_organisation(session, cli.organisation)
        lang = cli.resolve_lang(org.language.value)
        start = org.calendar.parse(first_year, "--from").start if first_year else date.today()
        rng = default_range(org, start, max(1, years))
        name = version_name or scenario or translate(M_CURRENT_PLAN)
        version, _run = budget_version_from_scenario(
            session, Scope(org.id), scenario, project, name, rng=rng, lang=lang
        )
        codes = {code for code, _ in BUDGET_CATEGORIES}
        fiscal_years = org.calendar.years(rng)
        rows: list[list[Any]] = []
        for line in version.lines:
            if line.category.code not in codes:
                continue
            by_year = {a.period_start: a.amount for a in line.amounts}
            rows.append(
                [line.description, line.category.label(lang)] + [by_year.get(y.start, ZERO) for y in fiscal_years]
            )
        if as_json:
            echo_json(
                {
                    "project": project,
                    "version": version.name,
                    "lines": [
                        {
                            "description": r[0],
                            "category": r[1],
                            "years": dict(zip([y.label for y in fiscal_years], r[2:], strict=True)),
                        }
                        for r in rows
                    ],
                }
            )
            return
        totals = [sum((r[i] for r in rows), ZERO) for i in range(2, 2 + len(fiscal_years))]
        rows.append([translate("label.total"), "", *totals])
        title = translate(
            M_BUDGET_FROM_SCENARIO,
            version=version.name,
            project=project,
            scenario=f"« {scenario} »" if scenario else translate(M_CURRENT_PLAN),
        )
        headers = [translate("col.line"), translate("term.category"), *[y.label for y in fiscal_years]]
        echo_table(headers, rows, lang, title)
