"""Rows typed inside a form (a grant's instalments, its report due dates...): a list the
person can add rows to, each refusal shown beside the field of its own row.

A list is a WTForms ``FieldList`` of plain sub-forms (no CSRF token of their own) drawn
by :class:`RowsWidget` as a table. Its "add a row" button posts the form back with one
more empty row and saves nothing; a row left empty, or ticked to be removed, is left out
of the command. A refusal at ``instalments[1].amount`` names the second row *sent*: the
view keeps which row of the form each sent row came from, to show it there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar

from flask import flash, render_template, request
from markupsafe import Markup
from wtforms import BooleanField, Field, FieldList, Form, FormField

from admin_app.context import current_lang
from admin_app.views.base import FundtrackView, label
from fundtrack.errors import FieldError, FundtrackError, InputError, ValidationFailed

ADD_ROW = "_add_row"
_ROW_PATH = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?")


class RowForm(Form):  # type: ignore[misc]
    """One row of a list inside a form (no CSRF of its own: the page's form carries it)."""

    remove = BooleanField(label("admin.grants.remove_row"))


class RowsWidget:
    """A list of rows as a table with one column per field, errors under each field."""

    def __call__(self, field: FieldList, **kwargs: Any) -> Markup:
        return Markup(render_template("fundtrack/_rows.html", field=field, add_row=ADD_ROW))


def rows(form_class: type[RowForm], code: str, min_entries: int = 1) -> Any:
    """A list of rows of ``form_class`` labelled by catalogue ``code``."""
    return FieldList(FormField(form_class), label=label(code), min_entries=min_entries, widget=RowsWidget())


def _empty(data: dict[str, Any]) -> bool:
    return all(v in (None, "", False) for k, v in data.items() if k != "remove")


class RowsView(FundtrackView):
    """A view whose form holds lists of rows (``row_lists``)."""

    row_lists: ClassVar[tuple[str, ...]] = ()
    # the field of a row that a refusal about the whole row (``instalments[0]``) is shown beside
    row_default_field: ClassVar[dict[str, str]] = {}

    def adding_row(self, form: Form) -> bool:
        """If the person asked for one more row: add it to the form (nothing is saved)."""
        wanted = request.form.get(ADD_ROW) if request.method == "POST" else None
        if wanted not in self.row_lists:
            return False
        getattr(form, wanted).append_entry()
        return True

    def validate_form(self, form: Form) -> bool:
        if request.method == "POST" and request.form.get(ADD_ROW) in self.row_lists:
            return True  # no validation yet: the row is added in create_model / update_model
        return bool(super().validate_form(form))

    def create_model(self, form: Form) -> Any:
        if self.adding_row(form):
            return False
        return super().create_model(form)

    def update_model(self, form: Form, model: Any) -> bool:
        if self.adding_row(form):
            return False
        return bool(super().update_model(form, model))

    def sent_rows(self, form: Form, name: str, convert: Callable[[dict[str, Any]], dict[str, Any]]) -> list[Any]:
        """The rows of list ``name`` to send (empty and removed rows left out), converted;
        remembers which row of the form each one is."""
        sent: list[Any] = []
        index: list[int] = []
        for position, entry in enumerate(getattr(form, name).entries):
            data = entry.form.data
            if data.get("remove") or _empty(data):
                continue
            index.append(position)
            sent.append(convert(data))
        if not hasattr(form, "_sent_rows"):
            form._sent_rows = {}
        form._sent_rows[name] = index
        return sent

    def fill_rows(self, form: Form, name: str, values: list[dict[str, Any]]) -> None:
        """Show ``values`` as the rows of list ``name`` (an edit form read from the database)."""
        field: FieldList = getattr(form, name)
        while field.entries:
            field.pop_entry()
        for value in values:
            field.append_entry(value)
        if not values:
            field.append_entry()

    def row_field(self, form: Form, path: str) -> Field | None:
        """The field of the form's row that a refusal's ``path`` names, if it names a row."""
        found = _ROW_PATH.match(path)
        if found is None or found.group(1) not in self.row_lists:
            return None
        name, sent, sub = found.group(1), int(found.group(2)), found.group(3)
        index = getattr(form, "_sent_rows", {}).get(name, [])
        if sent >= len(index):
            return None
        row = getattr(form, name).entries[index[sent]].form
        return getattr(row, sub or "", None) or getattr(row, self.row_default_field.get(name, ""), None)

    def refused(self, form: Form, exc: FundtrackError) -> None:
        errors: list[FieldError] = (
            exc.errors
            if isinstance(exc, ValidationFailed)
            else [FieldError(exc.field or "", exc.code, tuple(exc.params.items()))]
        )
        rest: list[FieldError] = []
        for error in errors:
            target = self.row_field(form, error.path)
            if target is None:
                rest.append(error)
                continue
            target.errors = [*target.errors, error.message(current_lang())]  # type: ignore[arg-type]
        if len(rest) == len(errors):
            super().refused(form, exc)
            return
        if rest:
            super().refused(form, ValidationFailed(rest))
        if not isinstance(exc, InputError):
            flash(exc.describe(current_lang()), "error")  # type: ignore[arg-type]
