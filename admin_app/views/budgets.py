"""The budgets: each project's versions (adopted, revised, scenario) with their lines, a
category and a description with an amount per fiscal year.

A version is written with its lines (:func:`fundtrack.services.budgets.create_version`),
copied into a draft, or made the current one (adopted); lines are typed inline, one row
per line and fiscal year. The coordinator drafts scenario versions
(``Action.DRAFT_BUDGET``); the rest is the treasurer's. A funder's login does not see it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, ClassVar

from flask import abort, flash, redirect, request
from flask_admin import expose
from sqlalchemy import select
from sqlalchemy.orm import Query, Session, joinedload, selectinload
from wtforms import BooleanField, DateField, Field, Form, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from admin_app.context import acting, current_lang, writing
from admin_app.extensions import db
from admin_app.forms import BaseForm, MoneyField
from admin_app.views.base import day, is_id, label, money
from admin_app.views.choices import category_codes, project_ids, project_names
from admin_app.views.filters import ChoiceFilter, FreshFilters
from admin_app.views.rows import RowForm, RowsView, rows
from fundtrack.errors import FundtrackError
from fundtrack.i18n import lazy, translate
from fundtrack.models import Budget, BudgetLine, BudgetVersion, VersionKind
from fundtrack.queries.version_table import version_table
from fundtrack.roles import Action
from fundtrack.schemas.budgets import VersionSchema
from fundtrack.schemas.common import load_or_raise
from fundtrack.services.budgets import copy_version, create_version, make_current

KINDS = [(k.value, lazy(f"version_kind.{k.value}")) for k in VersionKind]
_LINE_PATH = re.compile(r"^lines\[(\d+)\](?:\.amounts\[(\d+)\])?(?:\.(\w+))?")


class LineRow(RowForm):
    category = SelectField(label("term.category"), choices=[], validate_choice=False, validators=[Optional()])
    description = StringField(label("admin.col.description"), validators=[Optional()])
    fiscal_year = StringField(label("term.fiscal_year"), validators=[Optional()])
    amount = MoneyField(label("label.amount"), validators=[Optional()])


class VersionForm(BaseForm):
    project = SelectField(label("term.project"), choices=[], validate_choice=False)
    name = StringField(label("admin.budgets.version_name"))
    kind = SelectField(label("admin.budgets.kind"), choices=KINDS, default=VersionKind.SCENARIO.value)
    current = BooleanField(label("admin.budgets.current"))
    adopted_on = DateField(label("admin.budgets.adopted_on"), validators=[Optional()])
    lines = rows(LineRow, "admin.budgets.lines")
    notes = TextAreaField(label("admin.col.notes"), validators=[Optional()])


class CopyForm(BaseForm):
    name = StringField(label("admin.budgets.version_name"))
    kind = SelectField(label("admin.budgets.kind"), choices=KINDS, default=VersionKind.SCENARIO.value)


def _kinds() -> list[tuple[str, Any]]:
    return KINDS


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


class ProjectFilter(ChoiceFilter):
    def apply(self, query: Query[Any], value: Any, alias: Any = None) -> Query[Any]:
        return query.filter(BudgetVersion.budget_id.in_(select(Budget.id).where(Budget.project_id == value)))


class BudgetVersionView(FreshFilters, RowsView):
    write_action = Action.DRAFT_BUDGET  # the coordinator drafts; the service asks more of the rest
    allow_edit = False
    form = VersionForm
    row_lists = ("lines",)
    details_template = "fundtrack/budget_version_details.html"
    column_list = ("project", "name", "kind", "current", "adopted_on", "parent")
    column_details_list = ("project", "name", "kind", "current", "adopted_on", "parent", "notes")
    column_searchable_list = ("name",)
    column_sortable_list = ("name", "kind", "adopted_on")
    column_default_sort = ("id", False)
    date_columns = ("adopted_on",)
    column_filters = (
        ProjectFilter(BudgetVersion.budget_id, label("term.project"), project_ids, int),
        ChoiceFilter(BudgetVersion.kind, label("admin.budgets.kind"), _kinds, VersionKind),
    )
    column_labels: ClassVar[dict[str, Any]] = {
        "project": label("term.project"),
        "name": label("admin.budgets.version_name"),
        "kind": label("admin.budgets.kind"),
        "current": label("admin.budgets.current"),
        "adopted_on": label("admin.budgets.adopted_on"),
        "parent": label("admin.budgets.parent"),
        "notes": label("admin.col.notes"),
    }

    def scoped(self, query: Query[Any]) -> Query[Any]:
        budgets = select(Budget.id).where(Budget.organisation_id == acting().organisation_id)
        return query.filter(BudgetVersion.budget_id.in_(budgets))

    def get_query(self) -> Query[Any]:
        return (
            super()
            .get_query()
            .options(
                joinedload(BudgetVersion.budget).joinedload(Budget.project),
                joinedload(BudgetVersion.parent),
            )
        )

    def extra_formatters(self) -> dict[str, Any]:
        return {
            "project": lambda v, c, m, n: m.budget.project.name,
            "kind": lambda v, c, m, n: translate(f"version_kind.{m.kind.value}"),
            "current": lambda v, c, m, n: translate("admin.budgets.yes" if m.current else "admin.budgets.no"),
            "parent": lambda v, c, m, n: m.parent.name if m.parent else "",
        }

    # --- a new version with its lines ---------------------------------------------------------

    def _drafts_only(self) -> bool:
        return not acting().can(Action.MONEY)

    def create_form(self, obj: Any = None) -> Any:
        form = super().create_form(obj)
        form.project.choices = project_names()
        categories = [("", "—"), *category_codes()]
        for entry in form.lines.entries:
            entry.form.category.choices = categories
        form._categories = categories
        if self._drafts_only():  # the coordinator drafts scenarios, never the current version
            form.kind.choices = [(VersionKind.SCENARIO.value, lazy("version_kind.scenario"))]
            del form.current
        return form

    def adding_row(self, form: Form) -> bool:
        added = super().adding_row(form)
        if added:
            form.lines.entries[-1].form.category.choices = form._categories
        return added

    def command(self, form: Any, model: Any = None) -> Any:
        lines: list[dict[str, Any]] = []
        places: dict[tuple[int, int | None], int] = {}  # (line, amount) sent → row of the form
        by_key: dict[tuple[str, str], int] = {}
        for position, entry in enumerate(form.lines.entries):
            data = entry.form.data
            if data.get("remove") or not any(data.get(k) for k in ("category", "description", "fiscal_year", "amount")):
                continue
            key = (data["category"] or "", (data["description"] or "").strip())
            if key not in by_key:
                by_key[key] = len(lines)
                places[(len(lines), None)] = position
                lines.append({"category": key[0] or None, "description": key[1] or None, "amounts": []})
            line = lines[by_key[key]]
            if data.get("fiscal_year") or data.get("amount") is not None:
                places[(by_key[key], len(line["amounts"]))] = position
                amount = {"fiscal_year": (data["fiscal_year"] or "").strip() or None, "amount": data["amount"]}
                line["amounts"].append({k: v for k, v in amount.items() if v is not None})
        form._line_places = places
        data = {
            "project": form.project.data,
            "name": (form.name.data or "").strip() or None,
            "kind": form.kind.data,
            "current": bool(form.current.data) if getattr(form, "current", None) is not None else False,
            "adopted_on": _iso(form.adopted_on.data),
            "notes": (form.notes.data or "").strip() or None,
            "lines": [{k: v for k, v in line.items() if v is not None} for line in lines],
        }
        return load_or_raise(VersionSchema(), {k: v for k, v in data.items() if v is not None})

    def row_field(self, form: Form, path: str) -> Field | None:
        found = _LINE_PATH.match(path)
        places = getattr(form, "_line_places", {})
        if found is None:
            return None
        line, amount, sub = int(found.group(1)), found.group(2), found.group(3)
        position = places.get((line, int(amount) if amount is not None else None), places.get((line, None)))
        if position is None:
            return None
        row = form.lines.entries[position].form
        default = "amount" if amount is not None else "description"
        return getattr(row, sub or default, None) or getattr(row, default)

    def create(self, session: Session, cmd: Any) -> Any:
        return create_version(session, acting(), cmd)

    # --- a version's page: its lines; adopt it, copy it into a draft ---------------------------

    def render(self, template: str, **kwargs: Any) -> Any:
        if template == self.details_template and "model" in kwargs:
            version = db.session.scalar(
                select(BudgetVersion)
                .where(BudgetVersion.id == kwargs["model"].id)
                .options(selectinload(BudgetVersion.lines).selectinload(BudgetLine.amounts))
            )
            kwargs.update(
                table=version_table(version, acting().calendar),
                can_adopt=acting().can(Action.MONEY) and not version.current,
                copy_form=self._copy_form(),
                money=money,
                day=day,
                category_label=lambda c: c.label_fr if acting().lang == "fr" else c.label_en,
            )
        return super().render(template, **kwargs)

    def _copy_form(self) -> CopyForm:
        form = CopyForm()
        if self._drafts_only():
            form.kind.choices = [(VersionKind.SCENARIO.value, lazy("version_kind.scenario"))]
        return form

    @expose("/adopt/", methods=("POST",))
    def adopt_view(self) -> Any:
        """Make a version the current one of its project (the treasurer's), from the revision read."""
        version = self.get_one(request.form.get("id", ""))
        if not acting().can(Action.MONEY):
            abort(403)
        revision = request.form.get("revision", "")
        if not is_id(revision):
            abort(400)
        try:
            with writing() as session:
                make_current(session, acting(), version.budget.project.name, version.name, int(revision))
        except FundtrackError as exc:
            flash(exc.describe(current_lang()), "error")  # type: ignore[arg-type]
        else:
            flash(translate("admin.budgets.adopted", name=version.name), "success")
        db.session.rollback()
        return redirect(self.get_url(".details_view", id=version.id))

    @expose("/copy/", methods=("POST",))
    def copy_view(self) -> Any:
        """Copy a version into a new one (a scenario for the coordinator)."""
        version = self.get_one(request.form.get("id", ""))
        if not self.can_create:
            abort(403)
        form = self._copy_form()
        if not form.validate():
            abort(400)
        try:
            with writing() as session:
                copy = copy_version(
                    session,
                    acting(),
                    version.budget.project.name,
                    version.name,
                    (form.name.data or "").strip(),
                    VersionKind(form.kind.data),
                )
                copy_id = copy.id
        except FundtrackError as exc:
            flash(exc.describe(current_lang()), "error")  # type: ignore[arg-type]
            db.session.rollback()
            return redirect(self.get_url(".details_view", id=version.id))
        db.session.rollback()
        flash(translate("admin.budgets.copied", name=form.name.data), "success")
        return redirect(self.get_url(".details_view", id=copy_id))
