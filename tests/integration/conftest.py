"""The Table's funding ledger as small plain-function factories for integration tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import unit_of_work
from fundtrack.models import Base
from fundtrack.schemas.interchange import NewOrganisation
from fundtrack.schemas.ledger import FunderSchema, GrantSchema, ProjectSchema
from fundtrack.services.context import Acting
from fundtrack.services.funders import create_funder, create_project
from fundtrack.services.grants import create_grant
from fundtrack.services.organisation import create_organisation
from tests.conftest import treasurer

TABLE = "Table de quartier de Parc-Extension"

FUNDERS = [
    {"name": "Centraide du Grand Montréal", "kind": "centraide", "fiscal_start_month": 4, "fee_cap": "0.15"},
    {"name": "Ville de Montréal", "kind": "city", "fiscal_start_month": 1},
    {"name": "Arrondissement VSP", "kind": "borough", "fiscal_start_month": 1},
    {"name": "Fondation du Grand Montréal", "kind": "foundation", "fiscal_start_month": 7, "language": "en"},
]
PROJECTS = [
    {"name": "Fonctionnement de la Table", "operations": True},
    {"name": "Grands rendez-vous", "desired_changes": ["integration", "services"]},
]


def add_funder(session: Session, acting: Acting, **data: Any) -> Any:
    return create_funder(session, acting, FunderSchema().load(data))


def add_grant(session: Session, acting: Acting, **data: Any) -> Any:
    return create_grant(session, acting, GrantSchema().load(data))


def row_counts(engine: Engine) -> dict[str, int]:
    """How many rows each table holds (to show that a refusal wrote nothing)."""
    with engine.connect() as conn:
        return {t.name: conn.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


@pytest.fixture
def table(factory: sessionmaker[Session]) -> int:
    """The Table (April years) with four funders and two projects, and no grant yet."""
    with unit_of_work(factory) as session:
        acting = create_organisation(session, NewOrganisation(TABLE))
        for funder in FUNDERS:
            add_funder(session, acting, **funder)
        for project in PROJECTS:
            create_project(session, acting, ProjectSchema().load(project))
        return acting.organisation_id


@pytest.fixture
def in_table(factory: sessionmaker[Session], table: int) -> Callable[..., Any]:
    """Run ``fn(session, acting, ...)`` in one unit of work on the Table, as the treasurer."""

    def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with unit_of_work(factory) as session:
            return fn(session, treasurer(session, table), *args, **kwargs)

    return run
