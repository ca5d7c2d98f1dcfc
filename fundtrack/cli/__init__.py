"""The ``fundtrack`` command. Each area's commands live in their own module below;
importing it registers them on :data:`main`."""

import fundtrack.cli.budgets
import fundtrack.cli.ledger  # noqa: F401
import fundtrack.cli.staffing
from fundtrack.cli import reports  # noqa: F401
from fundtrack.cli.base import main

__all__ = ["main"]
