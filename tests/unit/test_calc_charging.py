"""Charging an expense to grants: explicit splits and the automatic split (domain.md 4.5)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fundtrack.calc.charging import (
    Charge,
    ChargePlan,
    ExpenseToCharge,
    GrantFunds,
    auto_split,
    check_charge,
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


# --- the automatic split passes over a grant that cannot take the expense -------------------

PSQ = GrantFunds(4, "PSQ", YEAR, Decimal("5000.00"), projects=frozenset({7}), project_names=("PSQ",))


def test_catering_passes_over_the_restricted_translation_grant_to_centraide() -> None:
    """The restricted grant comes first in the order, but does not fund catering: Centraide pays."""
    catering = ExpenseToCharge(date(2025, 6, 12), "catering", Decimal("500.00"))
    plan = auto_split(catering, [CENTRAIDE, CITY_TRANSLATION])
    assert plan.charges == (Charge(1, Decimal("500.00")),)
    assert plan.own_funds == Decimal("0.00")


def test_a_spent_grant_first_in_line_gets_no_line_and_the_next_grant_pays() -> None:
    spent = GrantFunds(2, "VILLE-TRAD", CITY_TRANSLATION.period, Decimal("0.00"), True, frozenset({"translation"}))
    plan = auto_split(INTERPRETERS, [CENTRAIDE, spent])
    assert plan.charges == (Charge(1, Decimal("1074.87")),)


def test_a_requested_grant_first_in_line_is_passed_over() -> None:
    requested = GrantFunds(3, "FONDATION", DateRange(YEAR.start, date(2025, 9, 30)), Decimal("900.00"), confirmed=False)
    plan = auto_split(INTERPRETERS, [CENTRAIDE, requested])
    assert plan.charges == (Charge(1, Decimal("1074.87")),)


def test_a_grant_ended_before_the_expense_is_passed_over() -> None:
    ended = GrantFunds(3, "FOND-2024", DateRange(date(2024, 4, 1), date(2025, 3, 31)), Decimal("900.00"))
    plan = auto_split(INTERPRETERS, [CENTRAIDE, ended])
    assert plan.charges == (Charge(1, Decimal("1074.87")),)


def test_a_grant_for_another_project_is_passed_over() -> None:
    rooms = ExpenseToCharge(date(2025, 6, 12), "rooms", Decimal("300.00"), project=8, project_name="Grand rendez-vous")
    psq_until_september = GrantFunds(
        4, "PSQ", DateRange(YEAR.start, date(2025, 9, 30)), Decimal("5000.00"), projects=frozenset({7})
    )
    assert auto_split(rooms, [CENTRAIDE, psq_until_september]).charges == (Charge(1, Decimal("300.00")),)
    psq_rooms = ExpenseToCharge(date(2025, 6, 12), "rooms", Decimal("300.00"), project=7)
    assert auto_split(psq_rooms, [CENTRAIDE, PSQ]).charges[0].grant_id in {1, 4}
    assert validate_split(psq_rooms, [Charge(4, Decimal("300.00"))], [PSQ]).charged == Decimal("300.00")
    no_project = ExpenseToCharge(date(2025, 6, 12), "rooms", Decimal("300.00"))
    assert validate_split(no_project, [Charge(4, Decimal("300.00"))], [PSQ]).charged == Decimal("300.00")


def test_the_last_cents_of_a_grant_are_used_before_the_next_grant() -> None:
    """A restricted grant with 0,40 $ left takes its 0,40 $; Centraide takes the rest."""
    nearly_spent = GrantFunds(
        2, "VILLE-TRAD", CITY_TRANSLATION.period, Decimal("0.40"), True, frozenset({"translation"})
    )
    plan = auto_split(INTERPRETERS, [CENTRAIDE, nearly_spent])
    assert plan.charges == (Charge(2, Decimal("0.40")), Charge(1, Decimal("1074.47")))


def test_a_remainder_below_a_dollar_is_left_to_own_funds_when_no_grant_is_left() -> None:
    small = GrantFunds(1, "PIC", YEAR, Decimal("1074.00"))
    plan = auto_split(INTERPRETERS, [small])
    assert plan.charges == (Charge(1, Decimal("1074.00")),)
    assert (plan.own_funds, plan.charged, plan.total) == (Decimal("0.87"), Decimal("1074.00"), Decimal("1074.87"))


def test_grants_ending_the_same_day_are_taken_in_the_order_they_were_recorded() -> None:
    first = GrantFunds(3, "FOND-A", YEAR, Decimal("100.00"))
    second = GrantFunds(5, "FOND-B", YEAR, Decimal("100.00"))
    plan = auto_split(INTERPRETERS, [second, first])
    assert [c.grant_id for c in plan.charges] == [3, 5]


def test_a_restricted_grant_goes_before_an_unrestricted_one_ending_sooner() -> None:
    soon = GrantFunds(3, "FOND-2025", DateRange(date(2025, 1, 1), date(2025, 6, 30)), Decimal("100.00"))
    plan = auto_split(INTERPRETERS, [soon, CENTRAIDE, CITY_TRANSLATION])
    assert plan.charges == (Charge(2, Decimal("1074.87")),)


def test_a_free_expense_is_charged_to_no_grant() -> None:
    free = ExpenseToCharge(date(2025, 6, 12), "rooms", Decimal("0.00"))
    plan = auto_split(free, [CENTRAIDE])
    assert (plan.charges, plan.own_funds) == ((), Decimal("0.00"))


def test_interpreters_charged_by_hand_to_the_translation_grant_are_accepted() -> None:
    plan = validate_split(INTERPRETERS, [Charge(2, Decimal("1074.87"))], [CENTRAIDE, CITY_TRANSLATION])
    assert plan == ChargePlan((Charge(2, Decimal("1074.87")),), Decimal("0.00"))


def test_a_charge_of_zero_dollars_is_refused() -> None:
    with pytest.raises(RuleViolation) as err:
        check_charge(INTERPRETERS, CENTRAIDE, Decimal("0.00"), "amount")
    assert (err.value.code, err.value.field) == ("charging.not_positive", "amount")


def test_a_charge_of_everything_that_remains_is_accepted() -> None:
    exact_fit = GrantFunds(1, "PIC", YEAR, Decimal("1074.87"))
    check_charge(INTERPRETERS, exact_fit, Decimal("1074.87"))
    plan = validate_split(INTERPRETERS, [Charge(1, Decimal("1074.87"))], [exact_fit])
    assert plan == ChargePlan((Charge(1, Decimal("1074.87")),), Decimal("0.00"))


def test_charging_on_the_first_and_last_day_of_a_grant_is_accepted() -> None:
    for day in (YEAR.start, YEAR.end):
        expense = ExpenseToCharge(day, "rooms", Decimal("10.00"))
        assert validate_split(expense, [Charge(1, Decimal("10.00"))], [CENTRAIDE]).charged == Decimal("10.00")


# --- every refusal names its rule and its field, in the treasurer's words ------------------

REQUESTED = GrantFunds(3, "FONDATION", YEAR, Decimal("100.00"), confirmed=False, status="requested")
ROOMS = ExpenseToCharge(date(2025, 6, 12), "rooms", Decimal("100.00"), project=8, project_name="Grand rendez-vous")


@pytest.mark.parametrize(
    ("expense", "split", "grants", "own", "code", "field", "english"),
    [
        pytest.param(
            INTERPRETERS,
            [Charge(1, Decimal("0.00"))],
            [CENTRAIDE],
            "1074.87",
            "charging.not_positive",
            "charges[0].amount",
            "amount charged to PIC-2025 is invalid ($0.00): it must be positive",
            id="nothing charged to a grant",
        ),
        pytest.param(
            INTERPRETERS,
            [Charge(1, Decimal("-1.00"))],
            [CENTRAIDE],
            "1075.87",
            "charging.not_positive",
            "charges[0].amount",
            "amount charged to PIC-2025 is invalid (-$1.00): it must be positive",
            id="a negative part",
        ),
        pytest.param(
            INTERPRETERS,
            [Charge(3, Decimal("100.00"))],
            [REQUESTED],
            "974.87",
            "charging.not_confirmed",
            "charges[0].amount",
            "grant FONDATION is not confirmed (requested): no expense can be charged to it",
            id="a grant only requested",
        ),
        pytest.param(
            ExpenseToCharge(date(2026, 1, 15), "translation", Decimal("100.00")),
            [Charge(2, Decimal("100.00"))],
            [CITY_TRANSLATION],
            "0",
            "charging.outside_period",
            "charges[0].amount",
            "the expense of 2026-01-15 is outside the period of grant VILLE-TRAD (2025-01-01 – 2025-12-31)",
            id="after the grant's period",
        ),
        pytest.param(
            ExpenseToCharge(date(2024, 12, 31), "translation", Decimal("100.00")),
            [Charge(2, Decimal("100.00"))],
            [CITY_TRANSLATION],
            "0",
            "charging.outside_period",
            "charges[0].amount",
            "the expense of 2024-12-31 is outside the period of grant VILLE-TRAD (2025-01-01 – 2025-12-31)",
            id="before the grant's period",
        ),
        pytest.param(
            ExpenseToCharge(date(2025, 6, 12), "catering", Decimal("100.00")),
            [Charge(2, Decimal("100.00"))],
            [CITY_TRANSLATION],
            "0",
            "grant.ineligible_category",
            "charges[0].amount",
            "grant VILLE-TRAD is restricted and does not fund the category 'catering'",
            id="a category the restricted grant does not fund",
        ),
        pytest.param(
            ROOMS,
            [Charge(4, Decimal("100.00"))],
            [PSQ],
            "0",
            "grant.project_not_funded",
            "charges[0].amount",
            "grant PSQ does not fund the project 'Grand rendez-vous'",
            id="another project",
        ),
        pytest.param(
            INTERPRETERS,
            [Charge(1, Decimal("1074.87"))],
            [GrantFunds(1, "PIC", YEAR, Decimal("100.00"))],
            "0",
            "charging.beyond_remaining",
            "charges[0].amount",
            "$1,074.87 is more than what remains of grant PIC ($100.00)",
            id="beyond what remains",
        ),
        pytest.param(
            INTERPRETERS,
            [Charge(1, Decimal("1075.87"))],
            [CENTRAIDE],
            "-1.00",
            "charging.own_negative",
            "own_funds",
            "negative own-funds share (-$1.00)",
            id="negative own funds",
        ),
        pytest.param(
            INTERPRETERS,
            [Charge(1, Decimal("1074.87"))],
            [CENTRAIDE],
            "0.001",
            "money.decimals",
            "own_funds",
            "more than two decimals (0.001): an amount is exact to the cent",
            id="own funds to a tenth of a cent",
        ),
        pytest.param(
            INTERPRETERS,
            [Charge(1, Decimal("1")), Charge(1, Decimal("1073.87"))],
            [CENTRAIDE],
            "0",
            "charging.twice",
            "charges[1].grant",
            "grant PIC-2025 appears twice in the split",
            id="a grant twice",
        ),
        pytest.param(
            INTERPRETERS,
            [Charge(9, Decimal("1074.87"))],
            [CENTRAIDE],
            "0",
            "charging.unknown_grant",
            "charges[0].grant",
            "unknown grant (9)",
            id="a grant that is not on the expense's line",
        ),
        pytest.param(
            INTERPRETERS,
            [Charge(1, Decimal("1074.875"))],
            [CENTRAIDE],
            "0",
            "money.decimals",
            "charges[0].amount",
            "more than two decimals (1074.875): an amount is exact to the cent",
            id="a part to a tenth of a cent",
        ),
        pytest.param(
            INTERPRETERS,
            [Charge(1, Decimal("1000.00"))],
            [CENTRAIDE],
            "70.00",
            "charging.split_total",
            "charges",
            "the split adds up to $1,070.00 (grants $1,000.00 + own funds $70.00) instead of the net cost"
            " $1,074.87: it must equal it exactly",
            id="a split short of the net cost",
        ),
        pytest.param(
            ExpenseToCharge(date(2025, 6, 12), "rooms", Decimal("-5.00")),
            [],
            [CENTRAIDE],
            "0",
            "charging.negative_cost",
            "net_cost",
            "negative net cost (-$5.00): a correction is made with a reversing entry",
            id="a negative net cost",
        ),
        pytest.param(
            ExpenseToCharge(date(2025, 6, 12), "rooms", Decimal("5.001")),
            [],
            [CENTRAIDE],
            "0",
            "money.decimals",
            "net_cost",
            "more than two decimals (5.001): an amount is exact to the cent",
            id="a net cost to a tenth of a cent",
        ),
    ],
)
def test_every_refusal_of_a_split_names_its_rule_and_its_field(
    expense: ExpenseToCharge,
    split: list[Charge],
    grants: list[GrantFunds],
    own: str,
    code: str,
    field: str,
    english: str,
) -> None:
    with pytest.raises(InputError) as err:
        validate_split(expense, split, grants, Decimal(own))
    assert (err.value.code, err.value.field) == (code, field)
    assert err.value.describe("en") == f"{field}: {english}"


def test_the_automatic_split_refuses_a_negative_net_cost_naming_it() -> None:
    with pytest.raises(RuleViolation) as err:
        auto_split(ExpenseToCharge(date(2025, 6, 12), "rooms", Decimal("-5.00")), [CENTRAIDE])
    assert (err.value.code, err.value.field) == ("charging.negative_cost", "net_cost")
