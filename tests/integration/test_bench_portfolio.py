"""The federation's generated portfolio (bench/portfolio.py) keeps every rule ``fundtrack
check`` verifies, and Centraide's login reaches its funder in each organisation it funds:
the benchmark's figures are read on data the application could have written. The funder
report's bare side (bench/funder_book.py) writes the product's workbook, laid out alike."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text

from fundtrack.cli import main
from fundtrack.db import database_url, make_engine, session_factory
from fundtrack.models import Expense, Funder, Grant, Organisation, User
from fundtrack.reports.funder_portfolio import funder_portfolio, parts_named, parts_of_account
from tests.conftest import POSTGRES_URL

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import bench_portfolio
import portfolio

pytestmark = pytest.mark.postgres

ORGANISATIONS, EXPENSES = 11, 40  # the eleventh brings a second organisation without Centraide past the tenth


@pytest.fixture(scope="module")
def generated() -> Iterator[str]:
    assert POSTGRES_URL
    name = f"fundtrack_test_portfolio_{uuid.uuid4().hex[:8]}"
    url, loaded = portfolio.ensure(POSTGRES_URL, ORGANISATIONS, EXPENSES, name=name)
    assert loaded is not None and loaded.rows > 0
    try:
        yield url
    finally:
        admin = create_engine(database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_generated_portfolio_breaks_no_rule(generated: str) -> None:
    result = CliRunner().invoke(main, ["--database", generated, "check", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["breaches"] == []


def test_each_organisation_has_its_own_content(generated: str) -> None:
    engine = make_engine(generated)
    try:
        with session_factory(engine)() as s:
            assert s.scalar(select(func.count(Organisation.id))) == ORGANISATIONS
            per_org = s.execute(select(Expense.organisation_id, func.count()).group_by(Expense.organisation_id)).all()
            assert sorted(n for _, n in per_org) == [EXPENSES] * ORGANISATIONS
            funded = s.scalar(select(func.count(Funder.id)).where(Funder.name == portfolio.CENTRAIDE))
            assert funded == ORGANISATIONS - 1  # one organisation in ten is not funded by Centraide
    finally:
        engine.dispose()


def test_centraide_login_reaches_its_grants_in_every_organisation_it_funds(generated: str) -> None:
    engine = make_engine(generated)
    try:
        with session_factory(engine)() as s:
            user_id = s.scalar(select(User.id).where(User.email == portfolio.FUNDER_EMAIL))
            assert user_id is not None
            parts = parts_of_account(s, user_id)
            assert [p.scope.organisation_id for p in parts] == [
                p.scope.organisation_id for p in parts_named(s, portfolio.CENTRAIDE)
            ]
            report = funder_portfolio(s, parts, as_of=portfolio.AS_OF)
            for part, one in zip(parts, report.reports, strict=True):
                funder = s.get_one(Funder, part.scope.funder_id)
                grants = s.scalars(
                    select(Grant.reference).where(Grant.funder_id == funder.id, Grant.start_date <= portfolio.AS_OF)
                )
                assert {g.reference for g in one.grants} == {r for r in grants if r.startswith("G-2025")}
                assert one.funder == portfolio.CENTRAIDE
    finally:
        engine.dispose()


def test_a_database_of_the_same_stamp_is_reused(generated: str) -> None:
    assert POSTGRES_URL
    name = generated.rsplit("/", 1)[-1]
    url, loaded = portfolio.ensure(POSTGRES_URL, ORGANISATIONS, EXPENSES, name=name)
    assert (url, loaded) == (generated, None)


def test_the_bare_funder_workbook_is_the_products_laid_out_alike(generated: str) -> None:
    """The benchmark's check passes on a small portfolio: the same figures, sheets, cells and
    names, and each sheet's layout (rows' heights, cells' formats, columns' widths, page setup)."""
    engine = make_engine(generated)
    try:
        with session_factory(engine)() as s:
            user_id = s.scalar(select(User.id).where(User.email == portfolio.FUNDER_EMAIL))
        assert user_id is not None
        product = bench_portfolio.funder_product(engine, user_id)()
        bare = bench_portfolio.funder_bare(engine, user_id)()
        assert len(product[0]) == ORGANISATIONS - 1
        bench_portfolio.same_funder_books(product, bare)
    finally:
        engine.dispose()
