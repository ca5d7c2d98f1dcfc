"""Commands of the funding ledger: init, load, dump, funders, grants, receivables, ledger.

The listings (``funders``, ``grants``, ``ledger``) read through SQLAlchemy Core
(:func:`~fundtrack.cli.base.acting_connection`) and never import the ORM or the models:
a treasurer's quick look pays for no mapping of tables it does not read. The other
commands import what they need when they run.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from fundtrack.cli.base import (
    CliContext,
    acting_connection,
    acting_session,
    echo_json,
    echo_table,
    handle_errors,
    main,
    pass_cli,
    progress_bar,
)
from fundtrack.db import unit_of_work, upgrade
from fundtrack.errors import ValidationFailed
from fundtrack.i18n import msg, translate, translate_plural
from fundtrack.money import ZERO, format_money, format_percent, parse_money
from fundtrack.periods import parse_date
from fundtrack.queries.listing_rows import funder_id_named, funder_rows, grant_rows
from fundtrack.roles import Role

M_INITIALISED = msg("cli.initialised")
M_LOADED = msg("cli.loaded")
M_LEDGER_TITLE = msg("cli.ledger_title")
M_RECEIVABLES_TITLE = msg("cli.receivables_title")
M_OVERDUE = msg("cli.overdue")
M_RECEIVED = msg("cli.received")
M_RECEIVED_SHORT = msg("cli.received_short")
M_RECEIVED_MORE = msg("cli.received_more")
M_LOADING = msg("cli.loading")
M_LOAD_FAILED = msg("cli.load_failed")


@main.command()
@pass_cli
@handle_errors
def init(cli: CliContext) -> None:
    """Create or upgrade the database schema (migrations)."""
    cli.resolve_lang()
    upgrade(cli.engine)
    click.echo(translate(M_INITIALISED, url=cli.engine.url.render_as_string(hide_password=True)))


@main.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@pass_cli
@handle_errors
def load(cli: CliContext, file: Path) -> None:
    """Load an interchange file (JSON or YAML): all or nothing."""
    from fundtrack.services import interchange

    cli.resolve_lang()
    upgrade(cli.engine)
    document = interchange.read_file(file)
    total = interchange.record_count(document)
    try:
        with unit_of_work(cli.factory) as session, progress_bar(total, translate(M_LOADING)) as bar:
            acting = interchange.load_document(
                session, document, bar.update, actor=cli.acting_person, role=Role(cli.role)
            )
            counts = {key: len(document.get(key) or []) for key in [s.key for s in interchange.sections()]}
            name = acting.organisation_name
    except ValidationFailed as exc:
        click.echo(translate_plural(M_LOAD_FAILED, len(exc.errors)), err=True)
        for line in interchange.error_lines(exc):
            click.echo("  " + line, err=True)
        sys.exit(1)
    summary = ", ".join(translate_plural(f"section.{k}", v) for k, v in counts.items() if v)
    click.echo(translate(M_LOADED, name=name, counts=summary))


@main.command()
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="File to write (default: stdout)")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), help="Default: from the file name, else YAML")
@pass_cli
@handle_errors
def dump(cli: CliContext, output: Path | None, fmt: str | None) -> None:
    """Write the whole dataset as an interchange file."""
    from fundtrack.services import interchange

    with acting_session(cli) as (session, acting):
        document = interchange.dump_document(session, acting)
    fmt = fmt or ("json" if output and output.suffix == ".json" else "yaml")
    text = interchange.to_json(document) if fmt == "json" else interchange.to_yaml(document)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@pass_cli
@handle_errors
def funders(cli: CliContext, as_json: bool) -> None:
    """List the funders."""
    with acting_connection(cli) as (connection, acting):
        lang = acting.lang
        items = funder_rows(connection, acting.scope)
        if as_json:
            echo_json(
                [
                    {
                        "name": f.name,
                        "kind": f.kind,
                        "fiscal_start_month": f.fiscal_start_month,
                        "language": f.language,
                        "fee_cap": f.fee_cap,
                    }
                    for f in items
                ]
            )
            return
        headers = [translate(c) for c in ("term.funder", "col.kind", "col.fiscal_start", "col.language", "col.fee_cap")]
        rows = [
            [
                f.name,
                translate(f"funder_kind.{f.kind.value}"),
                f.fiscal_start_month,
                f.language.value,
                format_percent(f.fee_cap, lang) if f.fee_cap is not None else "",
            ]
            for f in items
        ]
        echo_table(headers, rows, lang)


@main.command()
@click.option("--funder", help="Only this funder's grants")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@pass_cli
@handle_errors
def grants(cli: CliContext, funder: str | None, as_json: bool) -> None:
    """List the grant agreements."""
    with acting_connection(cli) as (connection, acting):
        lang = acting.lang
        scope = acting.scope
        funder_id = funder_id_named(connection, scope, funder) if funder else None
        items = grant_rows(connection, scope, funder_id=funder_id)
        if as_json:
            echo_json(
                [
                    {
                        "reference": g.reference,
                        "funder": g.funder,
                        "title": g.title,
                        "status": g.status,
                        "amount": g.amount,
                        "start_date": g.start_date,
                        "end_date": g.end_date,
                        "received": g.received,
                    }
                    for g in items
                ]
            )
            return
        cols = (
            "label.reference",
            "term.funder",
            "label.status",
            "label.amount",
            "col.received",
            "label.start",
            "label.end",
        )
        rows = [
            [
                g.reference,
                g.funder,
                translate(f"grant_status.{g.status.value}"),
                g.amount,
                g.received,
                g.start_date,
                g.end_date,
            ]
            for g in items
        ]
        echo_table([translate(c) for c in cols], rows, lang)


@main.command("receivables")
@click.option("--as-of", "as_of", help="Date (YYYY-MM-DD), default today")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@pass_cli
@handle_errors
def receivables_cmd(cli: CliContext, as_of: str | None, as_json: bool) -> None:
    """Instalments expected and not received; overdue ones flagged."""
    from fundtrack.queries.ledger import receivables

    day = parse_date(as_of, "--as-of") if as_of else date.today()
    with acting_session(cli) as (session, acting):
        lang = acting.lang
        items = receivables(session, acting.scope, day)
        if as_json:
            echo_json([{**r.__dict__, "overdue": r.overdue} for r in items])
            return
        cols = ("term.funder", "label.reference", "col.expected_date", "label.amount", "col.overdue_days")
        rows = [[r.funder, r.reference, r.expected_date, r.amount, r.overdue_days or ""] for r in items]
        echo_table(
            [translate(c) for c in cols],
            rows,
            lang,
            translate(M_RECEIVABLES_TITLE, date=day, org=acting.organisation_name),
        )
        late = [r for r in items if r.overdue]
        if late:
            click.echo(
                translate(M_OVERDUE, count=len(late), amount=format_money(sum((r.amount for r in late), ZERO), lang))
            )


@main.command("ledger")
@click.option("--fiscal-year", "fiscal_year", help="e.g. 2025-2026 (default: the current one)")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@pass_cli
@handle_errors
def ledger_cmd(cli: CliContext, fiscal_year: str | None, as_json: bool) -> None:
    """The funding ledger of one fiscal year: confirmed, requested, received, to receive."""
    from fundtrack.queries.funding import ledger_for_year

    with acting_connection(cli) as (connection, acting):
        lang = acting.lang
        label = fiscal_year or acting.calendar.year_of(date.today()).label
        ledger = ledger_for_year(connection, acting.scope, label, acting.calendar)
    if as_json:
        echo_json({"fiscal_year": ledger.label, "rows": ledger.rows, "total": ledger.total})
        return
    cols = ("term.funder", "col.confirmed", "col.requested", "col.received", "col.to_receive")
    rows: list[list[object]] = [[r.funder, r.confirmed, r.requested, r.received, r.to_receive] for r in ledger.rows]
    t = ledger.total
    rows.append([translate("label.total"), t.confirmed, t.requested, t.received, t.to_receive])
    echo_table(
        [translate(c) for c in cols],
        rows,
        lang,
        translate(M_LEDGER_TITLE, year=ledger.label, org=acting.organisation_name),
    )


@main.command("grant")
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@pass_cli
@handle_errors
def grant_cmd(cli: CliContext, reference: str, as_json: bool) -> None:
    """One grant: its amount per fiscal year of the organisation and of its funder, its instalments."""
    from fundtrack.queries.ledger import grant_years
    from fundtrack.queries.lookups import grant_by_reference

    with acting_session(cli) as (session, acting):
        lang = acting.lang
        scope = acting.scope
        years = grant_years(session, scope, reference)
        grant = grant_by_reference(session, scope, reference)
        instalments = [
            [i.expected_date, i.expected_amount, i.received_date, i.received_amount] for i in grant.instalments
        ]
        title, status = grant.title, grant.status.value
    if as_json:
        echo_json(
            {
                "reference": years.reference,
                "funder": years.funder,
                "title": title,
                "status": status,
                "amount": years.amount,
                "organisation_years": {y.label: a for y, a in years.organisation_years.items()},
                "funder_years": {y.label: a for y, a in years.funder_years.items()},
                "instalments": [
                    dict(zip(("expected_date", "amount", "received_date", "received_amount"), i, strict=True))
                    for i in instalments
                ],
            }
        )
        return
    click.echo(click.style(f"{years.reference} — {title}", bold=True))
    click.echo(f"{years.funder} · {translate(f'grant_status.{status}')} · {format_money(years.amount, lang)}")
    for code, amounts in (
        ("cli.grant_org_years", years.organisation_years),
        ("cli.grant_funder_years", years.funder_years),
    ):
        rows = [[y.label, a] for y, a in amounts.items()]
        echo_table([translate("term.fiscal_year"), translate("label.amount")], rows, lang, translate(code))
    if instalments:
        cols = ("col.expected_date", "label.amount", "col.received_on", "col.received")
        echo_table([translate(c) for c in cols], instalments, lang, translate("term.instalments"))


@main.command("receive")
@click.argument("reference")
@click.option("--amount", required=True, help="Amount received, e.g. '37 500,00 $' or 37500.00")
@click.option("--date", "received_on", help="Date received (YYYY-MM-DD), default today")
@click.option("--expected", help="Expected date of the instalment (default: the first not yet received)")
@pass_cli
@handle_errors
def receive_cmd(cli: CliContext, reference: str, amount: str, received_on: str | None, expected: str | None) -> None:
    """Record an instalment of a grant as received."""
    from fundtrack.schemas.ledger import Receipt
    from fundtrack.services.receipts import record_instalment_received

    with acting_session(cli, write=True) as (session, acting):
        lang = acting.lang
        receipt = Receipt(
            reference=reference,
            amount=parse_money(amount, lang, field="--amount"),
            received_date=parse_date(received_on, "--date") if received_on else date.today(),
            expected_date=parse_date(expected, "--expected") if expected else None,
        )
        done = record_instalment_received(session, acting, receipt)
        inst = done.instalment
        click.echo(
            translate(
                M_RECEIVED,
                reference=reference,
                expected=inst.expected_date,
                amount=format_money(receipt.amount, lang),
                date=receipt.received_date,
            )
        )
        if not done.in_full or done.difference:
            click.echo(
                translate(
                    M_RECEIVED_SHORT if done.difference < 0 else M_RECEIVED_MORE,
                    received=format_money(inst.received_amount or ZERO, lang),
                    expected=format_money(inst.expected_amount, lang),
                    difference=format_money(done.difference, lang),
                )
            )


@main.command("schema")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="File to write (default: stdout)")
def schema_cmd(output: Path | None) -> None:
    """Print the JSON Schema of the interchange file."""
    import json

    from fundtrack.services import interchange

    text = json.dumps(interchange.json_schema(), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
