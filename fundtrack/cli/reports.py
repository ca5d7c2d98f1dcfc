"""``fundtrack report ...``: the Excel reports for funders, the board and the coordinator.

The language of a workbook is the command's own ``--lang``, else the global ``--lang``
or ``FUNDTRACK_LANG``, else the funder's language (a funder's report) or the
organisation's (the budget and simulation workbooks). A value a cell cannot hold is cut
visibly in the workbook, and said on stderr.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import click

from fundtrack.cli.base import CliContext, _check_schema, acting_session, handle_errors, main, pass_cli
from fundtrack.db import unit_of_work
from fundtrack.errors import InputError
from fundtrack.i18n import Lang, check_lang, current_lang, msg, set_lang, translate
from fundtrack.periods import DateRange, FiscalCalendar, FiscalYear, parse_date, parse_range
from fundtrack.queries.lookups import funder_by_name
from fundtrack.reports.budget import budget_report
from fundtrack.reports.budget_xlsx import write_budget_report
from fundtrack.reports.funder import funder_report
from fundtrack.reports.funder_portfolio import funder_portfolio, parts_named, parts_of_email, write_funder_portfolio
from fundtrack.reports.funder_xlsx import write_funder_report
from fundtrack.reports.layout import integer_text
from fundtrack.reports.simulation import simulation_report
from fundtrack.reports.simulation_xlsx import write_simulation_report
from fundtrack.reports.xlsx import Cut, collect_cuts

M_WRITTEN = msg("cli.report.written")
M_WRITING = msg("cli.report.writing")
M_CUT = msg("cli.report.cut")
M_GRANT_WITH_ALL = msg("federation.cli.grant_with_all")

LANG_CHOICE = click.Choice(["fr", "en"])
OUTPUT = click.option(
    "-o", "--output", required=True, type=click.Path(path_type=Path, dir_okay=False), help="The .xlsx file to write"
)
AS_OF = click.option("--as-of", metavar="YYYY-MM-DD", help="The report's date (default: today)")


def _as_of(value: str | None) -> date:
    return parse_date(value, "as_of") if value else date.today()


def asked_lang(cli: CliContext, report_lang: str | None) -> Lang | None:
    """The language asked for: the command's ``--lang``, else the global ``--lang`` or
    ``FUNDTRACK_LANG`` (None when nobody asked: the report then follows its reader)."""
    chosen = report_lang or cli.lang_option or os.environ.get("FUNDTRACK_LANG")
    return check_lang(chosen) if chosen else None


def _count(value: int) -> str:
    return integer_text(value, current_lang())


def say_cuts(cuts: Sequence[Cut]) -> None:
    """One line on stderr for each value cut to fit a cell."""
    for cut in cuts:
        click.echo(
            translate(M_CUT, sheet=cut.sheet, cell=cut.cell, length=_count(cut.length), limit=_count(cut.limit)),
            err=True,
        )


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr, advanced by the number of rows written (on a terminal only)."""
    if not sys.stderr.isatty():
        yield lambda rows: None
        return
    with click.progressbar(length=max(total, 1), label=label, file=sys.stderr) as bar:
        yield bar.update


@main.group()
def report() -> None:
    """Excel reports: for a funder, the budget workbook, the hiring simulation."""


@report.command("funder")
@click.argument("funder")
@click.option("--grant", "grant_reference", metavar="REF", help="Only this grant of the funder")
@click.option("--period", metavar="START:END", help="2026-04-01:2027-03-31 or a fiscal year (default: the funder's)")
@click.option("--lang", "report_lang", type=LANG_CHOICE, help="Language of the report (default: the funder's)")
@click.option(
    "--all-organisations",
    is_flag=True,
    help="One workbook for every organisation with a funder of that name (or that the funder's login "
    "FUNDER, an email, reaches): a summary, then a sheet for each",
)
@AS_OF
@OUTPUT
@pass_cli
@handle_errors
def funder_command(
    cli: CliContext,
    funder: str,
    grant_reference: str | None,
    period: str | None,
    report_lang: str | None,
    all_organisations: bool,
    as_of: str | None,
    output: Path,
) -> None:
    """The report for FUNDER: its grants, instalments and reports due, in its language."""
    if all_organisations:
        # a funder across organisations
        if grant_reference is not None:
            raise InputError(M_GRANT_WITH_ALL, field="grant")
        write_portfolio(cli, funder, period, report_lang, _as_of(as_of), output)
        return
    with acting_session(cli) as (session, acting):
        scope = acting.scope
        calendar = funder_by_name(session, scope, funder).calendar
        rng = parse_range(period, calendar, "period") if period else None
        lang = asked_lang(cli, report_lang)
        data = funder_report(
            session, scope, funder, as_of=_as_of(as_of), grant_reference=grant_reference, period=rng, lang=lang
        )
        rows = len(data.grants) + len(data.report_dues) + len(data.instalments)
        rows += len(data.lines) + len(data.packages) + len(data.fee_caps) + len(data.staffing)
        rows += data.expenses.count if data.expenses is not None else 0
        # the expense detail is read from the database while the sheet is written
        with progress_bar(rows, translate(M_WRITING)) as advance, collect_cuts() as cuts:
            write_funder_report(data, output, progress=advance)
    say_cuts(cuts)
    click.echo(translate(M_WRITTEN, path=output))


def write_portfolio(
    cli: CliContext, funder: str, period: str | None, report_lang: str | None, as_of: date, output: Path
) -> None:
    """The funder's workbook across every organisation that has a funder called ``funder``
    (or that the funder's login of that email reaches, each as its funder there)."""
    _check_schema(cli)
    with unit_of_work(cli.factory) as session:
        parts = parts_of_email(session, funder) if "@" in funder else parts_named(session, funder)
        first = funder_by_name(session, parts[0].scope, parts[0].funder)
        rng = parse_range(period, first.calendar, "period") if period else None
        lang = asked_lang(cli, report_lang)
        set_lang(lang or check_lang(first.language.value))
        data = funder_portfolio(session, parts, as_of=as_of, period=rng, lang=lang)
        with collect_cuts() as cuts:
            write_funder_portfolio(data, output)
    say_cuts(cuts)
    click.echo(translate(M_WRITTEN, path=output))


@report.command("budget")
@click.option(
    "--years", metavar="FIRST:LAST", help="Fiscal years, e.g. 2025-2026:2027-2028 (default: every budgeted year)"
)
@click.option("--lang", "report_lang", type=LANG_CHOICE, help="Language of the report (default: the organisation's)")
@AS_OF
@OUTPUT
@pass_cli
@handle_errors
def budget_command(
    cli: CliContext, years: str | None, report_lang: str | None, as_of: str | None, output: Path
) -> None:
    """The budget workbook: the multi-year budget, the packages, the gap per fiscal year."""
    with acting_session(cli) as (session, acting):
        scope = acting.scope
        chosen = _years(years, acting.calendar) if years else None
        lang = asked_lang(cli, report_lang)
        data = budget_report(session, scope, as_of=_as_of(as_of), years=chosen, lang=lang)
    with progress_bar(len(data.rows) + len(data.packages), translate(M_WRITING)) as advance, collect_cuts() as cuts:
        write_budget_report(data, output, progress=advance)
    say_cuts(cuts)
    click.echo(translate(M_WRITTEN, path=output))


def _years(text: str, calendar: FiscalCalendar) -> tuple[FiscalYear, ...]:
    first, _, last = text.partition(":")
    start = calendar.parse(first.strip(), "years")
    end = calendar.parse((last or first).strip(), "years")
    return tuple(calendar.years(DateRange.checked(start.start, end.end, "years")))


@report.command("simulation")
@click.argument("scenarios", nargs=-1)
@click.option("--plan/--no-plan", default=True, help="Show the current plan beside the scenarios (default: yes)")
@click.option("--period", metavar="START:END", help="2026-04-01:2029-03-31 (default: three fiscal years)")
@click.option("--lang", "report_lang", type=LANG_CHOICE, help="Language of the report (default: the organisation's)")
@AS_OF
@OUTPUT
@pass_cli
@handle_errors
def simulation_command(
    cli: CliContext,
    scenarios: tuple[str, ...],
    plan: bool,
    period: str | None,
    report_lang: str | None,
    as_of: str | None,
    output: Path,
) -> None:
    """The simulation workbook: SCENARIOS side by side, and who pays each month (of the first)."""
    with acting_session(cli) as (session, acting):
        scope = acting.scope
        rng = parse_range(period, acting.calendar, "period") if period else None
        names: list[str | None] = [*scenarios, None] if plan or not scenarios else list(scenarios)
        lang = asked_lang(cli, report_lang)
        data = simulation_report(session, scope, names, as_of=_as_of(as_of), period=rng, lang=lang)
    with progress_bar(len(data.years) + len(data.months), translate(M_WRITING)) as advance, collect_cuts() as cuts:
        write_simulation_report(data, output, progress=advance)
    say_cuts(cuts)
    click.echo(translate(M_WRITTEN, path=output))
