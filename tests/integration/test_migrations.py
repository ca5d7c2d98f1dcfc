"""The migrations build the schema from nothing, on both databases, and agree with the models."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from fundtrack.db import MIGRATIONS_DIR, alembic_config, current_revision, make_engine, upgrade
from fundtrack.models import Base
from tests.conftest import PostgresDatabase

POSTGRES_URL = os.environ.get("FUNDTRACK_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database with no tables at all (its own throwaway database on PostgreSQL)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
        yield engine
        engine.dispose()
        return
    assert POSTGRES_URL
    database = PostgresDatabase(POSTGRES_URL)
    engine = database.engine(with_schema=False)
    try:
        yield engine
    finally:
        engine.dispose()
        database.drop()


def head() -> str:
    script = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    revision = script.get_current_head()
    assert revision is not None
    return revision


def test_upgrade_from_empty_to_head(empty_engine: Engine) -> None:
    assert inspect(empty_engine).get_table_names() == []
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head()
    tables = set(inspect(empty_engine).get_table_names())
    assert {"organisations", "funders", "projects", "grants", "grant_schedule", "instalments"} <= tables


def test_upgrading_twice_changes_nothing(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    tables = sorted(inspect(empty_engine).get_table_names())
    upgrade(empty_engine)
    assert sorted(inspect(empty_engine).get_table_names()) == tables
    assert current_revision(empty_engine) == head()


def test_the_models_and_the_migrations_agree(empty_engine: Engine) -> None:
    """After the migrations, alembic finds nothing left to generate from the models."""
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_the_migrations_live_beside_the_package() -> None:
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert list((MIGRATIONS_DIR / "versions").glob("*.py"))


def test_an_instalment_received_before_the_receipts_table_becomes_its_first_payment(empty_engine: Engine) -> None:
    """A database of revision 0005 with an instalment received keeps it as one payment."""
    upgrade(empty_engine, "0005")
    with empty_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisations (id, name, fiscal_start_month, gst_rebate_rate, qst_rebate_rate, language)"
                " VALUES (1, 'T', 4, 0.5, 0.5, 'fr')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO funders (id, organisation_id, name, kind, fiscal_start_month, language)"
                " VALUES (1, 1, 'C', 'centraide', 4, 'fr')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO grants (id, organisation_id, funder_id, reference, title, status, amount, start_date,"
                " end_date, restricted, schedule_basis, no_combination) VALUES (1, 1, 1, 'PIC', 'PIC', 'confirmed',"
                " 3750000, '2025-04-01', '2026-03-31', false, 'days', false)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO instalments (id, grant_id, expected_date, expected_amount, received_date, received_amount)"
                " VALUES (1, 1, '2025-06-01', 3750000, '2025-06-03', 3750000),"
                " (2, 1, '2025-12-01', 100, NULL, NULL)"
            )
        )
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        rows = conn.execute(text("SELECT instalment_id, received_date, amount FROM instalment_receipts")).all()
    assert [(i, str(d), a) for i, d, a in rows] == [(1, "2025-06-03", 3750000)]
    with empty_engine.connect() as conn:
        entries = conn.execute(
            text("SELECT organisation_id, actor, action, entity, entity_id, label FROM audit_log")
        ).all()
    assert [tuple(e) for e in entries] == [(1, "migration", "receive", "instalment_receipt", 1, "PIC")]
