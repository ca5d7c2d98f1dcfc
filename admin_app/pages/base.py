"""What the pages have in common: who may read them, the fiscal year or period a reader
chose, and how a refused choice is shown beside its field.

A page reads through the request's session and the acting context's scope, calls the
same fundtrack functions as the CLI, and renders their result: a template formats, it
never sums.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from typing import Any, ClassVar

from flask import abort, request, send_file
from flask_admin import BaseView
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from admin_app.context import acting, current_lang
from admin_app.extensions import db
from fundtrack.errors import FundtrackError, InputError
from fundtrack.periods import DateRange, FiscalCalendar, FiscalYear, parse_date
from fundtrack.roles import Role

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
READERS = frozenset({Role.TREASURER, Role.COORDINATOR, Role.BOARD})


class FundtrackPage(BaseView):  # type: ignore[misc]
    """A page of the admin: readable by ``roles`` only; for anyone else it does not exist (404)."""

    roles: ClassVar[frozenset[Role]] = READERS

    def is_accessible(self) -> bool:
        return acting().role in self.roles

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        abort(404)


def session() -> Session:
    """The request's session (reads only; writes go through :func:`admin_app.context.writing`)."""
    found: Session = db.session
    return found


@dataclass
class Choices:
    """What a reader chose in a page's form (query string), and what was refused, by field."""

    errors: dict[str, list[str]] = field(default_factory=dict)

    def refuse(self, name: str, exc: FundtrackError) -> None:
        self.errors.setdefault(name, []).append(exc.message(current_lang()))  # type: ignore[arg-type]

    def text(self, name: str) -> str:
        return (request.args.get(name) or "").strip()

    def year(self, name: str, calendar: FiscalCalendar, default: FiscalYear) -> FiscalYear:
        """The fiscal year named by ``name`` (``2026-2027``), else ``default``."""
        text = self.text(name)
        if not text:
            return default
        try:
            return calendar.parse(text, name)
        except InputError as exc:
            self.refuse(name, exc)
            return default

    def day(self, name: str, default: date | None = None) -> date | None:
        text = self.text(name)
        if not text:
            return default
        try:
            return parse_date(text, name)
        except InputError as exc:
            self.refuse(name, exc)
            return default

    def period(self, calendar: FiscalCalendar, default: DateRange | None) -> DateRange | None:
        """The period from ``start`` and ``end`` if both are given, else the fiscal year ``year``,
        else ``default``."""
        start, end = self.day("start"), self.day("end")
        if start is not None and end is not None:
            try:
                return DateRange.checked(start, end, "end")
            except InputError as exc:
                self.refuse("end", exc)
                return default
        if (start is None) != (end is None) and "start" not in self.errors and "end" not in self.errors:
            missing = "end" if end is None else "start"
            self.errors.setdefault(missing, []).append(_missing())
        text = self.text("year")
        if text:
            try:
                return calendar.parse(text, "year")
            except InputError as exc:
                self.refuse("year", exc)
        return default

    def one_of(self, name: str, allowed: Sequence[str], default: str) -> str:
        text = self.text(name)
        return text if text in allowed else default

    @property
    def refused(self) -> bool:
        return bool(self.errors)


def _missing() -> str:
    from fundtrack.i18n import translate

    return translate("admin.pages.both_dates")


def slug(text: str) -> str:
    """A file name's part from a name: ASCII letters, digits and hyphens."""
    letters = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    words = "".join(c.lower() if c.isascii() and c.isalnum() else " " for c in letters).split()
    return "-".join(words)[:60] or "fundtrack"


def workbook(content: BytesIO, name: str) -> Response:
    """An xlsx download named ``name``."""
    content.seek(0)
    return send_file(content, mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)
