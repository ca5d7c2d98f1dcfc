"""The funder's portal: a funder's login lands here, on its own grants, their instalments
and report dates, the projects they fund (the packages as the funder's report shows
them) and its report downloads — and nothing else.

Everything is read through the login's scope (its funder's grants only): another
funder's grant asked for by URL is not found (404), as a grant that does not exist.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any, ClassVar

from flask import abort
from flask_admin import expose

from admin_app.context import acting, current_lang
from admin_app.pages.base import Choices, FundtrackPage, session, slug, workbook
from admin_app.pages.reports import chosen_lang, funder_workbook
from fundtrack.calc.package import SOURCE_KIND_LABELS
from fundtrack.errors import FundtrackError, NotFound
from fundtrack.i18n import msg, translate
from fundtrack.models import Funder
from fundtrack.reports.funder import funder_report
from fundtrack.reports.funder_portfolio import funder_portfolio, parts_of_account, write_funder_portfolio
from fundtrack.roles import Role

INSTALMENT_STATES = {
    "received": msg("admin.portal.state.received"),
    "late": msg("admin.portal.state.late"),
    "due": msg("admin.portal.state.due"),
}
REPORT_STATES = {
    "received": msg("admin.portal.report_state.received"),
    "late": msg("admin.portal.report_state.late"),
    "due": msg("admin.portal.report_state.due"),
}


class PortalPage(FundtrackPage):
    roles: ClassVar[frozenset[Role]] = frozenset({Role.FUNDER})

    def _funder(self) -> Funder:
        who = acting()
        funder = session().get(Funder, who.funder_id) if who.funder_id is not None else None
        if funder is None or funder.organisation_id != who.organisation_id:
            abort(404)
        return funder

    @expose("/")
    def index(self) -> Any:
        who = acting()
        funder = self._funder()
        choices = Choices()
        period = choices.period(funder.calendar, None)
        grant = choices.text("grant") or None
        try:
            data = funder_report(
                session(),
                who.scope,
                funder.name,
                as_of=date.today(),
                grant_reference=grant,
                period=period,
                lang=current_lang(),  # type: ignore[arg-type]
            )
        except NotFound:
            abort(404)
        except FundtrackError as exc:
            choices.refuse(exc.field or "year", exc)
            data = funder_report(session(), who.scope, funder.name, as_of=date.today(), lang=current_lang())  # type: ignore[arg-type]
        return self.render(
            "fundtrack/portal.html",
            funder=funder,
            report=data,
            choices=choices,
            source_kinds=SOURCE_KIND_LABELS,
            instalment_states=INSTALMENT_STATES,
            report_states=REPORT_STATES,
            lang=current_lang(),
        )

    @expose("/report.xlsx")
    def report(self) -> Any:
        who = acting()
        funder = self._funder()
        choices = Choices()
        period = choices.period(funder.calendar, None)
        if choices.refused:
            return self.index()
        try:
            return funder_workbook(
                session(), who.scope, funder, choices.text("grant") or None, period, chosen_lang(choices)
            )
        except NotFound:
            abort(404)

    # a funder across organisations: one workbook for every organisation the login reaches
    @expose("/all-organisations.xlsx")
    def all_organisations(self) -> Any:
        who = acting()
        funder = self._funder()
        choices = Choices()
        period = choices.period(funder.calendar, None)
        if choices.refused:
            return self.index()
        parts = parts_of_account(session(), who.user_id) if who.user_id is not None else []
        if len(parts) < 2:
            abort(404)
        # in the funder's language, as its own report, unless the reader chose one
        data = funder_portfolio(session(), parts, as_of=date.today(), period=period, lang=chosen_lang(choices))
        content = BytesIO()
        write_funder_portfolio(data, content)
        name = "-".join([translate("admin.federation.file", data.lang), slug(data.funder)])
        return workbook(content, name + ".xlsx")
