"""Reports: the funder workbook (a funder, or one of its grants, over a period — by default
the funder's fiscal year — in a language) and the budget workbook, made by the same
functions as ``fundtrack report funder`` and ``fundtrack report budget``."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

from flask import abort
from flask_admin import expose
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from admin_app.context import acting
from admin_app.pages.base import Choices, FundtrackPage, session, slug, workbook
from fundtrack.errors import FundtrackError, NotFound
from fundtrack.i18n import Lang, translate
from fundtrack.models import Funder
from fundtrack.periods import DateRange, FiscalYear
from fundtrack.queries.listings import list_funders, list_grants
from fundtrack.queries.scope import Scope
from fundtrack.reports.budget import budget_report
from fundtrack.reports.budget_xlsx import write_budget_report
from fundtrack.reports.dashboard import dashboard_years
from fundtrack.reports.funder import funder_report
from fundtrack.reports.funder_xlsx import write_funder_report

LANGS = ("fr", "en")


def funder_workbook(
    db: Session, scope: Scope, funder: Funder, grant: str | None, period: DateRange | None, lang: Lang | None
) -> Response:
    """The funder workbook as a download (``rapport-…`` / ``report-…`` in its language).
    Raises :class:`NotFound` for a grant outside ``scope`` or not the funder's."""
    data = funder_report(db, scope, funder.name, as_of=date.today(), grant_reference=grant, period=period, lang=lang)
    content = BytesIO()
    write_funder_report(data, content)  # the expense detail is read while the sheet is written
    parts = [translate("admin.reports.file_funder", data.lang), slug(funder.name)]
    parts += [slug(grant)] if grant else []
    parts.append(slug(data.period_label))
    return workbook(content, "-".join(parts) + ".xlsx")


def chosen_lang(choices: Choices) -> Lang | None:
    text = choices.one_of("lang", LANGS, "")
    return text if text in LANGS else None  # type: ignore[return-value]


class ReportsPage(FundtrackPage):
    @expose("/")
    def index(self) -> Any:
        return self._page(Choices())

    def _page(self, choices: Choices, status: int = 200) -> Any:
        who = acting()
        db = session()
        today = date.today()
        years = dashboard_years(db, who.scope, today)
        page = self.render(
            "fundtrack/reports.html",
            choices=choices,
            funders=list_funders(db, who.scope),
            grants=list_grants(db, who.scope),
            years=years,
            current=who.calendar.year_of(today),
        )
        return page if status == 200 else (page, status)

    @expose("/funder.xlsx")
    def funder(self) -> Any:
        who = acting()
        db = session()
        choices = Choices()
        funders = {str(f.id): f for f in list_funders(db, who.scope)}
        grants = {str(g.id): g for g in list_grants(db, who.scope)}
        grant = grants.get(choices.text("grant")) if choices.text("grant") else None
        if choices.text("grant") and grant is None:
            abort(404)
        funder = funders.get(choices.text("funder")) if choices.text("funder") else None
        if choices.text("funder") and funder is None:
            abort(404)
        if funder is None and grant is not None:
            funder = grant.funder
        if funder is None:
            choices.errors.setdefault("funder", []).append(translate("admin.reports.choose_funder"))
            return self._page(choices, 400)
        if grant is not None and grant.funder_id != funder.id:
            choices.errors.setdefault("grant", []).append(
                translate("admin.reports.grant_of_other_funder", grant=grant.reference, funder=funder.name)
            )
            return self._page(choices, 400)
        period = choices.period(funder.calendar, None)
        if choices.refused:
            return self._page(choices, 400)
        try:
            return funder_workbook(
                db, who.scope, funder, grant.reference if grant else None, period, chosen_lang(choices)
            )
        except NotFound:
            abort(404)
        except FundtrackError as exc:
            choices.refuse(exc.field or "year", exc)
            return self._page(choices, 400)

    @expose("/budget.xlsx")
    def budget(self) -> Any:
        who = acting()
        db = session()
        choices = Choices()
        today = date.today()
        first = choices.year("first", who.calendar, who.calendar.year_of(today)) if choices.text("first") else None
        last = choices.year("last", who.calendar, who.calendar.year_of(today)) if choices.text("last") else None
        if first is not None and last is not None and last < first:
            choices.errors.setdefault("last", []).append(translate("admin.reports.years_order"))
        if choices.refused:
            return self._page(choices, 400)
        years: tuple[FiscalYear, ...] | None = None
        if first is not None or last is not None:
            start, end = first or last, last or first
            assert start is not None and end is not None
            years = tuple(who.calendar.years(DateRange(start.start, end.end)))
        data = budget_report(db, who.scope, as_of=today, years=years, lang=chosen_lang(choices))
        content = BytesIO()
        write_budget_report(data, content)
        span = data.years[0].label if len(data.years) == 1 else f"{data.years[0].label}-{data.years[-1].label}"
        name = f"{translate('admin.reports.file_budget', data.lang)}-{slug(data.organisation)}-{slug(span)}.xlsx"
        return workbook(content, name)
