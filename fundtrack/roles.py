"""Who may do what: the four roles of the people who use fundtrack, and what each may write.

- the treasurer keeps the money: funders, grants, instalments, expenses, allocations,
  budgets, payroll parameters, the organisation's settings and the accounts;
- the coordinator builds the staffing plan and its scenarios, and drafts budget versions
  (scenario versions: not adopted, never made current);
- a board member reads everything and writes nothing;
- a funder reads its own grants and what they pay for, and writes nothing.

Every write service asks :meth:`fundtrack.services.context.Acting.require`, so the CLI
and the web admin cannot enforce different rules.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    TREASURER = "treasurer"
    COORDINATOR = "coordinator"
    BOARD = "board"
    FUNDER = "funder"


class Action(enum.StrEnum):
    """What a write is about."""

    MONEY = "money"  # funders, grants, instalments, expenses, allocations, in-kind, own funds, adopted budgets
    STAFFING = "staffing"  # positions, their funding, scenarios
    DRAFT_BUDGET = "draft_budget"  # scenario budget versions
    PAYROLL_RATES = "payroll_rates"  # the payroll parameter tables
    SETTINGS = "settings"  # the organisation's settings and budget categories
    USERS = "users"  # the accounts of the people who log in


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.TREASURER: frozenset(Action),
    Role.COORDINATOR: frozenset({Action.STAFFING, Action.DRAFT_BUDGET}),
    Role.BOARD: frozenset(),
    Role.FUNDER: frozenset(),
}


def may(role: Role, action: Action) -> bool:
    """Whether ``role`` may write what ``action`` is about."""
    return action in PERMISSIONS[role]
