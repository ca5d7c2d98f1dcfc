"""The ``fundtrack`` command group, its shared options and output helpers.

Each area adds its commands in its own module (``fundtrack/cli/ledger.py``...),
imported by ``fundtrack/cli/__init__.py``. A command body runs inside
:func:`handle_errors`: a fundtrack error, a database URL that does not parse or whose
driver is missing, a database that is busy, read-only, full, not a database, out of
reach or refuses a value, and a file that cannot be written print their message on
stderr in the chosen language and exit with status 1, never a traceback.
:func:`acting_session` opens the one transaction of a command with its acting context
(:func:`acting_connection` the same on a Connection, for a listing that reads through
SQLAlchemy Core and imports no ORM: the ORM's own errors are looked up only if it is
imported). The group (:class:`CatalogueGroup`) does the same
for click's own usage errors (a missing argument, an unknown option, a value not among
the choices), in the catalogue's words.
"""

from __future__ import annotations

import errno
import getpass
import importlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from functools import wraps
from importlib.metadata import EntryPoint, entry_points
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click
from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.exc import ArgumentError, DBAPIError, StatementError

from fundtrack.db import database_problem, is_stale_data, make_engine, session_factory, unit_of_work
from fundtrack.errors import M_FIELD_PREFIX, FundtrackError, InputError
from fundtrack.i18n import Lang, check_lang, current_lang, msg, set_lang, translate, using_lang
from fundtrack.limits import control_character
from fundtrack.money import format_plain
from fundtrack.plain import plain
from fundtrack.roles import Role
from fundtrack.services.context import Acting, acting_for, acting_on, bind

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

M_CHOICE = msg("field.choice")  # the schemas' own code (not imported: a listing needs no marshmallow)

P = ParamSpec("P")
R = TypeVar("R")

M_ERROR = msg("cli.error")
M_NO_SCHEMA = msg("cli.no_schema")
M_BAD_URL = msg("cli.bad_url")
M_UNKNOWN_DIALECT = msg("cli.unknown_dialect")
M_NO_DRIVER = msg("cli.no_driver")
M_CANNOT_WRITE = msg("cli.cannot_write")
M_NO_FOLDER = msg("cli.no_folder")
M_WRITE_DENIED = msg("cli.write_denied")
M_IS_FOLDER = msg("cli.is_folder")
M_DISK_FULL = msg("cli.disk_full")
M_READ_ONLY = msg("cli.read_only")


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
            self._engine = open_engine(self.database)
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


def open_engine(url: str | None) -> Engine:
    """:func:`fundtrack.db.make_engine`, with a URL that does not parse, an unknown kind of
    database or a driver that is not installed reported as an :class:`InputError`."""
    shown = _shown_url(url)
    try:
        return make_engine(url)
    except ArgumentError as exc:
        if "Can't load plugin" in str(exc):
            raise InputError(M_UNKNOWN_DIALECT, field="--database", url=shown) from None
        raise InputError(M_BAD_URL, field="--database", url=shown) from None
    except ImportError as exc:
        raise InputError(M_NO_DRIVER, field="--database", url=shown, module=exc.name or "?") from None


def _shown_url(url: str | None) -> str:
    """The URL as a message may show it: its password hidden."""
    if url is None:
        return os.environ.get("FUNDTRACK_DATABASE_URL", "") or "sqlite:///fundtrack.sqlite3"
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


_WRITE_REASONS: dict[int, str] = {
    errno.ENOENT: M_NO_FOLDER,
    errno.ENOTDIR: M_NO_FOLDER,
    errno.EACCES: M_WRITE_DENIED,
    errno.EPERM: M_WRITE_DENIED,
    errno.EISDIR: M_IS_FOLDER,
    errno.ENOSPC: M_DISK_FULL,
    errno.EROFS: M_READ_ONLY,
}


def _file_message(exc: OSError) -> str:
    """Why a file could not be written, in the reader's language."""
    path = exc.filename if exc.filename is not None else "?"
    reason = _WRITE_REASONS.get(exc.errno or 0)
    if reason is not None:
        return translate(reason, path=str(path))
    return translate(M_CANNOT_WRITE, path=str(path), detail=exc.strerror or str(exc))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def errors_reported() -> Iterator[None]:
    """Report every error a person can act on as a message on stderr, and exit with status 1."""
    try:
        yield
    except FundtrackError as exc:
        _fail(exc.describe())
    except DBAPIError as exc:
        _fail(database_problem(exc).describe())
    except StatementError as exc:  # a value refused while SQLAlchemy bound it
        if isinstance(exc.orig, FundtrackError):
            _fail(exc.orig.describe())
        _fail(database_problem(exc).describe())
    except OSError as exc:
        _fail(_file_message(exc))
    except Exception as exc:
        if is_stale_data(exc):  # the ORM's, looked up only if a command imported the ORM
            _fail(database_problem(exc).describe())
        if not _file_create_error(exc):
            raise
        # xlsxwriter's, around the OSError of the workbook's file
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else None
        _fail(_file_message(cause) if cause is not None else translate(M_CANNOT_WRITE, path="?", detail=str(exc)))


def _file_create_error(exc: Exception) -> bool:
    """Whether ``exc`` is xlsxwriter's FileCreateError (looked up only if a report imported
    xlsxwriter: a listing does not pay for importing it)."""
    xlsx = sys.modules.get("xlsxwriter.exceptions")
    return xlsx is not None and isinstance(exc, xlsx.FileCreateError)


def _fail(message: str) -> None:
    click.echo(translate(M_ERROR, message=message), err=True)
    sys.exit(1)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn an error a person can act on into its message on stderr and exit status 1 (see :func:`errors_reported`)."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with errors_reported():
            return fn(*args, **kwargs)
        raise AssertionError("unreachable")  # errors_reported exits on every error it catches

    return wrapper


# --- click's usage errors, in the catalogue's words -----------------------------------------

M_USAGE = msg("cli.usage.usage")
M_HELP_HINT = msg("cli.usage.help_hint")
M_MISSING_ARGUMENT = msg("cli.usage.missing_argument")
M_MISSING_OPTION = msg("cli.usage.missing_option")
M_MISSING_COMMAND = msg("cli.usage.missing_command")
M_NO_SUCH_OPTION = msg("cli.usage.no_such_option")
M_NO_SUCH_COMMAND = msg("cli.usage.no_such_command")
M_DID_YOU_MEAN = msg("cli.usage.did_you_mean")
M_NEEDS_VALUE = msg("cli.usage.needs_value")
M_TAKES_NO_VALUE = msg("cli.usage.takes_no_value")
M_EXTRA_ARGUMENTS = msg("cli.usage.extra_arguments")
M_OTHER = msg("cli.usage.other")
M_BAD_PATH = msg("cli.usage.bad_path")
M_NO_FILE = msg("cli.usage.no_file")
M_PATH_IS_FOLDER = msg("cli.usage.path_is_folder")
M_ARG_CONTROL = msg("cli.usage.control_character")

_NoArgsIsHelp = click.exceptions.NoArgsIsHelpError
_EXTRA = re.compile(r"^Got unexpected extra arguments? \((.*)\)$")


class CatalogueChoice(click.Choice):  # type: ignore[type-arg]
    """click's Choice, its refusal in the catalogue's words."""

    def get_invalid_choice_message(self, value: Any, ctx: click.Context | None) -> str:
        return translate(M_CHOICE, value=value, choices=", ".join(map(str, self.choices)))


class CataloguePath(click.Path):
    """click's Path, its refusals in the catalogue's words."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            shown = os.fsdecode(value) if isinstance(value, str | bytes | os.PathLike) else str(value)
            if not os.path.exists(shown):
                self.fail(translate(M_NO_FILE, path=shown), param, ctx)
            if os.path.isdir(shown):
                self.fail(translate(M_PATH_IS_FOLDER, path=shown), param, ctx)
            self.fail(translate(M_BAD_PATH, path=shown), param, ctx)


def _in_catalogue(cmd: click.Command) -> None:
    """Give ``cmd``'s choices and paths the catalogue's words (their settings kept)."""
    for param in cmd.params:
        for plain_type, worded in ((click.Choice, CatalogueChoice), (click.Path, CataloguePath)):
            if type(param.type) is plain_type:
                converted = worded.__new__(worded)
                converted.__dict__.update(param.type.__dict__)
                param.type = converted


class UsageFailure(click.ClickException):
    """A usage error, worded by the catalogue; exit status 1 like every refusal of bad input."""

    exit_code = 1

    def __init__(self, message: str, ctx: click.Context | None, lang: Lang) -> None:
        super().__init__(message)
        self.ctx, self.lang = ctx, lang

    def show(self, file: Any = None) -> None:
        if self.ctx is not None:
            pieces = " ".join(self.ctx.command.collect_usage_pieces(self.ctx))
            click.echo(translate(M_USAGE, self.lang, command=self.ctx.command_path, pieces=pieces), err=True)
            click.echo(translate(M_HELP_HINT, self.lang, command=self.ctx.command_path), err=True)
        click.echo(translate(M_ERROR, self.lang, message=self.message), err=True)


def _param_name(param: click.Parameter | None, hint: Any = None) -> str:
    if isinstance(param, click.Option):
        return "/".join(param.opts)
    if param is not None:
        return param.human_readable_name
    if isinstance(hint, str):
        return hint
    return " / ".join(map(str, hint or ()))


def usage_message(exc: click.UsageError, lang: Lang) -> str:
    """What ``exc`` says, in ``lang``, from the catalogue."""
    if isinstance(exc, click.MissingParameter):
        kind = exc.param_type or (exc.param.param_type_name if exc.param is not None else "parameter")
        code = M_MISSING_ARGUMENT if kind == "argument" else M_MISSING_OPTION
        return translate(code, lang, name=_param_name(exc.param, exc.param_hint))
    if isinstance(exc, click.BadParameter):
        return translate(M_FIELD_PREFIX, lang, field=_param_name(exc.param, exc.param_hint), message=exc.message)
    if isinstance(exc, click.NoSuchOption):
        return _with_guesses(translate(M_NO_SUCH_OPTION, lang, name=exc.option_name), exc.possibilities, lang)
    if isinstance(exc, click.exceptions.NoSuchCommand):
        return _with_guesses(translate(M_NO_SUCH_COMMAND, lang, name=exc.command_name), exc.possibilities, lang)
    if isinstance(exc, click.BadOptionUsage):
        # click says which in English only: "does not take a value" or "requires an argument"
        code = M_TAKES_NO_VALUE if "does not take a value" in exc.message else M_NEEDS_VALUE
        return translate(code, lang, name=exc.option_name)
    extra = _EXTRA.match(exc.message)
    if extra:
        return translate(M_EXTRA_ARGUMENTS, lang, arguments=extra.group(1))
    if exc.message == "Missing command.":
        return translate(M_MISSING_COMMAND, lang)
    return translate(M_OTHER, lang, detail=exc.message)


def _with_guesses(text: str, guesses: Sequence[str] | None, lang: Lang) -> str:
    if not guesses:
        return text
    return f"{text} {translate(M_DID_YOU_MEAN, lang, names=', '.join(sorted(guesses)))}"


def _lang_in(args: Sequence[str]) -> Lang:
    """The language asked for before the group has read its options: ``--lang``, else FUNDTRACK_LANG, else French."""
    for i, arg in enumerate(args):
        value = args[i + 1] if arg == "--lang" and i + 1 < len(args) else arg.partition("=")[2]
        if (arg == "--lang" or arg.startswith("--lang=")) and value in ("fr", "en"):
            return check_lang(value)
    env = os.environ.get("FUNDTRACK_LANG")
    return check_lang(env) if env in ("fr", "en") else "fr"


class CatalogueGroup(click.Group):
    """The fundtrack group: every usage error in the catalogue's words and with exit status 1,
    every error a person can act on reported by :func:`errors_reported`, and no argument
    with a control character let in."""

    group_class = type  # subgroups (``report``) are CatalogueGroups too
    # a command's name → the module that defines it, imported only when that command runs
    # (or when the help lists them all): a command pays only for its own imports
    lazy: Mapping[str, str] = MappingProxyType({})
    # commands of other packages: the entry points of this group, found (a scan of every
    # installed package's metadata) only when a name is not fundtrack's own, loaded alike
    plugin_group: str | None = None
    _plugins: Mapping[str, EntryPoint] | None = None

    @property
    def plugins(self) -> Mapping[str, EntryPoint]:
        if self._plugins is None:
            group = self.plugin_group
            self._plugins = {e.name: e for e in entry_points(group=group)} if group else {}
        return self._plugins

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            importlib.import_module(self.lazy[cmd_name])
        if cmd_name not in self.commands and cmd_name not in self.lazy and cmd_name in self.plugins:
            self._plugin(cmd_name)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        for module in dict.fromkeys(self.lazy.values()):
            importlib.import_module(module)
        for name in self.plugins:
            if name not in self.commands:
                self._plugin(name)
        return super().list_commands(ctx)

    def _plugin(self, name: str) -> None:
        entry = self.plugins[name]
        command = entry.load()
        if not isinstance(command, click.Command):
            raise TypeError(f"entry point {entry.name} = {entry.value} is not a click command")
        self.add_command(command, name)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        _in_catalogue(cmd)
        super().add_command(cmd, name)

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        lang = _lang_in(args) if parent is None else current_lang()
        if parent is None:
            _check_arguments(args, lang)
        try:
            with using_lang(lang):  # the group's own options are refused in the language asked for
                return super().make_context(info_name, args, parent, **extra)
        except _NoArgsIsHelp:
            raise  # the help asked for by giving nothing: not an error to word
        except click.UsageError as exc:
            raise UsageFailure(usage_message(exc, lang), exc.ctx, lang) from None

    def invoke(self, ctx: click.Context) -> Any:
        if ctx.parent is None:
            ctx.call_on_close(lambda: _release(ctx.obj))
        try:
            with errors_reported():
                return super().invoke(ctx)
        except _NoArgsIsHelp:
            raise
        except click.UsageError as exc:
            lang = current_lang()
            raise UsageFailure(usage_message(exc, lang), exc.ctx, lang) from None


def _release(obj: object) -> None:
    """Close the database connections when the command ends (a server's are not left to the garbage collector)."""
    if isinstance(obj, CliContext):
        obj.close()


def _check_arguments(args: Sequence[str], lang: Lang) -> None:
    for number, arg in enumerate(args, start=1):
        position = control_character(arg, multiline=True)
        if position is not None:
            char = f"U+{ord(arg[position]):04X}"
            raise UsageFailure(translate(M_ARG_CONTROL, lang, number=number, value=arg, char=char), None, lang)


@click.group(cls=CatalogueGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--database", metavar="URL", help="Database URL (default: $FUNDTRACK_DATABASE_URL or ./fundtrack.sqlite3)"
)
@click.option("--organisation", metavar="NAME", help="Organisation, when the database holds several")
@click.option("--lang", type=CatalogueChoice(["fr", "en"]), help="Language of messages and listings (default: fr)")
@click.option("--as", "actor", metavar="NAME", help="Who acts, as the audit log records it (default: the system user)")
@click.option(
    "--role",
    type=CatalogueChoice([r.value for r in Role]),
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
    env = os.environ.get("FUNDTRACK_LANG")
    if env and env not in ("fr", "en"):
        raise InputError(M_CHOICE, field="FUNDTRACK_LANG", value=env, choices="fr, en")
    if lang or env:
        ctx.obj.resolve_lang()


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
        acting = acting_for(session, **_acting_options(cli))
        if funder is not None:
            from fundtrack.queries.lookups import funder_by_name

            acting = acting.narrowed_to(funder_by_name(session, acting.scope, funder))
            bind(session, acting)
        set_lang(acting.lang)
        yield session, acting


@contextmanager
def acting_connection(cli: CliContext) -> Iterator[tuple[Connection, Acting]]:
    """What :func:`acting_session` opens, for a command that only reads through SQLAlchemy
    Core (a listing): one read transaction on a Connection, without the ORM, and the
    acting context built alike (the same organisation, role, language and errors)."""
    _check_schema(cli)
    try:
        with cli.engine.connect() as connection, connection.begin():
            acting = acting_on(connection, **_acting_options(cli))
            set_lang(acting.lang)
            yield connection, acting
    except DBAPIError as exc:
        raise database_problem(exc) from exc


def _acting_options(cli: CliContext) -> dict[str, Any]:
    return {
        "organisation": cli.organisation,
        "role": Role(cli.role),
        "actor": cli.acting_person,
        "lang": cli.lang_option or os.environ.get("FUNDTRACK_LANG"),
    }


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
