"""The admin's pages beyond the model views: the dashboard, reports, the simulator..."""

from __future__ import annotations

from flask_admin import Admin


def register_pages(admin: Admin) -> None:
    """Add the pages to ``admin`` (the dashboard is its index view)."""
    # staffing: the hiring simulator
    from admin_app.pages.simulator import SimulatorPage
    from admin_app.views.staffing import STAFFING

    admin.add_view(SimulatorPage(category=STAFFING))
