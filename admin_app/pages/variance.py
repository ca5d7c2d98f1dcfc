"""Budget vs actual: by line, category, project, grant or funder, over any period, with the
forecast to its end — :func:`fundtrack.queries.variance.budget_vs_actual`, as
``fundtrack variance``."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_admin import expose

from admin_app.context import acting, current_lang
from admin_app.pages.base import Choices, FundtrackPage, session
from fundtrack.calc.variance import DIMENSION_LABELS, DIMENSIONS, check_dimension
from fundtrack.errors import FundtrackError
from fundtrack.queries.listings import list_funders, list_projects
from fundtrack.queries.variance import budget_vs_actual


class VariancePage(FundtrackPage):
    @expose("/")
    def index(self) -> Any:
        who = acting()
        db = session()
        choices = Choices()
        today = date.today()
        funders = list_funders(db, who.scope)
        projects = list_projects(db, who.scope)
        by = check_dimension(choices.one_of("by", DIMENSIONS, "line"))
        as_of = choices.day("as_of", today) or today
        project = choices.one_of("project", [p.name for p in projects], "") or None
        funder = next((f for f in funders if str(f.id) == choices.text("funder")), None)
        scope, calendar = who.scope, who.calendar
        if funder is not None:
            scope, calendar = who.narrowed_to(funder).scope, funder.calendar
        period = choices.period(calendar, calendar.year_of(as_of)) or calendar.year_of(as_of)
        table = None
        try:
            table = budget_vs_actual(db, scope, period, by, as_of, project, current_lang())  # type: ignore[arg-type]
        except FundtrackError as exc:
            choices.refuse(exc.field or "year", exc)
        return self.render(
            "fundtrack/variance.html",
            choices=choices,
            table=table,
            period=period,
            by=by,
            as_of=as_of,
            dimensions=[(d, DIMENSION_LABELS[d]) for d in DIMENSIONS],
            projects=projects,
            project=project,
            funders=funders,
            funder=funder,
            year_label=getattr(period, "label", ""),
        )
