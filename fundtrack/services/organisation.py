"""The organisation: its creation with the standard bilingual budget categories, its settings,
and its own categories."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.errors import InputError
from fundtrack.i18n import check_lang, lazy, msg
from fundtrack.models import BudgetCategory, Language, Organisation
from fundtrack.models.audit import acting_person
from fundtrack.queries.lookups import check_revision
from fundtrack.queries.scope import Scope
from fundtrack.roles import Action, Role, may
from fundtrack.schemas.interchange import NewOrganisation
from fundtrack.schemas.ledger import NewCategory
from fundtrack.services.context import M_NOT_ALLOWED, SYSTEM, Acting, NotAllowed, bind

M_DUPLICATE_ORG = msg("organisation.duplicate")
DEFAULT_REBATE = Decimal("0.5")

# code, French, English, administrative
STANDARD_CATEGORIES: tuple[tuple[str, str, str, bool], ...] = (
    ("salaries", "Salaires", "Salaries", False),
    ("employer_contributions", "Charges sociales de l'employeur", "Employer contributions", False),
    ("benefits", "Avantages sociaux", "Benefits", False),
    ("translation", "Traduction et interprétation", "Translation and interpretation", False),
    ("room_rental", "Location de salles", "Room rental", False),
    ("catering", "Traiteur", "Catering", False),
    ("communications", "Communications", "Communications", False),
    ("equipment", "Équipement", "Equipment", False),
    ("rent_utilities", "Loyer et services publics", "Rent and utilities", False),
    ("professional_fees", "Honoraires professionnels", "Professional fees", False),
    ("travel", "Déplacements", "Travel", False),
    ("supplies", "Fournitures", "Supplies", False),
    ("evaluation", "Évaluation", "Evaluation", False),
    ("infrastructure", "Infrastructure et acquisition", "Infrastructure and acquisition", False),
    ("administration", "Frais d'administration", "Administrative fees", True),
    ("other", "Autres", "Other", False),
)


def create_organisation(
    session: Session, cmd: NewOrganisation, *, actor: str = SYSTEM, role: Role = Role.TREASURER
) -> Acting:
    """Create an organisation with the standard bilingual budget categories; return the
    context of ``actor`` acting for it (only a treasurer may create one)."""
    if not may(role, Action.SETTINGS):
        raise NotAllowed(M_NOT_ALLOWED, role=lazy(f"role.{role.value}"), action=lazy(f"action.{Action.SETTINGS.value}"))
    if session.scalar(select(Organisation.id).where(Organisation.name == cmd.name)) is not None:
        raise InputError(M_DUPLICATE_ORG, field="organisation.name", name=cmd.name)
    org = Organisation(name=cmd.name)
    _apply_settings(org, cmd)
    acting_person(session, actor, role.value)  # the organisation's own entry names them
    session.add(org)
    session.flush()
    acting = Acting(org.id, org.name, org.fiscal_start_month, role, actor, check_lang(org.language.value))
    bind(session, acting)
    for position, (code, fr, en, admin) in enumerate(STANDARD_CATEGORIES):
        session.add(
            BudgetCategory(
                organisation_id=org.id,
                code=code,
                label_fr=fr,
                label_en=en,
                administrative=admin,
                standard=True,
                position=position,
            )
        )
    session.flush()
    return acting


def update_settings(session: Session, acting: Acting, revision: int | None, cmd: NewOrganisation) -> Organisation:
    """Change the organisation's settings (name, fiscal year, language, rebate and CNESST rates)."""
    acting.require(session, Action.SETTINGS)
    org = acting.organisation(session)
    check_revision(org, revision, org.name)
    if cmd.name != org.name and session.scalar(select(Organisation.id).where(Organisation.name == cmd.name)):
        raise InputError(M_DUPLICATE_ORG, field="name", name=cmd.name)
    _apply_settings(org, cmd)
    session.flush()
    return org


def _apply_settings(org: Organisation, cmd: NewOrganisation) -> None:
    org.name = cmd.name
    org.fiscal_start_month = cmd.fiscal_start_month
    org.language = Language(cmd.language)
    org.gst_rebate_rate = cmd.gst_rebate_rate if cmd.gst_rebate_rate is not None else DEFAULT_REBATE
    org.qst_rebate_rate = cmd.qst_rebate_rate if cmd.qst_rebate_rate is not None else DEFAULT_REBATE
    org.cnesst_rate = cmd.cnesst_rate
    org.address = cmd.address


def organisation_command(org: Organisation) -> NewOrganisation:
    return NewOrganisation(
        name=org.name,
        fiscal_start_month=org.fiscal_start_month,
        language=org.language.value,
        gst_rebate_rate=org.gst_rebate_rate,
        qst_rebate_rate=org.qst_rebate_rate,
        cnesst_rate=org.cnesst_rate,
        address=org.address,
    )


def categories(session: Session, scope: Scope) -> list[BudgetCategory]:
    return list(
        session.scalars(
            select(BudgetCategory)
            .where(BudgetCategory.organisation_id == scope.organisation_id)
            .order_by(BudgetCategory.position, BudgetCategory.code)
        )
    )


def add_category(session: Session, acting: Acting, cmd: NewCategory) -> BudgetCategory:
    """Add one of the organisation's own categories (or relabel it, if its code exists)."""
    acting.require(session, Action.SETTINGS)
    existing = session.scalar(
        select(BudgetCategory).where(
            BudgetCategory.organisation_id == acting.organisation_id, BudgetCategory.code == cmd.code
        )
    )
    if existing is not None:
        existing.label_fr, existing.label_en, existing.administrative = cmd.label_fr, cmd.label_en, cmd.administrative
        session.flush()
        return existing
    cat = BudgetCategory(
        organisation_id=acting.organisation_id,
        code=cmd.code,
        label_fr=cmd.label_fr,
        label_en=cmd.label_en,
        administrative=cmd.administrative,
        standard=False,
        position=len(categories(session, acting.scope)),
    )
    session.add(cat)
    session.flush()
    return cat
