"""The choices the ledger's forms and filters offer, read within the acting person's scope."""

from __future__ import annotations

from sqlalchemy import func, select

from admin_app.context import acting
from admin_app.extensions import db
from fundtrack.models import BudgetCategory, Grant
from fundtrack.periods import DateRange
from fundtrack.queries.listings import list_funders, list_grants, list_projects

Choices = list[tuple[str, str]]


def funder_names() -> Choices:
    return [(f.name, f.name) for f in list_funders(db.session, acting().scope)]


def funder_ids() -> Choices:
    return [(str(f.id), f.name) for f in list_funders(db.session, acting().scope)]


def project_names() -> Choices:
    return [(p.name, p.name) for p in list_projects(db.session, acting().scope)]


def project_ids() -> Choices:
    return [(str(p.id), p.name) for p in list_projects(db.session, acting().scope)]


def grant_references() -> Choices:
    return [(g.reference, f"{g.reference} — {g.funder.name}") for g in list_grants(db.session, acting().scope)]


def grant_ids() -> Choices:
    return [(str(g.id), g.reference) for g in list_grants(db.session, acting().scope)]


def category_codes() -> Choices:
    """The organisation's budget categories, by code, labelled in the reader's language."""
    categories = db.session.scalars(
        select(BudgetCategory)
        .where(BudgetCategory.organisation_id == acting().organisation_id)
        .order_by(BudgetCategory.position, BudgetCategory.code)
    )
    return [(c.code, c.label_fr if acting().lang == "fr" else c.label_en) for c in categories]


def fiscal_years_between(first: object, last: object) -> Choices:
    if first is None or last is None:
        return []
    return [(y.label, y.label) for y in acting().calendar.years(DateRange(first, last))]  # type: ignore[arg-type]


def grant_fiscal_years() -> Choices:
    """The organisation's fiscal years that the grants in scope touch."""
    where = acting().scope.grants_filter()
    first = db.session.scalar(select(func.min(Grant.start_date)).where(where))
    last = db.session.scalar(select(func.max(Grant.end_date)).where(where))
    return fiscal_years_between(first, last)
