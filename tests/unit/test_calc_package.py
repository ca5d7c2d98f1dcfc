"""The financial package of a project and the allocation rules (domain.md 4.5)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fundtrack.calc.package import (
    AllocationItem,
    GrantTerms,
    InKind,
    LinkedGrant,
    PackageGrant,
    allocation_conditions,
    cap_linked_grants,
    check_allocations,
    financial_package,
)
from fundtrack.errors import RuleViolation
from fundtrack.money import ZERO
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
    assert err.code == "grant.ineligible_category"
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


# --- grants linked to a project without allocations --------------------------------------

D = Decimal
SALARIES, TRANSLATION, ROOMS = 1, 2, 3


def test_a_linked_grant_restricted_to_salaries_brings_nothing_to_a_project_with_no_salary_line() -> None:
    foundation = LinkedGrant(7, D("45041.10"), True, frozenset({SALARIES}), date(2027, 6, 30))
    assert cap_linked_grants([foundation], {TRANSLATION: D("25000.00"), ROOMS: D("10000.00")}) == {7: D("0.00")}


def test_confirmed_money_covers_first_then_restricted_then_earliest_to_expire() -> None:
    requested = LinkedGrant(1, D("20000.00"), False, None, date(2027, 1, 31))
    late = LinkedGrant(2, D("8000.00"), True, None, date(2028, 3, 31))
    early = LinkedGrant(3, D("8000.00"), True, None, date(2027, 3, 31))
    restricted = LinkedGrant(4, D("5000.00"), True, frozenset({TRANSLATION}), date(2028, 3, 31))
    taken = cap_linked_grants([requested, late, early, restricted], {TRANSLATION: D("12000.00"), ROOMS: D("6000.00")})
    assert taken == {4: D("5000.00"), 3: D("8000.00"), 2: D("5000.00"), 1: D("0.00")}


@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=0, max_value=100000, places=2),
            st.booleans(),
            st.one_of(st.none(), st.frozensets(st.integers(1, 4), min_size=1)),
        ),
        max_size=6,
    ),
    st.dictionaries(st.integers(1, 4), st.decimals(min_value=-1000, max_value=100000, places=2)),
)
def test_linked_grants_never_bring_more_than_their_amount_or_the_uncovered_cost(
    grants: list[tuple[Decimal, bool, frozenset[int] | None]], uncovered: dict[int, Decimal]
) -> None:
    linked = [LinkedGrant(i, a, c, e, date(2027, 3, 31)) for i, (a, c, e) in enumerate(grants)]
    taken = cap_linked_grants(linked, uncovered)
    assert all(ZERO <= taken[g.key] <= g.amount for g in linked)
    assert sum(taken.values(), ZERO) <= sum((max(v, ZERO) for v in uncovered.values()), ZERO)
