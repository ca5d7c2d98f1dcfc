"""The ``fundtrack`` command. Each area's commands live in their own module below;
importing it registers them on :data:`main`."""

from fundtrack.cli import attachments, budgets, ledger, maintenance, reports, staffing, users
from fundtrack.cli.base import main

__all__ = ["attachments", "budgets", "ledger", "main", "maintenance", "reports", "staffing", "users"]
