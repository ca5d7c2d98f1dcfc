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
    # expenses: the list, the details with the split and the receipt, recording and correcting
    from admin_app.views.expenses import ExpenseView
    from fundtrack.models import Expense

    admin.add_view(ExpenseView(Expense, name=label("admin.menu.expenses"), category=LEDGER, endpoint="expenses"))
