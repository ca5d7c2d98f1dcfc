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
    # the ledger's views (grants, budgets, allocations, contributions, users, audit)
    from admin_app.views.allocations import AllocationView
    from admin_app.views.audit import AuditView
    from admin_app.views.budgets import BudgetVersionView
    from admin_app.views.contributions import InKindView, OwnFundsView
    from admin_app.views.grants import GrantView
    from admin_app.views.users import UserView
    from fundtrack.models import Allocation, AuditLog, BudgetVersion, Grant, InKindContribution, OwnFunds
    from fundtrack.models.users import User

    admin.add_view(GrantView(Grant, name=label("admin.menu.grants"), category=LEDGER, endpoint="grants"))
    admin.add_view(
        BudgetVersionView(BudgetVersion, name=label("admin.menu.budgets"), category=LEDGER, endpoint="budgets")
    )
    admin.add_view(
        AllocationView(Allocation, name=label("admin.menu.allocations"), category=LEDGER, endpoint="allocations")
    )
    admin.add_view(InKindView(InKindContribution, name=label("term.in_kind"), category=LEDGER, endpoint="in_kind"))
    admin.add_view(OwnFundsView(OwnFunds, name=label("term.own_funds"), category=LEDGER, endpoint="own_funds"))
    admin.add_view(UserView(User, name=label("admin.menu.users"), endpoint="users"))
    admin.add_view(AuditView(AuditLog, name=label("admin.menu.audit"), endpoint="audit"))
    # expenses: the list, the details with the split and the receipt, recording and correcting
    from admin_app.views.expenses import ExpenseView
    from fundtrack.models import Expense

    admin.add_view(ExpenseView(Expense, name=label("admin.menu.expenses"), category=LEDGER, endpoint="expenses"))
    # staffing: positions and their funding, scenarios and their changes, payroll parameters
    from admin_app.views.staffing import STAFFING, PayrollRatesPage, PositionView, ScenarioView
    from fundtrack.models.staffing import Position, Scenario

    admin.add_view(PositionView(Position, name=label("admin.menu.positions"), category=STAFFING, endpoint="positions"))
    admin.add_view(ScenarioView(Scenario, name=label("admin.menu.scenarios"), category=STAFFING, endpoint="scenarios"))
    admin.add_view(PayrollRatesPage(category=STAFFING))
