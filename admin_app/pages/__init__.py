"""The admin's pages beyond the model views: the dashboard, reports, the simulator..."""

from __future__ import annotations

from flask_admin import Admin


def register_pages(admin: Admin) -> None:
    """Add the pages to ``admin`` (the dashboard is its index view)."""
