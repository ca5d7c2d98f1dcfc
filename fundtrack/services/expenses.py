"""Expenses: record one with its taxes, charge it to grants, correct it by reversal.

An expense names its project and category (and the budget line's description when the
category has several lines in the project's current version). Its taxes are computed
(domain.md 4.4) unless given, its net cost is charged to grants by an explicit split,
automatically (the grants allocated to its line), or left to own funds (domain.md 4.5).
The grants it is charged to are locked while what remains of them is checked, so that
two people charging the same grant at once cannot overspend it. A refusal raises
before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fundtrack.calc.charging import Charge, ChargePlan, ExpenseToCharge, GrantFunds, auto_split, validate_split
from fundtrack.calc.taxes import RebateRates, compute_taxes
from fundtrack.errors import InputError, NotFound
from fundtrack.i18n import msg
from fundtrack.models import Budget, BudgetLine, Expense, ExpenseCharge, Grant, GrantStatus, Organisation, PaymentMethod
from fundtrack.money import ZERO, shown
from fundtrack.queries.allocations import grant_ids_allocated
from fundtrack.queries.charges import charged_totals
from fundtrack.queries.lookups import (
    category_by_code,
    current_version,
    find_line,
    grant_by_reference,
    lock_grants,
    project_by_name,
)
from fundtrack.roles import Action
from fundtrack.schemas.budgets import NewCharge, NewExpense
from fundtrack.services.context import Acting
from fundtrack.services.reversal import ReversalTexts, entry_by_id, reverse

CHARGEABLE = (GrantStatus.CONFIRMED,)
AUTO = "auto"
OWN = "own"

M_NOT_POSITIVE = msg("expense.not_positive")
M_NO_BUDGET = msg("budget.none")
M_BEFORE_PROJECT = msg("expense.before_project")
M_AFTER_PROJECT = msg("expense.after_project")
M_FAR_FUTURE = msg("expense.far_future")
FAR_FUTURE_DAYS = 366
TEXTS = ReversalTexts(
    field="expense",
    unknown=msg("expense.unknown"),
    reversal_of_reversal=msg("expense.reversal_of_reversal"),
    already_reversed=msg("expense.already_reversed"),
)


def rebate_rates(org: Organisation) -> RebateRates:
    return RebateRates(org.gst_rebate_rate, org.qst_rebate_rate)


def grant_funds(grant: Grant, charged: Decimal) -> GrantFunds:
    """The grant as charging sees it, with what remains of it after ``charged``."""
    return GrantFunds(
        grant_id=grant.id,
        label=grant.reference,
        period=grant.period,
        remaining=grant.amount - charged,
        restricted=grant.restricted,
        eligible_categories=frozenset(c.code for c in grant.eligible_categories),
        confirmed=grant.status in CHARGEABLE,
        status=grant.status.value,
        projects=frozenset(p.id for p in grant.projects),
        project_names=tuple(p.name for p in grant.projects),
    )


class ExpenseBatch:
    """What recording expenses looks up, kept for one transaction that records many of them.

    A file or a CSV of thousands of expenses names the same few projects, categories,
    lines and grants again and again: each is read once. A grant is locked the first
    time an expense may be charged to it, and what remains of it is then kept up to
    date as expenses are charged (:meth:`note`): the lock makes the kept figure true
    until the transaction ends. Only successes are kept, so a refused row leaves the
    lookups as they were.
    """

    def __init__(self, session: Session, acting: Acting) -> None:
        self.session = session
        self.acting = acting
        self.organisation = acting.organisation(session)
        self.rates = rebate_rates(self.organisation)
        self._projects: dict[str, Any] = {}
        self._categories: dict[str, Any] = {}
        self._lines: dict[tuple[str, str, str], BudgetLine | None] = {}
        self._grants: dict[str, Grant] = {}
        self._allocated: dict[int, list[tuple[int, Any]]] = {}
        self._by_id: dict[int, Grant] = {}
        self._funds: dict[int, GrantFunds] = {}
        self.warnings: list[InputError] = []  # what was recorded but deserves a second look

    def project(self, name: str) -> Any:
        if name not in self._projects:
            self._projects[name] = project_by_name(self.session, self.acting.scope, name)
        return self._projects[name]

    def category(self, code: str) -> Any:
        if code not in self._categories:
            self._categories[code] = category_by_code(self.session, self.acting.scope, code, "category")
        return self._categories[code]

    def line(self, project: Any, category: str, description: str | None) -> BudgetLine | None:
        key = (project.name, category, (description or "").strip().casefold())
        if key not in self._lines:
            self._lines[key] = _line_for(self.session, project, category, description)
        return self._lines[key]

    def grant(self, reference: str, field: str) -> Grant:
        if reference not in self._grants:
            self._grants[reference] = grant_by_reference(self.session, self.acting.scope, reference, field)
        return self._grants[reference]

    def allocated_grants(self, line_id: int, day: date) -> list[Grant]:
        """The grants with a net allocation to the line for the period that contains ``day``."""
        if line_id not in self._allocated:
            self._allocated[line_id] = grant_ids_allocated(self.session, line_id)
        ids = sorted({g for g, period in self._allocated[line_id] if day in period})
        missing = [i for i in ids if i not in self._by_id]
        if missing:
            query = select(Grant).where(Grant.id.in_(missing)).options(selectinload(Grant.eligible_categories))
            self._by_id.update((g.id, g) for g in self.session.scalars(query))
        return [self._by_id[i] for i in ids]

    def funds(self, grants: Iterable[Grant]) -> list[GrantFunds]:
        """What remains of each grant, the grants locked the first time they are asked for."""
        grants = list(grants)
        new = [g.id for g in grants if g.id not in self._funds]
        if new:
            locked = lock_grants(self.session, new)
            charged = charged_totals(self.session, new)
            for grant in locked:
                self._funds[grant.id] = grant_funds(grant, charged[grant.id])
        return [self._funds[g.id] for g in grants]

    def note(self, expense: Expense) -> None:
        """Count an expense's charges in what remains of its grants."""
        for c in expense.charges:
            funds = self._funds.get(c.grant_id)
            if funds is not None:
                self._funds[c.grant_id] = replace(funds, remaining=funds.remaining - c.amount)


def record_expense(session: Session, acting: Acting, cmd: NewExpense, batch: ExpenseBatch | None = None) -> Expense:
    """Record an expense and charge it; ``batch`` keeps the lookups when many expenses are
    recorded in one transaction. Raises :class:`RuleViolation` naming the rule and the grant."""
    acting.require(session, Action.MONEY)
    batch = batch or ExpenseBatch(session, acting)
    project = batch.project(cmd.project)
    category = batch.category(cmd.category)
    line = batch.line(project, cmd.category, cmd.line)
    if cmd.pre_tax <= 0:
        raise InputError(M_NOT_POSITIVE, field="pre_tax", value=shown(cmd.pre_tax))
    taxes = compute_taxes(cmd.pre_tax, batch.rates, gst=cmd.gst, qst=cmd.qst)
    target = ExpenseToCharge(cmd.date, category.code, taxes.net_cost, project.id, project.name)
    plan = _plan(batch, target, line, cmd)
    expense = Expense(
        organisation_id=acting.organisation_id,
        project_id=project.id,
        category_id=category.id,
        line_id=line.id if line else None,
        expense_date=cmd.date,
        payee=cmd.payee,
        description=cmd.description or cmd.payee,
        pre_tax=taxes.pre_tax,
        gst=taxes.gst,
        qst=taxes.qst,
        gst_rebate=taxes.gst_rebate,
        qst_rebate=taxes.qst_rebate,
        net_cost=taxes.net_cost,
        payment_method=PaymentMethod(cmd.payment_method) if cmd.payment_method else None,
        receipt_reference=cmd.receipt_reference,
        attachment=cmd.attachment,
        charges=[ExpenseCharge(grant_id=c.grant_id, amount=c.amount) for c in plan.charges],
    )
    session.add(expense)
    session.flush()
    batch.note(expense)
    batch.warnings.extend(date_warnings(cmd.date, project, date.today()))
    return expense


def date_warnings(day: date, project: Any, today: date) -> list[InputError]:
    """Why an expense's date deserves a second look (it is recorded all the same): before
    its project starts or after it ends, or more than a year ahead of ``today``."""
    out = []
    if project.start_date is not None and day < project.start_date:
        out.append(InputError(M_BEFORE_PROJECT, field="date", day=day, project=project.name, start=project.start_date))
    if project.end_date is not None and day > project.end_date:
        out.append(InputError(M_AFTER_PROJECT, field="date", day=day, project=project.name, end=project.end_date))
    if (day - today).days > FAR_FUTURE_DAYS:
        out.append(InputError(M_FAR_FUTURE, field="date", day=day, today=today))
    return out


def _line_for(session: Session, project: Any, category: str, description: str | None) -> BudgetLine | None:
    """The line of the project's current version; None if the project has no budget or,
    with no description given, no line of that category (an unbudgeted expense)."""
    budget = session.scalar(select(Budget).where(Budget.project_id == project.id))
    if budget is None:
        if description:
            raise NotFound(M_NO_BUDGET, field="project", project=project.name)
        return None
    version = current_version(budget)
    if version is None:
        return None
    if not description and not any(ln.category.code == category for ln in version.lines):
        return None
    return find_line(version, category, description)


def _plan(batch: ExpenseBatch, target: ExpenseToCharge, line: BudgetLine | None, cmd: NewExpense) -> ChargePlan:
    if cmd.charges:
        grants = [batch.grant(c.grant, f"charges[{i}].grant") for i, c in enumerate(cmd.charges)]
        split = [Charge(g.id, c.amount) for g, c in zip(grants, cmd.charges, strict=True)]
        return validate_split(target, split, batch.funds(grants), cmd.own_funds or ZERO)
    if (cmd.charge or AUTO) == OWN or line is None:
        return ChargePlan((), target.net_cost)
    return auto_split(target, batch.funds(batch.allocated_grants(line.id, target.day)))


@dataclass(frozen=True)
class ProposedSplit:
    """The automatic split of an expense not yet recorded: its net cost, each grant's part
    (by reference) and what is left to own funds."""

    net_cost: Decimal
    charges: tuple[NewCharge, ...]
    own_funds: Decimal


def propose_split(session: Session, acting: Acting, cmd: NewExpense) -> ProposedSplit:
    """The split :func:`record_expense` would make automatically for ``cmd`` (restricted
    grants first, those expiring earliest first, as much as remains of each), so that a
    person may change it before recording it. Nothing is written and nothing locked: the
    split is checked again when the expense is recorded."""
    acting.require(session, Action.MONEY)
    batch = ExpenseBatch(session, acting)
    project = batch.project(cmd.project)
    category = batch.category(cmd.category)
    line = batch.line(project, cmd.category, cmd.line)
    if cmd.pre_tax <= 0:
        raise InputError(M_NOT_POSITIVE, field="pre_tax", value=shown(cmd.pre_tax))
    taxes = compute_taxes(cmd.pre_tax, batch.rates, gst=cmd.gst, qst=cmd.qst)
    if line is None:
        return ProposedSplit(taxes.net_cost, (), taxes.net_cost)
    target = ExpenseToCharge(cmd.date, category.code, taxes.net_cost, project.id, project.name)
    grants = batch.allocated_grants(line.id, cmd.date)
    charged = charged_totals(session, [g.id for g in grants])
    plan = auto_split(target, [grant_funds(g, charged[g.id]) for g in grants])
    references = {g.id: g.reference for g in grants}
    parts = tuple(NewCharge(references[c.grant_id], c.amount) for c in plan.charges)
    return ProposedSplit(taxes.net_cost, parts, plan.own_funds)


def expense_by_id(session: Session, acting: Acting, expense_id: int) -> Expense:
    return entry_by_id(session, acting, Expense, expense_id, TEXTS)


def _negated(original: Expense, day: date | None = None) -> Expense:
    return Expense(
        organisation_id=original.organisation_id,
        project_id=original.project_id,
        category_id=original.category_id,
        line_id=original.line_id,
        expense_date=day or original.expense_date,
        payee=original.payee,
        description=original.description,
        pre_tax=-original.pre_tax,
        gst=-original.gst,
        qst=-original.qst,
        gst_rebate=-original.gst_rebate,
        qst_rebate=-original.qst_rebate,
        net_cost=-original.net_cost,
        payment_method=original.payment_method,
        receipt_reference=original.receipt_reference,
        charges=[ExpenseCharge(grant_id=c.grant_id, amount=-c.amount) for c in original.charges],
    )


def reverse_expense(session: Session, acting: Acting, expense_id: int, day: date | None = None) -> Expense:
    """Cancel an expense by a reversing entry (every amount and charge negated) linked to it,
    dated ``day`` (default: the original's date)."""
    acting.require(session, Action.MONEY)
    return reverse(
        session, acting, Expense, expense_id, TEXTS, lambda original: _negated(original, day), _charged_grants
    )


def _charged_grants(expense: Expense) -> list[int]:
    return [c.grant_id for c in expense.charges]


def correct_expense(session: Session, acting: Acting, expense_id: int, cmd: NewExpense) -> Expense:
    """Replace an expense: a reversal of the original, then a new expense from ``cmd``.

    If the new expense is refused, nothing is left behind, the reversal included.
    """
    acting.require(session, Action.MONEY)
    with session.begin_nested():
        reverse_expense(session, acting, expense_id)
        return record_expense(session, acting, cmd)


def own_funds_part(expense: Expense) -> Decimal:
    return expense.net_cost - sum((c.amount for c in expense.charges), ZERO)
