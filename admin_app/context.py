"""The acting context of each request: built once, from the logged-in account, before the view.

Views and pages read ``g.acting`` (a :class:`fundtrack.services.context.Acting`) and pass
it to the services; they never decide what a role may do, they ask it
(``g.acting.can(...)``). The language of the request is the account's (or, before
logging in, the one chosen on the login page), French by default.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, abort, g, session
from flask_login import current_user
from sqlalchemy.orm import Session

from admin_app.extensions import db
from fundtrack.db import unit_of_work
from fundtrack.errors import FundtrackError
from fundtrack.i18n import Lang, check_lang, set_lang
from fundtrack.models.users import User
from fundtrack.services.context import Acting, acting_for_account


def _lang() -> Lang:
    chosen = session.get("lang") or "fr"
    return check_lang(chosen) if chosen in ("fr", "en") else "fr"


def _before() -> None:
    g.acting = None
    set_lang(_lang())
    if not current_user.is_authenticated:
        return
    held = g.get("account")  # loaded with its access by the login manager for this request
    user = (
        held
        if isinstance(held, User) and held.id == current_user.user_id
        else db.session.get(User, current_user.user_id)
    )
    if user is None:
        abort(403)
    try:
        acting = acting_for_account(db.session, user, session.get("organisation_id"))
    except FundtrackError:
        if session.pop("organisation_id", None) is None:
            abort(403)
        # the organisation chosen in the switcher is no longer reached: the first one instead
        try:
            acting = acting_for_account(db.session, user)
        except FundtrackError:
            abort(403)
    g.acting = acting
    g.reaches = len({a.organisation_id for a in user.access})  # the switcher shows only for several
    set_lang(acting.lang)
    session["lang"] = acting.lang


def acting() -> Acting:
    """This request's acting context (the view's code runs only for a logged-in person)."""
    found = g.get("acting")
    if not isinstance(found, Acting):
        abort(403)
    return found


def current_lang() -> str:
    found = g.get("acting")
    return found.lang if isinstance(found, Acting) else _lang()


@contextmanager
def writing() -> Iterator[Session]:
    """One transaction for one write of this request, as the logged-in person: the write lock
    taken first (SQLite), committed at the end, rolled back on any error."""
    with unit_of_work(db.sessionmaker, write=True, acting=acting()) as session:
        yield session


def init_context(app: Flask) -> None:
    app.before_request(_before)
