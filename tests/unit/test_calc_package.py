"""The financial package of a project and the allocation rules (domain.md 4.5)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fundtrack.calc.package import (
    AllocationItem,
    GrantTerms,
    InKind,
    PackageGrant,
    allocation_conditions,
    check_allocations,
    financial_package,
)
from fundtrack.errors import RuleViolation
from fundtrack.periods import DateRange, FiscalCalendar

TABLE = FiscalCalendar(4)
FY25, FY26, FY27 = TABLE.starting(2025), TABLE.starting(2026), TABLE.starting(2027)

PIC = GrantTerms(
    grant_id=1,
    label="PIC-2025",
    amount=Decimal("200000.00"),
    period=DateRange(FY25.start, FY26.end),
    by_period={FY25: Decimal("100000.00"), FY26: Decimal("100000.00")},
    fee_cap=Decimal("0.10"),
)
CITY = GrantTerms(
    grant_id=2,
    label="VILLE-TRAD",
    amount=Decimal("10000.00"),
    period=FY26,
    by_period={FY26: Decimal("10000.00")},
    restricted=True,
    eligible_categories=frozenset({"translation"}),
)


def _alloc(amount: str, period: DateRange = FY25, category: str = "salaries", admin: bool = False) -> AllocationItem:
    return AllocationItem(line_id=1, category=category, administrative=admin, period=period, amount=Decimal(amount))


def _refused(grant: GrantTerms, allocations: list[AllocationItem]) -> RuleViolation:
    with pytest.raises(RuleViolation) as err:
        check_allocations(grant, allocations)
    return err.value


def test_allocations_within_the_agreement_pass() -> None:
    check_allocations(PIC, [_alloc("90000.00"), _alloc("10000.00", admin=True), _alloc("50000.00", FY26)])
    assert all(c.holds for c in allocation_conditions(PIC, [_alloc("1.00")]))


def test_more_than_the_grants_share_of_a_year_is_refused() -> None:
    err = _refused(PIC, [_alloc("100000.01")])
    assert err.code == "allocation.over_period"
    assert "2025-2026" in err.describe("en") and "PIC-2025" in err.describe("en")


def test_a_year_the_grant_does_not_cover_is_refused() -> None:
    assert _refused(PIC, [_alloc("1.00", FY27)]).code == "allocation.outside_period"


def test_a_restricted_grant_on_catering_is_refused() -> None:
    err = _refused(CITY, [_alloc("100.00", FY26, "catering")])
    assert err.code == "allocation.ineligible"
    assert "catering" in err.describe("fr")


def test_administrative_fees_over_the_cap_are_refused() -> None:
    err = _refused(PIC, [_alloc("20000.01", admin=True)])
    assert err.code == "allocation.fee_cap"
    assert "10 %" in err.describe("en")


def test_a_zero_allocation_is_refused() -> None:
    assert _refused(PIC, [_alloc("0.00")]).code == "allocation.not_positive"


SPACE = DateRange(FY26.start, FY26.end)


def test_the_package_of_the_space_to_acquire_shows_its_gap_twice() -> None:
    package = financial_package(
        "Acquisition d'un local",
        SPACE,
        total_cost=Decimal("400000.00"),
        grants=[
            PackageGrant(1, "PIC-2026", "Centraide", "confirmed", True, Decimal("50000.00")),
            PackageGrant(
                2,
                "INFRA-QC",
                "Gouvernement du Québec",
                "requested",
                False,
                Decimal("200000.00"),
                matching_rate=Decimal("0.5"),
                matching_basis="grant",
            ),
        ],
        in_kind=[InKind("Accompagnement juridique bénévole", Decimal("5000.00"), "Clinique juridique")],
        own_funds=Decimal("10000.00"),
    )
    assert package.confirmed_total == Decimal("65000.00")
    assert package.gap_confirmed == Decimal("335000.00")
    assert package.gap_if_granted == Decimal("135000.00")
    shares = {s.label: s.share for s in package.sources}
    assert shares["INFRA-QC"] == Decimal("0.5000")
    [matching] = [c for c in package.conditions if c.rule == "matching"]
    assert matching.limit == Decimal("100000.00") and matching.actual == Decimal("65000.00")
    assert not matching.holds and matching.shortfall == Decimal("35000.00")
    assert matching.status("fr") == "manque 35\u00a0000,00\u00a0$"
    assert matching.status("en") == "falls short by $35,000.00"


def test_a_grant_that_may_not_be_combined_with_another_of_its_funder() -> None:
    package = financial_package(
        "Grand rendez-vous",
        FY25,
        Decimal("20000.00"),
        [
            PackageGrant(1, "ARR-1", "Arrondissement", "confirmed", True, Decimal("5000.00"), no_combination=True),
            PackageGrant(2, "ARR-2", "Arrondissement", "requested", False, Decimal("3000.00")),
        ],
    )
    [condition] = package.conditions
    assert condition.rule == "no_combination" and condition.shortfall == Decimal("3000.00")
    assert condition.status("en") == "exceeded by $3,000.00"


def test_matching_on_the_project_cost_holds() -> None:
    package = financial_package(
        "P",
        FY25,
        Decimal("1000.00"),
        [PackageGrant(1, "G", "F", "confirmed", True, Decimal("500.00"), Decimal("0.25"), "project")],
        own_funds=Decimal("250.00"),
    )
    assert package.conditions[0].holds
    assert package.gap_confirmed == Decimal("250.00")
