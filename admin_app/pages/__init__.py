"""The admin's pages beyond the model views: the dashboard, reports, the simulator..."""

from __future__ import annotations

from flask_admin import Admin


def register_pages(admin: Admin) -> None:
    """Add the pages to ``admin`` (the dashboard is its index view)."""
    # expenses: receipts and agreements, the CSV import of a month of expenses
    from admin_app.files import FilesView
    from admin_app.pages.expense_import import ExpenseImportPage
    from fundtrack.i18n import lazy

    admin.add_view(FilesView())
    admin.add_view(ExpenseImportPage(lazy("admin.menu.expense_import"), category=lazy("admin.menu.ledger")))
