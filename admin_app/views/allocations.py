"""The allocations: a grant's part of a budget line, by fiscal year (its part of the package).

An allocation is never changed in place: it is reversed (a reversing entry names it, the
original stays) or corrected (its reversal, then a new allocation of the new amount,
checked as a new one; refused, nothing is left behind), through
:mod:`fundtrack.services.allocations`. A funder's login does not see this view.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask import abort, flash, g, redirect, request
from flask_admin import expose
from sqlalchemy import func, select
from sqlalchemy.orm import Query, Session, joinedload
from wtforms import SelectField, StringField
from wtforms.validators import Optional

from admin_app.context import acting, current_lang, writing
from admin_app.extensions import db
from admin_app.forms import BaseForm, MoneyField
from admin_app.views.base import day, label, money
from admin_app.views.choices import category_codes, fiscal_years_between, grant_ids, grant_references, project_names
from admin_app.views.filters import ChoiceFilter, FiscalYearFilter, FreshFilters
from admin_app.views.rows import RowForm, RowsView, rows
from fundtrack.errors import FundtrackError, InputError
from fundtrack.i18n import translate
from fundtrack.models import Allocation, Budget, BudgetLine, BudgetVersion
from fundtrack.queries.budget_lines import line_label
from fundtrack.roles import Action
from fundtrack.schemas.budgets import AllocationSchema
from fundtrack.schemas.common import load_or_raise
from fundtrack.services.allocations import allocate, correct_allocation, reverse_allocation


class YearAmountRow(RowForm):
    fiscal_year = StringField(label("term.fiscal_year"), validators=[Optional()])
    amount = MoneyField(label("label.amount"), validators=[Optional()])


class AllocationForm(BaseForm):
    grant = SelectField(label("term.grant"), choices=[], validate_choice=False)
    project = SelectField(label("term.project"), choices=[], validate_choice=False)
    version = StringField(label("admin.allocations.version"), validators=[Optional()])
    category = SelectField(label("term.category"), choices=[], validate_choice=False)
    line = StringField(label("admin.allocations.line_description"), validators=[Optional()])
    amounts = rows(YearAmountRow, "admin.allocations.amounts")
    note = StringField(label("admin.col.notes"), validators=[Optional()])


class CorrectionForm(BaseForm):
    amount = MoneyField(label("admin.allocations.new_amount"), required=True)


def _fiscal_years() -> list[tuple[str, str]]:
    where = Allocation.organisation_id == acting().organisation_id
    first = db.session.scalar(select(func.min(Allocation.period_start)).where(where))
    last = db.session.scalar(select(func.max(Allocation.period_end)).where(where))
    return fiscal_years_between(first, last)


def _project_ids() -> list[tuple[str, str]]:
    from admin_app.views.choices import project_ids

    return project_ids()


class ProjectFilter(ChoiceFilter):
    def apply(self, query: Query[Any], value: Any, alias: Any = None) -> Query[Any]:
        lines = (
            select(BudgetLine.id).join(BudgetLine.version).join(BudgetVersion.budget).where(Budget.project_id == value)
        )
        return query.filter(Allocation.line_id.in_(lines))


class AllocationView(FreshFilters, RowsView):
    write_action = Action.MONEY
    allow_edit = False
    form = AllocationForm
    row_lists = ("amounts",)
    row_default_field: ClassVar[dict[str, str]] = {"amounts": "amount"}
    list_template = "fundtrack/allocations_list.html"
    column_list = ("id", "grant_ref", "project", "line_label", "year", "amount", "reverses_id", "note")
    column_details_list = (*column_list, "created_at")
    column_sortable_list = ("id", ("grant_ref", "grant.reference"), ("year", "period_start"), "amount")
    column_default_sort = ("id", False)
    column_searchable_list = ("note",)
    money_columns = ("amount",)
    column_filters = (
        FiscalYearFilter(Allocation.period_start, Allocation.period_end, label("term.fiscal_year"), _fiscal_years),
        ChoiceFilter(Allocation.grant_id, label("term.grant"), grant_ids, int),
        ProjectFilter(Allocation.line_id, label("term.project"), _project_ids, int),
    )
    column_labels: ClassVar[dict[str, Any]] = {
        "id": label("admin.allocations.number"),
        "grant_ref": label("term.grant"),
        "project": label("term.project"),
        "line_label": label("term.budget_line"),
        "year": label("term.fiscal_year"),
        "amount": label("label.amount"),
        "reverses_id": label("admin.allocations.reverses"),
        "note": label("admin.col.notes"),
        "created_at": label("admin.allocations.recorded_at"),
    }

    def get_query(self) -> Query[Any]:
        return (
            super()
            .get_query()
            .options(
                joinedload(Allocation.grant),
                joinedload(Allocation.line).joinedload(BudgetLine.category),
                joinedload(Allocation.line)
                .joinedload(BudgetLine.version)
                .joinedload(BudgetVersion.budget)
                .joinedload(Budget.project),
            )
        )

    def extra_formatters(self) -> dict[str, Any]:
        def category(m: Allocation) -> str:
            c = m.line.category
            return c.label_fr if acting().lang == "fr" else c.label_en

        return {
            "grant_ref": lambda v, c, m, n: m.grant.reference,
            "project": lambda v, c, m, n: m.line.version.budget.project.name,
            "line_label": lambda v, c, m, n: line_label(
                m.line.version.budget.project.name, category(m), m.line.description
            ),
            "year": lambda v, c, m, n: acting().calendar.year_of(m.period_start).label,
            "reverses_id": lambda v, c, m, n: (
                translate("admin.allocations.entry_number", id=m.reverses_id) if m.reverses_id else ""
            ),
            "created_at": lambda v, c, m, n: day(m.created_at.date()),
        }

    def reversed_among(self, rows: list[Allocation]) -> set[int]:
        """Which of the page's allocations already have their reversal (one query a page)."""
        cached = g.get("fundtrack_reversed")
        if cached is None:
            ids = [r.id for r in rows]
            cached = set(db.session.scalars(select(Allocation.reverses_id).where(Allocation.reverses_id.in_(ids))))
            g.fundtrack_reversed = cached
        return cached  # type: ignore[no-any-return]

    # --- a new allocation ----------------------------------------------------------------------

    def create_form(self, obj: Any = None) -> Any:
        form = super().create_form(obj)
        form.grant.choices = grant_references()
        form.project.choices = project_names()
        form.category.choices = category_codes()
        return form

    def command(self, form: Any, model: Any = None) -> Any:
        amounts = self.sent_rows(
            form,
            "amounts",
            lambda r: {
                k: v
                for k, v in {"fiscal_year": (r["fiscal_year"] or "").strip() or None, "amount": r["amount"]}.items()
                if v is not None
            },
        )
        data = {
            "grant": form.grant.data,
            "project": form.project.data,
            "version": (form.version.data or "").strip() or None,
            "category": form.category.data,
            "line": (form.line.data or "").strip() or None,
            "amounts": amounts,
            "note": (form.note.data or "").strip() or None,
        }
        return load_or_raise(AllocationSchema(), data)

    def create(self, session: Session, cmd: Any) -> Any:
        return allocate(session, acting(), cmd)[0]

    # --- corrections: reversal, or reversal and a new amount -----------------------------------

    def _correctable(self, raw_id: str) -> Allocation:
        allocation = self.get_one(raw_id)
        if not self.can_create:
            abort(403)
        return allocation  # type: ignore[no-any-return]

    @expose("/reverse/", methods=("POST",))
    def reverse_view(self) -> Any:
        """Cancel an allocation with a reversing entry (the original stays)."""
        allocation = self._correctable(request.form.get("id", ""))
        try:
            with writing() as session:
                reversal = reverse_allocation(session, acting(), allocation.id)
                number = reversal.id
        except FundtrackError as exc:
            flash(exc.describe(current_lang()), "error")  # type: ignore[arg-type]
        else:
            flash(translate("admin.allocations.reversed", id=allocation.id, reversal=number), "success")
        db.session.rollback()
        return redirect(self.get_url(".index_view"))

    @expose("/correct/", methods=("GET", "POST"))
    def correct_view(self) -> Any:
        """A new amount for an allocation: its reversal, then the new allocation, checked."""
        allocation = self._correctable(request.args.get("id", ""))
        form = CorrectionForm()
        if request.method == "POST" and form.validate():
            try:
                with writing() as session:
                    correct_allocation(session, acting(), allocation.id, form.amount.data)  # type: ignore[arg-type]
            except InputError as exc:
                form.amount.errors = [*form.amount.errors, exc.message(current_lang())]  # type: ignore[arg-type]
                db.session.rollback()
            except FundtrackError as exc:
                flash(exc.describe(current_lang()), "error")  # type: ignore[arg-type]
                db.session.rollback()
            else:
                flash(translate("admin.allocations.corrected", id=allocation.id), "success")
                db.session.rollback()
                return redirect(self.get_url(".index_view"))
        return self.render("fundtrack/allocation_correct.html", form=form, allocation=allocation, money=money)


__all__ = ["AllocationView"]
