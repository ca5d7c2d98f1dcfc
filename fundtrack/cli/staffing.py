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
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import click
from sqlalchemy.orm import Session

from fundtrack.calc.payroll import DEFAULT_VACATION_RATE
from fundtrack.calc.staffing import (
    AddPosition,
    FundingLine,
    WhoPays,
    YearSummary,
)
from fundtrack.cli.base import CliContext, acting_session, echo_json, echo_table, handle_errors, main, pass_cli
from fundtrack.errors import FieldError, InputError, ValidationFailed
from fundtrack.i18n import Lang, msg, translate
from fundtrack.models import Organisation
from fundtrack.models.staffing import ChangeKind
from fundtrack.money import ZERO, format_money, parse_money
from fundtrack.periods import FiscalYear
from fundtrack.queries.scope import Scope
from fundtrack.queries.staffing import list_positions, scenario_by_name
from fundtrack.rates import PARAMETERS
from fundtrack.schemas.common import load_or_raise
from fundtrack.schemas.staffing import ChangeSchema, NewChange
from fundtrack.services.payroll_rates import payroll_tables
from fundtrack.services.simulation import (
    HiringAnswers,
    StaffingRun,
    YearAnswer,
    default_range,
    hire_change,
    run_answers,
    simulate_scenario,
)

M_TITLE = msg("cli.simulate_title")
M_CURRENT = msg("cli.simulate_current")
M_WITH_HIRE = msg("cli.simulate_with_hire")
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
M_ADD_TITLE = msg("cli.add_title")
M_NEEDS_ADD = msg("cli.needs_add")
M_BAD_FUND = msg("cli.bad_fund")
M_YEARS = msg("cli.years")
M_RATES_SOURCES = msg("cli.rates_sources")
M_RATES_TITLE = msg("cli.rates_title")

ADDED_KEY = "ajout"
MOST_YEARS = 10


def fiscal_year_count(value: str, option: str = "--years") -> int:
    """``--years`` as a whole number of fiscal years, 1 to :data:`MOST_YEARS`; else InputError."""
    text = value.strip()
    if not text.isdigit() or not 1 <= int(text) <= MOST_YEARS:
        raise InputError(M_YEARS, field=option, value=value, most=MOST_YEARS)
    return int(text)


@main.command()
@click.option("--scenario", "scenarios", multiple=True, metavar="NAME", help="A stored scenario (repeatable)")
@click.option("--compare", is_flag=True, help="Compare the current staffing and the scenarios side by side")
@click.option("--add", "add_title", metavar="TITLE", help="Add a hire: its title")
@click.option("--rate", type=str, help="Hourly rate of the hire")
@click.option("--hours", type=str, help="Weekly hours of the hire")
@click.option("--salary", type=str, help="Annual salary of the hire (instead of --rate and --hours)")
@click.option("--start", "start", type=str, help="Start date of the hire (YYYY-MM-DD)")
@click.option("--end", "end", type=str, help="End date of the hire")
@click.option("--vacation", default=str(DEFAULT_VACATION_RATE), show_default=True, help="Vacation-pay rate of the hire")
@click.option("--benefits", default="0", show_default=True, help="Benefits rate of the hire")
@click.option("--fund", multiple=True, metavar="REF:YEAR:AMOUNT", help="Money a grant gives the hire in a year")
@click.option("--from", "first_year", metavar="FISCAL-YEAR", help="First fiscal year (default: the current one)")
@click.option("--years", default="3", show_default=True, help="Number of fiscal years (1 to 10)")
@click.option("--until", metavar="FISCAL-YEAR", help="For the answers: up to the end of this fiscal year")
@click.option("--months", is_flag=True, help="Also print who pays each position's month")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@pass_cli
@handle_errors
def simulate(cli: CliContext, /, **options: Any) -> None:
    """Simulate the staffing plan, a scenario or a hire: cost, funders, gap, runway, answers."""
    with acting_session(cli) as (session, acting):
        org = acting.organisation(session)
        lang = acting.lang
        scope = acting.scope
        if options["first_year"]:
            start = org.calendar.parse(options["first_year"], "--from").start
        else:
            start = date.today()
        rng = default_range(org, start, fiscal_year_count(options["years"]))
        until = org.calendar.parse(options["until"], "--until").end if options["until"] else rng.end
        names: list[str | None] = list(options["scenarios"]) or [None]
        if options["compare"] and None not in names:
            names.insert(0, None)
        hire = _hire(session, org, options, names)
        extra = [hire.change] if hire else []
        titles = {hire.key: (hire.title, hire.title)} if hire else {}
        runs = [simulate_scenario(session, scope, name, rng=rng, extra=extra, titles=titles) for name in names]
        answers = {id(run): run_answers(session, scope, run, until) for run in runs}
        if options["as_json"]:
            echo_json([_run_json(run, answers[id(run)], hire) for run in runs])
            return
        if options["compare"]:
            _print_compare(runs, hire, org, lang)
        for run in runs:
            _print_run(run, hire, answers[id(run)], org, lang, options["months"])


# --- a hire given by options ------------------------------------------------------------


@dataclass(frozen=True)
class Hire:
    """The hire the options describe: its key in the plan, its title as typed, the change."""

    key: str
    title: str
    change: AddPosition


# The options of a hire, by the field of the staffing schema they fill.
HIRE_OPTIONS = {
    "position": "--add",
    "title_fr": "--add",
    "title_en": "--add",
    "annual_salary": "--salary",
    "hourly_rate": "--rate",
    "weekly_hours": "--hours",
    "start_date": "--start",
    "end_date": "--end",
    "vacation_rate": "--vacation",
    "benefits_rate": "--benefits",
    "funding": "--fund",
}
_NEED_ADD = ("rate", "hours", "salary", "start", "end", "fund")


def _hire(session: Session, org: Organisation, options: dict[str, Any], names: list[str | None]) -> Hire | None:
    """The hire of ``--add`` and its options, checked as a scenario's added position is in
    a file (:class:`~fundtrack.schemas.staffing.ChangeSchema`); None without ``--add``.

    Raises :class:`InputError` naming the option: a hire option without ``--add``, an
    empty title, a missing start or pay, an amount, rate, hours or date that breaks its
    rule, or funding a grant may not give it.
    """
    title = options["add_title"]
    if title is None:
        given = [name for name in _NEED_ADD if options[name] not in (None, ())]
        if given:
            raise InputError(M_NEEDS_ADD, field=f"--{given[0]}")
        return None
    if not title.strip():
        raise InputError(M_ADD_TITLE, field="--add")
    salary, rate, hours = options["salary"], options["rate"], options["hours"]
    hourly = rate is not None or hours is not None
    if options["start"] is None or (salary is not None) == hourly or (hourly and (rate is None or hours is None)):
        raise InputError(M_ADD_NEEDS, field="--add")
    key = _free_key(session, org, _slug(title) or ADDED_KEY, names)
    data: dict[str, Any] = {
        "kind": ChangeKind.ADD.value,
        "position": key,
        "title_fr": title,
        "title_en": title,
        "start_date": options["start"],
        "vacation_rate": _decimal_text(options["vacation"]),
        "benefits_rate": _decimal_text(options["benefits"]),
        "funding": _funding_data(options["fund"]),
    }
    if salary is not None:
        data["annual_salary"] = parse_money(salary, field="--salary")
    else:
        data["hourly_rate"] = parse_money(rate, field="--rate")
        data["weekly_hours"] = _decimal_text(hours)
    if options["end"] is not None:
        data["end_date"] = options["end"]
    loaded = _load_hire(data)
    try:
        change = hire_change(session, Scope(org.id), loaded)  # checked as the admin's simulator checks it
    except InputError as exc:
        if exc.field and exc.field.startswith("funding"):
            exc.field = "--fund"
        raise
    return Hire(key, title.strip(), change)


def _decimal_text(value: str) -> str:
    """A number as typed, with a decimal comma read as a point (``32,5`` → ``32.5``)."""
    return value.strip().replace(",", ".")


def _funding_data(values: Collection[str]) -> list[dict[str, Any]]:
    """``--fund REF:YEAR:AMOUNT`` values as the schema's funding, one entry per grant."""
    by_grant: dict[str, list[dict[str, Any]]] = {}
    for value in values:
        parts = value.split(":")
        if len(parts) != 3 or not parts[0].strip():
            raise InputError(M_BAD_FUND, field="--fund", value=value)
        amount = parse_money(parts[2], field="--fund")
        by_grant.setdefault(parts[0].strip(), []).append({"fiscal_year": parts[1].strip(), "amount": amount})
    return [{"grant": grant, "amounts": amounts} for grant, amounts in by_grant.items()]


def _load_hire(data: dict[str, Any]) -> NewChange:
    """``data`` loaded by the staffing schema, each error named by the option it came from."""
    try:
        loaded: NewChange = load_or_raise(ChangeSchema(), data)
    except ValidationFailed as failed:
        raise ValidationFailed([_on_option(e) for e in failed.errors]) from None
    return loaded


def _on_option(error: FieldError) -> FieldError:
    head = re.split(r"[.\[]", error.path, maxsplit=1)[0]
    return FieldError(HIRE_OPTIONS.get(head, "--add"), error.code, error.params)


def _free_key(session: Session, org: Organisation, wanted: str, names: list[str | None]) -> str:
    """``wanted``, or ``wanted-2``... when a position of the plan or of a scenario has it."""
    taken = {p.key for p in list_positions(session, Scope(org.id))}
    for name in names:
        if name is not None:
            scenario = scenario_by_name(session, Scope(org.id), name)
            taken.update(c.position_key for c in scenario.changes if c.kind is ChangeKind.ADD)
    key, n = wanted, 1
    while key in taken:
        n += 1
        key = f"{wanted}-{n}"
    return key


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


# --- the coordinator's answers ------------------------------------------------------------


# --- printing -------------------------------------------------------------------------------


def _run_name(run: StaffingRun, hire: Hire | None) -> str:
    """The scenario's name (or the current staffing), and the hire added to it."""
    name = run.name or translate(M_CURRENT)
    if hire is not None and hire.key in run.added:
        return translate(M_WITH_HIRE, name=name, title=hire.title)
    return name


def _funder_total(pairs: tuple[tuple[str, Decimal], ...]) -> Decimal:
    return sum((amount for _, amount in pairs), ZERO)


def _print_run(
    run: StaffingRun, hire: Hire | None, answers: list[HiringAnswers], org: Organisation, lang: Lang, months: bool
) -> None:
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
    echo_table(headers, rows, lang, title=translate(M_TITLE, name=_run_name(run, hire), org=org.name))
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
    title = translate(M_ANSWERS, title=run.plan.title(answer.position, lang), until=answer.until.isoformat())
    click.echo(click.style(title, bold=True))
    for year in answer.years:
        click.echo(f"  {year.year.label}")
        for line in _year_answer(answer, year, lang):
            click.echo(f"  {line}")


def _year_answer(answer: HiringAnswers, year: YearAnswer, lang: Lang) -> list[str]:
    until = min(year.year.end, answer.until).isoformat()
    earliest = year.earliest_start.isoformat() if year.earliest_start else translate(M_NONE_CARRIES)
    lines = [translate(M_EARLIEST, until=until, answer=earliest)]
    if year.most_hours is not None:
        hours = format(year.most_hours.normalize(), "f")
        lines.append(translate(M_HOURS, start=answer.start.isoformat(), until=until, answer=hours))
    lines.append(
        translate(
            M_NEEDED,
            year=year.year.label,
            confirmed=format_money(year.needed_confirmed, lang),
            requested=format_money(year.needed_requested, lang),
        )
    )
    return lines


def _payers(paid: tuple[tuple[FundingLine, Decimal], ...], lang: Lang) -> str:
    return ", ".join(f"{line.key} {format_money(amount, lang)}" for line, amount in paid)


def _print_months(run: StaffingRun, lang: Lang) -> None:
    click.echo()
    headers = [
        translate(c)
        for c in (
            "label.month",
            "term.position",
            "label.cost",
            "staffing.col.paid_confirmed",
            "staffing.col.uncovered_confirmed",
            "staffing.col.paid_requested",
            "staffing.col.uncovered_if_granted",
        )
    ]
    rows = [
        [
            m.month.label,
            run.plan.title(m.position, lang),
            m.cost,
            _payers(m.confirmed, lang),
            m.gap_confirmed,
            _payers(m.requested, lang),
            m.gap_requested,
        ]
        for m in run.simulation.monthly()
    ]
    echo_table(headers, rows, lang, title=translate(M_MONTHS))


def _print_compare(runs: list[StaffingRun], hire: Hire | None, org: Organisation, lang: Lang) -> None:
    headers = [translate("term.fiscal_year")]
    for run in runs:
        headers += [
            f"{_run_name(run, hire)}: {translate('label.cost')}",
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


# --- JSON: codes and data, the same in every language ----------------------------------------


def _run_json(run: StaffingRun, answers: list[HiringAnswers], hire: Hire | None) -> dict[str, Any]:
    sim = run.simulation
    return {
        "scenario": run.name,
        "hire": {"key": hire.key, "title": hire.title} if hire is not None and hire.key in run.added else None,
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
                "title_fr": run.plan.title(t.key, "fr"),
                "title_en": run.plan.title(t.key, "en"),
                "runway_confirmed": _label(sim.runway(t.key)),
                "runway_requested": _label(sim.runway(t.key, requested=True)),
            }
            for t in run.plan.positions
            if sim.projection.for_position(t.key)
        ],
        "answers": [
            {
                "position": a.position,
                "start": a.start,
                "until": a.until,
                "years": [
                    {
                        "fiscal_year": y.year.label,
                        "earliest_start": y.earliest_start,
                        "most_hours": y.most_hours,
                        "needed_confirmed": y.needed_confirmed,
                        "needed_requested": y.needed_requested,
                    }
                    for y in a.years
                ],
            }
            for a in answers
        ],
        "months": [_month_json(m) for m in sim.monthly()],
        "notes": [{"code": n.code, "params": dict(n.params)} for n in sim.projection.notes],
    }


def _month_json(m: WhoPays) -> dict[str, Any]:
    def paid(pairs: tuple[tuple[FundingLine, Decimal], ...]) -> list[dict[str, Any]]:
        return [{"grant": line.key, "funder": line.funder, "amount": amount} for line, amount in pairs]

    return {
        "month": m.month.label,
        "position": m.position,
        "cost": m.cost,
        "confirmed": paid(m.confirmed),
        "requested": paid(m.requested),
        "gap_confirmed": m.gap_confirmed,
        "gap_requested": m.gap_requested,
    }


def _label(month: Any) -> str | None:
    return None if month is None else str(month.label)


@main.command("payroll-rates")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@pass_cli
@handle_errors
def payroll_rates(cli: CliContext, as_json: bool) -> None:
    """List the payroll parameters per calendar year (the shipped tables and the organisation's
    own), with their sources. Reading them never writes."""
    with acting_session(cli) as (session, acting):
        lang = acting.lang
        tables = payroll_tables(session, acting.scope)
        if as_json:
            echo_json(
                [{"year": t.year, **{p: getattr(t, p) for p in PARAMETERS}, "sources": dict(t.sources)} for t in tables]
            )
            return
        headers = [translate("staffing.col.parameter")] + [str(t.year) for t in tables]
        rows: list[list[Decimal | str]] = [
            [translate(f"payroll.param.{p}"), *(_param(getattr(t, p), lang) for t in tables)] for p in PARAMETERS
        ]
        echo_table(headers, rows, lang, title=translate(M_RATES_TITLE, org=acting.organisation_name))
        click.echo()
        click.echo(click.style(translate(M_RATES_SOURCES), bold=True))
        for t in tables:
            sources = dict(t.sources)
            for source in sorted(set(sources.values())):
                params = ", ".join(translate(f"payroll.param.{p}") for p in PARAMETERS if sources.get(p) == source)
                click.echo(f"{t.year} — {params} : {source}" if lang == "fr" else f"{t.year} — {params}: {source}")


def _param(value: Decimal, lang: Lang) -> Decimal | str:
    """Rates as percentages (6,3 % / 6.3 %), amounts as amounts."""
    if value <= 1:
        text = format((value * 100).normalize(), "f")
        return f"{text.replace('.', ',') if lang == 'fr' else text} %"
    return value


M_BUDGET_FROM_SCENARIO = msg("cli.budget_from_scenario")
M_CURRENT_PLAN = msg("cli.current_plan")
M_CURRENT_VERSION = msg("staffing.current_plan_version")
M_TOTAL_STAFFING = msg("cli.total_staffing_lines")
M_TOTAL_VERSION = msg("cli.total_version")
M_QUOTED = msg("cli.quoted_scenario")


@main.command("budget-from-scenario")
@click.argument("scenario", required=False)
@click.option("--project", required=True, help="The project whose budget gets the staffing lines")
@click.option("--name", "version_name", help="Name of the new budget version (default: the scenario's)")
@click.option("--from", "first_year", metavar="FISCAL-YEAR", help="First fiscal year (default: the current one)")
@click.option("--years", default="3", show_default=True, help="Number of fiscal years (1 to 10)")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@pass_cli
@handle_errors
def budget_from_scenario(
    cli: CliContext,
    scenario: str | None,
    project: str,
    version_name: str | None,
    first_year: str | None,
    years: str,
    as_json: bool,
) -> None:
    """Make a budget version whose salary, contribution and benefit lines come from a scenario.

    Without SCENARIO, the current staffing. The new version copies the project's
    current one and replaces only its staffing lines, in the fiscal years simulated;
    the other years keep their amounts. Descriptions are written in the organisation's
    language, whatever --lang says.
    """
    from fundtrack.services.simulation import BUDGET_CATEGORIES, budget_version_from_scenario

    with acting_session(cli, write=True) as (session, acting):
        org = acting.organisation(session)
        lang = acting.lang
        start = org.calendar.parse(first_year, "--from").start if first_year else date.today()
        rng = default_range(org, start, fiscal_year_count(years))
        name = version_name or scenario or translate(M_CURRENT_VERSION, org.language.value)
        version, _run = budget_version_from_scenario(session, acting, scenario, project, name, rng=rng)
        codes = {code for code, _ in BUDGET_CATEGORIES}
        year_of = org.calendar.year_of
        staffing = [line for line in version.lines if line.category.code in codes]
        fiscal_years = sorted({year_of(a.period_start) for line in staffing for a in line.amounts})

        def by_year(lines: list[Any]) -> list[Decimal]:
            sums = {y.start: ZERO for y in fiscal_years}
            for line in lines:
                for a in line.amounts:
                    start_of = year_of(a.period_start).start
                    if start_of in sums:
                        sums[start_of] += a.amount
            return list(sums.values())

        staffing_total, version_total = by_year(staffing), by_year(list(version.lines))
        if as_json:
            labels = [y.label for y in fiscal_years]
            echo_json(
                {
                    "project": project,
                    "version": version.name,
                    "scenario": scenario,
                    "lines": [
                        {
                            "description": line.description,
                            "category": line.category.code,
                            "years": dict(zip(labels, by_year([line]), strict=True)),
                        }
                        for line in staffing
                    ],
                    "total_staffing_lines": dict(zip(labels, staffing_total, strict=True)),
                    "total_version": dict(zip(labels, version_total, strict=True)),
                }
            )
            return
        rows: list[list[Any]] = [[line.description, line.category.label(lang), *by_year([line])] for line in staffing]
        rows.append([translate(M_TOTAL_STAFFING), "", *staffing_total])
        rows.append([translate(M_TOTAL_VERSION), "", *version_total])
        title = translate(
            M_BUDGET_FROM_SCENARIO,
            version=version.name,
            project=project,
            scenario=translate(M_QUOTED, name=scenario) if scenario else translate(M_CURRENT_PLAN),
        )
        headers = [translate("col.line"), translate("term.category"), *[y.label for y in fiscal_years]]
        echo_table(headers, rows, lang, title)
