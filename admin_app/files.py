"""Receipts and signed agreements over the web: ``files.expense_receipt`` and ``files.grant_agreement``.

``GET`` downloads the file of an expense or a grant, to someone allowed to see that
expense or grant (a funder's login: its own grants' agreements and the receipts of the
expenses charged to its grants); anything else answers 404, as a file that does not
exist. ``POST`` (the treasurer only, 403 for anyone else who may see it) attaches a new
file, checked by fundtrack by its content; a refusal is shown beside the file field and
nothing is stored. The download is sent as an attachment with its stored media type,
``nosniff`` and a policy that runs nothing, whatever the file holds.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_wtf.file import FileField
from werkzeug.wrappers import Response

from admin_app.context import acting, writing
from admin_app.extensions import db
from admin_app.forms import BaseForm
from fundtrack.errors import FundtrackError, InputError, NotFound
from fundtrack.i18n import lazy, msg, translate
from fundtrack.limits import MAX_ATTACHMENT_BYTES
from fundtrack.roles import Action
from fundtrack.schemas.attachments import EXPENSE, GRANT, AttachmentSchema
from fundtrack.schemas.common import load_or_raise
from fundtrack.services.attachments import (
    AttachmentStore,
    StoreError,
    attach,
    attachment_of,
    detach,
    open_attachment,
)

M_NO_FILE = msg("admin.files.no_file")
M_ATTACHED = msg("admin.files.attached")
M_REMOVED = msg("admin.files.removed")


class UploadForm(BaseForm):
    file = FileField(lazy("admin.files.file"))


def store() -> AttachmentStore:
    """The data folder of this app's configuration (``FUNDTRACK_DATA_DIR``)."""
    return AttachmentStore(current_app.config["FUNDTRACK_DATA_DIR"])


def receipt_remove_url(expense_id: int) -> str:
    return url_for("files.expense_receipt_remove", expense_id=expense_id)


def receipt_url(expense_id: int) -> str:
    return url_for("files.expense_receipt", expense_id=expense_id)


def agreement_url(grant_id: int) -> str:
    return url_for("files.grant_agreement", grant_id=grant_id)


def agreement_remove_url(grant_id: int) -> str:
    return url_for("files.grant_agreement_remove", grant_id=grant_id)


def _back(owner: str, owner_id: int) -> str:
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    if owner == EXPENSE:
        return url_for("expenses.details_view", id=owner_id)
    endpoint = "grants.details_view"
    return url_for(endpoint, id=owner_id) if endpoint in current_app.view_functions else url_for("admin.index")


class FilesView(BaseView):  # type: ignore[misc]
    """The files of expenses and grants (no menu entry: reached from their pages)."""

    def __init__(self) -> None:
        super().__init__(name=lazy("admin.files.title"), endpoint="files", url="/files")

    def is_visible(self) -> bool:
        return False

    def is_accessible(self) -> bool:
        return True  # every path checks the expense or grant itself

    @expose("/")
    def index(self) -> Any:
        abort(404)  # no list of files: each is reached from its expense or grant

    @expose("/expenses/<int:expense_id>/receipt", methods=("GET", "POST"))
    def expense_receipt(self, expense_id: int) -> Any:
        return self._file(EXPENSE, expense_id)

    @expose("/grants/<int:grant_id>/agreement", methods=("GET", "POST"))
    def grant_agreement(self, grant_id: int) -> Any:
        return self._file(GRANT, grant_id)

    @expose("/expenses/<int:expense_id>/receipt/remove", methods=("POST",))
    def expense_receipt_remove(self, expense_id: int) -> Any:
        return self._remove(EXPENSE, expense_id)

    @expose("/grants/<int:grant_id>/agreement/remove", methods=("POST",))
    def grant_agreement_remove(self, grant_id: int) -> Any:
        return self._remove(GRANT, grant_id)

    @expose("/expenses/<int:expense_id>/receipt/upload")
    def expense_receipt_upload(self, expense_id: int) -> Any:
        return self._upload_page(EXPENSE, expense_id, UploadForm())

    @expose("/grants/<int:grant_id>/agreement/upload")
    def grant_agreement_upload(self, grant_id: int) -> Any:
        return self._upload_page(GRANT, grant_id, UploadForm())

    # ---------------------------------------------------------------------------------------

    def _visible(self, owner: str, owner_id: int) -> Any:
        """The attachment of what the person may see (None if it has none), else 404."""
        try:
            return attachment_of(db.session, acting(), owner, owner_id)
        except NotFound:
            abort(404)

    def _file(self, owner: str, owner_id: int) -> Any:
        self._visible(owner, owner_id)
        if request.method == "POST":
            return self._upload(owner, owner_id)
        try:
            opened = open_attachment(db.session, acting(), owner, owner_id, store())
        except (NotFound, StoreError):
            abort(404)
        response: Response = send_file(
            BytesIO(opened.content),
            mimetype=opened.media_type,
            as_attachment=True,
            download_name=opened.file_name,
            etag=opened.sha256,
            max_age=0,
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response.headers["Cache-Control"] = "private, no-store"
        return response

    def _remove(self, owner: str, owner_id: int) -> Any:
        if self._visible(owner, owner_id) is None:
            abort(404)
        if not acting().can(Action.MONEY):
            abort(403)
        try:
            with writing() as session:
                detach(session, acting(), owner, owner_id)
        except FundtrackError as exc:
            db.session.rollback()
            flash(exc.describe(acting().lang), "error")
            return redirect(_back(owner, owner_id))
        db.session.rollback()
        flash(translate(M_REMOVED), "success")
        return redirect(_back(owner, owner_id))

    def _upload_page(self, owner: str, owner_id: int, form: UploadForm, status: int = 200) -> Any:
        current = self._visible(owner, owner_id)
        if not acting().can(Action.MONEY):
            abort(403)
        target = receipt_url(owner_id) if owner == EXPENSE else agreement_url(owner_id)
        page = self.render(
            "fundtrack/upload.html", form=form, target=target, owner=owner, owner_id=owner_id, current=current
        )
        return page, status

    def _upload(self, owner: str, owner_id: int) -> Any:
        if not acting().can(Action.MONEY):
            abort(403)
        form = UploadForm()
        upload = request.files.get("file")
        content = b""
        if upload is not None:
            with upload.stream:  # a large upload is spooled to a temporary file: closed here
                content = upload.stream.read(MAX_ATTACHMENT_BYTES + 1)
        try:
            if upload is None or not upload.filename:
                raise InputError(M_NO_FILE, field="file")
            cmd = load_or_raise(
                AttachmentSchema(),
                {"owner": owner, "owner_id": owner_id, "file_name": upload.filename, "content": content},
            )
            with writing() as session:
                attach(session, acting(), cmd, store())
        except FundtrackError as exc:
            form.file.errors = [exc.message()]
            db.session.rollback()
            return self._upload_page(owner, owner_id, form, status=400)
        db.session.rollback()
        flash(translate(M_ATTACHED), "success")
        return redirect(_back(owner, owner_id))
