"""Commands for budgets and expenses: package, variance, gap, expenses import."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from fundtrack import files
from fundtrack.calc.package import SOURCE_KIND_LABELS
from fundtrack.calc.variance import DIMENSION_LABELS, DIMENSIONS, check_dimension
from fundtrack.cli.base import CliContext, acting_session, echo_json, echo_table, handle_errors, main, pass_cli
from fundtrack.errors import ValidationFailed
from fundtrack.i18n import msg, translate, translate_plural
from fundtrack.money import format_money, format_percent
from fundtrack.periods import DateRange, FiscalCalendar, parse_date, parse_range
from fundtrack.queries.lookups import funder_by_name
from fundtrack.queries.variance import budget_vs_actual
from fundtrack.services.expense_import import duplicate_message, import_csv
from fundtrack.services.package import funding_gap, project_package

M_PACKAGE_TITLE = msg("cli.package_title")
M_PACKAGE_GAPS = msg("cli.package_gaps")
M_VARIANCE_TITLE = msg("cli.variance_title")
M_GAP_TITLE = msg("cli.gap_title")
M_IMPORTED = msg("cli.imported")
M_SKIPPED = msg("cli.skipped")
M_IMPORT_FAILED = msg("cli.import_failed")
M_WARNING = msg("cli.warning")


def _period_option(cli_calendar: FiscalCalendar, fiscal_year: str | None, period: str | None, today: date) -> DateRange:
    if period:
        return parse_range(period, cli_calendar, "--period")
    if fiscal_year:
        return cli_calendar.parse(fiscal_year, "--fiscal-year")
    return cli_calendar.year_of(today)


@main.command("package")
@click.option("--project", required=True, help="Project name")
@click.option("--fiscal-year", "fiscal_year", help="e.g. 2026-2027 (default: the current one)")
@click.option("--period", help="Any range: 2026-04-01:2026-09-30")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@pass_cli
@handle_errors
def package_cmd(cli: CliContext, project: str, fiscal_year: str | None, period: str | None, as_json: bool) -> None:
    """The financial package of a project: cost, sources, conditions and the gap."""
    with acting_session(cli) as (session, acting):
        lang = acting.lang
        rng = _period_option(acting.calendar, fiscal_year, period, date.today())
        pkg = project_package(session, acting.scope, project, rng)
    if as_json:
        echo_json(
            {
                "project": pkg.project,
                "period": {"start": pkg.period.start, "end": pkg.period.end},
                "total_cost": pkg.total_cost,
                "sources": pkg.sources,
                "in_kind": pkg.in_kind_total,
                "own_funds": pkg.own_funds,
                "gap_confirmed": pkg.gap_confirmed,
                "gap_if_granted": pkg.gap_if_granted,
                "conditions": [
                    {
                        "rule": c.rule,
                        "grant": c.grant,
                        "detail": c.detail,
                        "limit": c.limit,
                        "actual": c.actual,
                        "holds": c.holds,
                        "shortfall": c.shortfall,
                    }
                    for c in pkg.conditions
                ],
            }
        )
        return
    rows = []
    for s in pkg.sources:
        label = s.label if s.kind == "grant" else f"{translate(SOURCE_KIND_LABELS[s.kind])} : {s.label}".rstrip(" :")
        status = translate(f"grant_status.{s.status}") if s.kind == "grant" else ""
        share = format_percent(s.share, lang) if s.share is not None else ""
        rows.append([label, s.funder, status, s.amount, share])
    cols = ("label.source", "term.funder", "label.status", "label.amount", "col.share")
    title = translate(M_PACKAGE_TITLE, project=pkg.project, period=str(getattr(rng, "label", rng)))
    echo_table([translate(c) for c in cols], rows, lang, title)
    click.echo(
        translate(
            M_PACKAGE_GAPS,
            cost=format_money(pkg.total_cost, lang),
            confirmed=format_money(pkg.gap_confirmed, lang),
            granted=format_money(pkg.gap_if_granted, lang),
        )
    )
    if pkg.conditions:
        click.echo()
        crow = [[c.label(lang), c.grant, c.detail_text(lang), c.status(lang)] for c in pkg.conditions]
        echo_table([translate("col.condition"), translate("label.reference"), "", translate("col.result")], crow, lang)


@main.command("variance")
@click.option("--fiscal-year", "fiscal_year", help="e.g. 2025-2026 (default: the current one)")
@click.option("--period", help="Any range: 2025-04-01:2025-09-30")
@click.option("--by", "by", default="line", type=click.Choice(list(DIMENSIONS)), show_default=True)
@click.option("--project", help="Only this project")
@click.option("--funder", help="As this funder sees it (its grants only)")
@click.option("--as-of", "as_of", help="Date of the actuals, for the forecast (default: today)")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@pass_cli
@handle_errors
def variance_cmd(
    cli: CliContext,
    fiscal_year: str | None,
    period: str | None,
    by: str,
    project: str | None,
    funder: str | None,
    as_of: str | None,
    as_json: bool,
) -> None:
    """Budget vs actual: variance, variance % and the forecast to the end of the period."""
    dimension = check_dimension(by)
    day = parse_date(as_of, "--as-of") if as_of else date.today()
    with acting_session(cli) as (session, acting):
        lang = acting.lang
        scope = acting.scope
        calendar = acting.calendar
        if funder:
            f = funder_by_name(session, scope, funder)
            scope, calendar = acting.narrowed_to(f).scope, f.calendar
        rng = _period_option(calendar, fiscal_year, period, day)
        table = budget_vs_actual(session, scope, rng, dimension, day, project, lang)
    rows = [*table.rows, table.total]
    if as_json:
        echo_json(
            {
                "period": {"start": rng.start, "end": rng.end},
                "by": by,
                "as_of": day,
                "rows": [
                    {
                        **dict(r.codes),
                        "budget": r.budget,
                        "actual": r.actual,
                        "variance": r.variance,
                        "variance_rate": r.variance_rate,
                        "forecast": r.forecast,
                    }
                    for r in sorted(table.rows, key=lambda r: repr(r.codes))  # the same order in every language
                ],
                "total": {
                    "budget": table.total.budget,
                    "actual": table.total.actual,
                    "variance": table.total.variance,
                    "variance_rate": table.total.variance_rate,
                    "forecast": table.total.forecast,
                },
            }
        )
        return
    cols = ("col.budget", "term.actual", "term.variance", "col.variance_pct", "col.forecast")
    by_line = dimension == "line"
    out = [
        [
            r.key or translate("label.total"),
            *([r.category or ""] if by_line else []),
            r.budget,
            r.actual,
            r.variance,
            format_percent(r.variance_rate, lang) if r.variance_rate is not None else "",
            r.forecast,
        ]
        for r in rows
    ]
    title = translate(
        M_VARIANCE_TITLE, period=str(getattr(rng, "label", rng)), by=translate(DIMENSION_LABELS[dimension]).lower()
    )
    headers = [translate(DIMENSION_LABELS[dimension]), *([translate("term.category")] if by_line else [])]
    echo_table([*headers, *(translate(c) for c in cols)], out, lang, title)


@main.command("gap")
@click.option("--fiscal-year", "fiscal_year", help="e.g. 2026-2027 (default: every year budgeted)")
@click.option("--period", help="Any range: 2026-04-01:2027-03-31")
@click.option("--project", help="Only this project")
@click.option("--funder", help="In this funder's fiscal years, its grants only")
@click.option("--by-month", "by_month", is_flag=True, help="Each line and month")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@pass_cli
@handle_errors
def gap_cmd(
    cli: CliContext,
    fiscal_year: str | None,
    period: str | None,
    project: str | None,
    funder: str | None,
    by_month: bool,
    as_json: bool,
) -> None:
    """The funding gap: what confirmed grants cover, and what every request would."""
    with acting_session(cli) as (session, acting):
        lang = acting.lang
        scope = acting.scope
        calendar = acting.calendar
        if funder:
            f = funder_by_name(session, scope, funder)
            scope, calendar = acting.narrowed_to(f).scope, f.calendar
        rng = _period_option(calendar, fiscal_year, period, date.today()) if (fiscal_year or period) else None
        report, refs, labels = funding_gap(session, scope, rng, project)
    years = report.years(calendar)
    if as_json:
        echo_json(
            {
                "years": [
                    {
                        "fiscal_year": y.period.label,
                        "cost": y.cost,
                        "gap_confirmed": y.gap_confirmed,
                        "gap_if_granted": y.gap_if_granted,
                    }
                    for y in years
                ],
                "months": [
                    {
                        "project": labels[m.line_id].project,
                        "category": labels[m.line_id].category,
                        "line": labels[m.line_id].description,
                        "month": m.month.label,
                        "cost": m.cost,
                        "covered": {refs[c.grant_id].label: c.amount for c in m.covered},
                        "gap_confirmed": m.gap,
                        "gap_if_granted": g.gap,
                    }
                    for m, g in zip(report.confirmed.months, report.if_granted.months, strict=True)
                ]
                if by_month
                else [],
            }
        )
        return
    cols = ("term.fiscal_year", "label.cost", "col.gap_confirmed", "col.gap_if_granted")
    rows = [[y.period.label, y.cost, y.gap_confirmed, y.gap_if_granted] for y in years]
    title = translate(M_GAP_TITLE, period=str(getattr(rng, "label", rng)) if rng else "")
    echo_table([translate(c) for c in cols], rows, lang, title.rstrip(" —"))
    if by_month:
        click.echo()
        mrows = [
            [
                labels[m.line_id].label,
                m.month.label,
                m.cost,
                ", ".join(f"{refs[c.grant_id].label} {format_money(c.amount, lang)}" for c in m.covered),
                m.gap,
                g.gap,
            ]
            for m, g in zip(report.confirmed.months, report.if_granted.months, strict=True)
        ]
        mcols = ("col.line", "label.month", "label.cost", "label.source", "col.gap_confirmed", "col.gap_if_granted")
        echo_table([translate(c) for c in mcols], mrows, lang)


@main.group("expenses")
def expenses_group() -> None:
    """Expenses: import from a CSV file."""


@expenses_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--force", is_flag=True, help="Import likely duplicates too")
@click.option(
    "--map", "mappings", multiple=True, metavar="FIELD=HEADER", help="Column for a field, e.g. pre_tax='Montant HT'"
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@pass_cli
@handle_errors
def expenses_import(cli: CliContext, file: Path, force: bool, mappings: tuple[str, ...], as_json: bool) -> None:
    """Import expenses from CSV (French or English headers): all or nothing."""
    mapping = dict(m.split("=", 1) for m in mappings if "=" in m)
    text = files.read_text(file, windows_1252=True)
    try:
        with acting_session(cli, write=True) as (session, acting):
            lang = acting.lang
            report = import_csv(session, acting, text, mapping, force)
    except ValidationFailed as exc:
        if as_json:
            echo_json({"imported": 0, "errors": [{"path": e.path, "message": e.message()} for e in exc.errors]})
        else:
            click.echo(translate_plural(M_IMPORT_FAILED, len(exc.errors)), err=True)
            for e in exc.errors:
                click.echo("  " + e.describe(), err=True)
        sys.exit(1)
    if as_json:
        echo_json(
            {
                "imported": len(report.created),
                "net_cost": report.net_cost,
                "skipped": [
                    {"row": r.row, "date": r.day, "payee": r.payee, "pre_tax": r.amount, "repeats_row": r.earlier_row}
                    for r in report.skipped
                ],
                "warnings": [{"path": w.field, "code": w.code} for w in report.warnings],
            }
        )
        return
    for skipped in report.skipped:
        click.echo(duplicate_message(skipped, lang).describe(), err=True)
    for warning in report.warnings:
        click.echo(translate(M_WARNING, message=warning.describe(lang)), err=True)
    click.echo(
        translate_plural(
            M_IMPORTED,
            len(report.created),
            amount=format_money(report.net_cost, lang),
            skipped=translate_plural(M_SKIPPED, len(report.skipped)),
        )
    )
