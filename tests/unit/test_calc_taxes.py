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
    assert t.pre_tax + t.taxes == Decimal("1149.75")


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


# --- what a treasurer reads when a receipt is refused, and what is taken as typed ---------


def test_a_rebate_rate_above_one_for_the_qst_names_the_qst_rate() -> None:
    with pytest.raises(InputError) as err:
        RebateRates(Decimal("0.5"), Decimal("1.5"))
    assert (err.value.code, err.value.field) == ("taxes.bad_rate", "qst_rebate_rate")
    assert err.value.describe("en") == "qst_rebate_rate: invalid rebate rate (1.5): between 0 and 1 (0.5 for 50 %)"


@pytest.mark.parametrize("bad", [0.5, 1, "0.5", Decimal("NaN"), Decimal("-0.01")])
def test_a_rebate_rate_that_is_not_an_exact_fraction_between_0_and_1_is_refused(bad: object) -> None:
    with pytest.raises(InputError) as err:
        RebateRates(bad, Decimal("0.5"))  # type: ignore[arg-type]
    assert (err.value.code, err.value.field) == ("taxes.bad_rate", "gst_rebate_rate")
    assert err.value.describe("en") == f"gst_rebate_rate: invalid rebate rate ({bad}): between 0 and 1 (0.5 for 50 %)"


def test_a_body_that_recovers_all_of_each_tax_pays_the_pre_tax_amount() -> None:
    t = compute_taxes(Decimal("1000.00"), RebateRates(Decimal("1"), Decimal("1")))
    assert (t.gst_rebate, t.qst_rebate, t.net_cost) == (Decimal("50.00"), Decimal("99.75"), Decimal("1000.00"))


def test_a_pre_tax_amount_with_a_third_decimal_names_the_pre_tax_field() -> None:
    with pytest.raises(InputError) as err:
        compute_taxes(Decimal("1.005"))
    assert err.value.describe("en") == "pre_tax: more than two decimals (1.005): an amount is exact to the cent"


@pytest.mark.parametrize("tax", ["gst", "qst"])
def test_a_given_tax_with_a_third_decimal_names_its_own_field(tax: str) -> None:
    with pytest.raises(InputError) as err:
        compute_taxes(Decimal("10.00"), **{tax: Decimal("0.123")})
    assert err.value.describe("en") == f"{tax}: more than two decimals (0.123): an amount is exact to the cent"


def test_a_receipts_qst_other_than_zero_is_taken_as_given_and_rebated() -> None:
    """A receipt shows 9,50 $ of QST on 100,00 $ (part of it exempt): that is what was paid."""
    t = compute_taxes(Decimal("100.00"), gst=Decimal("5.00"), qst=Decimal("9.50"))
    assert (t.qst, t.qst_rebate) == (Decimal("9.50"), Decimal("4.75"))
    assert t.net_cost == Decimal("100.00") + Decimal("5.00") + Decimal("9.50") - Decimal("2.50") - Decimal("4.75")


def test_fifty_cents_of_gst_on_ten_dollars_is_taken_as_given() -> None:
    t = compute_taxes(Decimal("10.00"), gst=Decimal("0.50"), qst=Decimal("0.99"))
    assert (t.gst, t.qst) == (Decimal("0.50"), Decimal("0.99"))


def test_a_small_purchase_with_the_receipts_taxes_is_taken_as_given() -> None:
    """0,50 $ before tax: 0,03 $ of GST and 0,05 $ of QST, as the rule gives them."""
    t = compute_taxes(Decimal("0.50"), gst=Decimal("0.03"), qst=Decimal("0.05"))
    assert (t.gst, t.qst) == (Decimal("0.03"), Decimal("0.05"))


def test_on_a_zero_pre_tax_amount_a_few_cents_of_rounding_are_taken_but_not_a_negative_tax() -> None:
    assert compute_taxes(Decimal("0.00"), gst=Decimal("0.05")).gst == Decimal("0.05")
    with pytest.raises(InputError) as err:
        compute_taxes(Decimal("0.00"), gst=Decimal("-0.05"))
    assert err.value.describe("en") == "gst: the tax (-$0.05) does not have the sign of the pre-tax amount ($0.00)"


def test_a_given_tax_of_the_wrong_sign_says_both_amounts() -> None:
    with pytest.raises(InputError) as err:
        compute_taxes(Decimal("100.00"), qst=Decimal("-5.00"))
    assert err.value.code == "taxes.sign"
    assert err.value.describe("en") == "qst: the tax (-$5.00) does not have the sign of the pre-tax amount ($100.00)"


def test_a_credit_notes_given_tax_must_be_negative_too() -> None:
    with pytest.raises(InputError) as err:
        compute_taxes(Decimal("-100.00"), gst=Decimal("5.00"))
    assert err.value.describe("en") == "gst: the tax ($5.00) does not have the sign of the pre-tax amount (-$100.00)"


def test_a_tax_higher_than_the_rule_by_more_than_a_receipts_rounding_is_refused_with_the_figures() -> None:
    """1 000 $ before tax: 50,00 $ of GST, and a receipt may show up to 1 % more (50,50 $)."""
    assert compute_taxes(Decimal("1000.00"), gst=Decimal("50.50")).gst == Decimal("50.50")
    with pytest.raises(InputError) as err:
        compute_taxes(Decimal("1000.00"), gst=Decimal("50.51"))
    assert err.value.code == "taxes.too_high"
    assert err.value.describe("en") == (
        "gst: a tax of $50.51 is higher than the rule gives on $1,000.00 before tax ($50.00):"
        " check the amount (a tax may be lower, for an exempt part, not higher)"
    )


def test_on_a_small_amount_the_allowance_is_five_cents() -> None:
    """10,00 $ before tax: 0,50 $ of GST by the rule, 0,55 $ taken, 0,56 $ refused."""
    assert compute_taxes(Decimal("10.00"), gst=Decimal("0.55")).gst == Decimal("0.55")
    with pytest.raises(InputError) as err:
        compute_taxes(Decimal("10.00"), gst=Decimal("0.56"))
    assert err.value.describe("en") == (
        "gst: a tax of $0.56 is higher than the rule gives on $10.00 before tax ($0.50):"
        " check the amount (a tax may be lower, for an exempt part, not higher)"
    )


@given(amounts)
def test_the_taxes_a_receipt_shows_as_the_rule_gives_them_are_always_taken(pre: Decimal) -> None:
    computed = compute_taxes(pre)
    assert compute_taxes(pre, gst=computed.gst, qst=computed.qst) == computed
