"""Logging in and out: ``/login`` (fields ``email`` and ``password``), ``/logout``.

Every page but the login page and its static files needs an account; the login POST is
rate-limited per address. A disabled account, or one whose password changed since the
session began, is logged out at its next request.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired

from admin_app.extensions import db, limiter, login_manager
from fundtrack.db import begin_write
from fundtrack.i18n import lazy, translate
from fundtrack.models.users import User
from fundtrack.services.users import authenticate

bp = Blueprint("auth", __name__)
PUBLIC_ENDPOINTS = {"auth.login", "auth.language", "static", "admin.static", "health"}


class LoginUser(UserMixin):
    """The logged-in person as Flask-Login keeps them: the account's id and the hash it had."""

    def __init__(self, user: User) -> None:
        self.user_id = user.id
        self.email = user.email
        self.name = user.name
        self.role = user.role
        self.active = user.active
        self.stamp = user.password_hash[-16:]

    def get_id(self) -> str:
        return f"{self.user_id}:{self.stamp}"

    @property
    def is_active(self) -> bool:
        return self.active


@login_manager.user_loader
def _load(identifier: str) -> LoginUser | None:
    user_id, _, stamp = identifier.partition(":")
    if not user_id.isdigit():
        return None
    # the account with its access in one statement, kept for the request (the acting context
    # reads both next: the session's identity map holds an object only while it is referenced)
    user = db.session.get(User, int(user_id), options=[joinedload(User.access)])
    if user is None or not user.active or user.password_hash[-16:] != stamp:
        return None  # disabled, or its password changed: log in again
    g.account = user
    return LoginUser(user)


class LoginForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(lazy("admin.login.email"), validators=[InputRequired()])
    password = PasswordField(lazy("admin.login.password"), validators=[InputRequired()])


def _safe_next(target: str | None) -> str:
    """Only a path of this site (no other host, no scheme) is followed after logging in."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("admin.index")


def _authenticate(email: str, password: str) -> User | None:
    """:func:`authenticate`, its record of the login committed. The login writes (its time), so
    it takes its locks first: the write lock on SQLite (two logins at once take turns rather
    than one failing with "database is locked") and the account's row on PostgreSQL (the same
    account logging in twice at once is recorded twice, rather than the second one refused
    as a stale edit)."""
    db.session.rollback()
    begin_write(db.session)
    db.session.execute(select(User.id).where(func.lower(User.email) == email.strip().lower()).with_for_update())
    user = authenticate(db.session, email, password)
    if user is not None:
        db.session.commit()
    return user


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: str(current_app.config["FUNDTRACK_LOGIN_LIMIT"]), methods=["POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = _authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            session.clear()
            session.permanent = True
            session["lang"] = user.language.value
            login_user(LoginUser(user))
            return redirect(_safe_next(request.args.get("next")))
        db.session.rollback()
        flash(translate("admin.login.refused"), "error")
    return render_template("fundtrack/login.html", form=form), 200 if request.method == "GET" else 401


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/language/<lang>", methods=["POST"])
def language(lang: str) -> Response:
    """Switch the interface's language (remembered on the account)."""
    from fundtrack.services.users import set_language

    chosen = "en" if lang == "en" else "fr"
    session["lang"] = chosen
    if current_user.is_authenticated:
        set_language(db.session, current_user.user_id, chosen)
        db.session.commit()
    return redirect(_safe_next(request.form.get("next") or (request.referrer and urlsplit(request.referrer).path)))


def require_login() -> Response | None:
    """Before every request: no page but the login page and static files without an account."""
    if request.endpoint in PUBLIC_ENDPOINTS or (request.endpoint or "").endswith(".static"):
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_view = "auth.login"
    app.register_blueprint(bp)
    app.before_request(require_login)
