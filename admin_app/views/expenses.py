"""Expenses: the list (with their charges and receipts), the details with the split, and
recording one through fundtrack's services, its split proposed by the library first.

An expense is never edited nor deleted: it is corrected by a reversal (``reverse``) or
replaced (a reversal and a new expense, ``correct``), both in the library. The list
reads a constant number of SQL statements per page, whatever the page size: charges,
their grants and the receipts are loaded for the whole page at once.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date
from typing import Any, ClassVar

from flask import abort, flash, g, has_request_context, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.model.base import FilterGroup
from flask_wtf.file import FileField
from markupsafe import Markup
from sqlalchemy import exists, select
from sqlalchemy.orm import Query, joinedload, selectinload
from wtforms import DateField, FieldList, Form, FormField, HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, Optional

from admin_app.context import acting, writing
from admin_app.extensions import db
from admin_app.files import receipt_remove_url, receipt_url, store
from admin_app.forms import BaseForm, MoneyField
from admin_app.views.base import LEAN_LIST, FundtrackView, label, money
from fundtrack.errors import FundtrackError
from fundtrack.i18n import lazy, msg, translate
from fundtrack.limits import MAX_ATTACHMENT_BYTES
from fundtrack.models import BudgetCategory, Expense, ExpenseCharge, Grant, PaymentMethod, Project
from fundtrack.money import shown
from fundtrack.queries.expense_list import ExpenseFacts, expense_facts
from fundtrack.queries.filter_options import FilterOptions, filter_options
from fundtrack.roles import Action
from fundtrack.schemas.attachments import EXPENSE, AttachmentSchema
from fundtrack.schemas.budgets import ExpenseSchema
from fundtrack.schemas.common import load_or_raise
from fundtrack.services.attachments import attach
from fundtrack.services.expenses import (
    correct_expense,
    own_funds_part,
    propose_split,
    record_expense,
    reverse_expense,
)

M_PROPOSED = msg("admin.expenses.proposed")
M_REVERSED = msg("admin.expenses.reversed")
M_CORRECTING = msg("admin.expenses.correcting")
LISTING = "fundtrack_expense_listing"  # set on flask.g while the list reads its page
PAGE_FACTS = "fundtrack_expense_facts"  # on flask.g: what the list read for its page
TAXES_SHOWN = msg("admin.expenses.taxes_shown")
SPLIT_ROWS = 3
SPLIT = "split"


# --- filters: their options are the acting organisation's, read once per request ------------
# (fundtrack keeps them under the organisation's budget stamp: one statement per request)


def _options() -> FilterOptions | None:
    if not has_request_context():
        return None
    found = g.get("fundtrack_filter_options")
    if not isinstance(found, FilterOptions):
        found = g.fundtrack_filter_options = filter_options(db.session, acting().scope)
    return found


def _projects() -> list[tuple[str, str]]:
    found = _options()
    return list(found.projects) if found else []


def _categories() -> list[tuple[str, str]]:
    found = _options()
    return list(found.categories(acting().lang)) if found else []


def _grants() -> list[tuple[str, str]]:
    found = _options()
    return list(found.grants) if found else []


def _funders() -> list[tuple[str, str]]:
    found = _options()
    return list(found.funders) if found else []


def _fiscal_years() -> list[tuple[str, str]]:
    if not has_request_context():
        return []
    calendar = acting().calendar
    this = calendar.year_of(date.today()).start.year
    years = [calendar.starting(y).label for y in range(this + 1, this - 8, -1)]
    return [(y, y) for y in years]


class ChoiceFilter(BaseSQLAFilter):  # type: ignore[misc]
    """A filter whose value is one of its options (anything else matches nothing)."""

    def validate(self, value: str) -> bool:
        return bool(value) and value in {v for v, _ in (self.get_options(None) or [])}

    def operation(self) -> str:
        return str(translate("admin.expenses.filter_is"))


class FiscalYearFilter(ChoiceFilter):
    def apply(self, query: Query[Any], value: str, alias: Any = None) -> Query[Any]:
        year = acting().calendar.parse(value)
        return query.filter(Expense.expense_date >= year.start, Expense.expense_date <= year.end)


class ColumnFilter(ChoiceFilter):
    def apply(self, query: Query[Any], value: str, alias: Any = None) -> Query[Any]:
        return query.filter(self.column == int(value))


class GrantFilter(ChoiceFilter):
    def apply(self, query: Query[Any], value: str, alias: Any = None) -> Query[Any]:
        charged = select(ExpenseCharge.id).where(
            ExpenseCharge.expense_id == Expense.id, ExpenseCharge.grant_id == int(value)
        )
        return query.filter(exists(charged))


class FunderFilter(ChoiceFilter):
    def apply(self, query: Query[Any], value: str, alias: Any = None) -> Query[Any]:
        charged = (
            select(ExpenseCharge.id)
            .join(Grant, Grant.id == ExpenseCharge.grant_id)
            .where(ExpenseCharge.expense_id == Expense.id, Grant.funder_id == int(value))
        )
        return query.filter(exists(charged))


# --- the form ------------------------------------------------------------------------------


class ChargeRow(Form):  # type: ignore[misc]
    """One grant's part of the split (a row left blank is ignored)."""

    grant = SelectField(label("term.grant"), choices=[], validate_choice=False)
    amount = MoneyField(label("label.amount"), validators=[Optional()])


class ExpenseForm(BaseForm):
    corrects = HiddenField()
    date = DateField(label("admin.expenses.date"), validators=[InputRequired()])
    payee = StringField(label("admin.expenses.payee"), validators=[InputRequired()])
    description = StringField(label("admin.col.description"), validators=[Optional()])
    project = SelectField(label("term.project"), choices=[], validate_choice=False)
    category = SelectField(label("term.category"), choices=[], validate_choice=False)
    line = StringField(label("term.budget_line"), validators=[Optional()], description=lazy("admin.expenses.line_help"))
    pre_tax = MoneyField(label("admin.expenses.pre_tax"), validators=[InputRequired()])
    gst = MoneyField(label("admin.expenses.gst"), validators=[Optional()], description=lazy("admin.expenses.tax_help"))
    qst = MoneyField(label("admin.expenses.qst"), validators=[Optional()], description=lazy("admin.expenses.tax_help"))
    payment_method = SelectField(
        label("admin.expenses.payment_method"),
        choices=[("", "—"), *[(m.value, lazy(f"payment_method.{m.value}")) for m in PaymentMethod]],
        default="",
    )
    receipt_reference = StringField(label("admin.expenses.receipt_reference"), validators=[Optional()])
    charge = SelectField(
        label("admin.expenses.charge"),
        choices=[
            ("auto", lazy("admin.expenses.charge_auto")),
            (SPLIT, lazy("admin.expenses.charge_split")),
            ("own", lazy("admin.expenses.charge_own")),
        ],
        default="auto",
    )
    charges = FieldList(FormField(ChargeRow), label=label("admin.expenses.split"), min_entries=SPLIT_ROWS)
    own_funds = MoneyField(label("term.own_funds"), validators=[Optional()])
    receipt = FileField(label("admin.files.receipt"), description=lazy("admin.files.help"))


# --- the view ------------------------------------------------------------------------------


def _facts(expense: Expense) -> ExpenseFacts | None:
    """What the list read of ``expense`` for its page (None out of a list: read the model)."""
    page = g.get(PAGE_FACTS) if has_request_context() else None
    return page.get(expense.id) if isinstance(page, dict) else None


def _project(expense: Expense) -> str:
    facts = _facts(expense)
    return facts.project if facts is not None else expense.project.name


def _category(expense: Expense, lang: str) -> str:
    facts = _facts(expense)
    return facts.category(lang) if facts is not None else expense.category.label(lang)


def _charges(expense: Expense, lang: str) -> str:
    facts = _facts(expense)
    charges = facts.charges if facts is not None else [(c.grant.reference, c.amount) for c in expense.charges]
    return ", ".join(f"{reference} ({money(amount, lang)})" for reference, amount in charges)


def _receipt_icon(expense: Expense) -> Markup:
    facts = _facts(expense)
    if not (facts.receipt if facts is not None else expense.receipt is not None):
        return Markup("")
    text = translate("admin.files.receipt")
    return Markup(
        '<a href="{}" title="{}"><span class="fa fa-paperclip" aria-hidden="true"></span>'
        '<span class="sr-only">{}</span></a>'
    ).format(receipt_url(expense.id), text, text)


class ExpenseView(FundtrackView):
    write_action = Action.MONEY
    allow_edit = False  # corrected by reversal, never edited in place
    allow_delete = False
    form = ExpenseForm
    list_template = LEAN_LIST
    column_auto_select_related = False  # the list reads its projects and categories itself (get_list)
    create_template = "fundtrack/expense_create.html"
    details_template = "fundtrack/expense_details.html"
    renamed_fields: ClassVar[dict[str, str]] = {"file": "receipt", "expense": "corrects"}
    column_list = (
        "expense_date",
        "payee",
        "description",
        "category",
        "project",
        "pre_tax",
        "taxes",
        "net_cost",
        "charged",
        "receipt",
    )
    column_details_list = (
        "expense_date",
        "payee",
        "description",
        "project",
        "category",
        "line",
        "pre_tax",
        "gst",
        "qst",
        "gst_rebate",
        "qst_rebate",
        "net_cost",
        "payment_method",
        "receipt_reference",
        "reverses_id",
    )
    column_searchable_list = ("payee", "description", "receipt_reference")
    column_sortable_list = (
        "expense_date",
        "payee",
        ("project", "project.name"),
        ("category", "category.code"),
        "pre_tax",
        "net_cost",
    )
    column_default_sort = ("expense_date", True)
    money_columns = ("pre_tax", "gst", "qst", "gst_rebate", "qst_rebate", "net_cost")
    date_columns = ("expense_date",)
    column_labels: ClassVar[dict[str, Any]] = {
        "expense_date": label("admin.expenses.date"),
        "payee": label("admin.expenses.payee"),
        "description": label("admin.col.description"),
        "category": label("term.category"),
        "project": label("term.project"),
        "line": label("term.budget_line"),
        "pre_tax": label("admin.expenses.pre_tax"),
        "taxes": label("admin.expenses.taxes"),
        "gst": label("admin.expenses.gst"),
        "qst": label("admin.expenses.qst"),
        "gst_rebate": label("admin.expenses.gst_rebate"),
        "qst_rebate": label("admin.expenses.qst_rebate"),
        "net_cost": label("admin.expenses.net_cost"),
        "charged": label("admin.expenses.charged"),
        "receipt": label("admin.files.receipt"),
        "payment_method": label("admin.expenses.payment_method"),
        "receipt_reference": label("admin.expenses.receipt_reference"),
        "reverses_id": label("admin.expenses.reverses"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.column_filters = [
            FiscalYearFilter(Expense.expense_date, label("term.fiscal_year"), options=_fiscal_years),
            ColumnFilter(Expense.project_id, label("term.project"), options=_projects),
            ColumnFilter(Expense.category_id, label("term.category"), options=_categories),
            GrantFilter(Expense.id, label("term.grant"), options=_grants),
            FunderFilter(Expense.id, label("term.funder"), options=_funders),
        ]
        super().__init__(*args, **kwargs)

    # --- reads --------------------------------------------------------------------------

    def get_query(self) -> Query[Any]:
        query = super().get_query()
        if g.get(LISTING):  # the list reads its page's projects, categories, charges and receipts at once
            return query
        return query.options(
            joinedload(Expense.project),
            joinedload(Expense.category),
            selectinload(Expense.charges).joinedload(ExpenseCharge.grant),
            selectinload(Expense.receipt),
        )

    def get_list(self, *args: Any, **kwargs: Any) -> Any:
        """The page of expenses, with what it shows of their projects, categories, charges
        and receipts read by fundtrack in one statement for the page (kept on ``flask.g``
        for the formatters) rather than loaded with each expense."""
        g.setdefault(LISTING, True)
        try:
            count, data = super().get_list(*args, **kwargs)
        finally:
            g.pop(LISTING, None)
        setattr(g, PAGE_FACTS, expense_facts(db.session, [e.id for e in data]))
        return count, data

    def _get_filter_groups(self) -> Any:
        """The filters with this request's options (the acting organisation's projects,
        grants...), built per request rather than cached on the view, which every
        request and every organisation share."""
        groups: OrderedDict[str, FilterGroup] = OrderedDict()
        for index, flt in enumerate(self._filters or []):
            group = groups.setdefault(str(flt.name), FilterGroup(flt.name))
            group.append(
                {
                    "index": index,
                    "arg": self.get_filter_arg(index, flt),
                    "operation": flt.operation(),
                    "options": flt.get_options(self) or None,
                    "type": flt.data_type,
                }
            )
        return OrderedDict(group.non_lazy() for group in groups.values()) or None

    def extra_formatters(self) -> dict[str, Any]:
        lang = acting().lang if has_request_context() else "fr"
        return {
            "category": lambda v, c, m, n: _category(m, lang),
            "project": lambda v, c, m, n: _project(m),
            "line": lambda v, c, m, n: m.line.description if m.line is not None else "",
            "taxes": lambda v, c, m, n: translate(TAXES_SHOWN, lang, gst=shown(m.gst), qst=shown(m.qst)),
            "charged": lambda v, c, m, n: _charges(m, lang),
            "receipt": lambda v, c, m, n: _receipt_icon(m),
            "payment_method": lambda v, c, m, n: (
                translate(f"payment_method.{m.payment_method.value}") if m.payment_method else ""
            ),
            "reverses_id": lambda v, c, m, n: (
                Markup('<a href="{}">{}</a>').format(url_for(".details_view", id=m.reverses_id), m.reverses_id)
                if m.reverses_id
                else ""
            ),
        }

    def render(self, template: str, **kwargs: Any) -> Any:
        model = kwargs.get("model")
        if template == self.details_template and isinstance(model, Expense):
            reversal = db.session.scalar(select(Expense.id).where(Expense.reverses_id == model.id))
            kwargs.update(
                charges=[(c.grant.reference, money(c.amount)) for c in model.charges],
                own_funds=money(own_funds_part(model)),
                receipt=model.receipt,
                receipt_link=receipt_url(model.id),
                receipt_remove_link=receipt_remove_url(model.id),
                reversed_by=reversal,
                may_write=self.can_create,
                max_mb=MAX_ATTACHMENT_BYTES // (1024 * 1024),
            )
        return super().render(template, **kwargs)

    # --- the create form ----------------------------------------------------------------

    def create_form(self, obj: Any = None) -> Any:
        form = super().create_form(obj)
        self._choices(form)
        corrects = request.args.get("corrects", "")
        if request.method == "GET" and corrects:
            self._prefill_correction(form, self.get_one(corrects))
        return form

    def _choices(self, form: Any) -> None:
        who = acting()
        projects = db.session.scalars(
            select(Project).where(Project.organisation_id == who.organisation_id).order_by(Project.name)
        )
        form.project.choices = [(p.name, p.name) for p in projects]
        categories = db.session.scalars(
            select(BudgetCategory)
            .where(BudgetCategory.organisation_id == who.organisation_id)
            .order_by(BudgetCategory.position)
        )
        form.category.choices = [(c.code, c.label(who.lang)) for c in categories]
        grants = db.session.scalars(
            select(Grant).where(who.scope.grants_filter()).options(joinedload(Grant.funder)).order_by(Grant.reference)
        )
        choices = [("", "—"), *[(g.reference, f"{g.reference} — {g.funder.name}") for g in grants]]
        form.grant_choices = choices
        for row in form.charges:
            row.form.grant.choices = choices

    def _prefill_correction(self, form: Any, original: Expense) -> None:
        form.corrects.data = str(original.id)
        form.date.data = original.expense_date
        form.payee.data = original.payee
        form.description.data = original.description
        form.project.data = original.project.name
        form.category.data = original.category.code
        form.line.data = original.line.description if original.line is not None else ""
        form.pre_tax.data = original.pre_tax
        form.gst.data = original.gst
        form.qst.data = original.qst
        form.payment_method.data = original.payment_method.value if original.payment_method else ""
        form.receipt_reference.data = original.receipt_reference
        if original.charges:
            form.charge.data = SPLIT
            self._fill_rows(form, [(c.grant.reference, c.amount) for c in original.charges])
        flash(translate(M_CORRECTING, id=original.id), "info")

    def _fill_rows(self, form: Any, rows: list[tuple[str, Any]]) -> None:
        while form.charges.entries:
            form.charges.pop_entry()
        for reference, amount in rows:
            form.charges.append_entry({"grant": reference, "amount": amount})
        while len(form.charges.entries) < SPLIT_ROWS:
            form.charges.append_entry()
        for row in form.charges:
            row.form.grant.choices = form.grant_choices

    # --- writes -------------------------------------------------------------------------

    def command(self, form: Any, model: Any = None, *, split: bool = True) -> Any:
        """The library's command from the form; ``split`` false reads the expense alone
        (the split rows and the charging mode left out, as when a split is proposed)."""
        fields = ("date", "payee", "description", "project", "category", "line", "pre_tax", "gst", "qst")
        data: dict[str, Any] = {k: form[k].data for k in fields if form[k].data not in (None, "")}
        for name in ("payment_method", "receipt_reference"):
            if form[name].data:
                data[name] = form[name].data
        mode = (form.charge.data or "auto") if split else "auto"
        if mode == SPLIT:
            data["charges"] = [
                {"grant": row.form.grant.data, "amount": row.form.amount.data}
                for row in form.charges
                if row.form.grant.data or row.form.amount.data is not None
            ]
            if form.own_funds.data is not None:
                data["own_funds"] = form.own_funds.data
        else:
            data["charge"] = mode
        return load_or_raise(ExpenseSchema(), data).expense()

    def create_model(self, form: Any) -> Any:
        if request.form.get("propose"):
            self._propose(form)
            return False
        corrects = form.corrects.data or ""
        upload = request.files.get("receipt")
        try:
            cmd = self.command(form)
            content = b""
            if upload is not None and upload.filename:
                with upload.stream:
                    content = upload.stream.read(MAX_ATTACHMENT_BYTES + 1)
            with writing() as session:
                if corrects:
                    if not corrects.isdigit():
                        abort(404)
                    self.get_one(corrects)  # within reach, or 404
                    created = correct_expense(session, acting(), int(corrects), cmd)
                else:
                    created = record_expense(session, acting(), cmd)
                if upload is not None and upload.filename:
                    attached = load_or_raise(
                        AttachmentSchema(),
                        {"owner": EXPENSE, "owner_id": created.id, "file_name": upload.filename, "content": content},
                    )
                    attach(session, acting(), attached, store())
                created_id = created.id
        except FundtrackError as exc:
            self.refused(form, exc)
            db.session.rollback()
            return False
        db.session.rollback()
        return db.session.get(Expense, created_id)

    def _propose(self, form: Any) -> None:
        """Fill the split rows with the library's automatic split, for the person to change."""
        try:
            proposed = propose_split(db.session, acting(), self.command(form, split=False))
        except FundtrackError as exc:
            self.refused(form, exc)
            return
        finally:
            db.session.rollback()
        form.charge.data = SPLIT
        self._fill_rows(form, [(c.grant, c.amount) for c in proposed.charges])
        form.own_funds.raw_data = []
        form.own_funds.data = proposed.own_funds
        flash(translate(M_PROPOSED, net_cost=money(proposed.net_cost), own_funds=money(proposed.own_funds)), "info")

    def get_save_return_url(self, model: Any, is_created: bool = False) -> str:
        return str(url_for(".details_view", id=model.id))

    @expose("/reverse/", methods=("POST",))
    def reverse_view(self) -> Any:
        if not self.can_create:
            abort(403)
        raw = request.form.get("id", "")
        original = self.get_one(raw)
        try:
            with writing() as session:
                reversal = reverse_expense(session, acting(), original.id)
                reversal_id = reversal.id
        except FundtrackError as exc:
            db.session.rollback()
            flash(exc.describe(acting().lang), "error")
            return redirect(url_for(".details_view", id=original.id))
        db.session.rollback()
        flash(translate(M_REVERSED, id=original.id), "success")
        return redirect(url_for(".details_view", id=reversal_id))
