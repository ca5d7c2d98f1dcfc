"""The funding ledger's sections of the interchange file: categories, funders, projects, grants."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fundtrack.models import BudgetCategory, Funder, Grant, Instalment, Organisation, Project
from fundtrack.schemas.ledger import CategorySchema, FunderSchema, GrantSchema, ProjectSchema
from fundtrack.services.context import Acting
from fundtrack.services.funders import create_funder, create_project, funder_command, project_command
from fundtrack.services.grants import create_grant, grant_command
from fundtrack.services.interchange.section import Section, plain
from fundtrack.services.organisation import add_category, organisation_command


def dump_organisation(org: Organisation) -> dict[str, Any]:
    data: dict[str, Any] = plain(organisation_command(org))
    return data


def _dump_categories(session: Session, acting: Acting) -> list[dict[str, Any]]:
    query = (
        select(BudgetCategory)
        .where(BudgetCategory.organisation_id == acting.organisation_id, BudgetCategory.standard.is_(False))
        .order_by(BudgetCategory.position)
    )
    return [
        plain({"code": c.code, "label_fr": c.label_fr, "label_en": c.label_en, "administrative": c.administrative})
        for c in session.scalars(query)
    ]


def _dump_funders(session: Session, acting: Acting) -> list[dict[str, Any]]:
    query = select(Funder).where(Funder.organisation_id == acting.organisation_id).order_by(Funder.name)
    out = []
    for funder in session.scalars(query):
        data = plain(funder_command(funder))
        out.append({"name": data.pop("name"), "kind": data.pop("kind"), **data})
    return out


def _dump_projects(session: Session, acting: Acting) -> list[dict[str, Any]]:
    query = select(Project).where(Project.organisation_id == acting.organisation_id).order_by(Project.name)
    return [plain(project_command(p)) for p in session.scalars(query)]


def _dump_grants(session: Session, acting: Acting) -> list[dict[str, Any]]:
    query = (
        select(Grant)
        .where(Grant.organisation_id == acting.organisation_id)
        .options(
            selectinload(Grant.funder),
            selectinload(Grant.projects),
            selectinload(Grant.eligible_categories),
            selectinload(Grant.schedule),
            selectinload(Grant.instalments).selectinload(Instalment.receipts),
            selectinload(Grant.report_dues),
        )
        .order_by(Grant.reference)
    )
    out = []
    for grant in session.scalars(query):
        data = plain(grant_command(grant))
        if data.get("schedule_basis") == ("years" if data.get("schedule") else "days"):
            del data["schedule_basis"]
        out.append(data)
    return out


CATEGORIES = Section("categories", CategorySchema, add_category, _dump_categories)
FUNDERS = Section("funders", FunderSchema, create_funder, _dump_funders)
PROJECTS = Section("projects", ProjectSchema, create_project, _dump_projects)
GRANTS = Section("grants", GrantSchema, create_grant, _dump_grants)
