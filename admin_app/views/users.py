"""The treasurer's users page: the accounts that reach the organisation, a new account (a
funder's login names its funder), an account disabled or enabled again, a new password.

Everything goes through :mod:`fundtrack.services.users` (``Action.USERS``); for anyone
else the page does not exist. Passwords are typed twice and never shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from flask import abort, current_app, flash, redirect, request
from flask_admin import expose
from sqlalchemy import select
from sqlalchemy.orm import Query, Session, selectinload
from wtforms import Form, PasswordField, SelectField, StringField
from wtforms.validators import Optional

from admin_app.context import acting, current_lang, writing
from admin_app.extensions import db
from admin_app.forms import BaseForm
from admin_app.views.base import FundtrackView, is_id, label
from admin_app.views.filters import ChoiceFilter, FreshFilters
from fundtrack.errors import FundtrackError, InputError
from fundtrack.i18n import lazy, translate
from fundtrack.models.users import User, UserAccess
from fundtrack.queries.listings import list_funders
from fundtrack.roles import Action, Role
from fundtrack.services.users import NewUser, create_user, set_active, set_password

ROLES = [(r.value, lazy(f"role.{r.value}")) for r in Role]
LANGUAGES = [("fr", lazy("admin.lang.fr")), ("en", lazy("admin.lang.en"))]
M_PASSWORDS_DIFFER = "admin.users.passwords_differ"


class UserForm(BaseForm):
    email = StringField(label("admin.login.email"))
    name = StringField(label("admin.users.name"), validators=[Optional()])
    role = SelectField(label("admin.users.role"), choices=ROLES, default=Role.COORDINATOR.value)
    funder = SelectField(label("admin.users.funder"), choices=[], validate_choice=False, validators=[Optional()])
    language = SelectField(label("col.language"), choices=LANGUAGES, default="fr")
    password = PasswordField(label("admin.login.password"))
    password_again = PasswordField(label("admin.users.password_again"))


class PasswordForm(BaseForm):
    password = PasswordField(label("admin.users.new_password"))
    password_again = PasswordField(label("admin.users.password_again"))


@dataclass(frozen=True)
class NewAccount:
    """The account to create and its first password (kept apart: the service hashes it)."""

    user: NewUser
    password: str


def _same_passwords(form: Any) -> bool:
    if form.password.data != form.password_again.data:
        form.password_again.errors = [*form.password_again.errors, translate(M_PASSWORDS_DIFFER)]
        return False
    return True


def _method() -> str:
    return str(current_app.config.get("FUNDTRACK_PASSWORD_METHOD", "scrypt"))


def _roles() -> list[tuple[str, Any]]:
    return ROLES


def _active() -> list[tuple[str, Any]]:
    return [("1", lazy("admin.users.active")), ("0", lazy("admin.users.disabled"))]


class UserView(FreshFilters, FundtrackView):
    write_action = Action.USERS
    allow_edit = False
    form = UserForm
    list_template = "fundtrack/users_list.html"
    column_list = ("email", "name", "role", "funder", "language", "active", "last_login_at")
    column_details_list = column_list
    column_searchable_list = ("email", "name")
    column_sortable_list = ("email", "name", "role", "active", "last_login_at")
    column_default_sort = "email"
    column_filters = (
        ChoiceFilter(User.role, label("admin.users.role"), _roles, Role),
        ChoiceFilter(User.active, label("admin.users.state"), _active, lambda v: v == "1"),
    )
    column_labels: ClassVar[dict[str, Any]] = {
        "email": label("admin.login.email"),
        "name": label("admin.users.name"),
        "role": label("admin.users.role"),
        "funder": label("admin.users.funder"),
        "language": label("col.language"),
        "active": label("admin.users.state"),
        "last_login_at": label("admin.users.last_login"),
    }

    # --- only the treasurer (who may manage accounts) reads this page -------------------------

    def is_accessible(self) -> bool:
        return acting().can(Action.USERS)

    def scoped(self, query: Query[Any]) -> Query[Any]:
        reach = select(UserAccess.user_id).where(UserAccess.organisation_id == acting().organisation_id)
        return query.filter(User.id.in_(reach))

    def get_query(self) -> Query[Any]:
        return super().get_query().options(selectinload(User.access).selectinload(UserAccess.funder))

    def extra_formatters(self) -> dict[str, Any]:
        from admin_app.views.base import day

        return {
            "role": lambda v, c, m, n: translate(f"role.{m.role.value}"),
            "funder": lambda v, c, m, n: ", ".join(
                a.funder.name
                for a in m.access
                if a.funder is not None and a.organisation_id == acting().organisation_id
            ),
            "language": lambda v, c, m, n: translate(f"admin.lang.{m.language.value}"),
            "active": lambda v, c, m, n: translate("admin.users.active" if m.active else "admin.users.disabled"),
            "last_login_at": lambda v, c, m, n: day(m.last_login_at.date()) if m.last_login_at else "",
        }

    # --- a new account ---------------------------------------------------------------------------

    def create_form(self, obj: Any = None) -> Form:
        form = super().create_form(obj)
        form.funder.choices = [("", "—")] + [(f.name, f.name) for f in list_funders(db.session, acting().scope)]
        return form

    def command(self, form: Any, model: Any = None) -> NewAccount:
        user = NewUser(
            email=form.email.data or "",
            name=(form.name.data or "").strip(),
            role=form.role.data,
            funder=form.funder.data or None,
            language=form.language.data,
        )
        return NewAccount(user, form.password.data or "")

    def create_model(self, form: Any) -> Any:
        if not _same_passwords(form):
            return False
        return super().create_model(form)

    def create(self, session: Session, cmd: NewAccount) -> Any:
        return create_user(session, acting(), cmd.user, cmd.password, method=_method())

    # --- disable, enable, a new password -------------------------------------------------------

    def _writable_user(self, raw_id: str) -> User:
        user = self.get_one(raw_id)
        if not self.can_create:  # whoever may add accounts may change them
            abort(403)
        return user  # type: ignore[no-any-return]

    @expose("/active/", methods=("POST",))
    def active_view(self) -> Any:
        """Disable an account (or enable it again), from the revision read on the list."""
        user = self._writable_user(request.form.get("id", ""))
        revision = request.form.get("revision", "")
        wanted = request.form.get("active")
        if wanted not in ("0", "1") or not is_id(revision):
            abort(400)
        try:
            with writing() as session:
                set_active(session, acting(), user.email, wanted == "1", int(revision))
        except FundtrackError as exc:
            flash(exc.describe(current_lang()), "error")  # type: ignore[arg-type]
        else:
            code = "admin.users.enabled_done" if wanted == "1" else "admin.users.disabled_done"
            flash(translate(code, email=user.email), "success")
        db.session.rollback()
        return redirect(self.get_url(".index_view"))

    @expose("/password/", methods=("GET", "POST"))
    def password_view(self) -> Any:
        """Give an account a new password, typed twice."""
        user = self._writable_user(request.args.get("id", ""))
        form = PasswordForm()
        if request.method == "POST" and form.validate() and _same_passwords(form):
            try:
                with writing() as session:
                    set_password(session, acting(), user.email, form.password.data or "", method=_method())
            except InputError as exc:
                form.password.errors = [*form.password.errors, exc.message(current_lang())]  # type: ignore[arg-type]
            else:
                flash(translate("admin.users.password_done", email=user.email), "success")
                return redirect(self.get_url(".index_view"))
        return self.render("fundtrack/user_password.html", form=form, user=user)
