"""``fundtrack attach``: a receipt to an expense, a signed agreement to a grant, from a file.

The file is checked by its content (PDF, JPEG or PNG, at most 10 MB) and stored by hash
in the data folder (``--data-dir``, else ``FUNDTRACK_DATA_DIR``), as the web admin does.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from fundtrack.cli.base import CliContext, acting_session, handle_errors, main, pass_cli
from fundtrack.errors import InputError
from fundtrack.files import read_bytes
from fundtrack.i18n import msg, translate
from fundtrack.limits import MAX_ATTACHMENT_BYTES
from fundtrack.queries.lookups import grant_by_reference
from fundtrack.schemas.attachments import EXPENSE, GRANT, AttachmentSchema
from fundtrack.schemas.common import load_or_raise
from fundtrack.services.attachments import AttachmentStore, attach

M_NO_DATA_DIR = msg("attachment.no_data_dir")
M_ATTACHED = msg("attachment.attached")

_FILE = click.Path(path_type=Path, dir_okay=False, exists=True)
DATA_DIR = click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), help="The data folder")


def data_folder(data_dir: Path | None) -> Path | None:
    """The data folder of attached files: ``--data-dir``, else ``FUNDTRACK_DATA_DIR``, else none."""
    folder = data_dir or os.environ.get("FUNDTRACK_DATA_DIR")
    return Path(folder) if folder else None


def _store(data_dir: Path | None) -> AttachmentStore:
    folder = data_folder(data_dir)
    if folder is None:
        raise InputError(M_NO_DATA_DIR, field="data_dir")
    return AttachmentStore(folder)


def _attach(cli: CliContext, owner: str, target: str, file: Path, data_dir: Path | None) -> None:
    store = _store(data_dir)
    content = read_bytes(file, MAX_ATTACHMENT_BYTES) if file.stat().st_size else b""
    with acting_session(cli, write=True) as (session, acting):
        if owner == GRANT:
            owner_id = grant_by_reference(session, acting.scope, target, "grant").id
        else:
            if not target.isdigit():
                raise InputError(msg("attachment.unknown_expense"), field="expense", id=target)
            owner_id = int(target)
        cmd = load_or_raise(
            AttachmentSchema(), {"owner": owner, "owner_id": owner_id, "file_name": file.name, "content": content}
        )
        found = attach(session, acting, cmd, store)
        click.echo(translate(M_ATTACHED, name=found.file_name, kind=found.media_type, sha256=found.sha256))


@main.group("attach")
def attach_group() -> None:
    """Attach a receipt to an expense or a signed agreement to a grant."""


@attach_group.command("receipt")
@click.argument("expense_id")
@click.argument("file", type=_FILE)
@DATA_DIR
@pass_cli
@handle_errors
def attach_receipt(cli: CliContext, expense_id: str, file: Path, data_dir: Path | None) -> None:
    """Attach FILE (PDF, JPEG or PNG) as the receipt of expense EXPENSE_ID."""
    _attach(cli, EXPENSE, expense_id, file, data_dir)


@attach_group.command("agreement")
@click.argument("grant")
@click.argument("file", type=_FILE)
@DATA_DIR
@pass_cli
@handle_errors
def attach_agreement(cli: CliContext, grant: str, file: Path, data_dir: Path | None) -> None:
    """Attach FILE (PDF, JPEG or PNG) as the signed agreement of grant GRANT (its reference)."""
    _attach(cli, GRANT, grant, file, data_dir)
