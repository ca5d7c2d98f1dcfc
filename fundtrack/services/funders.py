"""Funders and projects: the treasurer creates and changes them; everyone lists them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.errors import InputError
from fundtrack.i18n import msg
from fundtrack.models import Funder, FunderKind, Language, Project
from fundtrack.queries.lookups import check_revision, funder_by_name, project_by_name
from fundtrack.roles import Action
from fundtrack.schemas.ledger import NewFunder, NewProject
from fundtrack.services.context import Acting

M_DUPLICATE_FUNDER = msg("funder.duplicate")
M_DUPLICATE_PROJECT = msg("project.duplicate")


def create_funder(session: Session, acting: Acting, cmd: NewFunder) -> Funder:
    acting.require(session, Action.MONEY)
    _check_funder_name_free(session, acting, cmd.name)
    funder = Funder(organisation_id=acting.organisation_id)
    _apply_funder(funder, cmd)
    session.add(funder)
    session.flush()
    return funder


def update_funder(session: Session, acting: Acting, name: str, revision: int | None, cmd: NewFunder) -> Funder:
    """Change funder ``name`` to ``cmd``'s terms (a new name renames it), from ``revision``."""
    acting.require(session, Action.MONEY)
    funder = funder_by_name(session, acting.scope, name, field="name")
    check_revision(funder, revision, funder.name)
    if cmd.name != name:
        _check_funder_name_free(session, acting, cmd.name)
    _apply_funder(funder, cmd)
    session.flush()
    return funder


def _check_funder_name_free(session: Session, acting: Acting, name: str) -> None:
    query = select(Funder.id).where(Funder.organisation_id == acting.organisation_id, Funder.name == name)
    if session.scalar(query) is not None:
        raise InputError(M_DUPLICATE_FUNDER, field="name", name=name)


def _apply_funder(funder: Funder, cmd: NewFunder) -> None:
    funder.name = cmd.name
    funder.kind = FunderKind(cmd.kind)
    funder.fiscal_start_month = cmd.fiscal_start_month
    funder.language = Language(cmd.language)
    funder.contact_name = cmd.contact_name
    funder.contact_email = cmd.contact_email
    funder.fee_cap = cmd.fee_cap
    funder.notes = cmd.notes


def funder_command(funder: Funder) -> NewFunder:
    """A funder's terms as the command that would create it."""
    return NewFunder(
        name=funder.name,
        kind=funder.kind.value,
        fiscal_start_month=funder.fiscal_start_month,
        language=funder.language.value,
        contact_name=funder.contact_name,
        contact_email=funder.contact_email,
        fee_cap=funder.fee_cap,
        notes=funder.notes,
    )


def create_project(session: Session, acting: Acting, cmd: NewProject) -> Project:
    acting.require(session, Action.MONEY)
    _check_project_name_free(session, acting, cmd.name)
    project = Project(organisation_id=acting.organisation_id)
    _apply_project(project, cmd)
    session.add(project)
    session.flush()
    return project


def update_project(session: Session, acting: Acting, name: str, revision: int | None, cmd: NewProject) -> Project:
    acting.require(session, Action.MONEY)
    project = project_by_name(session, acting.scope, name, field="name")
    check_revision(project, revision, project.name)
    if cmd.name != name:
        _check_project_name_free(session, acting, cmd.name)
    _apply_project(project, cmd)
    session.flush()
    return project


def _check_project_name_free(session: Session, acting: Acting, name: str) -> None:
    query = select(Project.id).where(Project.organisation_id == acting.organisation_id, Project.name == name)
    if session.scalar(query) is not None:
        raise InputError(M_DUPLICATE_PROJECT, field="name", name=name)


def _apply_project(project: Project, cmd: NewProject) -> None:
    project.name = cmd.name
    project.description = cmd.description
    project.desired_changes = list(cmd.desired_changes)
    project.start_date = cmd.start_date
    project.end_date = cmd.end_date
    project.operations = cmd.operations


def project_command(project: Project) -> NewProject:
    return NewProject(
        name=project.name,
        description=project.description,
        desired_changes=tuple(project.desired_changes or ()),
        start_date=project.start_date,
        end_date=project.end_date,
        operations=project.operations,
    )
