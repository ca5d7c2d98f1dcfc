"""Sales taxes on an expense: GST, QST, the public service bodies' rebates and the net cost.

domain.md 4.4: GST (TPS) 5 % and QST (TVQ) 9.975 %, each computed on the pre-tax
amount and rounded half up to the cent; the organisation recovers a share of each
(50 % / 50 % by default), each rebate rounded to the cent; the cost charged to
budget lines and grants is the net cost, pre-tax + taxes − rebates.

An exempt or zero-rated purchase (or a receipt whose taxes differ from the
computed ones) gives its GST and QST explicitly; the rebates are then computed
on the given amounts. A tax typed may be lower than the rule gives (part of the
receipt exempt), never higher by more than a receipt's rounding
(:data:`TAX_ROUNDING` or 1 % of the computed tax): 100 000 $ of GST on 1,00 $ is a typo.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fundtrack.errors import InputError
from fundtrack.i18n import msg
from fundtrack.money import ZERO, percent_of, shown, to_money

GST_RATE = Decimal("0.05")
QST_RATE = Decimal("0.09975")
DEFAULT_REBATE = Decimal("0.5")

M_BAD_RATE = msg("taxes.bad_rate")
M_TAX_SIGN = msg("taxes.sign")
M_TAX_TOO_HIGH = msg("taxes.too_high")
TAX_ROUNDING = Decimal("0.05")


@dataclass(frozen=True)
class RebateRates:
    """The share of each tax the organisation recovers (fractions: 0.5 for 50 %)."""

    gst: Decimal = DEFAULT_REBATE
    qst: Decimal = DEFAULT_REBATE

    def __post_init__(self) -> None:
        for name, rate in (("gst_rebate_rate", self.gst), ("qst_rebate_rate", self.qst)):
            if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 <= rate <= 1:
                raise InputError(M_BAD_RATE, field=name, value=rate)


NO_REBATE = RebateRates(Decimal(0), Decimal(0))


@dataclass(frozen=True)
class SalesTaxes:
    """The taxes of one expense and what it finally costs the organisation."""

    pre_tax: Decimal
    gst: Decimal
    qst: Decimal
    gst_rebate: Decimal
    qst_rebate: Decimal

    @property
    def taxes(self) -> Decimal:
        return self.gst + self.qst

    @property
    def rebates(self) -> Decimal:
        return self.gst_rebate + self.qst_rebate

    @property
    def net_cost(self) -> Decimal:
        """pre-tax + taxes − rebates: what is charged to budget lines and grants."""
        return self.pre_tax + self.gst + self.qst - self.gst_rebate - self.qst_rebate


def compute_taxes(
    pre_tax: Decimal,
    rebates: RebateRates = RebateRates(),
    *,
    gst: Decimal | None = None,
    qst: Decimal | None = None,
) -> SalesTaxes:
    """GST, QST, rebates and net cost of an expense of ``pre_tax`` dollars.

    ``gst`` and ``qst`` override the computed taxes (``Decimal("0")`` for an exempt
    or zero-rated purchase). A negative ``pre_tax`` (a credit note) gives negative
    taxes and rebates, mirror images of the positive ones.

    Raises :class:`InputError` for an amount with more than two decimals, or a
    given tax whose sign differs from the pre-tax amount's.
    """
    amount = to_money(pre_tax, "pre_tax")
    gst_amount = _given_tax(gst, amount, GST_RATE, "gst")
    qst_amount = _given_tax(qst, amount, QST_RATE, "qst")
    return SalesTaxes(
        pre_tax=amount,
        gst=gst_amount,
        qst=qst_amount,
        gst_rebate=percent_of(gst_amount, rebates.gst),
        qst_rebate=percent_of(qst_amount, rebates.qst),
    )


def _given_tax(value: Decimal | None, pre_tax: Decimal, rate: Decimal, field: str) -> Decimal:
    computed = percent_of(pre_tax, rate)
    if value is None:
        return computed
    tax = to_money(value, field)
    if tax != ZERO and (tax < 0) != (pre_tax < 0):
        raise InputError(M_TAX_SIGN, field=field, value=shown(tax), pre_tax=shown(pre_tax))
    allowance = max(TAX_ROUNDING, percent_of(abs(computed), Decimal("0.01")))
    if abs(tax) > abs(computed) + allowance:
        raise InputError(
            M_TAX_TOO_HIGH, field=field, value=shown(tax), computed=shown(computed), pre_tax=shown(pre_tax)
        )
    return tax
