"""The expense list's filter options (projects, categories, grants, funders) are kept under the
organisation's budget stamp: one statement per call, and never an option the database no
longer has, whoever changed the rows (the services or plain SQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import unit_of_work
from fundtrack.models import Funder
from fundtrack.queries.filter_options import FilterOptions, filter_options
from fundtrack.queries.scope import Scope
from fundtrack.schemas.interchange import NewOrganisation
from fundtrack.schemas.ledger import ProjectSchema
from fundtrack.services.funders import create_project
from fundtrack.services.organisation import create_organisation

from .budget_factories import OPS, the_table


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def options(factory: sessionmaker[Session], scope: Scope) -> FilterOptions:
    with factory() as s:
        return filter_options(s, scope)


def labels(found: tuple[tuple[str, str], ...]) -> list[str]:
    return [label for _, label in found]


def test_the_tables_options_in_the_order_people_read_them(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        org = the_table(s).organisation_id
    found = options(factory, Scope(org))
    assert labels(found.projects) == [OPS]
    assert labels(found.funders) == ["Arrondissement", "Centraide"]
    assert labels(found.grants) == ["ARR-2025", "PIC"]
    french, english = labels(found.categories("fr")), labels(found.categories("en"))
    assert len(french) == len(english) > 3 and french != english


def test_each_call_sends_one_statement_whether_the_options_were_kept_or_not(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    with unit_of_work(factory) as s:
        org = the_table(s).organisation_id
    counts = []
    for _ in range(3):
        with statements(engine) as seen:
            options(factory, Scope(org))
        counts.append(len([q for q in seen if q.lstrip().upper().startswith(("SELECT", "WITH"))]))
    assert counts == [1, 1, 1]
    assert options(factory, Scope(org)) is options(factory, Scope(org))  # kept


def test_a_new_project_and_a_renamed_category_are_offered_at_the_next_call(
    factory: sessionmaker[Session],
) -> None:
    with unit_of_work(factory) as s:
        acting = the_table(s)
    scope = Scope(acting.organisation_id)
    before = options(factory, scope)
    with unit_of_work(factory) as s:
        create_project(s, acting, ProjectSchema().load({"name": "Jardin communautaire"}))
    added = options(factory, scope)
    assert labels(added.projects) == [OPS, "Jardin communautaire"] and added.stamp != before.stamp
    with unit_of_work(factory) as s:  # behind the services' back
        s.execute(text("UPDATE budget_categories SET label_en = 'Interpreting' WHERE code = 'translation'"))
    assert "Interpreting" in labels(options(factory, scope).categories("en"))


def test_a_funders_scope_lists_its_own_grants_and_another_organisation_its_own_options(
    factory: sessionmaker[Session],
) -> None:
    with unit_of_work(factory) as s:
        org = the_table(s).organisation_id
        other = create_organisation(s, NewOrganisation("Comité logement du quartier")).organisation_id
    with factory() as s:
        centraide = s.scalars(select(Funder.id).where(Funder.name == "Centraide")).one()
    assert labels(options(factory, Scope(org, centraide)).grants) == ["PIC"]
    assert labels(options(factory, Scope(org)).grants) == ["ARR-2025", "PIC"]
    elsewhere = options(factory, Scope(other))
    assert (elsewhere.projects, elsewhere.grants, elsewhere.funders) == ((), (), ())
