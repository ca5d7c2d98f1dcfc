"""In-kind contributions (at fair value, never charged to a grant) and the organisation's
own funds committed to a project: listed, and recorded through
:mod:`fundtrack.services.contributions`. A funder's login does not see them."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from sqlalchemy.orm import Query, Session, joinedload
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional

from admin_app.context import acting
from admin_app.forms import BaseForm, MoneyField
from admin_app.views.base import FundtrackView, label
from admin_app.views.choices import category_codes, project_ids, project_names
from admin_app.views.filters import ChoiceFilter, FiscalYearFilter, FreshFilters
from fundtrack.models import InKindContribution, OwnFunds
from fundtrack.roles import Action
from fundtrack.schemas.budgets import InKindSchema, OwnFundsSchema
from fundtrack.services.contributions import add_in_kind, add_own_funds


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _years_of(model: Any) -> Any:
    def years() -> list[tuple[str, str]]:
        from sqlalchemy import func, select

        from admin_app.extensions import db
        from admin_app.views.choices import fiscal_years_between

        where = model.organisation_id == acting().organisation_id
        first = db.session.scalar(select(func.min(model.start_date)).where(where))
        last = db.session.scalar(select(func.max(model.end_date)).where(where))
        return fiscal_years_between(first, last)

    return years


class InKindForm(BaseForm):
    project = SelectField(label("term.project"), choices=[], validate_choice=False)
    contributor = StringField(label("admin.contributions.contributor"))
    description = StringField(label("admin.col.description"))
    category = SelectField(label("term.category"), choices=[], validate_choice=False, validators=[Optional()])
    fair_value = MoneyField(label("admin.contributions.fair_value"))
    start_date = DateField(label("label.start"), validators=[Optional()])
    end_date = DateField(label("label.end"), validators=[Optional()])


class OwnFundsForm(BaseForm):
    project = SelectField(label("term.project"), choices=[], validate_choice=False)
    description = StringField(label("admin.col.description"))
    amount = MoneyField(label("label.amount"))
    start_date = DateField(label("label.start"), validators=[Optional()])
    end_date = DateField(label("label.end"), validators=[Optional()])


class _ContributionView(FreshFilters, FundtrackView):
    write_action = Action.MONEY
    allow_edit = False
    date_columns = ("start_date", "end_date")
    column_sortable_list = ("description", "start_date", "end_date")
    column_default_sort = ("start_date", False)
    column_searchable_list = ("description",)

    def get_query(self) -> Query[Any]:
        return super().get_query().options(joinedload(self.model.project))

    def create_form(self, obj: Any = None) -> Any:
        form = super().create_form(obj)
        form.project.choices = project_names()
        if hasattr(form, "category"):
            form.category.choices = [("", "—"), *category_codes()]
        return form

    def form_data(self, data: dict[str, Any], model: Any) -> dict[str, Any]:
        return {k: _iso(v) if isinstance(v, date) else v for k, v in data.items()}


class InKindView(_ContributionView):
    schema = InKindSchema
    form = InKindForm
    column_list = ("project", "contributor", "description", "category", "fair_value", "start_date", "end_date")
    column_searchable_list = ("description", "contributor")
    money_columns = ("fair_value",)
    column_filters = (
        FiscalYearFilter(
            InKindContribution.start_date,
            InKindContribution.end_date,
            label("term.fiscal_year"),
            _years_of(InKindContribution),
        ),
        ChoiceFilter(InKindContribution.project_id, label("term.project"), project_ids, int),
    )
    column_labels: ClassVar[dict[str, Any]] = {
        "project": label("term.project"),
        "contributor": label("admin.contributions.contributor"),
        "description": label("admin.col.description"),
        "category": label("term.category"),
        "fair_value": label("admin.contributions.fair_value"),
        "start_date": label("label.start"),
        "end_date": label("label.end"),
    }

    def get_query(self) -> Query[Any]:
        return super().get_query().options(joinedload(InKindContribution.category))

    def extra_formatters(self) -> dict[str, Any]:
        def category(m: InKindContribution) -> str:
            if m.category is None:
                return ""
            return m.category.label_fr if acting().lang == "fr" else m.category.label_en

        return {"project": lambda v, c, m, n: m.project.name, "category": lambda v, c, m, n: category(m)}

    def create(self, session: Session, cmd: Any) -> Any:
        return add_in_kind(session, acting(), cmd)


class OwnFundsView(_ContributionView):
    schema = OwnFundsSchema
    form = OwnFundsForm
    column_list = ("project", "description", "amount", "start_date", "end_date")
    money_columns = ("amount",)
    column_filters = (
        FiscalYearFilter(OwnFunds.start_date, OwnFunds.end_date, label("term.fiscal_year"), _years_of(OwnFunds)),
        ChoiceFilter(OwnFunds.project_id, label("term.project"), project_ids, int),
    )
    column_labels: ClassVar[dict[str, Any]] = {
        "project": label("term.project"),
        "description": label("admin.col.description"),
        "amount": label("label.amount"),
        "start_date": label("label.start"),
        "end_date": label("label.end"),
    }

    def extra_formatters(self) -> dict[str, Any]:
        return {"project": lambda v, c, m, n: m.project.name}

    def create(self, session: Session, cmd: Any) -> Any:
        return add_own_funds(session, acting(), cmd)
