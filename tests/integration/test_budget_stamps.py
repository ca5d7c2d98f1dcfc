"""The budget stamp changes with the budget structure, and budget vs actual never answers
from a structure that is no longer the database's.

Budget vs actual keeps the structure it read (versions, lines, amounts, labels, grants and
allocations) under the organisation's budget stamp, a token triggers replace with every
change of those rows (``fundtrack/models/stamps.py``). Here every stamped table is changed
behind the services' back (plain SQL) and through them, a change is rolled back, and a
second organisation changes its own budget: each time the figures must be the database's.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import make_engine, unit_of_work, upgrade
from fundtrack.models import BudgetLine, BudgetLineAmount, Organisation, budget_stamps
from fundtrack.models.base import Base
from fundtrack.models.stamps import STAMPED
from fundtrack.periods import FiscalCalendar
from fundtrack.queries.scope import Scope
from fundtrack.queries.variance import budget_vs_actual
from fundtrack.schemas.interchange import NewOrganisation
from fundtrack.services.allocations import allocate
from fundtrack.services.organisation import create_organisation

from .budget_factories import alloc, the_table

YEAR = FiscalCalendar(4).starting(2025)
AS_OF = date(2025, 12, 31)


@pytest.fixture
def two_organisations(factory: sessionmaker[Session]) -> tuple[int, int]:
    """The Table with its budget and grants, and a second organisation beside it."""
    with unit_of_work(factory) as s:
        acting = the_table(s)
        allocate(s, acting, alloc("PIC", "room_rental", "1000.05"))
        other = create_organisation(s, NewOrganisation("Comité logement du quartier"))
        return acting.organisation_id, other.organisation_id


def stamp(session: Session, org: int) -> int | None:
    return session.scalar(select(budget_stamps.c.stamp).where(budget_stamps.c.organisation_id == org))


def figures(factory: sessionmaker[Session], org: int, dimension: str = "line") -> dict[object, Decimal]:
    with factory() as s:
        table = budget_vs_actual(s, Scope(org), YEAR, dimension, as_of=AS_OF, lang="fr")  # type: ignore[arg-type]
    return {r.key: r.budget for r in table.rows}


def a_row_of(session: Session, table: str, org: int) -> int:
    """The id of one row of ``table`` that belongs to organisation ``org``."""
    orgs = STAMPED[table].format(row="t")  # the trigger's own way to the organisation
    found = session.scalar(
        text(f"SELECT t.id FROM {table} t WHERE ({orgs}) = :org ORDER BY t.id LIMIT 1"), {"org": org}
    )
    assert found is not None, table
    return int(found)


@pytest.mark.parametrize("table", sorted(STAMPED))
def test_changing_any_stamped_row_changes_its_organisations_stamp_alone(
    factory: sessionmaker[Session], two_organisations: tuple[int, int], table: str
) -> None:
    table_org, other_org = two_organisations
    with factory() as s:
        before, other_before = stamp(s, table_org), stamp(s, other_org)
        row = a_row_of(s, table, table_org)
    assert before is not None and other_before is not None
    with unit_of_work(factory) as s:  # behind the services' back: no ORM event sees it
        s.execute(text(f"UPDATE {table} SET revision = revision + 1 WHERE id = :id"), {"id": row})
    with factory() as s:
        assert stamp(s, table_org) != before, f"an UPDATE of {table} left the stamp as it was"
        assert stamp(s, other_org) == other_before, f"an UPDATE of {table} changed another organisation's stamp"


def test_adding_and_removing_a_line_amount_changes_the_stamp(
    factory: sessionmaker[Session], two_organisations: tuple[int, int]
) -> None:
    org, _ = two_organisations
    with factory() as s:
        first = stamp(s, org)
        line = s.scalars(select(BudgetLineAmount).order_by(BudgetLineAmount.id)).first()
        assert line is not None
        line_id = line.line_id
    with unit_of_work(factory) as s:
        s.add(BudgetLineAmount(line_id=line_id, period_start=date(2030, 4, 1), period_end=date(2031, 3, 31), amount=1))
    with factory() as s:
        added = stamp(s, org)
    with unit_of_work(factory) as s:
        s.execute(text("DELETE FROM budget_line_amounts WHERE period_start = :d"), {"d": date(2030, 4, 1)})
    with factory() as s:
        removed = stamp(s, org)
    assert len({first, added, removed}) == 3


def test_budget_vs_actual_answers_with_an_amount_changed_behind_its_back(
    factory: sessionmaker[Session], two_organisations: tuple[int, int]
) -> None:
    """The first call keeps the structure; a line's amount then changes by plain SQL: the
    next call's budget for that line is the new amount, the other lines as they were."""
    org, _ = two_organisations
    before = figures(factory, org)
    assert figures(factory, org) == before  # asked again: the same figures
    with factory() as s:
        line_id, amount = s.execute(
            select(BudgetLineAmount.line_id, BudgetLineAmount.amount)
            .join(BudgetLine)
            .where(BudgetLine.description == "Interprètes et équipement")
        ).one()
    with unit_of_work(factory) as s:
        s.execute(
            update(BudgetLineAmount).where(BudgetLineAmount.line_id == line_id).values(amount=amount + Decimal("0.01"))
        )
    after = figures(factory, org)
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert list(changed.values()) == [(amount, amount + Decimal("0.01"))]


def test_budget_vs_actual_by_grant_answers_with_a_new_allocation(
    factory: sessionmaker[Session], two_organisations: tuple[int, int]
) -> None:
    org, _ = two_organisations
    before = figures(factory, org, "grant")
    with unit_of_work(factory) as s:
        from fundtrack.services.context import acting_for

        allocate(s, acting_for(s, organisation_id=org), alloc("PIC", "translation", "120.00"))
    after = figures(factory, org, "grant")
    assert after["PIC"] == before["PIC"] + Decimal("120.00")


def test_a_change_rolled_back_leaves_the_figures_as_they_were(
    factory: sessionmaker[Session], two_organisations: tuple[int, int]
) -> None:
    """Inside the transaction that changes a line, budget vs actual sees the change; once
    it is rolled back, nobody does (the structure read inside it is not the database's)."""
    org, _ = two_organisations
    before = figures(factory, org)
    with factory() as s:
        s.execute(text("UPDATE budget_line_amounts SET amount = amount * 2"))
        inside = budget_vs_actual(s, Scope(org), YEAR, "line", as_of=AS_OF, lang="fr")
        assert sum(r.budget for r in inside.rows) == 2 * sum(before.values())
        s.rollback()
    assert figures(factory, org) == before


def test_another_organisations_budget_does_not_disturb_the_figures(
    factory: sessionmaker[Session], two_organisations: tuple[int, int]
) -> None:
    org, other = two_organisations
    before = figures(factory, org)
    with unit_of_work(factory) as s:
        s.execute(update(Organisation).where(Organisation.id == other).values(name="Comité logement"))
    assert figures(factory, org) == before


def test_the_migrations_make_the_same_triggers_as_the_models(tmp_path: Path) -> None:
    """A SQLite database built by the migrations has the stamp's triggers, word for word, of
    one built from the models (on PostgreSQL the tests above run on the models' schema)."""
    migrated = make_engine(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")
    modelled = make_engine(f"sqlite:///{tmp_path / 'modelled.sqlite3'}")
    try:
        upgrade(migrated)
        Base.metadata.create_all(modelled)
        query = text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'budget_stamp_%'")
        with migrated.connect() as a, modelled.connect() as b:
            triggers = dict(a.execute(query).all())
            assert triggers == dict(b.execute(query).all())
            assert len(triggers) == 3 * len(STAMPED)
            assert a.scalar(select(func.count()).select_from(budget_stamps)) == 0
    finally:
        migrated.dispose()
        modelled.dispose()
