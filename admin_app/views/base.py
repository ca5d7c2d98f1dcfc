"""The one base of the admin's model views: scoped reads, writes through the services.

A view of a model is then configuration: its columns, filters, labels, its form, the
action its writes are about, and which service creates, changes or deletes a row. The
base does the rest, the same way for every model:

- every read goes through :meth:`scoped` (the organisation, or one funder's rows): the
  list, the count, the details, the edit and delete forms, by id or by URL — a row out of
  scope answers 404, as a row that does not exist;
- create, edit and delete turn the form into the service's command and call the service
  with the request's acting context, in one transaction; a refusal (the same refusal the
  CLI gives) is shown beside its field and nothing is written;
- an edit carries the revision its author read: a second person saving a row someone
  changed meanwhile gets a message, not an overwrite;
- what a role may do comes from the acting context (``can``), never from the view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, ClassVar

from babel.dates import format_date
from flask import abort, flash, g, has_request_context, request
from flask_admin.contrib.sqla import ModelView
from markupsafe import Markup, escape
from marshmallow import Schema
from sqlalchemy.orm import Query, Session
from wtforms import Form, HiddenField

from admin_app.context import acting, current_lang, writing
from admin_app.extensions import db
from admin_app.forms import BaseForm
from fundtrack.errors import FieldError, FundtrackError, InputError, ValidationFailed
from fundtrack.i18n import LazyText, translate
from fundtrack.money import format_money
from fundtrack.roles import Action, Role
from fundtrack.schemas.common import load_or_raise

LOCALES = {"fr": "fr_CA", "en": "en_CA"}
MAX_SEARCH = 200  # characters of a list's search
MAX_SEARCH_TERMS = 10  # words of a list's search
WRITES = ("create_view", "edit_view", "delete_view", "action_view", "ajax_update")
LEAN_LIST = "fundtrack/lean_list.html"
ROW_MARK = "ftrowmarkft"  # stands for a row's id in the actions cell the lean list renders once


def money(value: Decimal | None, lang: str | None = None) -> str:
    return "" if value is None else format_money(value, lang or current_lang())  # type: ignore[arg-type]


def day(value: date | None, lang: str | None = None) -> str:
    return "" if value is None else _day(value, lang or current_lang())


@lru_cache(maxsize=4096)
def _day(value: date, lang: str) -> str:
    # Babel reads its pattern again for each date; a list shows the same few days many times
    return str(format_date(value, format="medium", locale=LOCALES[lang]))


class RevisionForm(BaseForm):
    """A form that carries the revision of the row its author read."""

    revision = HiddenField()


class FundtrackView(ModelView):  # type: ignore[misc]
    """A model view whose reads are scoped and whose writes go through fundtrack's services."""

    form_base_class = BaseForm
    can_view_details = True
    can_export = False  # finance exports go through fundtrack's own workbooks
    can_set_page_size = True
    page_size = 50
    fast_mass_delete = False
    action_disallowed_list: ClassVar[list[str]] = ["delete"]
    details_modal = False
    edit_modal = False
    create_modal = False

    # configuration of each view
    write_action: ClassVar[Action | None] = None  # what its writes are about; None: read-only
    allow_create: ClassVar[bool] = True
    allow_edit: ClassVar[bool] = True
    allow_delete: ClassVar[bool] = False
    funder_visible: ClassVar[bool] = False  # whether a funder's login may read it
    schema: ClassVar[type[Schema] | None] = None  # loads the form's data into the service's command
    money_columns: ClassVar[tuple[str, ...]] = ()
    date_columns: ClassVar[tuple[str, ...]] = ()

    def __init__(self, model: type[Any], name: LazyText | str | None = None, **kwargs: Any) -> None:
        super().__init__(model, db, name=name, **kwargs)

    # --- who may do what -----------------------------------------------------------------

    def is_accessible(self) -> bool:
        who = acting()
        return self.funder_visible or who.role is not Role.FUNDER

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        abort(404)  # a view a role may not read does not exist for it

    def _writes(self) -> bool:
        return self.write_action is not None and acting().can(self.write_action)

    @property
    def can_create(self) -> bool:  # type: ignore[override]
        return self.allow_create and self._writes()

    @property
    def can_edit(self) -> bool:  # type: ignore[override]
        return self.allow_edit and self._writes()

    @property
    def can_delete(self) -> bool:  # type: ignore[override]
        return self.allow_delete and self._writes()

    def _handle_view(self, name: str, **kwargs: Any) -> Any:
        refused = super()._handle_view(name, **kwargs)
        if refused is not None:
            return refused
        named = request.values.getlist("id") + (request.form.getlist("rowid") if request.method == "POST" else [])
        for row_id in named:
            self.get_one(row_id)  # a row out of scope is not there (404), writable or not, asked by URL or form
        allowed = {"create_view": self.can_create, "edit_view": self.can_edit, "delete_view": self.can_delete}
        if name in WRITES and not allowed.get(name, False):
            abort(403)
        return None

    # --- what may be read: every path goes through the scope ------------------------------

    def scoped(self, query: Query[Any]) -> Query[Any]:
        """The rows of the acting organisation (a view of rows without ``organisation_id``,
        or narrowed to a funder, says how)."""
        return query.filter(self.model.organisation_id == acting().organisation_id)

    def get_query(self) -> Query[Any]:
        return self.scoped(super().get_query())

    def get_count_query(self) -> Query[Any]:
        return self.scoped(super().get_count_query())

    def _apply_search(self, query: Any, count_query: Any, joins: Any, count_joins: Any, search: str) -> Any:
        """Search as Flask-Admin does, but a search too long for the database (SQLite refuses a
        LIKE pattern beyond 50 000 bytes, every word adds a condition) is refused with a
        message and the list shown whole."""
        if len(search) > MAX_SEARCH or len(search.split()) > MAX_SEARCH_TERMS:
            flash(translate("admin.fuzz.search_too_long", max=MAX_SEARCH, terms=MAX_SEARCH_TERMS), "error")
            return query, count_query, joins, count_joins
        return super()._apply_search(query, count_query, joins, count_joins, search)

    def get_one(self, id: Any) -> Any:
        text = str(id)
        if not is_id(text):
            abort(404)
        found = self.get_query().filter(self.model.id == int(text)).one_or_none()
        if found is None:
            abort(404)
        return found

    # --- how rows are shown -----------------------------------------------------------------

    @property
    def column_formatters(self) -> dict[str, Callable[..., Any]]:  # type: ignore[override]
        """The formatters of this request (its language): made once per request, not once per
        cell as Flask-Admin asks for them."""
        if not has_request_context():
            return self._formatters()
        made: dict[int, dict[str, Callable[..., Any]]] = g.setdefault("fundtrack_formatters", {})
        found = made.get(id(self))
        if found is None:
            found = made[id(self)] = self._formatters()
        return found

    def _formatters(self) -> dict[str, Callable[..., Any]]:
        out: dict[str, Callable[..., Any]] = {}
        lang = current_lang() if has_request_context() else None  # else read at each call
        for name in self.money_columns:
            out[name] = lambda v, c, m, n: money(getattr(m, n), lang)
        for name in self.date_columns:
            out[name] = lambda v, c, m, n: day(getattr(m, n), lang)
        out.update(self.extra_formatters())
        return out

    def extra_formatters(self) -> Mapping[str, Callable[..., Any]]:
        return {}

    # --- the lean list (``list_template = LEAN_LIST``) ----------------------------------------

    row_mark = ROW_MARK

    def marked_row(self) -> Any:
        """A stand-in row whose id is :data:`ROW_MARK`, for the actions cell rendered once: a
        view that uses the lean list has row actions that read the row's id alone (view, edit,
        delete)."""
        return SimpleNamespace(**{self._primary_key: ROW_MARK})

    def list_cells(self, rows: Sequence[Any]) -> Iterator[tuple[str, Markup]]:
        """Each row's id and its cells written as Flask-Admin's list writes them (its
        ``_get_list_value``: the column's formatter or the field's value, its choices, else
        the first type formatter the value is an instance of; escaped), with the formatters
        looked up once a page and the type formatter once per type of value."""
        formatters = self.column_formatters
        type_formatters = list(self.column_type_formatters.items())
        by_type: dict[type, Callable[..., Any] | None] = {}
        columns = [
            (
                name,
                str(Markup('<td class="col-{}">').format(name)),
                formatters.get(name),
                self._column_choices_map.get(name),
            )
            for name, _ in self._list_columns
        ]
        for row in rows:
            cells = []
            for name, opening, formatter, choices in columns:
                value = formatter(self, None, row, name) if formatter is not None else self._get_field_value(row, name)
                if choices:
                    value = choices.get(value) or value
                else:
                    kind = type(value)
                    if kind not in by_type:
                        by_type[kind] = next((f for t, f in type_formatters if issubclass(kind, t)), None)
                    shape = by_type[kind]
                    if shape is not None:
                        value = shape(self, value, name)
                cells.append(f"{opening}{escape(value)}</td>")
            yield str(self.get_pk_value(row)), Markup("".join(cells))

    # --- writes through the services ------------------------------------------------------

    def command(self, form: Form, model: Any = None) -> Any:
        """The service's command from the form's data (through the view's schema)."""
        assert self.schema is not None
        skip = {"csrf_token", "revision"}
        data = {k: v for k, v in form.data.items() if k not in skip and v is not None and v != ""}
        return load_or_raise(self.schema(), self.form_data(data, model))

    def form_data(self, data: dict[str, Any], model: Any) -> dict[str, Any]:
        """The form's data as the schema reads it (a view renames or completes fields here)."""
        return data

    def create(self, session: Session, cmd: Any) -> Any:
        raise NotImplementedError

    def update(self, session: Session, model: Any, revision: int | None, cmd: Any) -> Any:
        raise NotImplementedError

    def delete(self, session: Session, model: Any) -> None:
        raise NotImplementedError

    def create_model(self, form: Form) -> Any:
        try:
            cmd = self.command(form)
            with writing() as session:
                created = self.create(session, cmd)
                created_id = created.id
        except FundtrackError as exc:
            self.refused(form, exc)
            return False
        db.session.rollback()  # end the request's read, to read what was just written
        return db.session.get(self.model, created_id)

    def update_model(self, form: Form, model: Any) -> bool:
        revision = self._revision(form)
        try:
            cmd = self.command(form, model)
            with writing() as session:
                self.update(session, model, revision, cmd)
        except FundtrackError as exc:
            self.refused(form, exc)
            return False
        db.session.rollback()  # end the request's read, to read what was just written
        return True

    def delete_model(self, model: Any) -> bool:
        try:
            with writing() as session:
                self.delete(session, model)
        except FundtrackError as exc:
            flash(exc.describe(current_lang()), "error")  # type: ignore[arg-type]
            return False
        db.session.rollback()
        return True

    def on_form_prefill(self, form: Form, id: Any) -> None:
        if is_post():  # a form sent back keeps what its author typed and the revision they read
            return
        model = self.get_one(id)
        if hasattr(form, "revision"):
            form.revision.data = str(model.revision)
        self.prefill(form, model)

    def prefill(self, form: Form, model: Any) -> None:
        """Fill the edit form's fields that do not map one to one on the row's columns."""

    def _revision(self, form: Form) -> int | None:
        raw = form.data.get("revision") if hasattr(form, "data") else None
        return int(raw) if raw and is_id(str(raw)) else None

    def refused(self, form: Form, exc: FundtrackError) -> None:
        """Show a refusal beside the fields it names (the rest on top of the form)."""
        lang = current_lang()
        errors: list[FieldError] = (
            exc.errors
            if isinstance(exc, ValidationFailed)
            else [FieldError(exc.field or "", exc.code, tuple(exc.params.items()))]
        )
        for error in errors:
            name = self.field_of(error.path)
            text = error.message(lang)  # type: ignore[arg-type]
            field = getattr(form, name, None) if name else None
            if field is not None and hasattr(field, "errors") and not isinstance(field, HiddenField):
                if isinstance(field.errors, tuple):
                    field.errors = list(field.errors)
                field.errors.append(text)
            else:
                shown_field = name and name not in self.hidden_fields and not isinstance(field, HiddenField)
                flash(error.describe(lang) if shown_field else text, "error")  # type: ignore[arg-type]
        if not isinstance(exc, InputError):
            flash(exc.describe(lang), "error")  # type: ignore[arg-type]

    def field_of(self, path: str) -> str:
        """The form field a refusal's path names (``instalments[1].amount`` → ``instalments``)."""
        head = path.split(".")[0].split("[")[0]
        return self.renamed_fields.get(head, head)

    renamed_fields: ClassVar[dict[str, str]] = {}
    hidden_fields: ClassVar[frozenset[str]] = frozenset({"revision"})

    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, FundtrackError):
            flash(exc.describe(current_lang()), "error")  # type: ignore[arg-type]
            return True
        return bool(super().handle_view_exception(exc))


def label(code: str) -> LazyText:
    from fundtrack.i18n import lazy

    return lazy(code)


def link(url: str, text: str) -> Markup:
    """A link whose text is escaped (user data is never trusted as HTML)."""
    return Markup('<a href="{}">{}</a>').format(url, escape(text))


def is_id(text: str) -> bool:
    """Whether ``text`` is a row's id as the app writes it: ASCII digits that fit a 64-bit
    column (``١``, ``1,2`` or twenty digits name no row: 404, not an error page)."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def is_post() -> bool:
    return request.method == "POST"


__all__ = ["FundtrackView", "RevisionForm", "day", "is_id", "label", "link", "money", "translate"]
