"""The ``fundtrack`` command group, its shared options and output helpers.

Each area adds its commands in its own module (``fundtrack/cli/ledger.py``...),
imported by ``fundtrack/cli/__init__.py``. A command body runs inside
:func:`handle_errors`: a fundtrack error prints its message on stderr in the chosen
language and exits with status 1, and so does a database failure, worded for what it
is; nothing else is caught. :func:`acting_session` opens the one transaction of a
command with its acting context.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import click
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from fundtrack.db import database_problem, make_engine, session_factory, unit_of_work
from fundtrack.errors import FundtrackError, InputError
from fundtrack.i18n import Lang, check_lang, msg, set_lang, translate
from fundtrack.money import format_plain
from fundtrack.plain import plain
from fundtrack.queries.lookups import funder_by_name
from fundtrack.roles import Role
from fundtrack.services.context import Acting, acting_for, bind

P = ParamSpec("P")
R = TypeVar("R")

M_ERROR = msg("cli.error")
M_NO_SCHEMA = msg("cli.no_schema")


@dataclass
class CliContext:
    """The global options every command gets: the database, the organisation, who acts, the language."""

    database: str | None = None
    organisation: str | None = None
    lang_option: str | None = None
    actor: str | None = None
    role: str = Role.TREASURER.value
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.database)
        return self._engine

    @property
    def factory(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    def resolve_lang(self, org_language: str | None = None) -> Lang:
        """--lang, else FUNDTRACK_LANG, else the organisation's language, else French."""
        chosen = self.lang_option or os.environ.get("FUNDTRACK_LANG") or org_language or "fr"
        lang = check_lang(chosen)
        set_lang(lang)
        return lang

    def close(self) -> None:
        """Close the database connections (on SQLite, the last one folds the write-ahead log
        back into the database file, so that the file alone holds every change)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @property
    def acting_person(self) -> str:
        """Who the audit log names: ``--as``, else the system user running the command."""
        return self.actor or getpass.getuser()


pass_cli = click.make_pass_decorator(CliContext, ensure=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--database", metavar="URL", help="Database URL (default: $FUNDTRACK_DATABASE_URL or ./fundtrack.sqlite3)"
)
@click.option("--organisation", metavar="NAME", help="Organisation, when the database holds several")
@click.option("--lang", type=click.Choice(["fr", "en"]), help="Language of messages and listings (default: fr)")
@click.option("--as", "actor", metavar="NAME", help="Who acts, as the audit log records it (default: the system user)")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.TREASURER.value,
    show_default=True,
    help="The role acted in: what may be written",
)
@click.version_option(package_name="fundtrack")
@click.pass_context
def main(
    ctx: click.Context, database: str | None, organisation: str | None, lang: str | None, actor: str | None, role: str
) -> None:
    """fundtrack: subventions et budgets multi-bailleurs / grants and multi-funder budgets."""
    ctx.obj = CliContext(database=database, organisation=organisation, lang_option=lang, actor=actor, role=role)
    ctx.call_on_close(ctx.obj.close)
    if lang or os.environ.get("FUNDTRACK_LANG"):
        ctx.obj.resolve_lang()


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn a fundtrack error into its message on stderr and exit status 1."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except FundtrackError as exc:
            click.echo(translate(M_ERROR, message=exc.describe()), err=True)
            sys.exit(1)
        except (DBAPIError, StaleDataError) as exc:
            click.echo(translate(M_ERROR, message=database_problem(exc).describe()), err=True)
            sys.exit(1)

    return wrapper


def _check_schema(cli: CliContext) -> None:
    engine = cli.engine
    if not inspect(engine).has_table("organisations"):
        raise InputError(M_NO_SCHEMA, url=engine.url.render_as_string(hide_password=True))


@contextmanager
def acting_session(
    cli: CliContext, *, write: bool = False, funder: str | None = None
) -> Iterator[tuple[Session, Acting]]:
    """One transaction for one command, and the acting context built once for it.

    The organisation is ``--organisation`` (or the only one), the person ``--as`` in
    ``--role`` (the treasurer unless told otherwise), the language ``--lang`` (else
    ``FUNDTRACK_LANG``, else the organisation's). ``funder`` narrows what is read to that
    funder's grants. ``write`` takes the write lock first (SQLite) so that several
    writers take turns. Committed if the block ends normally.
    """
    _check_schema(cli)
    with unit_of_work(cli.factory, write=write) as session:
        acting = acting_for(
            session,
            organisation=cli.organisation,
            role=Role(cli.role),
            actor=cli.acting_person,
            lang=cli.lang_option or os.environ.get("FUNDTRACK_LANG"),
        )
        if funder is not None:
            acting = acting.narrowed_to(funder_by_name(session, acting.scope, funder))
            bind(session, acting)
        set_lang(acting.lang)
        yield session, acting


def echo_json(data: Any) -> None:
    click.echo(json.dumps(plain(data), ensure_ascii=False, indent=2))


def cell(value: Any, lang: Lang) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_plain(value, lang)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def echo_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], lang: Lang, title: str | None = None) -> None:
    """A plain aligned table; numbers (Decimal) right-aligned, in the language's format."""
    text_rows = [[cell(v, lang) for v in row] for row in rows]
    numeric = [
        any(isinstance(row[i], Decimal | int) and not isinstance(row[i], bool) for row in rows) if rows else False
        for i in range(len(headers))
    ]
    widths = [max([len(h)] + [len(r[i]) for r in text_rows]) for i, h in enumerate(headers)]

    def fmt(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    if title:
        click.echo(click.style(title, bold=True))
    click.echo(fmt(headers))
    click.echo("  ".join("-" * w for w in widths))
    for r in text_rows:
        click.echo(fmt(r))


class _NoProgress:
    def update(self, n: int) -> None:
        pass


@contextmanager
def progress_bar(total: int, label: str, threshold: int = 500) -> Iterator[Any]:
    """A progress bar on stderr for long work (``total`` at least ``threshold`` steps)."""
    if total < threshold:
        yield _NoProgress()
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar
