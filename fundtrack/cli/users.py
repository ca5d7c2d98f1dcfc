"""``fundtrack user ...``: the accounts of the people who log in to the web admin."""

from __future__ import annotations

import sys

import click

from fundtrack.cli.base import CliContext, acting_session, echo_json, echo_table, handle_errors, main, pass_cli
from fundtrack.i18n import msg, translate
from fundtrack.roles import Role
from fundtrack.services.users import (
    NewAccess,
    NewUser,
    accesses,
    create_user,
    grant_access,
    list_users,
    set_active,
    set_password,
)

M_CREATED = msg("cli.user_created")
M_DISABLED = msg("cli.user_disabled")
M_ENABLED = msg("cli.user_enabled")
M_PASSWORD_SET = msg("cli.user_password_set")
M_PASSWORD_PROMPT = msg("cli.user_password_prompt")
M_ACCESS_GRANTED = msg("federation.cli.access_granted")
M_ACCESS_GRANTED_FUNDER = msg("federation.cli.access_granted_funder")


def _password() -> str:
    """From a prompt (typed twice, hidden), or the first line of standard input when it is not a terminal."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    value: str = click.prompt(translate(M_PASSWORD_PROMPT), hide_input=True, confirmation_prompt=True)
    return value


@main.group("user")
def user_group() -> None:
    """Accounts for the web admin: create, list, disable, set a password."""


@user_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True, help="What the person may do")
@click.option("--funder", metavar="NAME", help="For a funder's login: the funder")
@click.option("--name", metavar="NAME", default="", help="The person's name (default: the email)")
@click.option("--account-lang", "language", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@pass_cli
@handle_errors
def user_create(cli: CliContext, email: str, role: str, funder: str | None, name: str, language: str) -> None:
    """Create the account EMAIL (password from a prompt, or standard input)."""
    password = _password()
    with acting_session(cli, write=True) as (session, acting):
        user = create_user(session, acting, NewUser(email, name, role, funder, language), password)
        click.echo(translate(M_CREATED, email=user.email, role=translate(f"role.{user.role.value}")))


@user_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@pass_cli
@handle_errors
def user_list(cli: CliContext, as_json: bool) -> None:
    """The accounts that reach the organisation."""
    with acting_session(cli) as (session, acting):
        users = list_users(session, acting)
        rows = [
            (
                u,
                ", ".join(
                    a.funder or a.organisation
                    for a in accesses(session, u)
                    if a.organisation_id == acting.organisation_id
                ),
            )
            for u in users
        ]
        if as_json:
            echo_json(
                [
                    {
                        "email": u.email,
                        "name": u.name,
                        "role": u.role.value,
                        "language": u.language.value,
                        "active": u.active,
                        "reaches": reach,
                    }
                    for u, reach in rows
                ]
            )
            return
        headers = [
            translate(c)
            for c in ("user.col.email", "user.col.name", "user.col.role", "user.col.reaches", "user.col.active")
        ]
        table = [
            [
                u.email,
                u.name,
                translate(f"role.{u.role.value}"),
                reach,
                translate("user.yes" if u.active else "user.no"),
            ]
            for u, reach in rows
        ]
        echo_table(headers, table, acting.lang)


@user_group.command("disable")
@click.argument("email")
@pass_cli
@handle_errors
def user_disable(cli: CliContext, email: str) -> None:
    """Disable the account EMAIL: it can no longer log in."""
    with acting_session(cli, write=True) as (session, acting):
        user = set_active(session, acting, email, False)
        click.echo(translate(M_DISABLED, email=user.email))


@user_group.command("enable")
@click.argument("email")
@pass_cli
@handle_errors
def user_enable(cli: CliContext, email: str) -> None:
    """Enable the account EMAIL again."""
    with acting_session(cli, write=True) as (session, acting):
        user = set_active(session, acting, email, True)
        click.echo(translate(M_ENABLED, email=user.email))


@user_group.command("password")
@click.argument("email")
@pass_cli
@handle_errors
def user_password(cli: CliContext, email: str) -> None:
    """Set a new password for EMAIL (from a prompt, or standard input)."""
    password = _password()
    with acting_session(cli, write=True) as (session, acting):
        user = set_password(session, acting, email, password)
        click.echo(translate(M_PASSWORD_SET, email=user.email))


@user_group.command("grant-access")
@click.argument("email")
@click.option("--organisation", "organisation", metavar="NAME", required=True, help="The organisation to reach")
@click.option("--funder", metavar="NAME", help="For a funder's login: its funder there (default: the same name)")
@pass_cli
@handle_errors
def user_grant_access(cli: CliContext, email: str, organisation: str, funder: str | None) -> None:
    """Let the existing account EMAIL reach one more organisation (granted by its treasurer)."""
    cli.organisation = organisation  # the treasurer acts for the organisation the account is to reach
    with acting_session(cli, write=True) as (session, acting):
        access = grant_access(session, acting, NewAccess(email, funder))
        name = access.funder.name if access.funder is not None else None
        params = {"email": access.user.email, "organisation": acting.organisation_name}
        if name is None:
            click.echo(translate(M_ACCESS_GRANTED, **params))
        else:
            click.echo(translate(M_ACCESS_GRANTED_FUNDER, funder=name, **params))
