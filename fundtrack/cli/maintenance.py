"""Maintenance commands: ``check`` (the integrity of the data), ``backup`` and ``restore``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy.orm import Session

from fundtrack.cli.attachments import DATA_DIR, data_folder
from fundtrack.cli.base import CliContext, _check_schema, echo_json, handle_errors, main, pass_cli
from fundtrack.i18n import msg, translate
from fundtrack.queries.integrity import RULE_TEXTS, run_checks
from fundtrack.roles import Role
from fundtrack.services.backup import restore_backup, write_backup

M_NO_FILES = msg("backup.no_data_folder")
M_NONE = msg("check.none")
M_SUMMARY = msg("check.summary")
M_BACKUP_DONE = msg("backup.done")
M_BACKUP_PG_DUMP = msg("backup.done_pg_dump")
M_RESTORE_DONE = msg("restore.done")
M_RESTORE_INTERCHANGE = msg("restore.done_interchange")
M_RESTORE_REPLACED = msg("restore.done_replaced")


@main.command("check")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@pass_cli
@handle_errors
def check_cmd(cli: CliContext, as_json: bool) -> None:
    """Verify every invariant of the data; list each breach with its record and rule (exit 1 if any)."""
    lang = cli.resolve_lang()
    _check_schema(cli)
    with cli.engine.connect() as connection:
        if connection.dialect.name == "postgresql":  # every rule read from one snapshot
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin(), Session(bind=connection) as session:
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


def _attached(data_dir: Path | None) -> Path | None:
    """The data folder whose files travel with the data, or None (said on stderr)."""
    folder = data_folder(data_dir)
    if folder is None:
        click.echo(translate(M_NO_FILES), err=True)
    return folder


def _progress(code: str, **params: object) -> None:
    click.echo(translate(code, **params), err=True)


@main.command("backup")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@DATA_DIR
@pass_cli
@handle_errors
def backup_cmd(cli: CliContext, file: Path, data_dir: Path | None) -> None:
    """Write a backup archive of the whole database to FILE (safe while others write), with
    the attached receipts and agreements of the data folder."""
    cli.resolve_lang()
    files = _attached(data_dir)
    written = write_backup(cli.engine, file, _progress, files=files)
    names = ", ".join(written.organisations)
    click.echo(
        translate(M_BACKUP_DONE, path=str(file), count=len(written.organisations), names=names, size=written.size)
    )
    if written.with_pg_dump:
        click.echo(translate(M_BACKUP_PG_DUMP))


@main.command("restore")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--force", is_flag=True, help="Replace a database that already holds data")
@DATA_DIR
@pass_cli
@handle_errors
def restore_cmd(cli: CliContext, file: Path, force: bool, data_dir: Path | None) -> None:
    """Restore the backup archive FILE, all or nothing, checked against the archive; its
    attached files go into the data folder."""
    cli.resolve_lang()
    files = _attached(data_dir)
    done = restore_backup(
        cli.engine,
        file,
        force=force,
        actor=cli.acting_person,
        role=Role(cli.role),
        progress=_progress,
        files=files,
    )
    names = ", ".join(done.organisations)
    click.echo(translate(M_RESTORE_DONE, count=len(done.organisations), names=names))
    if done.method == "interchange":
        click.echo(translate(M_RESTORE_INTERCHANGE))
    if done.replaced:
        click.echo(translate(M_RESTORE_REPLACED))
