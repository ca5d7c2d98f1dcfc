"""The home page: the dashboard of the fiscal year (a funder's login gets its own portal)."""

from __future__ import annotations

from typing import Any

from flask_admin import AdminIndexView, expose

from admin_app.context import acting
from fundtrack.i18n import lazy


class Home(AdminIndexView):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(name=lazy("admin.menu.home"), url="/", endpoint="admin", template="fundtrack/home.html")

    def is_accessible(self) -> bool:
        return True

    @expose()
    def index(self) -> Any:
        return self.render("fundtrack/home.html", who=acting())
