"""The ``fundtrack`` command. Each area's commands live in their own module below;
importing it registers them on :data:`main`.

Commands of other installed packages join through the ``fundtrack.cli`` entry point group
(each entry a click command): the web admin's ``serve`` is one, defined in ``admin_app``,
so that this package imports nothing of the web layer.
"""

from importlib.metadata import entry_points

import click

from fundtrack.cli import attachments, budgets, ledger, maintenance, reports, staffing, users
from fundtrack.cli.base import main

PLUGIN_GROUP = "fundtrack.cli"


def _add_plugins() -> None:
    for entry in entry_points(group=PLUGIN_GROUP):
        command = entry.load()
        if not isinstance(command, click.Command):
            raise TypeError(f"entry point {entry.name} = {entry.value} is not a click command")
        main.add_command(command, entry.name)


_add_plugins()

__all__ = ["attachments", "budgets", "ledger", "main", "maintenance", "reports", "staffing", "users"]
