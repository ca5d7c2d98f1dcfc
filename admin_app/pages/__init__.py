"""The admin's pages beyond the model views: the dashboard, reports, the simulator..."""

from __future__ import annotations

from flask_admin import Admin

from admin_app.views.base import label


def register_pages(admin: Admin) -> None:
    """Add the pages to ``admin`` (the dashboard is its index view)."""
    # dashboard, budget vs actual, packages, reports and the funder's portal
    from admin_app.pages.formatting import init_formatting
    from admin_app.pages.packages import PackagesPage
    from admin_app.pages.portal import PortalPage
    from admin_app.pages.reports import ReportsPage
    from admin_app.pages.variance import VariancePage

    init_formatting(admin.app)
    figures = label("admin.menu.figures")
    admin.add_view(
        VariancePage(name=label("admin.menu.variance"), category=figures, endpoint="variance", url="/variance")
    )
    admin.add_view(
        PackagesPage(name=label("term.financial_packages"), category=figures, endpoint="packages", url="/packages")
    )
    admin.add_view(ReportsPage(name=label("admin.menu.reports"), endpoint="reports", url="/reports"))
    admin.add_view(PortalPage(name=label("admin.menu.portal"), endpoint="portal", url="/portal"))
    # expenses: receipts and agreements, the CSV import of a month of expenses
    from admin_app.files import FilesView
    from admin_app.pages.expense_import import ExpenseImportPage
    from fundtrack.i18n import lazy

    admin.add_view(FilesView())
    admin.add_view(ExpenseImportPage(lazy("admin.menu.expense_import"), category=lazy("admin.menu.ledger")))
    # staffing: the hiring simulator
    from admin_app.pages.simulator import SimulatorPage
    from admin_app.views.staffing import STAFFING

    admin.add_view(SimulatorPage(category=STAFFING))

    # a funder across organisations: the organisation switcher
    from admin_app.pages.federation import OrganisationSwitch, init_switcher

    init_switcher(admin.app)
    admin.add_view(
        OrganisationSwitch(name=label("admin.federation.switch"), endpoint="organisation", url="/organisation")
    )
