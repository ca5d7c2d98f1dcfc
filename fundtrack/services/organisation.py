"""The organisation and its budget categories."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.errors import InputError, NotFound
from fundtrack.i18n import msg
from fundtrack.models import BudgetCategory, Language, Organisation
from fundtrack.services.scope import Scope

M_NO_ORG = msg("organisation.none")
M_SEVERAL_ORGS = msg("organisation.several")
M_UNKNOWN_ORG = msg("organisation.unknown")
M_UNKNOWN_CATEGORY = msg("category.unknown")
M_DUPLICATE_ORG = msg("organisation.duplicate")

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
    session: Session,
    name: str,
    *,
    fiscal_start_month: int = 4,
    language: Language = Language.FR,
    gst_rebate_rate: Decimal = Decimal("0.5"),
    qst_rebate_rate: Decimal = Decimal("0.5"),
    cnesst_rate: Decimal | None = None,
    address: str | None = None,
) -> Organisation:
    """Create an organisation with the standard bilingual budget categories."""
    if session.scalar(select(Organisation.id).where(Organisation.name == name)) is not None:
        raise InputError(M_DUPLICATE_ORG, field="organisation.name", name=name)
    org = Organisation(
        name=name,
        fiscal_start_month=fiscal_start_month,
        language=language,
        gst_rebate_rate=gst_rebate_rate,
        qst_rebate_rate=qst_rebate_rate,
        cnesst_rate=cnesst_rate,
        address=address,
    )
    session.add(org)
    session.flush()
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
    return org


def get_organisation(session: Session, name: str | None = None) -> Organisation:
    """The organisation called ``name``, or the only one in the database."""
    if name is not None:
        org = session.scalar(select(Organisation).where(Organisation.name == name))
        if org is None:
            raise NotFound(M_UNKNOWN_ORG, field="organisation", name=name)
        return org
    orgs = list(session.scalars(select(Organisation).order_by(Organisation.id).limit(5)))
    if not orgs:
        raise NotFound(M_NO_ORG)
    if len(orgs) > 1:
        raise InputError(M_SEVERAL_ORGS, names=", ".join(o.name for o in orgs))
    return orgs[0]


def organisation_scope(session: Session, name: str | None = None, funder_id: int | None = None) -> Scope:
    return Scope(get_organisation(session, name).id, funder_id)


def categories(session: Session, organisation_id: int) -> list[BudgetCategory]:
    return list(
        session.scalars(
            select(BudgetCategory)
            .where(BudgetCategory.organisation_id == organisation_id)
            .order_by(BudgetCategory.position, BudgetCategory.code)
        )
    )


def category_by_code(session: Session, organisation_id: int, code: str, field: str | None = None) -> BudgetCategory:
    cat = session.scalar(
        select(BudgetCategory).where(BudgetCategory.organisation_id == organisation_id, BudgetCategory.code == code)
    )
    if cat is None:
        raise NotFound(M_UNKNOWN_CATEGORY, field=field, code=code)
    return cat


def add_category(
    session: Session,
    organisation_id: int,
    code: str,
    label_fr: str,
    label_en: str,
    administrative: bool = False,
) -> BudgetCategory:
    """Add one of the organisation's own categories."""
    existing = session.scalar(
        select(BudgetCategory).where(BudgetCategory.organisation_id == organisation_id, BudgetCategory.code == code)
    )
    if existing is not None:
        existing.label_fr, existing.label_en, existing.administrative = label_fr, label_en, administrative
        return existing
    position = len(categories(session, organisation_id))
    cat = BudgetCategory(
        organisation_id=organisation_id,
        code=code,
        label_fr=label_fr,
        label_en=label_en,
        administrative=administrative,
        standard=False,
        position=position,
    )
    session.add(cat)
    session.flush()
    return cat
