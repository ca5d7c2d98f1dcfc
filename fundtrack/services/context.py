"""The acting context: who acts, for which organisation, within which scope, in which language.

One :class:`Acting` value is built once per command (the CLI's entry point) or per request
(the web admin's ``before_request``) by :func:`acting_for`, and passed to every service.
A service that writes first calls :meth:`Acting.require` with what the write is about, so
the role rules (:mod:`fundtrack.roles`) are the same whoever calls; the audit log records
:attr:`Acting.actor` as the person who made each change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from fundtrack.db import connection_of
from fundtrack.errors import FundtrackError, InputError, NotFound
from fundtrack.i18n import DEFAULT_LANG, Lang, check_lang, lazy, msg
from fundtrack.kinds import Language
from fundtrack.periods import FiscalCalendar
from fundtrack.queries.scope import Scope
from fundtrack.roles import Action, Role, may
from fundtrack.tables import funders, organisations

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from fundtrack.models import Funder, Organisation

M_NOT_ALLOWED = msg("role.not_allowed")
M_NO_ORG = msg("organisation.none")
M_SEVERAL_ORGS = msg("organisation.several")
M_UNKNOWN_ORG = msg("organisation.unknown")
M_FUNDER_NEEDS_FUNDER = msg("role.funder_needs_funder")
M_UNKNOWN_FUNDER = msg("funder.unknown")
M_NO_ACCESS = msg("role.no_access")

SESSION_KEY = "fundtrack.acting"
ORGANISATION_KEY = "fundtrack.organisation"
SYSTEM = "system"


class NotAllowed(FundtrackError):
    """The acting person's role may not make this change; nothing was written."""


@dataclass(frozen=True)
class Acting:
    """Who acts (``actor``, with ``role``), for which organisation, in which language.

    A funder's login (``role`` funder) sees only ``funder_id``'s grants and what they pay
    for (:attr:`scope`). ``user_id`` is the account behind ``actor`` when there is one.
    """

    organisation_id: int
    organisation_name: str
    fiscal_start_month: int
    role: Role
    actor: str
    lang: Lang = DEFAULT_LANG
    funder_id: int | None = None
    user_id: int | None = None

    @property
    def calendar(self) -> FiscalCalendar:
        """The organisation's fiscal years."""
        return FiscalCalendar(self.fiscal_start_month)

    @property
    def scope(self) -> Scope:
        """What this person may read: the organisation, or one funder's grants."""
        return Scope(self.organisation_id, self.funder_id)

    def can(self, action: Action) -> bool:
        """Whether this person may write what ``action`` is about."""
        return may(self.role, action)

    def require(self, session: Session, action: Action) -> None:
        """Raise :class:`NotAllowed` unless the role may ``action``; else bind this
        context to ``session``, so that the audit log names who made the changes."""
        if not self.can(action):
            raise NotAllowed(M_NOT_ALLOWED, role=lazy(f"role.{self.role.value}"), action=lazy(f"action.{action.value}"))
        session.info[SESSION_KEY] = self

    def organisation(self, session: Session) -> Organisation:
        """The organisation row (from the session's identity map after the first call)."""
        from fundtrack.models import Organisation

        return session.get_one(Organisation, self.organisation_id)

    def narrowed_to(self, funder: Funder) -> Acting:
        """The same person reading as ``funder`` would (its grants only, its language unchanged)."""
        return replace(self, funder_id=funder.id)


def acting_for(
    session: Session,
    *,
    organisation: str | None = None,
    organisation_id: int | None = None,
    role: Role = Role.TREASURER,
    actor: str = SYSTEM,
    lang: str | None = None,
    funder: str | None = None,
    user_id: int | None = None,
) -> Acting:
    """Build the acting context (see :func:`acting_on`) and bind it to ``session``."""
    acting = acting_on(
        connection_of(session),
        organisation=organisation,
        organisation_id=organisation_id,
        role=role,
        actor=actor,
        lang=lang,
        funder=funder,
        user_id=user_id,
    )
    session.info[SESSION_KEY] = acting
    return acting


def acting_on(
    connection: Connection,
    *,
    organisation: str | None = None,
    organisation_id: int | None = None,
    role: Role = Role.TREASURER,
    actor: str = SYSTEM,
    lang: str | None = None,
    funder: str | None = None,
    user_id: int | None = None,
) -> Acting:
    """Build the acting context, read through SQLAlchemy Core (a listing needs no ORM):
    the organisation called ``organisation`` (or whose id is ``organisation_id``, or the
    only one in the database), ``role`` for ``actor``, ``lang`` (default: the
    organisation's language), and for a funder's login the funder called ``funder``.

    Raises :class:`NotFound` for an unknown organisation or funder, :class:`InputError`
    when the database holds several organisations and none is named, and SQLAlchemy's
    ``NoResultFound`` for an ``organisation_id`` that no row has.
    """
    org_id, org_name, fiscal_start_month, org_language = (
        _organisation_with_id(connection, organisation_id)
        if organisation_id is not None
        else _organisation(connection, organisation)
    )
    funder_id = None
    if role is Role.FUNDER or funder is not None:
        if funder is None:
            raise InputError(M_FUNDER_NEEDS_FUNDER, field="funder")
        funder_id = connection.scalar(
            select(funders.c.id).where(funders.c.organisation_id == org_id, funders.c.name == funder)
        )
        if funder_id is None:
            raise NotFound(M_UNKNOWN_FUNDER, field="funder", name=funder)
    return Acting(
        organisation_id=org_id,
        organisation_name=org_name,
        fiscal_start_month=fiscal_start_month,
        role=role,
        actor=actor,
        lang=check_lang(lang) if lang else check_lang(org_language.value),
        funder_id=funder_id,
        user_id=user_id,
    )


_ORGANISATION = select(
    organisations.c.id, organisations.c.name, organisations.c.fiscal_start_month, organisations.c.language
)


OrganisationFacts = tuple[int, str, int, Language]  # id, name, fiscal start month, language


def _organisation_with_id(connection: Connection, organisation_id: int) -> OrganisationFacts:
    org_id, name, start_month, language = connection.execute(
        _ORGANISATION.where(organisations.c.id == organisation_id)
    ).one()
    return org_id, name, start_month, language


def _organisation(connection: Connection, name: str | None) -> OrganisationFacts:
    """The organisation called ``name``, else the only one."""
    if name is not None:
        org = connection.execute(_ORGANISATION.where(organisations.c.name == name)).first()
        if org is None:
            raise NotFound(M_UNKNOWN_ORG, field="organisation", name=name)
    else:
        orgs = connection.execute(_ORGANISATION.order_by(organisations.c.id).limit(5)).all()
        if not orgs:
            raise NotFound(M_NO_ORG)
        if len(orgs) > 1:
            raise InputError(M_SEVERAL_ORGS, names=", ".join(o.name for o in orgs))
        org = orgs[0]
    org_id, org_name, start_month, language = org
    return org_id, org_name, start_month, language


def acting_of(session: Session) -> Acting | None:
    """The context bound to ``session`` by :func:`acting_for` or :meth:`Acting.require`."""
    found = session.info.get(SESSION_KEY)
    return found if isinstance(found, Acting) else None


def bind(session: Session, acting: Acting) -> None:
    """Bind ``acting`` to ``session`` (a unit of work opened for that person)."""
    session.info[SESSION_KEY] = acting


def acting_for_account(session: Session, user: Any, organisation_id: int | None = None) -> Acting:
    """The context of a person logged in with account ``user`` (a :class:`~fundtrack.models.users.User`):
    their role, name and language, for ``organisation_id`` (default: the first they reach);
    a funder's login is narrowed to its funder there. Raises :class:`NotAllowed` when the
    account reaches no such organisation or is disabled."""
    from fundtrack.models import Organisation

    reachable = [a for a in user.access if organisation_id is None or a.organisation_id == organisation_id]
    if not user.active or not reachable:
        raise NotAllowed(M_NO_ACCESS)
    access = reachable[0]
    org = session.get_one(Organisation, access.organisation_id)
    acting = Acting(
        organisation_id=org.id,
        organisation_name=org.name,
        fiscal_start_month=org.fiscal_start_month,
        role=Role(user.role),
        actor=user.email,
        lang=check_lang(user.language.value if hasattr(user.language, "value") else str(user.language)),
        funder_id=access.funder_id,
        user_id=user.id,
    )
    session.info[SESSION_KEY] = acting
    # kept referenced for the session's life: the identity map holds an object only while
    # something does, and the pages read the organisation again (its calendar, its name)
    session.info[ORGANISATION_KEY] = org
    return acting
