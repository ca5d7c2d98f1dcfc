"""One account, several organisations: the switcher in the header and its POST.

An account that reaches several organisations (a funder such as Centraide funding
several neighbourhood tables, or a treasurer keeping the books of two) picks the one it
acts for; the choice is remembered in the session and checked against the account's own
accesses on every request (:func:`admin_app.context.acting`). An organisation the
account does not reach answers 404, as one that does not exist.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask import Flask, abort, g, redirect, request, url_for
from flask import session as web_session
from flask_admin import expose

from admin_app.pages.base import FundtrackPage, session
from fundtrack.models.users import User
from fundtrack.roles import Role
from fundtrack.services.context import Acting
from fundtrack.services.users import Access, accesses_of


def _account() -> User | None:
    who = g.get("acting")
    if not isinstance(who, Acting) or who.user_id is None:
        return None
    return session().get(User, who.user_id)  # already read for this request: no query


def organisation_choices() -> list[Access]:
    """The organisations the logged-in account reaches, when there are several (else none)."""
    found = g.get("organisation_choices")
    if found is None:  # read once a request, however many times the page asks
        found = _choices()
        g.organisation_choices = found
    return list(found)


def _choices() -> list[Access]:
    who = g.get("acting")
    if g.get("reaches", 0) < 2 or not isinstance(who, Acting) or who.user_id is None:
        return []  # counted when the request's account was read: no query for one organisation
    seen: dict[int, Access] = {}
    for access in accesses_of(session(), who.user_id):
        seen.setdefault(access.organisation_id, access)
    return list(seen.values()) if len(seen) > 1 else []


class OrganisationSwitch(FundtrackPage):
    """``POST /organisation/`` with ``organisation`` (an id among the account's): act for it."""

    roles: ClassVar[frozenset[Role]] = frozenset(Role)

    def is_visible(self) -> bool:
        return False

    @expose("/", methods=["GET", "POST"])
    def index(self) -> Any:
        if request.method != "POST":
            abort(404)  # no page of its own: the header's switcher posts here
        user = _account()
        text = request.form.get("organisation", "")
        if user is None or not text.isdigit():
            abort(404)
        wanted = int(text)
        if wanted not in {a.organisation_id for a in user.access}:
            abort(404)
        web_session["organisation_id"] = wanted
        return redirect(url_for("admin.index"))


def init_switcher(app: Flask) -> None:
    app.jinja_env.globals.update(organisation_choices=organisation_choices)
