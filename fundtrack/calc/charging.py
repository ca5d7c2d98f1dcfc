"""Charging an expense to grants: checking an explicit split, or splitting automatically.

domain.md 4.5: an expense is charged to one or more grants, by a split that adds up
exactly to its net cost, or left to the organisation's own funds. Charging to a grant
outside the grant's period, to a category a restricted grant does not fund, or beyond
what remains of the grant, is refused with a message that names the rule and the grant.

The automatic split takes the grants allocated to the expense's budget line (the
caller passes them), restricted grants first, those that expire earliest first, each
up to what remains of it; what no grant takes is left to own funds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fundtrack.errors import InputError, RuleViolation
from fundtrack.i18n import msg
from fundtrack.money import ZERO, shown, to_money
from fundtrack.periods import DateRange

M_SPLIT_TOTAL = msg("charging.split_total")
M_OUTSIDE_PERIOD = msg("charging.outside_period")
M_INELIGIBLE = msg("grant.ineligible_category")
M_BEYOND_REMAINING = msg("charging.beyond_remaining")
M_NOT_CONFIRMED = msg("charging.not_confirmed")
M_NOT_POSITIVE = msg("charging.not_positive")
M_OWN_NEGATIVE = msg("charging.own_negative")
M_TWICE = msg("charging.twice")
M_UNKNOWN_GRANT = msg("charging.unknown_grant")
M_NEGATIVE_COST = msg("charging.negative_cost")
M_PROJECT = msg("grant.project_not_funded")


@dataclass(frozen=True)
class GrantFunds:
    """What charging needs to know about a grant.

    ``remaining`` is the grant's amount less what is already charged to it (not
    counting the expense being charged). ``eligible_categories`` matters only when
    ``restricted``. ``label`` names the grant in messages (its reference).
    """

    grant_id: int
    label: str
    period: DateRange
    remaining: Decimal
    restricted: bool = False
    eligible_categories: frozenset[str] = frozenset()
    confirmed: bool = True
    status: str = "confirmed"
    projects: frozenset[int] = frozenset()  # the projects it funds; none named: any project
    project_names: tuple[str, ...] = ()

    def funds_category(self, category: str) -> bool:
        return not self.restricted or category in self.eligible_categories

    def funds_project(self, project: int | None) -> bool:
        return not self.projects or project is None or project in self.projects


@dataclass(frozen=True)
class ExpenseToCharge:
    """The expense as charging sees it: its date, category code and net cost."""

    day: date
    category: str
    net_cost: Decimal
    project: int | None = None
    project_name: str = ""


@dataclass(frozen=True)
class Charge:
    grant_id: int
    amount: Decimal


@dataclass(frozen=True)
class ChargePlan:
    """Who pays an expense: each grant's part and what is left to own funds."""

    charges: tuple[Charge, ...]
    own_funds: Decimal

    @property
    def charged(self) -> Decimal:
        return sum((c.amount for c in self.charges), ZERO)

    @property
    def total(self) -> Decimal:
        return self.charged + self.own_funds


def check_charge(expense: ExpenseToCharge, grant: GrantFunds, amount: Decimal, field: str | None = None) -> None:
    """Raise :class:`RuleViolation` if ``amount`` of ``expense`` may not go to ``grant``.

    The rules, in the order they are checked: the amount is positive, the grant is
    confirmed, its period contains the expense's date, it funds the expense's
    category (if restricted), and ``amount`` is within what remains of it.
    """
    if amount <= 0:
        raise RuleViolation(M_NOT_POSITIVE, field=field, grant=grant.label, amount=shown(amount))
    if not grant.confirmed:
        raise RuleViolation(M_NOT_CONFIRMED, field=field, grant=grant.label, status=grant.status)
    if expense.day not in grant.period:
        raise RuleViolation(
            M_OUTSIDE_PERIOD,
            field=field,
            day=expense.day,
            grant=grant.label,
            start=grant.period.start,
            end=grant.period.end,
        )
    if not grant.funds_category(expense.category):
        raise RuleViolation(M_INELIGIBLE, field=field, grant=grant.label, category=expense.category)
    if not grant.funds_project(expense.project):
        raise RuleViolation(M_PROJECT, field=field, grant=grant.label, project=expense.project_name)
    if amount > grant.remaining:
        raise RuleViolation(
            M_BEYOND_REMAINING, field=field, grant=grant.label, amount=shown(amount), remaining=shown(grant.remaining)
        )


def validate_split(
    expense: ExpenseToCharge,
    split: Sequence[Charge],
    grants: Iterable[GrantFunds],
    own_funds: Decimal = ZERO,
) -> ChargePlan:
    """Check an explicit split and return it as a plan.

    The grants' parts plus ``own_funds`` must add up exactly to the expense's net
    cost, each grant at most once, and every part must pass :func:`check_charge`.
    Raises :class:`RuleViolation` (or :class:`InputError` for a malformed amount)
    naming the rule and the grant.
    """
    net_cost = _net_cost(expense)
    own = to_money(own_funds, "own_funds")
    if own < 0:
        raise RuleViolation(M_OWN_NEGATIVE, field="own_funds", amount=shown(own))
    known = {g.grant_id: g for g in grants}
    seen: set[int] = set()
    charges: list[Charge] = []
    for i, charge in enumerate(split):
        field = f"charges[{i}]"
        grant = known.get(charge.grant_id)
        if grant is None:
            raise InputError(M_UNKNOWN_GRANT, field=f"{field}.grant", grant=charge.grant_id)
        if charge.grant_id in seen:
            raise RuleViolation(M_TWICE, field=f"{field}.grant", grant=grant.label)
        seen.add(charge.grant_id)
        amount = to_money(charge.amount, f"{field}.amount")
        check_charge(expense, grant, amount, f"{field}.amount")
        charges.append(Charge(charge.grant_id, amount))
    charged = sum((c.amount for c in charges), ZERO)
    if charged + own != net_cost:
        raise RuleViolation(
            M_SPLIT_TOTAL,
            field="charges",
            total=shown(charged + own),
            charged=shown(charged),
            own=shown(own),
            net_cost=shown(net_cost),
        )
    return ChargePlan(tuple(charges), own)


def charging_order(grants: Iterable[GrantFunds]) -> list[GrantFunds]:
    """Restricted grants first, then those that expire earliest; ties by id."""
    return sorted(grants, key=lambda g: (not g.restricted, g.period.end, g.grant_id))


def can_take(expense: ExpenseToCharge, grant: GrantFunds) -> bool:
    """Whether ``grant`` could take any part of ``expense`` (every rule but the amount)."""
    return (
        grant.confirmed
        and expense.day in grant.period
        and grant.funds_category(expense.category)
        and grant.funds_project(expense.project)
        and grant.remaining > 0
    )


def auto_split(expense: ExpenseToCharge, candidates: Iterable[GrantFunds]) -> ChargePlan:
    """Split the expense's net cost over ``candidates`` (the grants allocated to its line).

    Grants that cannot take it (not confirmed, outside their period, ineligible
    category, nothing left) are passed over; the others take, in
    :func:`charging_order`, as much as remains of them. What is left goes to own
    funds. The plan always adds up to the net cost and never exceeds a remainder.
    """
    left = _net_cost(expense)
    charges: list[Charge] = []
    for grant in charging_order(candidates):
        if left == 0:
            break
        if not can_take(expense, grant):
            continue
        part = min(left, grant.remaining)
        charges.append(Charge(grant.grant_id, part))
        left -= part
    return ChargePlan(tuple(charges), left)


def _net_cost(expense: ExpenseToCharge) -> Decimal:
    net_cost = to_money(expense.net_cost, "net_cost")
    if net_cost < 0:
        raise RuleViolation(M_NEGATIVE_COST, field="net_cost", net_cost=shown(net_cost))
    return net_cost
