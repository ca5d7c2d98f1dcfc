"""Maintenance commands: ``check`` (the integrity of the data), ``backup`` and ``restore``."""

from __future__ import annotations

import sys

import click

from fundtrack.cli.base import CliContext, _check_schema, echo_json, handle_errors, main, pass_cli
from fundtrack.db import unit_of_work
from fundtrack.i18n import msg, translate
from fundtrack.queries.integrity import RULE_TEXTS, run_checks

M_NONE = msg("check.none")
M_SUMMARY = msg("check.summary")


@main.command("check")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@pass_cli
@handle_errors
def check_cmd(cli: CliContext, as_json: bool) -> None:
    """Verify every invariant of the data; list each breach with its record and rule (exit 1 if any)."""
    lang = cli.resolve_lang()
    _check_schema(cli)
    with unit_of_work(cli.factory, write=False) as session:
        breaches = run_checks(session)
    if as_json:
        echo_json({"rules": len(RULE_TEXTS), "breaches": [b.as_json(lang) for b in breaches]})
    elif not breaches:
        click.echo(translate(M_NONE, count=len(RULE_TEXTS)))
    else:
        for breach in breaches:
            click.echo(breach.describe(lang))
        click.echo(translate(M_SUMMARY, count=len(breaches)), err=True)
    if breaches:
        sys.exit(1)
