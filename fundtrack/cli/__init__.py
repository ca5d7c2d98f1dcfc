"""The ``fundtrack`` command. Each area's commands live in their own module below;
importing it registers them on :data:`main`. A module is imported when one of its
commands runs (or the help lists them all), so that a listing does not pay for the
Excel writer, the interchange format or the payroll tables.

Commands of other installed packages join through the ``fundtrack.cli`` entry point group
(each entry a click command, loaded when it runs or the help lists it): the web admin's
``serve`` is one, defined in ``admin_app``, so that this package imports nothing of the
web layer.
"""

from fundtrack.cli.base import main

PLUGIN_GROUP = "fundtrack.cli"

main.lazy = {
    **dict.fromkeys(("package", "variance", "gap", "expenses"), "fundtrack.cli.budgets"),
    **dict.fromkeys(
        ("init", "load", "dump", "funders", "grants", "receivables", "ledger", "grant", "receive", "schema"),
        "fundtrack.cli.ledger",
    ),
    "report": "fundtrack.cli.reports",
    **dict.fromkeys(("simulate", "payroll-rates", "budget-from-scenario"), "fundtrack.cli.staffing"),
    "user": "fundtrack.cli.users",
    "attach": "fundtrack.cli.attachments",
    **dict.fromkeys(("backup", "restore", "check"), "fundtrack.cli.maintenance"),
}
main.plugin_group = PLUGIN_GROUP

__all__ = ["PLUGIN_GROUP", "main"]
