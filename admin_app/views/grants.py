"""The grants: their list, their form with the schedule inline (amounts per fiscal year,
instalments, report due dates), their page with the amount per fiscal year, what was
received and what is still to receive, and their status changes (confirm, decline).

Every write goes through :mod:`fundtrack.services.grants`; a funder's login reads its own
grants only, and nothing else of this view exists for it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, ClassVar

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.helpers import get_form_data
from sqlalchemy.orm import Query, Session
from wtforms import BooleanField, DateField, Form, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional

from admin_app.context import acting, writing
from admin_app.extensions import db
from admin_app.files import agreement_remove_url, agreement_url
from admin_app.forms import MoneyField, RateField
from admin_app.views.base import RevisionForm, day, is_id, label, money
from admin_app.views.choices import category_codes, funder_ids, funder_names, grant_fiscal_years, project_names
from admin_app.views.filters import ChoiceFilter, FiscalYearFilter, FreshFilters
from admin_app.views.rows import RowForm, RowsView, rows
from fundtrack.errors import FundtrackError
from fundtrack.i18n import lazy, translate
from fundtrack.models import Grant, GrantStatus
from fundtrack.money import format_percent
from fundtrack.queries.grant_details import grant_figures
from fundtrack.roles import Action
from fundtrack.schemas.attachments import GRANT
from fundtrack.schemas.common import load_or_raise
from fundtrack.schemas.ledger import GrantSchema, ReceiptSchema
from fundtrack.services.attachments import attachment_of
from fundtrack.services.grants import create_grant, grant_command, update_grant
from fundtrack.services.receipts import record_instalment_received

STATUSES = [(s.value, lazy(f"grant_status.{s.value}")) for s in GrantStatus]
# the status changes offered on a grant's page, by the status they lead to
STATUS_CHANGES = {GrantStatus.CONFIRMED: "admin.grants.confirm", GrantStatus.DECLINED: "admin.grants.decline"}
STATUS_CHANGED = {
    GrantStatus.CONFIRMED: "admin.grants.status_changed.confirmed",
    GrantStatus.DECLINED: "admin.grants.status_changed.declined",
}


class ScheduleRow(RowForm):
    fiscal_year = StringField(label("term.fiscal_year"), validators=[Optional()])
    amount = MoneyField(label("label.amount"), validators=[Optional()])


class InstalmentRow(RowForm):
    expected_date = DateField(label("col.expected_date"), validators=[Optional()])
    amount = MoneyField(label("label.amount"), validators=[Optional()])
    received_date = DateField(label("col.received_on"), validators=[Optional()])
    received_amount = MoneyField(label("col.received"), validators=[Optional()])
    note = StringField(label("admin.col.notes"), validators=[Optional()])


class ReportDueRow(RowForm):
    due_date = DateField(label("admin.grants.due_date"), validators=[Optional()])
    title = StringField(label("label.title"), validators=[Optional()])
    submitted_on = DateField(label("admin.grants.submitted_on"), validators=[Optional()])


class ReceiptForm(RevisionForm):
    expected_date = SelectField(label("admin.grants.instalment_received"), choices=[], validate_choice=False)
    received_date = DateField(label("col.received_on"))
    amount = MoneyField(label("label.amount"))


class GrantForm(RevisionForm):
    reference = StringField(label("label.reference"))
    funder = SelectField(label("term.funder"), choices=[], validate_choice=False)
    title = StringField(label("label.title"))
    status = SelectField(
        label("label.status"), choices=STATUSES, validate_choice=False, default=GrantStatus.REQUESTED.value
    )
    amount = MoneyField(label("label.amount"))
    start_date = DateField(label("label.start"), validators=[Optional()])
    end_date = DateField(label("label.end"), validators=[Optional()])
    projects = SelectMultipleField(label("admin.grants.projects"), choices=[], validate_choice=False)
    restricted = BooleanField(label("admin.grants.restricted"))
    eligible_categories = SelectMultipleField(
        label("admin.grants.eligible_categories"), choices=[], validate_choice=False
    )
    fee_cap = RateField(label("admin.col.fee_cap_percent"), validators=[Optional()])
    schedule = rows(ScheduleRow, "admin.grants.schedule")
    instalments = rows(InstalmentRow, "term.instalments")
    report_dues = rows(ReportDueRow, "admin.grants.report_dues")
    notes = TextAreaField(label("admin.col.notes"), validators=[Optional()])


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _schedule(row: dict[str, Any]) -> dict[str, Any]:
    return {"fiscal_year": (row["fiscal_year"] or "").strip() or None, "amount": row["amount"]}


def _instalment(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "expected_date": _iso(row["expected_date"]),
        "amount": row["amount"],
        "received_date": _iso(row["received_date"]),
        "received_amount": row["received_amount"],
        "note": row["note"] or None,
    }


def _report_due(row: dict[str, Any]) -> dict[str, Any]:
    return {"due_date": _iso(row["due_date"]), "title": row["title"] or None, "submitted_on": _iso(row["submitted_on"])}


def _without_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _statuses() -> list[tuple[str, Any]]:
    return STATUSES


class GrantView(FreshFilters, RowsView):
    write_action = Action.MONEY
    funder_visible = True
    schema = GrantSchema
    form = GrantForm
    row_lists = ("schedule", "instalments", "report_dues")
    row_default_field: ClassVar[dict[str, str]] = {
        "schedule": "amount",
        "instalments": "received_amount",
        "report_dues": "due_date",
    }
    details_template = "fundtrack/grant_details.html"
    column_list = ("funder", "reference", "title", "status", "amount", "period", "restricted")
    column_searchable_list = ("reference", "title")
    column_sortable_list = (
        ("funder", "funder.name"),
        "reference",
        "title",
        "status",
        "amount",
        ("period", "start_date"),
    )
    column_default_sort = ("start_date", False)
    column_details_list = (
        "funder",
        "reference",
        "title",
        "status",
        "amount",
        "period",
        "projects",
        "restricted",
        "eligible_categories",
        "fee_cap",
        "notes",
    )
    money_columns = ("amount",)
    column_labels: ClassVar[dict[str, Any]] = {
        "funder": label("term.funder"),
        "reference": label("label.reference"),
        "title": label("label.title"),
        "status": label("label.status"),
        "amount": label("label.amount"),
        "period": label("admin.grants.period"),
        "restricted": label("admin.grants.restricted"),
        "projects": label("admin.grants.projects"),
        "eligible_categories": label("admin.grants.eligible_categories"),
        "fee_cap": label("admin.col.fee_cap_percent"),
        "notes": label("admin.col.notes"),
    }

    column_filters = (
        FiscalYearFilter(Grant.start_date, Grant.end_date, label("term.fiscal_year"), grant_fiscal_years),
        ChoiceFilter(Grant.funder_id, label("term.funder"), funder_ids, int),
        ChoiceFilter(Grant.status, label("label.status"), _statuses, GrantStatus),
    )

    def extra_formatters(self) -> dict[str, Any]:
        return {
            "funder": lambda v, c, m, n: m.funder.name,
            "status": lambda v, c, m, n: translate(f"grant_status.{m.status.value}"),
            "period": lambda v, c, m, n: f"{day(m.start_date)} – {day(m.end_date)}",
            "restricted": lambda v, c, m, n: translate("admin.grants.yes" if m.restricted else "admin.grants.no"),
            "projects": lambda v, c, m, n: ", ".join(p.name for p in m.projects),
            "eligible_categories": lambda v, c, m, n: ", ".join(
                cat.label_fr if acting().lang == "fr" else cat.label_en for cat in m.eligible_categories
            ),
            "fee_cap": lambda v, c, m, n: format_percent(m.fee_cap) if m.fee_cap is not None else "",
        }

    # --- what may be read ----------------------------------------------------------------------

    def scoped(self, query: Query[Any]) -> Query[Any]:
        return query.filter(acting().scope.grants_filter())

    # --- the form --------------------------------------------------------------------------------

    def _choices(self, form: Form) -> Form:
        form.funder.choices = funder_names()
        form.projects.choices = project_names()
        form.eligible_categories.choices = category_codes()
        return form

    def create_form(self, obj: Any = None) -> Form:
        return self._choices(super().create_form(obj))

    def edit_form(self, obj: Any = None) -> Form:
        # the form is filled from the grant by prefill (on reading), from what was typed otherwise
        return self._choices(self._edit_form_class(get_form_data(), obj=None))

    def prefill(self, form: Any, model: Grant) -> None:
        form.reference.data = model.reference
        form.funder.data = model.funder.name
        form.title.data = model.title
        form.status.data = model.status.value
        form.amount.data = model.amount
        form.start_date.data, form.end_date.data = model.start_date, model.end_date
        form.projects.data = [p.name for p in model.projects]
        form.restricted.data = model.restricted
        form.eligible_categories.data = [c.code for c in model.eligible_categories]
        form.fee_cap.data = model.fee_cap
        form.notes.data = model.notes
        calendar = acting().calendar
        self.fill_rows(
            form,
            "schedule",
            [{"fiscal_year": calendar.year_of(e.period_start).label, "amount": e.amount} for e in model.schedule],
        )
        self.fill_rows(
            form,
            "instalments",
            [
                {
                    "expected_date": i.expected_date,
                    "amount": i.expected_amount,
                    "received_date": i.received_date,
                    "received_amount": i.received_amount,
                    "note": i.note,
                }
                for i in model.instalments
            ],
        )
        self.fill_rows(
            form,
            "report_dues",
            [{"due_date": r.due_date, "title": r.title, "submitted_on": r.submitted_on} for r in model.report_dues],
        )

    def command(self, form: Any, model: Grant | None = None) -> Any:
        data = _without_none(
            {
                "reference": (form.reference.data or "").strip() or None,
                "funder": form.funder.data or None,
                "title": (form.title.data or "").strip() or None,
                "status": form.status.data,
                "amount": form.amount.data,
                "start_date": _iso(form.start_date.data),
                "end_date": _iso(form.end_date.data),
                "projects": list(form.projects.data or []),
                "restricted": bool(form.restricted.data),
                "eligible_categories": list(form.eligible_categories.data or []),
                "fee_cap": form.fee_cap.data,
                "notes": form.notes.data or None,
            }
        )
        data["schedule"] = [_without_none(r) for r in self.sent_rows(form, "schedule", _schedule)]
        data["instalments"] = [_without_none(r) for r in self.sent_rows(form, "instalments", _instalment)]
        data["report_dues"] = [_without_none(r) for r in self.sent_rows(form, "report_dues", _report_due)]
        if model is not None:
            # terms the form does not show are kept as the grant has them
            kept = grant_command(model)
            data["no_combination"] = kept.no_combination
            data["schedule_basis"] = kept.schedule_basis
            if kept.matching is not None:
                data["matching"] = {"rate": kept.matching.rate, "basis": kept.matching.basis}
        return load_or_raise(GrantSchema(), data)

    def create(self, session: Session, cmd: Any) -> Any:
        return create_grant(session, acting(), cmd)

    def update(self, session: Session, model: Any, revision: int | None, cmd: Any) -> Any:
        return update_grant(session, acting(), model.reference, revision, cmd)

    # --- the grant's page and its status changes ----------------------------------------------

    def render(self, template: str, **kwargs: Any) -> Any:
        if template == self.details_template and "model" in kwargs:
            grant = kwargs["model"]
            kwargs.update(
                figures=grant_figures(db.session, grant),
                status_changes=self.status_changes(grant),
                can_receive=self.can_edit and any(i.still_due > 0 for i in grant.instalments),
                can_edit=self.can_edit,
                agreement=attachment_of(db.session, acting(), GRANT, grant.id),
                agreement_link=agreement_url(grant.id),
                agreement_remove_link=agreement_remove_url(grant.id),
                money=money,
                day=day,
            )
        return super().render(template, **kwargs)

    def status_changes(self, grant: Grant) -> list[tuple[str, str]]:
        """The status changes the person may make on ``grant`` (none for who may not write)."""
        if not self.can_edit:
            return []
        return [(s.value, code) for s, code in STATUS_CHANGES.items() if grant.status is GrantStatus.REQUESTED]

    @expose("/status/", methods=("POST",))
    def status_view(self) -> Any:
        """Confirm or decline a requested grant, from the revision read on its page."""
        grant = self.get_one(request.form.get("id", ""))
        if not self.can_edit:
            abort(403)
        wanted = request.form.get("status", "")
        if wanted not in {s.value for s in STATUS_CHANGES}:
            abort(400)
        if grant.status is not GrantStatus.REQUESTED:  # decided meanwhile (by someone else, or a second click)
            flash(translate("admin.grants.not_requested", reference=grant.reference), "error")
            return redirect(self.get_url(".details_view", id=grant.id))
        revision = request.form.get("revision", "")
        if not is_id(revision):
            abort(400)
        cmd = replace(grant_command(grant), status=wanted)
        try:
            with writing() as session:
                update_grant(session, acting(), grant.reference, int(revision), cmd)
        except FundtrackError as exc:
            flash(exc.describe(acting().lang), "error")
        else:
            flash(translate(STATUS_CHANGED[GrantStatus(wanted)], reference=grant.reference), "success")
        db.session.rollback()
        return redirect(self.get_url(".details_view", id=grant.id))

    # --- a payment received on an instalment ---------------------------------------------------

    @expose("/receive/", methods=("GET", "POST"))
    def receive_view(self) -> Any:
        """Record a payment received on one of the grant's instalments, from the revision read."""
        grant = self.get_one(request.args.get("id", ""))
        if not self.can_edit:
            abort(403)
        form = ReceiptForm()
        form.expected_date.choices = [
            (i.expected_date.isoformat(), f"{day(i.expected_date)} — {money(i.still_due)}")
            for i in grant.instalments
            if i.still_due > 0
        ]
        if request.method == "GET":
            form.revision.data = str(grant.revision)
        elif form.validate():
            data = {
                "reference": grant.reference,
                "expected_date": form.expected_date.data,
                "received_date": _iso(form.received_date.data),
                "amount": form.amount.data,
                "revision": self._revision(form),
            }
            try:
                cmd = load_or_raise(ReceiptSchema(), {k: v for k, v in data.items() if v is not None})
                with writing() as session:
                    recorded = record_instalment_received(session, acting(), cmd)
                    short = recorded.instalment.still_due if not recorded.in_full else None
            except FundtrackError as exc:
                self.refused(form, exc)
                db.session.rollback()
            else:
                db.session.rollback()
                if short is None:
                    flash(translate("admin.grants.received_in_full", reference=grant.reference), "success")
                else:
                    flash(
                        translate("admin.grants.received_short", reference=grant.reference, short=money(short)),
                        "warning",
                    )
                return redirect(self.get_url(".details_view", id=grant.id))
        return self.render("fundtrack/grant_receive.html", form=form, grant=grant, money=money)


__all__ = ["GrantView"]
