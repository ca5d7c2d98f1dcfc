"""The model views, each a short configuration of :class:`admin_app.views.base.FundtrackView`."""

from __future__ import annotations

from flask_admin import Admin

from admin_app.views.base import label
from admin_app.views.ledger import FunderView, ProjectView
from fundtrack.models import Funder, Project

LEDGER = label("admin.menu.ledger")


def register_views(admin: Admin) -> None:
    admin.add_view(FunderView(Funder, name=label("admin.menu.funders"), category=LEDGER, endpoint="funders"))
    admin.add_view(ProjectView(Project, name=label("admin.menu.projects"), category=LEDGER, endpoint="projects"))
    # staffing: positions and their funding, scenarios and their changes, payroll parameters
    from admin_app.views.staffing import STAFFING, PayrollRatesPage, PositionView, ScenarioView
    from fundtrack.models.staffing import Position, Scenario

    admin.add_view(PositionView(Position, name=label("admin.menu.positions"), category=STAFFING, endpoint="positions"))
    admin.add_view(ScenarioView(Scenario, name=label("admin.menu.scenarios"), category=STAFFING, endpoint="scenarios"))
    admin.add_view(PayrollRatesPage(category=STAFFING))
