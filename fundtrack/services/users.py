"""The accounts of the people who log in: the treasurer creates, disables and resets them.

A password is stored hashed with Werkzeug's scrypt (its method can be made cheaper for a
test suite); :func:`authenticate` takes an email and a password and gives the account, or
None, in the same time whether the email exists or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from fundtrack.errors import InputError, NotFound, RuleViolation
from fundtrack.i18n import check_lang, msg
from fundtrack.models import Funder, Language, Organisation
from fundtrack.models.users import User, UserAccess
from fundtrack.queries.lookups import check_revision, funder_by_name
from fundtrack.roles import Action, Role
from fundtrack.services.context import Acting

MAX_EMAIL_LENGTH = 320  # the longest address RFC 5321 allows

M_DUPLICATE = msg("user.duplicate")
M_UNKNOWN = msg("user.unknown")
M_FUNDER_NEEDED = msg("user.funder_needed")
M_FUNDER_ONLY = msg("user.funder_only")
M_PASSWORD_SHORT = msg("user.password_short")
M_BAD_EMAIL = msg("user.bad_email")
M_LAST_TREASURER = msg("user.last_treasurer")

MIN_PASSWORD = 10
PASSWORD_METHOD = "scrypt"  # Werkzeug's default; a test suite may choose a cheaper one
_DUMMY_HASH = generate_password_hash("never the password of anyone", method="pbkdf2:sha256:1000")


@dataclass(frozen=True)
class NewUser:
    email: str
    name: str
    role: str
    funder: str | None = None
    language: str = "fr"


def normalised_email(email: str) -> str:
    value = email.strip().lower()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value or len(value) > 254:
        raise InputError(M_BAD_EMAIL, field="email", value=email)
    return value


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(M_PASSWORD_SHORT, field="password", minimum=MIN_PASSWORD)


def create_user(
    session: Session, acting: Acting, cmd: NewUser, password: str, *, method: str = PASSWORD_METHOD
) -> User:
    """An account of ``cmd.role`` for the acting organisation (a funder's login names its funder)."""
    acting.require(session, Action.USERS)
    email = normalised_email(cmd.email)
    role = Role(cmd.role)
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise InputError(M_DUPLICATE, field="email", email=email)
    funder: Funder | None = None
    if role is Role.FUNDER:
        if not cmd.funder:
            raise InputError(M_FUNDER_NEEDED, field="funder")
        funder = funder_by_name(session, acting.scope, cmd.funder)
    elif cmd.funder:
        raise InputError(M_FUNDER_ONLY, field="funder", role=role.value)
    _check_password(password)
    user = User(
        email=email,
        name=cmd.name.strip() or email,
        role=role,
        language=Language(check_lang(cmd.language)),
        active=True,
        password_hash=generate_password_hash(password, method=method),
    )
    user.access = [UserAccess(organisation_id=acting.organisation_id, funder_id=funder.id if funder else None)]
    session.add(user)
    session.flush()
    return user


def user_by_email(session: Session, acting: Acting, email: str) -> User:
    """The account ``email`` that reaches the acting organisation, or :class:`NotFound`."""
    user = session.scalar(
        select(User)
        .join(UserAccess)
        .where(func.lower(User.email) == email.strip().lower(), UserAccess.organisation_id == acting.organisation_id)
    )
    if user is None:
        raise NotFound(M_UNKNOWN, field="email", email=email)
    return user


def list_users(session: Session, acting: Acting) -> list[User]:
    """The accounts that reach the acting organisation, by email."""
    query = (
        select(User)
        .join(UserAccess)
        .where(UserAccess.organisation_id == acting.organisation_id)
        .options(selectinload(User.access).selectinload(UserAccess.funder))
        .order_by(User.email)
        .distinct()
    )
    return list(session.scalars(query))


def set_active(session: Session, acting: Acting, email: str, active: bool, revision: int | None = None) -> User:
    """Disable (or enable again) an account; the last active treasurer cannot be disabled."""
    acting.require(session, Action.USERS)
    user = user_by_email(session, acting, email)
    check_revision(user, revision, user.email)
    if not active and user.role is Role.TREASURER and user.active:
        others = [u for u in list_users(session, acting) if u.role is Role.TREASURER and u.active and u.id != user.id]
        if not others:
            raise RuleViolation(M_LAST_TREASURER, field="email", email=user.email)
    user.active = active
    session.flush()
    return user


def set_password(session: Session, acting: Acting, email: str, password: str, *, method: str = PASSWORD_METHOD) -> User:
    """Give an account a new password (the treasurer's reset, or the person's own change)."""
    if acting.user_id is None or user_by_email(session, acting, email).id != acting.user_id:
        acting.require(session, Action.USERS)
    _check_password(password)
    user = user_by_email(session, acting, email)
    user.password_hash = generate_password_hash(password, method=method)
    session.flush()
    return user


def set_language(session: Session, user_id: int, language: str) -> None:
    """The language a person chose for the admin (remembered for their next visit)."""
    user = session.get(User, user_id)
    if user is not None:
        user.language = Language(check_lang(language))
        session.flush()


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active account with that email and password, or None (the same work either way).

    An email no account can have (a NUL byte, which PostgreSQL text cannot hold, or longer
    than any address) is looked up nowhere: None, after the same work."""
    wanted = email.strip().lower()
    user = (
        None
        if "\x00" in wanted or len(wanted) > MAX_EMAIL_LENGTH
        else session.scalar(select(User).where(func.lower(User.email) == wanted).options(selectinload(User.access)))
    )
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = datetime.now(UTC)
    session.flush()
    return user


@dataclass(frozen=True)
class Access:
    """What one access of an account lets its holder reach."""

    organisation_id: int
    organisation: str
    funder_id: int | None
    funder: str | None


def accesses(session: Session, user: User) -> Sequence[Access]:
    """The organisations (and funders) ``user`` reaches, by organisation name."""
    return accesses_of(session, user.id)


def accesses_of(session: Session, user_id: int) -> Sequence[Access]:
    """The organisations (and funders) the account ``user_id`` reaches, by organisation name
    (one query, whatever the session holds)."""
    rows = session.execute(
        select(UserAccess.organisation_id, Organisation.name, UserAccess.funder_id, Funder.name)
        .join(Organisation, Organisation.id == UserAccess.organisation_id)
        .outerjoin(Funder, Funder.id == UserAccess.funder_id)
        .where(UserAccess.user_id == user_id)
        .order_by(Organisation.name)
    )
    return [Access(o, name, f, fname) for o, name, f, fname in rows]


M_NO_ACCOUNT = msg("federation.no_account")
M_ACCESS_EXISTS = msg("federation.access_exists")


@dataclass(frozen=True)
class NewAccess:
    """An existing account given access to the acting organisation (a funder's login as
    ``funder`` there, by default the funder of the same name as in its first organisation)."""

    email: str
    funder: str | None = None


def grant_access(session: Session, acting: Acting, cmd: NewAccess) -> UserAccess:
    """Let the account ``cmd.email`` (of any organisation) reach the acting organisation, in
    its own role; the acting organisation's treasurer grants it. Raises :class:`NotAllowed`,
    :class:`NotFound` (no such account, no such funder here) or :class:`InputError` (the
    account already reaches the organisation, or a funder named for an account that is not
    a funder's)."""
    acting.require(session, Action.USERS)
    email = normalised_email(cmd.email)
    user = session.scalar(
        select(User)
        .where(func.lower(User.email) == email)
        .options(selectinload(User.access).selectinload(UserAccess.funder))
    )
    if user is None:
        raise NotFound(M_NO_ACCOUNT, field="email", email=email)
    if any(a.organisation_id == acting.organisation_id for a in user.access):
        raise InputError(M_ACCESS_EXISTS, field="email", email=email, organisation=acting.organisation_name)
    funder: Funder | None = None
    if user.role is Role.FUNDER:
        name = cmd.funder or next((a.funder.name for a in user.access if a.funder is not None), None)
        if not name:
            raise InputError(M_FUNDER_NEEDED, field="funder")
        funder = funder_by_name(session, acting.scope, name)
    elif cmd.funder:
        raise InputError(M_FUNDER_ONLY, field="funder", role=user.role.value)
    access = UserAccess(organisation_id=acting.organisation_id, funder_id=funder.id if funder else None)
    user.access.append(access)
    session.flush()
    return access
