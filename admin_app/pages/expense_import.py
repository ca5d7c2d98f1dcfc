"""The treasurer imports a month of expenses from a CSV file: the same all-or-nothing import
as ``fundtrack expenses import`` (:func:`fundtrack.services.expense_import.import_csv`).

Every refused row is listed with its line and field, and nothing is recorded. When the
file holds likely duplicates (the date, amount and supplier of an expense already
recorded, or of an earlier row), nothing is recorded either: they are listed, and the
treasurer confirms — record the file without them, or with them — without choosing the
file again (it waits in the data folder, under its hash, until then).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_wtf.file import FileField

from admin_app.context import acting, writing
from admin_app.extensions import db
from admin_app.forms import BaseForm
from admin_app.views.base import money
from fundtrack.errors import FieldError, FundtrackError, InputError, ValidationFailed
from fundtrack.files import decode
from fundtrack.i18n import lazy, msg, translate
from fundtrack.limits import MAX_FILE_BYTES
from fundtrack.roles import Action
from fundtrack.services.expense_import import ImportReport, import_csv

M_NO_FILE = msg("admin.import.no_file")
M_TOO_LARGE = msg("admin.import.too_large")
M_RECORDED = msg("admin.import.recorded")
M_EXPIRED = msg("admin.import.expired")
SKIP = "skip"
FORCE = "force"
PENDING = re.compile(r"[0-9a-f]{64}")


class ImportForm(BaseForm):
    file = FileField(lazy("admin.import.file"), description=lazy("admin.import.help"))


class DuplicatesFound(Exception):
    """The file holds likely duplicates: nothing is recorded until the treasurer confirms."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("duplicates")
        self.report = report


def _pending_dir() -> Path:
    return Path(current_app.config["FUNDTRACK_DATA_DIR"]) / "pending-imports"


def _keep(text: str) -> str:
    """Keep the file's text until the treasurer confirms; its name is its hash."""
    data = text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    folder = _pending_dir()
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f".{digest}.incoming"
    temp.write_bytes(data)
    temp.replace(folder / digest)
    return digest


def _kept(digest: str) -> str | None:
    if not PENDING.fullmatch(digest):
        return None
    path = _pending_dir() / digest
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def _forget(digest: str) -> None:
    if PENDING.fullmatch(digest):
        (_pending_dir() / digest).unlink(missing_ok=True)


def _row_errors(errors: list[FieldError]) -> list[tuple[str, str, str]]:
    """Each refusal as (line, field, message): ``ligne 3.pre_tax`` → ``ligne 3``, ``pre_tax``."""
    out = []
    for error in errors:
        line, _, field = error.path.partition(".")
        out.append((line, field, error.message(acting().lang)))
    return out


class ExpenseImportPage(BaseView):  # type: ignore[misc]
    def __init__(self, name: Any, category: Any = None) -> None:
        super().__init__(name=name, category=category, endpoint="expense_import", url="/expenses-import")

    def is_accessible(self) -> bool:
        return acting().can(Action.MONEY)  # a page of the treasurer's alone, as the users page

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        abort(404)  # for anyone else it does not exist

    @expose("/", methods=("GET", "POST"))
    def index(self) -> Any:
        form = ImportForm()
        if request.method == "GET":
            return self._page(form)
        pending = request.form.get("pending", "")
        if pending:
            return self._confirm(form, pending, request.form.get("duplicates", ""))
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise InputError(M_NO_FILE, field="file")
            with upload.stream:
                data = upload.stream.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                raise InputError(M_TOO_LARGE, field="file", limit=MAX_FILE_BYTES // (1024 * 1024))
            text = decode(data, upload.filename, windows_1252=True)
        except InputError as exc:
            form.file.errors = [exc.message()]
            return self._page(form, status=400)
        return self._run(form, text, force=False, skip=False)

    def _confirm(self, form: ImportForm, pending: str, choice: str) -> Any:
        text = _kept(pending)
        if text is None or choice not in (SKIP, FORCE):
            form.file.errors = [translate(M_EXPIRED)]
            return self._page(form, status=400)
        return self._run(form, text, force=choice == FORCE, skip=choice == SKIP, pending=pending)

    def _run(self, form: ImportForm, text: str, *, force: bool, skip: bool, pending: str = "") -> Any:
        try:
            with writing() as session:
                report = import_csv(session, acting(), text, force=force)
                if report.skipped and not skip:
                    raise DuplicatesFound(report)  # rolls the whole file back
        except DuplicatesFound as found:
            db.session.rollback()
            return self._page(
                form,
                duplicates=found.report.skipped,
                pending=pending or _keep(text),
                would_record=len(found.report.created),
                status=409,
            )
        except ValidationFailed as exc:
            db.session.rollback()
            return self._page(form, errors=_row_errors(exc.errors), status=422)
        except FundtrackError as exc:
            db.session.rollback()
            form.file.errors = [exc.describe(acting().lang)]
            return self._page(form, status=422)
        db.session.rollback()
        if pending:
            _forget(pending)
        flash(
            translate(
                M_RECORDED, count=len(report.created), amount=money(report.net_cost), skipped=len(report.skipped)
            ),
            "success",
        )
        for warning in report.warnings:
            flash(warning.describe(acting().lang), "warning")
        return redirect(url_for(".index"))

    def _page(self, form: ImportForm, status: int = 200, **kwargs: Any) -> Any:
        kwargs.setdefault("errors", [])
        kwargs.setdefault("duplicates", [])
        return self.render("fundtrack/expense_import.html", form=form, money=money, **kwargs), status
