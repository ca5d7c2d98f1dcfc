"""Budget vs actual gives the same figures whichever way a line's budget is summed.

For whole months, a line without a monthly profile has its budget (and its grants'
allocations) summed from the cents as they are read; a line with a profile, or a period
cut mid-month, goes through the rules on months. Here the same questions are answered
both ways on the Table's budget with odd cents, a corrected allocation, a second fiscal
year and a line with a profile: every row's budget, actual and forecast must agree to the
cent, by line, category, project, grant and funder, for the organisation and a funder.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.calc.variance import OWN_FUNDS, Dimension, variance
from fundtrack.db import unit_of_work
from fundtrack.i18n import translate
from fundtrack.models import BudgetLine, Funder
from fundtrack.periods import DateRange, FiscalCalendar
from fundtrack.queries import variance as budget_actual
from fundtrack.queries.scope import Scope
from fundtrack.queries.variance import budget_vs_actual
from fundtrack.services.allocations import allocate, reverse_allocation
from fundtrack.services.expenses import record_expense

from .budget_factories import alloc, expense, the_table

FY = FiscalCalendar(4)
PROFILE = ["1", "1", "1", "1", "1", "1", "3", "1", "1", "1", "1", "2"]


@pytest.fixture
def org_id(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        acting = the_table(s)
        allocate(s, acting, alloc("PIC", "room_rental", "1000.05"))
        allocate(s, acting, alloc("ARR-2025", "room_rental", "1234.57"))
        s.flush()
        (wrong,) = allocate(s, acting, alloc("PIC", "administration", "777.77"))
        s.flush()
        reverse_allocation(s, acting, wrong.id)
        allocate(s, acting, alloc("PIC", "administration", "233.33"))
        for day, amount, category in [
            (date(2025, 5, 3), "1074.87", "translation"),
            (date(2025, 9, 30), "250.01", "room_rental"),
            (date(2026, 1, 15), "99.99", "catering"),
            (date(2026, 3, 31), "12.34", "administration"),
        ]:
            record_expense(s, acting, expense(day, amount, category))
        # the catering line follows the gatherings: a monthly profile
        s.execute(update(BudgetLine).where(BudgetLine.description == "Traiteurs").values(monthly_profile=PROFILE))
        return acting.organisation_id


def _by_rules(session: Session, scope: Scope, period: DateRange, dimension: Dimension, as_of: date) -> list[tuple]:
    """The same question with every line's budget summed by the rules on months (the
    structure read again, nothing of it kept)."""
    read = budget_actual._read_lines(session, scope, period, as_of, None, "fr")
    ctx = replace(read, lines={i: replace(ln, summed=None) for i, ln in read.lines.items()}, stamp=None, kept={})
    if dimension in ("grant", "funder"):
        items = budget_actual._grant_totals(session, ctx)
    elif scope.funder_id is not None:
        items = budget_actual._grant_items(session, ctx)
    else:
        items = budget_actual._line_items(session, ctx)
    table = variance(items, dimension, period, as_of, translate(OWN_FUNDS, "fr"))
    return [(r.key, r.budget, r.actual, r.forecast) for r in table.rows]


PERIODS = [
    (FY.starting(2025), date(2025, 12, 31)),
    (FY.starting(2025), date(2025, 3, 31)),
    (FY.starting(2025), date(2026, 3, 31)),
    (DateRange(date(2025, 7, 1), date(2025, 9, 30)), date(2025, 7, 31)),
    (DateRange(date(2025, 1, 1), date(2026, 6, 30)), date(2025, 10, 31)),
]


@pytest.mark.parametrize("dimension", ["line", "category", "project", "grant", "funder"])
def test_the_summed_budget_and_the_rules_on_months_agree_to_the_cent(
    factory: sessionmaker[Session], org_id: int, dimension: Dimension
) -> None:
    with factory() as s:
        centraide = s.scalars(select(Funder.id).where(Funder.name == "Centraide")).one()
        for scope in (Scope(org_id), Scope(org_id, funder_id=centraide)):
            for period, as_of in PERIODS:
                table = budget_vs_actual(s, scope, period, dimension, as_of=as_of, lang="fr")
                summed = [(r.key, r.budget, r.actual, r.forecast) for r in table.rows]
                assert summed == _by_rules(s, scope, period, dimension, as_of), (scope, period, as_of)
                assert any(budget for _, budget, _, _ in summed)


def test_the_odd_cents_of_an_allocation_fall_in_its_first_months(factory: sessionmaker[Session], org_id: int) -> None:
    """1 000,05 $ over twelve months is 83,34 $ for April to December and 83,33 $ after:
    what is left to come after December is January to March of each allocation, the
    profiled catering line by its weights (4 of 15)."""
    with factory() as s:
        table = budget_vs_actual(s, Scope(org_id), FY.starting(2025), "grant", as_of=date(2025, 12, 31), lang="fr")
        pic = next(r for r in table.rows if r.key == "PIC")
    # PIC: translation 4 000,00, catering 3 600,00 (profiled), rooms 1 000,05, administration 233,33
    assert pic.budget == Decimal("4000.00") + Decimal("3600.00") + Decimal("1000.05") + Decimal("233.33")
    # nothing is charged to PIC up to December (the borough's grant pays first): the
    # forecast is what is to come, January–March: translation 3 × 333,33, catering 4/15
    # of 3 600,00, rooms 3 × 83,33, administration 3 × 19,44
    assert pic.forecast == Decimal("999.99") + Decimal("960.00") + Decimal("249.99") + Decimal("58.32")


def test_one_projects_budget_vs_actual_is_that_projects_rows_of_the_whole(factory: sessionmaker[Session]) -> None:
    """On the Parc-Extension example (four projects), budget vs actual of one project gives,
    line by line, the rows of the whole organisation's that belong to that project."""
    from fundtrack.services import interchange
    from tests.integration.cli_support import EXAMPLE

    with unit_of_work(factory) as s:
        org = interchange.load_document(s, interchange.read_file(EXAMPLE)).organisation_id
    period, as_of = FY.starting(2025), date(2025, 12, 31)
    with factory() as s:
        whole = budget_vs_actual(s, Scope(org), period, "line", as_of=as_of, lang="fr")
        projects = {dict(r.codes)["project"] for r in whole.rows}
        assert len(projects) > 1
        for name in projects:
            mine = budget_vs_actual(s, Scope(org), period, "line", as_of=as_of, project=name, lang="fr")
            assert mine.rows == tuple(r for r in whole.rows if dict(r.codes)["project"] == name), name
            assert any(r.actual for r in mine.rows) or any(r.budget for r in mine.rows), name
