"""The funding ledger's sections of the interchange file: categories, funders, projects, grants."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fundtrack.models import BudgetCategory, Funder, Grant, Language, Organisation, Project
from fundtrack.schemas.ledger import CategorySchema, FunderSchema, GrantSchema, ProjectSchema
from fundtrack.services.grants import _funder_data, create_funder, create_grant, create_project, grant_data
from fundtrack.services.interchange.section import Section, plain
from fundtrack.services.organisation import add_category, create_organisation


def create_organisation_from(session: Session, data: dict[str, Any]) -> Organisation:
    kwargs: dict[str, Any] = {
        "fiscal_start_month": data["fiscal_start_month"],
        "language": Language(data["language"]),
        "cnesst_rate": data.get("cnesst_rate"),
        "address": data.get("address"),
    }
    for key in ("gst_rebate_rate", "qst_rebate_rate"):
        if data.get(key) is not None:
            kwargs[key] = data[key]
    return create_organisation(session, data["name"], **kwargs)


def dump_organisation(org: Organisation) -> dict[str, Any]:
    data: dict[str, Any] = plain(
        {
            "name": org.name,
            "fiscal_start_month": org.fiscal_start_month,
            "language": org.language.value,
            "gst_rebate_rate": org.gst_rebate_rate,
            "qst_rebate_rate": org.qst_rebate_rate,
            "cnesst_rate": org.cnesst_rate,
            "address": org.address,
        }
    )
    return data


def _write_category(session: Session, org: Organisation, data: dict[str, Any]) -> None:
    add_category(session, org.id, data["code"], data["label_fr"], data["label_en"], data["administrative"])


def _dump_categories(session: Session, org: Organisation) -> list[dict[str, Any]]:
    query = (
        select(BudgetCategory)
        .where(BudgetCategory.organisation_id == org.id, BudgetCategory.standard.is_(False))
        .order_by(BudgetCategory.position)
    )
    return [
        plain({"code": c.code, "label_fr": c.label_fr, "label_en": c.label_en, "administrative": c.administrative})
        for c in session.scalars(query)
    ]


def _dump_funders(session: Session, org: Organisation) -> list[dict[str, Any]]:
    query = select(Funder).where(Funder.organisation_id == org.id).order_by(Funder.name)
    out = []
    for funder in session.scalars(query):
        data = _funder_data(funder)
        out.append({"name": data.pop("name"), "kind": data.pop("kind"), **plain(data)})
    return out


def _dump_projects(session: Session, org: Organisation) -> list[dict[str, Any]]:
    query = select(Project).where(Project.organisation_id == org.id).order_by(Project.name)
    return [
        plain(
            {
                "name": p.name,
                "description": p.description,
                "desired_changes": list(p.desired_changes or []),
                "start_date": p.start_date,
                "end_date": p.end_date,
                "operations": p.operations,
            }
        )
        for p in session.scalars(query)
    ]


def _dump_grants(session: Session, org: Organisation) -> list[dict[str, Any]]:
    query = (
        select(Grant)
        .where(Grant.organisation_id == org.id)
        .options(
            selectinload(Grant.funder),
            selectinload(Grant.projects),
            selectinload(Grant.eligible_categories),
            selectinload(Grant.schedule),
            selectinload(Grant.instalments),
            selectinload(Grant.report_dues),
        )
        .order_by(Grant.reference)
    )
    out = []
    for grant in session.scalars(query):
        data = grant_data(grant)
        if data["schedule_basis"] == ("years" if data["schedule"] else "days"):
            del data["schedule_basis"]
        out.append(plain(data))
    return out


CATEGORIES = Section("categories", CategorySchema, _write_category, _dump_categories)
FUNDERS = Section("funders", FunderSchema, create_funder, _dump_funders)
PROJECTS = Section("projects", ProjectSchema, create_project, _dump_projects)
GRANTS = Section("grants", GrantSchema, create_grant, _dump_grants)
