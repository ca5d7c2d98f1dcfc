"""Sales taxes on expenses follow domain.md 4.4 exactly."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fundtrack.calc.taxes import NO_REBATE, RebateRates, compute_taxes
from fundtrack.errors import InputError

CENT = Decimal("0.01")


def test_the_domain_example_a_thousand_dollars_before_tax() -> None:
    t = compute_taxes(Decimal("1000.00"))
    assert (t.gst, t.qst) == (Decimal("50.00"), Decimal("99.75"))
    assert (t.gst_rebate, t.qst_rebate) == (Decimal("25.00"), Decimal("49.88"))
    assert t.net_cost == Decimal("1074.87")
    assert t.total_paid == Decimal("1149.75")


def test_an_organisation_without_rebates_pays_every_tax() -> None:
    assert compute_taxes(Decimal("1000.00"), NO_REBATE).net_cost == Decimal("1149.75")


def test_an_exempt_purchase_gives_zero_taxes_and_costs_its_pre_tax_amount() -> None:
    t = compute_taxes(Decimal("250.00"), gst=Decimal("0"), qst=Decimal("0"))
    assert (t.gst, t.qst, t.rebates, t.net_cost) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("250.00"),
    )


def test_taxes_from_a_receipt_are_taken_as_given_and_rebated() -> None:
    t = compute_taxes(Decimal("100.00"), gst=Decimal("5.00"), qst=Decimal("0"))
    assert t.gst_rebate == Decimal("2.50") and t.qst_rebate == Decimal("0.00")
    assert t.net_cost == Decimal("102.50")


def test_a_credit_note_mirrors_the_purchase() -> None:
    t = compute_taxes(Decimal("-1000.00"))
    assert t.net_cost == Decimal("-1074.87")


@pytest.mark.parametrize("bad", ["10.005", 1.5])
def test_an_amount_with_a_third_decimal_or_a_float_is_refused(bad: object) -> None:
    with pytest.raises(InputError):
        compute_taxes(bad)  # type: ignore[arg-type]


def test_a_rebate_rate_above_one_is_refused() -> None:
    with pytest.raises(InputError) as err:
        RebateRates(Decimal("1.5"), Decimal("0.5"))
    assert err.value.field == "gst_rebate_rate"


def test_a_given_tax_of_the_wrong_sign_is_refused() -> None:
    with pytest.raises(InputError) as err:
        compute_taxes(Decimal("100.00"), gst=Decimal("-5.00"))
    assert err.value.field == "gst"


amounts = st.integers(min_value=-(10**11), max_value=10**11).map(lambda c: Decimal(c) / 100)
rates = st.integers(min_value=0, max_value=1000).map(lambda r: Decimal(r) / 1000)


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@given(amounts, rates, rates)
def test_every_figure_is_rounded_half_up_to_the_cent_on_its_own(pre: Decimal, g: Decimal, q: Decimal) -> None:
    t = compute_taxes(pre, RebateRates(g, q))
    assert t.gst == _half_up(pre * Decimal("0.05"))
    assert t.qst == _half_up(pre * Decimal("0.09975"))
    assert t.gst_rebate == _half_up(t.gst * g)
    assert t.qst_rebate == _half_up(t.qst * q)
    assert t.net_cost == pre + t.gst + t.qst - t.gst_rebate - t.qst_rebate
    for value in (t.gst, t.qst, t.gst_rebate, t.qst_rebate, t.net_cost):
        assert value == value.quantize(CENT)


@given(amounts)
def test_a_credit_note_is_the_exact_opposite(pre: Decimal) -> None:
    assert compute_taxes(-pre).net_cost == -compute_taxes(pre).net_cost
