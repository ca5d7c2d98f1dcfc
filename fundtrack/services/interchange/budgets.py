"""The budgets' sections of the interchange file: budgets, allocations, in-kind, own funds, expenses.

``budgets`` holds every version of every project's budget (parents before the
versions copied from them), ``allocations`` each grant's net part of a line by fiscal
year, ``in_kind`` and ``own_funds`` the other sources of the packages, ``expenses``
every expense in the order it was recorded, with its charges; a correction stays a
reversal (``reverses`` names the ``key`` of the expense it cancels). They come after
the grants, which allocations and charges name by reference, and need nothing of the
staffing plan.

Expenses are many: the loader tries each record in a savepoint, and the lookups an
expense needs (project, category, line, grant) are kept for the whole file in
``session.info`` so that thousands of rows load in seconds.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from fundtrack.calc.taxes import compute_taxes
from fundtrack.errors import InputError
from fundtrack.i18n import msg
from fundtrack.models import (
    Allocation,
    Attachment,
    Budget,
    BudgetCategory,
    BudgetLine,
    BudgetVersion,
    Expense,
    Grant,
    InKindContribution,
    OwnFunds,
    Project,
)
from fundtrack.queries.lookups import current_version
from fundtrack.schemas.budgets import (
    AllocationSchema,
    ExpenseEntry,
    ExpenseSchema,
    InKindSchema,
    NewAllocation,
    OwnFundsSchema,
    VersionSchema,
)
from fundtrack.services.allocations import allocate
from fundtrack.services.budgets import create_version
from fundtrack.services.context import Acting
from fundtrack.services.contributions import add_in_kind, add_own_funds
from fundtrack.services.expenses import ExpenseBatch, rebate_rates, record_expense, reverse_expense
from fundtrack.services.interchange.section import Section, plain

M_UNKNOWN_KEY = msg("expense.unknown_key")
M_DUPLICATE_KEY = msg("expense.duplicate_key")

_STATE = "fundtrack.interchange.expenses"


# --- budgets ---------------------------------------------------------------------------


def _versions(session: Session, org: Acting) -> list[BudgetVersion]:
    query = (
        select(BudgetVersion)
        .join(BudgetVersion.budget)
        .where(Budget.organisation_id == org.organisation_id)
        .options(
            selectinload(BudgetVersion.budget).selectinload(Budget.project),
            selectinload(BudgetVersion.parent),
            selectinload(BudgetVersion.lines).selectinload(BudgetLine.amounts),
            selectinload(BudgetVersion.lines).selectinload(BudgetLine.category),
        )
        .order_by(BudgetVersion.id)
    )
    return list(session.scalars(query))


def _year_label(org: Acting, start: Any) -> str:
    return org.calendar.year_of(start).label


def _dump_versions(session: Session, org: Acting) -> list[dict[str, Any]]:
    out = []
    for v in _versions(session, org):
        out.append(
            plain(
                {
                    "project": v.budget.project.name,
                    "name": v.name,
                    "kind": v.kind.value,
                    "parent": v.parent.name if v.parent is not None else None,
                    "current": v.current,
                    "adopted_on": v.adopted_on,
                    "notes": v.notes,
                    "lines": [
                        {
                            "category": line.category.code,
                            "description": line.description,
                            "amounts": [
                                {"fiscal_year": _year_label(org, a.period_start), "amount": a.amount}
                                for a in line.amounts
                            ],
                            "monthly_profile": list(line.monthly_profile) if line.monthly_profile else None,
                        }
                        for line in v.lines
                    ],
                }
            )
        )
    return out


# --- allocations -----------------------------------------------------------------------


def _write_allocation(session: Session, acting: Acting, cmd: NewAllocation) -> None:
    for j, entry in enumerate(cmd.amounts):
        try:
            allocate(session, acting, NewAllocation(**{**cmd.__dict__, "amounts": (entry,)}))
        except InputError as exc:
            if exc.field in ("amount", "amounts[0].fiscal_year"):
                exc.field = f"amounts[{j}].{exc.field.rpartition('.')[2]}"
            raise


def _dump_allocations(session: Session, org: Acting) -> list[dict[str, Any]]:
    """Net allocations (a reversed allocation and its reversal cancel out), by version, line and grant."""
    query = (
        select(
            Allocation.line_id,
            Grant.reference,
            Allocation.period_start,
            func.sum(Allocation.amount),
        )
        .join(Allocation.grant)
        .where(Allocation.organisation_id == org.organisation_id)
        .group_by(Allocation.line_id, Grant.reference, Allocation.period_start)
    )
    amounts: dict[tuple[int, str], list[tuple[Any, Decimal]]] = defaultdict(list)
    for line_id, reference, start, total in session.execute(query):
        if total:
            amounts[(line_id, reference)].append((start, total))
    out = []
    for v in _versions(session, org):
        for line in v.lines:
            for (line_id, reference), years in sorted(amounts.items(), key=lambda kv: kv[0][1]):
                if line_id != line.id:
                    continue
                out.append(
                    plain(
                        {
                            "grant": reference,
                            "project": v.budget.project.name,
                            "version": v.name,
                            "category": line.category.code,
                            "line": line.description,
                            "amounts": [
                                {"fiscal_year": _year_label(org, start), "amount": total}
                                for start, total in sorted(years)
                            ],
                        }
                    )
                )
    return out


# --- in-kind and own funds -------------------------------------------------------------


def _dump_in_kind(session: Session, org: Acting) -> list[dict[str, Any]]:
    query = (
        select(InKindContribution)
        .where(InKindContribution.organisation_id == org.organisation_id)
        .options(selectinload(InKindContribution.project), selectinload(InKindContribution.category))
        .order_by(InKindContribution.id)
    )
    return [
        plain(
            {
                "project": c.project.name,
                "contributor": c.contributor,
                "description": c.description,
                "fair_value": c.fair_value,
                "start_date": c.start_date,
                "end_date": c.end_date,
                "category": c.category.code if c.category is not None else None,
            }
        )
        for c in session.scalars(query)
    ]


def _dump_own_funds(session: Session, org: Acting) -> list[dict[str, Any]]:
    query = (
        select(OwnFunds)
        .where(OwnFunds.organisation_id == org.organisation_id)
        .options(selectinload(OwnFunds.project))
        .order_by(OwnFunds.id)
    )
    return [
        plain(
            {
                "project": f.project.name,
                "description": f.description,
                "amount": f.amount,
                "start_date": f.start_date,
                "end_date": f.end_date,
            }
        )
        for f in session.scalars(query)
    ]


# --- expenses --------------------------------------------------------------------------


def _loading(session: Session, acting: Acting) -> tuple[dict[str, int], ExpenseBatch]:
    """The file's expense keys seen so far (key → expense id) and the lookups, for this load."""
    state: dict[int, tuple[dict[str, int], ExpenseBatch]] = session.info.setdefault(_STATE, {})
    if acting.organisation_id not in state:
        state[acting.organisation_id] = ({}, ExpenseBatch(session, acting))
    return state[acting.organisation_id]


def _write_expense(session: Session, acting: Acting, entry: ExpenseEntry) -> Expense:
    keys, batch = _loading(session, acting)
    if entry.key is not None and entry.key in keys:
        raise InputError(M_DUPLICATE_KEY, field="key", key=entry.key)
    if entry.reverses is not None:
        original = keys.get(entry.reverses)
        if original is None:
            raise InputError(M_UNKNOWN_KEY, field="reverses", key=entry.reverses)
        expense = reverse_expense(session, acting, original, entry.date)
        batch.note(expense)
    else:
        expense = record_expense(session, acting, entry.expense(), batch)
    if entry.key is not None:
        keys[entry.key] = expense.id
    return expense


def _dump_expenses(session: Session, org: Acting) -> list[dict[str, Any]]:
    """Every expense in the order it was recorded (so that charges load within what remains)."""
    projects = {
        i: n
        for i, n in session.execute(
            select(Project.id, Project.name).where(Project.organisation_id == org.organisation_id)
        )
    }
    categories = {
        i: c
        for i, c in session.execute(
            select(BudgetCategory.id, BudgetCategory.code).where(BudgetCategory.organisation_id == org.organisation_id)
        )
    }
    grants = {
        i: r
        for i, r in session.execute(
            select(Grant.id, Grant.reference).where(Grant.organisation_id == org.organisation_id)
        )
    }
    current_lines = _current_line_descriptions(session, org)
    query = (
        select(Expense)
        .where(Expense.organisation_id == org.organisation_id)
        .options(selectinload(Expense.charges))
        .order_by(Expense.id)
    )
    expenses = list(session.scalars(query))
    position = {e.id: i for i, e in enumerate(expenses)}
    reversed_ids = {e.reverses_id for e in expenses if e.reverses_id is not None}
    reversed_ids |= _attached_expenses(session, org)  # a receipt names its expense by key too
    rates = rebate_rates(org.organisation(session))
    out = []
    for e in expenses:
        if e.reverses_id is not None:
            out.append(plain({"reverses": _key(position[e.reverses_id]), "date": e.expense_date}))
            continue
        computed = compute_taxes(e.pre_tax, rates)
        charged = sum((c.amount for c in e.charges), Decimal(0))
        record: dict[str, Any] = {
            "key": _key(position[e.id]) if e.id in reversed_ids else None,
            "date": e.expense_date,
            "payee": e.payee,
            "description": e.description if e.description != e.payee else None,
            "project": projects[e.project_id],
            "category": categories[e.category_id],
            "line": current_lines.get(e.line_id) if e.line_id is not None else None,
            "pre_tax": e.pre_tax,
            "gst": e.gst if e.gst != computed.gst else None,
            "qst": e.qst if e.qst != computed.qst else None,
            "payment_method": e.payment_method.value if e.payment_method is not None else None,
            "receipt_reference": e.receipt_reference,
            "attachment": e.attachment,
            "charges": [{"grant": grants[c.grant_id], "amount": c.amount} for c in e.charges],
            "own_funds": e.net_cost - charged if e.charges and e.net_cost != charged else None,
            "charge": None if e.charges else "own",
        }
        out.append(plain(record))
    return out


def _key(index: int) -> str:
    return f"dep-{index + 1}"


def _attached_expenses(session: Session, org: Acting) -> set[int]:
    query = select(Attachment.expense_id).where(
        Attachment.organisation_id == org.organisation_id, Attachment.expense_id.is_not(None)
    )
    return {i for i in session.scalars(query) if i is not None}


def expense_keys(session: Session, org: Acting) -> dict[int, str]:
    """The key the file gives each expense (by id), as :func:`_dump_expenses` writes them."""
    query = select(Expense.id).where(Expense.organisation_id == org.organisation_id).order_by(Expense.id)
    return {expense_id: _key(i) for i, expense_id in enumerate(session.scalars(query))}


def loaded_expense_keys(session: Session, acting: Acting) -> dict[str, int]:
    """The expense keys the file being loaded has given so far (key → expense id)."""
    return _loading(session, acting)[0]


def _current_line_descriptions(session: Session, org: Acting) -> dict[int, str]:
    """The lines of each project's current version, by id: the lines an expense can name."""
    budgets = session.scalars(
        select(Budget)
        .where(Budget.organisation_id == org.organisation_id)
        .options(selectinload(Budget.versions).selectinload(BudgetVersion.lines))
    )
    out: dict[int, str] = {}
    for budget in budgets:
        version = current_version(budget)
        if version is not None:
            out.update({line.id: line.description for line in version.lines})
    return out


VERSIONS = Section("budgets", VersionSchema, create_version, _dump_versions)
ALLOCATIONS = Section("allocations", AllocationSchema, _write_allocation, _dump_allocations)
IN_KIND = Section("in_kind", InKindSchema, add_in_kind, _dump_in_kind)
OWN_FUNDS = Section("own_funds", OwnFundsSchema, add_own_funds, _dump_own_funds)
EXPENSES = Section("expenses", ExpenseSchema, _write_expense, _dump_expenses)
