"""Each project's financial package per fiscal year, with its conditions and whether each
holds — :func:`fundtrack.services.package.project_package`, as ``fundtrack package``.

One project at a time (chosen in the page), so the page's queries do not grow with the
number of projects.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_admin import expose

from admin_app.context import acting, current_lang
from admin_app.pages.base import Choices, FundtrackPage, session
from fundtrack.calc.package import SOURCE_KIND_LABELS
from fundtrack.queries.listings import list_projects
from fundtrack.reports.dashboard import dashboard_years
from fundtrack.services.package import project_package


class PackagesPage(FundtrackPage):
    @expose("/")
    def index(self) -> Any:
        who = acting()
        db = session()
        choices = Choices()
        today = date.today()
        projects = list_projects(db, who.scope)
        year = choices.year("year", who.calendar, who.calendar.year_of(today))
        names = [p.name for p in projects]
        project = choices.one_of("project", names, names[0] if names else "")
        package = project_package(db, who.scope, project, year) if project else None
        return self.render(
            "fundtrack/packages.html",
            choices=choices,
            projects=projects,
            project=project,
            year=year,
            years=sorted({*dashboard_years(db, who.scope, today), year}),
            package=package,
            source_kinds=SOURCE_KIND_LABELS,
            lang=current_lang(),
        )
