"""Budgets, allocations, budget vs actual, the package and the gap, on both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.db import unit_of_work
from fundtrack.errors import RuleViolation
from fundtrack.models import Allocation, AuditLog, BudgetVersion, VersionKind
from fundtrack.periods import FiscalCalendar
from fundtrack.queries.scope import Scope
from fundtrack.queries.variance import budget_vs_actual
from fundtrack.schemas.budgets import NewAllocation
from fundtrack.services.allocations import allocate, list_allocations, reverse_allocation
from fundtrack.services.budgets import compare, copy_version
from fundtrack.services.expenses import record_expense
from fundtrack.services.package import funding_gap, project_package
from tests.conftest import treasurer

from .budget_factories import OPS, alloc, expense, the_table

FY25 = FiscalCalendar(4).starting(2025)


@pytest.fixture
def org_id(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        return the_table(s).organisation_id


def _allocations(session: Session) -> int:
    return session.scalar(select(func.count(Allocation.id))) or 0


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (alloc("ARR-2025", "catering", "100.00"), "grant.ineligible_category"),
        (alloc("PIC", "translation", "100000.00"), "allocation.over_period"),
        (alloc("ARR-2025", "administration", "1000.01"), "allocation.fee_cap"),
        (alloc("ARR-2025", "translation", "1.00", "2026-2027"), "allocation.outside_period"),
    ],
    ids=["ineligible-category", "over-the-year", "over-the-fee-cap", "outside-the-period"],
)
def test_each_allocation_refusal_names_the_rule_and_writes_nothing(
    factory: sessionmaker[Session], org_id: int, data: NewAllocation, code: str
) -> None:
    with factory() as s:
        before = _allocations(s)
    with pytest.raises(RuleViolation) as err, unit_of_work(factory) as s:
        allocate(s, treasurer(s, org_id), data)
    assert err.value.code == code
    assert data.grant in err.value.describe("en")
    with factory() as s:
        assert _allocations(s) == before


def test_an_allocation_is_corrected_by_a_reversing_entry(factory: sessionmaker[Session], org_id: int) -> None:
    with unit_of_work(factory) as s:
        first = s.scalars(select(Allocation).order_by(Allocation.id)).first()
        assert first is not None
        reverse_allocation(s, treasurer(s, org_id), first.id)
    with factory() as s:
        rows = list_allocations(s, Scope(org_id), OPS)
        assert sorted((r.grant, r.category, r.amount) for r in rows) == [
            ("PIC", "catering", Decimal("3600.00")),
            ("PIC", "translation", Decimal("4000.00")),
        ]
        assert (
            s.scalar(
                select(func.count(AuditLog.id)).where(AuditLog.entity == "allocation", AuditLog.action == "reverse")
            )
            == 1
        )


def test_a_revised_version_copied_with_three_percent_more_and_compared(
    factory: sessionmaker[Session], org_id: int
) -> None:
    with unit_of_work(factory) as s:
        org = treasurer(s, org_id)
        revised = copy_version(s, org, OPS, None, "Révisé +3 %", VersionKind.REVISED, Decimal("1.03"))
        assert revised.parent is not None and revised.parent.name == "Adopté 2025"
        rows = compare(s, org, OPS, "Adopté 2025", "Révisé +3 %")
        translation = next(r for r in rows if r.category == "translation")
        assert (translation.before, translation.after) == (Decimal("12000.00"), Decimal("12360.00"))
        assert s.scalar(select(func.count(BudgetVersion.id))) == 2


def test_budget_vs_actual_by_line_and_by_grant(factory: sessionmaker[Session], org_id: int) -> None:
    with unit_of_work(factory) as s:
        org = treasurer(s, org_id)
        record_expense(s, org, expense(date(2025, 6, 12), "1000.00"))
        record_expense(s, org, expense(date(2025, 7, 3), "500.00", "catering", gst=Decimal("0"), qst=Decimal("0")))
    with factory() as s:
        table = budget_vs_actual(s, Scope(org_id), FY25, "line", as_of=date(2025, 7, 31), lang="fr")
        rows = {r.key: r for r in table.rows}
        t = rows[f"{OPS} · Interprètes et équipement"]
        assert (t.budget, t.actual, t.variance) == (Decimal("12000.00"), Decimal("1074.87"), Decimal("10925.13"))
        assert t.forecast == Decimal("1074.87") + Decimal("8000.00")  # August to March still to come
        by_grant = {r.key: r for r in budget_vs_actual(s, Scope(org_id), FY25, "grant", lang="fr").rows}
        assert by_grant["ARR-2025"].actual == Decimal("1074.87")
        assert by_grant["PIC"].budget == Decimal("7600.00") and by_grant["PIC"].actual == Decimal("500.00")
        assert sum(r.actual for r in by_grant.values()) == Decimal("1574.87")
        assert sum(r.budget for r in by_grant.values()) == Decimal("24000.00")


def test_a_funders_login_sees_only_its_grants(factory: sessionmaker[Session], org_id: int) -> None:
    with unit_of_work(factory) as s:
        record_expense(s, treasurer(s, org_id), expense(date(2025, 7, 3), "500.00", "catering"))
        from fundtrack.queries.lookups import funder_by_name

        borough = funder_by_name(s, Scope(org_id), "Arrondissement").id
    with factory() as s:
        table = budget_vs_actual(s, Scope(org_id, borough), FY25, "grant", lang="fr")
        assert [r.key for r in table.rows] == ["ARR-2025"]


def test_the_package_and_the_gap_of_the_operations(factory: sessionmaker[Session], org_id: int) -> None:
    with factory() as s:
        package = project_package(s, Scope(org_id), OPS, FY25)
        assert package.total_cost == Decimal("24000.00")
        amounts = {src.label: src.amount for src in package.sources}
        # allocations are made per fiscal year of the Table: they count whole in 2025-2026
        assert amounts == {"ARR-2025": Decimal("6000.00"), "PIC": Decimal("7600.00")}
        assert package.gap_confirmed == Decimal("10400.00")
        assert all(c.holds for c in package.conditions)
        report, _refs, _labels = funding_gap(s, Scope(org_id), FY25)
        [year] = report.years(FiscalCalendar(4))
        assert year.cost == Decimal("24000.00")
        # the borough's 6,000.00 fits in April to December, before its grant ends
        assert year.gap_confirmed == Decimal("24000.00") - Decimal("6000.00") - Decimal("7600.00")
        for m in report.confirmed.months:
            assert m.covered_total + m.gap == m.cost
