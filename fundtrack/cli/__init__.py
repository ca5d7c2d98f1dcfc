"""The ``fundtrack`` command. Each area's commands live in their own module below;
importing it registers them on :data:`main`. A module is imported when one of its
commands runs (or the help lists them all), so that a listing does not pay for the
Excel writer, the interchange format or the payroll tables."""

from fundtrack.cli.base import main

main.lazy = {
    **dict.fromkeys(("package", "variance", "gap", "expenses"), "fundtrack.cli.budgets"),
    **dict.fromkeys(
        ("init", "load", "dump", "funders", "grants", "receivables", "ledger", "grant", "receive", "schema"),
        "fundtrack.cli.ledger",
    ),
    "report": "fundtrack.cli.reports",
    **dict.fromkeys(("simulate", "payroll-rates", "budget-from-scenario"), "fundtrack.cli.staffing"),
    "user": "fundtrack.cli.users",
}

__all__ = ["main"]
