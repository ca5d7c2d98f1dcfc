"""Charging an expense to grants: explicit splits and the automatic split (domain.md 4.5)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fundtrack.calc.charging import (
    Charge,
    ExpenseToCharge,
    GrantFunds,
    auto_split,
    validate_split,
)
from fundtrack.errors import InputError, RuleViolation
from fundtrack.i18n import translate
from fundtrack.periods import DateRange

YEAR = DateRange(date(2025, 4, 1), date(2026, 3, 31))
CENTRAIDE = GrantFunds(1, "PIC-2025", YEAR, Decimal("80000.00"))
CITY_TRANSLATION = GrantFunds(
    2,
    "VILLE-TRAD",
    DateRange(date(2025, 1, 1), date(2025, 12, 31)),
    Decimal("5000.00"),
    restricted=True,
    eligible_categories=frozenset({"translation"}),
)
INTERPRETERS = ExpenseToCharge(date(2025, 6, 12), "translation", Decimal("1074.87"))


def test_interpreters_go_first_to_the_restricted_translation_grant() -> None:
    plan = auto_split(INTERPRETERS, [CENTRAIDE, CITY_TRANSLATION])
    assert plan.charges == (Charge(2, Decimal("1074.87")),)
    assert plan.own_funds == Decimal("0.00")


def test_what_the_restricted_grant_lacks_goes_to_the_next_grant() -> None:
    nearly_spent = GrantFunds(
        2, "VILLE-TRAD", CITY_TRANSLATION.period, Decimal("74.87"), True, frozenset({"translation"})
    )
    plan = auto_split(INTERPRETERS, [CENTRAIDE, nearly_spent])
    assert plan.charges == (Charge(2, Decimal("74.87")), Charge(1, Decimal("1000.00")))


def test_a_restricted_grant_does_not_take_catering() -> None:
    catering = ExpenseToCharge(date(2025, 6, 12), "catering", Decimal("500.00"))
    assert auto_split(catering, [CITY_TRANSLATION]).own_funds == Decimal("500.00")


def test_earliest_expiring_grant_goes_first_among_unrestricted() -> None:
    short = GrantFunds(3, "FOND-2025", DateRange(date(2025, 1, 1), date(2025, 9, 30)), Decimal("300.00"))
    plan = auto_split(INTERPRETERS, [CENTRAIDE, short])
    assert plan.charges[0] == Charge(3, Decimal("300.00"))


def test_after_every_grant_is_spent_the_rest_is_own_funds() -> None:
    small = GrantFunds(1, "PIC", YEAR, Decimal("100.00"))
    plan = auto_split(INTERPRETERS, [small])
    assert plan.own_funds == Decimal("974.87")


def test_a_requested_grant_takes_nothing() -> None:
    requested = GrantFunds(1, "PIC", YEAR, Decimal("100.00"), confirmed=False, status="requested")
    assert auto_split(INTERPRETERS, [requested]).charges == ()


def test_an_explicit_split_with_own_funds() -> None:
    plan = validate_split(INTERPRETERS, [Charge(1, Decimal("1000.00"))], [CENTRAIDE], Decimal("74.87"))
    assert plan.total == INTERPRETERS.net_cost


def _refusal(split: list[Charge], grants: list[GrantFunds], own: str = "0") -> RuleViolation:
    with pytest.raises(RuleViolation) as err:
        validate_split(INTERPRETERS, split, grants, Decimal(own))
    return err.value


def test_a_split_that_does_not_add_up_is_refused() -> None:
    err = _refusal([Charge(1, Decimal("1000.00"))], [CENTRAIDE])
    assert err.code == "charging.split_total"
    assert "$1,074.87" in err.describe("en")


def test_charging_outside_the_grant_period_is_refused_naming_the_grant() -> None:
    late = ExpenseToCharge(date(2026, 1, 15), "translation", Decimal("100.00"))
    with pytest.raises(RuleViolation) as err:
        validate_split(late, [Charge(2, Decimal("100.00"))], [CITY_TRANSLATION])
    assert err.value.code == "charging.outside_period"
    assert "VILLE-TRAD" in err.value.describe("fr") and "hors de la période" in err.value.describe("fr")


def test_charging_an_ineligible_category_to_a_restricted_grant_is_refused() -> None:
    catering = ExpenseToCharge(date(2025, 6, 12), "catering", Decimal("100.00"))
    with pytest.raises(RuleViolation) as err:
        validate_split(catering, [Charge(2, Decimal("100.00"))], [CITY_TRANSLATION])
    assert err.value.code == "grant.ineligible_category"
    assert translate(err.value.code, "en", **err.value.params).startswith("grant VILLE-TRAD is restricted")


def test_charging_beyond_what_remains_is_refused() -> None:
    small = GrantFunds(1, "PIC", YEAR, Decimal("100.00"))
    err = _refusal([Charge(1, Decimal("1074.87"))], [small])
    assert err.code == "charging.beyond_remaining"
    assert err.field == "charges[0].amount"


def test_a_grant_twice_or_unknown_is_refused() -> None:
    assert _refusal([Charge(1, Decimal("1")), Charge(1, Decimal("1073.87"))], [CENTRAIDE]).code == "charging.twice"
    with pytest.raises(InputError):
        validate_split(INTERPRETERS, [Charge(9, INTERPRETERS.net_cost)], [CENTRAIDE])


def test_a_negative_part_is_refused() -> None:
    assert _refusal([Charge(1, Decimal("-1.00"))], [CENTRAIDE], "1075.87").code == "charging.not_positive"


cents = st.integers(min_value=0, max_value=10**9).map(lambda c: Decimal(c) / 100)
days = st.integers(min_value=0, max_value=730).map(lambda d: date(2025, 1, 1) + timedelta(days=d))


@st.composite
def grants(draw: st.DrawFn) -> list[GrantFunds]:
    out = []
    for i in range(draw(st.integers(min_value=0, max_value=6))):
        start = draw(days)
        end = start + timedelta(days=draw(st.integers(min_value=0, max_value=500)))
        out.append(
            GrantFunds(
                grant_id=i + 1,
                label=f"G{i + 1}",
                period=DateRange(start, end),
                remaining=draw(cents),
                restricted=draw(st.booleans()),
                eligible_categories=frozenset(draw(st.sets(st.sampled_from(["translation", "rooms", "catering"])))),
                confirmed=draw(st.booleans()),
            )
        )
    return out


@given(grants(), days, st.sampled_from(["translation", "rooms", "catering"]), cents)
def test_an_automatic_split_adds_up_and_never_exceeds_a_remainder(
    candidates: list[GrantFunds], day: date, category: str, net_cost: Decimal
) -> None:
    expense = ExpenseToCharge(day, category, net_cost)
    plan = auto_split(expense, candidates)
    assert plan.total == net_cost
    assert plan.own_funds >= 0
    by_id = {g.grant_id: g for g in candidates}
    assert len({c.grant_id for c in plan.charges}) == len(plan.charges)
    for charge in plan.charges:
        assert 0 < charge.amount <= by_id[charge.grant_id].remaining
    # the plan is a valid explicit split too
    assert validate_split(expense, plan.charges, candidates, plan.own_funds) == plan
