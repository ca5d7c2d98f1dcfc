"""The home page: the board's dashboard of a fiscal year (a funder's login gets its portal).

Per fiscal year (default the current one): cost, confirmed, requested, received, to
receive and the gap both ways, with a chart by month; the instalments due and overdue;
the funder reports due in the next 90 days. Every figure is
:func:`fundtrack.reports.dashboard.dashboard`'s, built from the CLI's own ledger, gap
and receivables.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import redirect, url_for
from flask_admin import AdminIndexView, expose

from admin_app.context import acting, current_lang
from admin_app.pages.base import Choices, session
from admin_app.pages.formatting import month_label
from fundtrack.i18n import lazy, translate
from fundtrack.reports.dashboard import Dashboard, dashboard
from fundtrack.reports.svg import COLOURS, Bars, bar_chart
from fundtrack.roles import Role


class Home(AdminIndexView):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(name=lazy("admin.menu.home"), url="/", endpoint="admin", template="fundtrack/home.html")

    def is_accessible(self) -> bool:
        return True

    def is_visible(self) -> bool:
        return acting().role is not Role.FUNDER

    @expose()
    def index(self) -> Any:
        who = acting()
        if who.role is Role.FUNDER:
            return redirect(url_for("portal.index"))
        today = date.today()
        choices = Choices()
        year = choices.year("year", who.calendar, who.calendar.year_of(today))
        board = dashboard(session(), who.scope, year, today)
        return self.render(
            "fundtrack/home.html", who=who, board=board, choices=choices, chart=month_chart(board), today=today
        )


def month_chart(board: Dashboard) -> str:
    """The year's months: what confirmed grants cover, what the requests would, and the gap."""
    lang = current_lang()
    categories = [month_label(m.month.start, short=True) for m in board.months]  # the year is in the title
    bars = [
        Bars(
            translate("admin.dashboard.covered_confirmed"),
            [m.covered_confirmed for m in board.months],
            COLOURS["confirmed"],
        ),
        Bars(
            translate("admin.dashboard.covered_requested"),
            [m.covered_if_requested for m in board.months],
            COLOURS["requested"],
            hatched=True,
        ),
        Bars(translate("admin.dashboard.uncovered"), [m.gap_if_granted for m in board.months], COLOURS["uncovered"]),
    ]
    return bar_chart(
        ident="dashboard-months",
        title=translate("admin.dashboard.chart_title", year=board.year.label),
        description=translate("admin.dashboard.chart_description"),
        categories=categories,
        bars=bars,
        lang=lang,  # type: ignore[arg-type]
    )
