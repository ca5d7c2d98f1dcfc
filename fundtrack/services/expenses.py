"""Expenses: record with taxes, charge to grants, correct by reversal, import from CSV.

An expense names its project and category (and the budget line's description when the
category has several lines in the project's current version). Its taxes are computed
(domain.md 4.4) unless given, its net cost is charged to grants by an explicit split,
automatically, or left to own funds (domain.md 4.5). A refusal raises before anything
is written; a CSV file is imported all or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fundtrack import files
from fundtrack.calc.charging import (
    Charge,
    ChargePlan,
    ExpenseToCharge,
    GrantFunds,
    auto_split,
    validate_split,
)
from fundtrack.calc.taxes import RebateRates, compute_taxes
from fundtrack.errors import FieldError, InputError, NotFound, RuleViolation, ValidationFailed
from fundtrack.i18n import Lang, msg, translate
from fundtrack.limits import check_date
from fundtrack.models import (
    Allocation,
    BudgetCategory,
    BudgetLine,
    Expense,
    ExpenseCharge,
    Grant,
    GrantStatus,
    Organisation,
    PaymentMethod,
)
from fundtrack.money import ZERO, format_money, parse_money
from fundtrack.periods import DateRange
from fundtrack.services.audit import record_change
from fundtrack.services.budgets import budget_of, current_version, find_line
from fundtrack.services.grants import grant_by_reference, project_by_name
from fundtrack.services.organisation import category_by_code
from fundtrack.services.scope import Scope

CHARGEABLE = (GrantStatus.CONFIRMED,)
AUTO = "auto"
OWN = "own"

M_UNKNOWN_EXPENSE = msg("expense.unknown")
M_ALREADY_REVERSED = msg("expense.already_reversed")
M_REVERSAL_OF_REVERSAL = msg("expense.reversal_of_reversal")
M_NOT_POSITIVE = msg("expense.not_positive")
M_BAD_CSV_DATE = msg("expense.csv_date")
M_MISSING_COLUMN = msg("expense.csv_missing_column")
M_BAD_METHOD = msg("expense.csv_method")
M_EMPTY_FILE = msg("expense.csv_empty")
M_DUPLICATE = msg("expense.duplicate")
M_REQUIRED = msg("expense.csv_required")
M_ROW = msg("expense.csv_row")


# --- recording and charging ----------------------------------------------------------


def rebate_rates(org: Organisation) -> RebateRates:
    return RebateRates(org.gst_rebate_rate, org.qst_rebate_rate)


def grant_funds(
    session: Session, grants: Iterable[Grant], charged: dict[int, Decimal] | None = None
) -> list[GrantFunds]:
    """Each grant with what remains of it (its amount less the charges, summed by the database).

    ``charged`` (grant id → total charged), when given, is used for the grants it knows
    and completed for the others.
    """
    grants = list(grants)
    if not grants:
        return []
    known = charged if charged is not None else {}
    missing = [g.id for g in grants if g.id not in known]
    if missing:
        query = (
            select(ExpenseCharge.grant_id, func.sum(ExpenseCharge.amount))
            .where(ExpenseCharge.grant_id.in_(missing))
            .group_by(ExpenseCharge.grant_id)
        )
        totals = {gid: total for gid, total in session.execute(query)}
        for gid in missing:
            known[gid] = totals.get(gid) or ZERO
    return [
        GrantFunds(
            grant_id=g.id,
            label=g.reference,
            period=g.period,
            remaining=g.amount - known[g.id],
            restricted=g.restricted,
            eligible_categories=frozenset(c.code for c in g.eligible_categories),
            confirmed=g.status in CHARGEABLE,
            status=g.status.value,
        )
        for g in grants
    ]


def allocated_grants(session: Session, line_id: int, day: date) -> list[Grant]:
    """The grants with a net allocation to the line for the period that contains ``day``."""
    return ExpenseBatch(session, 0).allocated_grants(line_id, day)


class ExpenseBatch:
    """What recording expenses looks up, kept for one transaction that records many of them.

    A file or a CSV of thousands of expenses names the same few projects, categories,
    lines and grants again and again: each is read once, and what remains of each
    grant is kept up to date as expenses are charged (:meth:`note`). Only successes
    are kept, so a refused row leaves the lookups as they were.
    """

    def __init__(self, session: Session, organisation_id: int) -> None:
        self.session = session
        self.organisation_id = organisation_id
        self._projects: dict[str, Any] = {}
        self._categories: dict[str, Any] = {}
        self._lines: dict[tuple[str, str, str], BudgetLine | None] = {}
        self._grants: dict[str, Grant] = {}
        self._allocations: dict[int, list[tuple[int, date, date]]] = {}
        self._by_id: dict[int, Grant] = {}
        self._terms: dict[int, GrantFunds] = {}
        self.charged: dict[int, Decimal] = {}

    def project(self, name: str) -> Any:
        if name not in self._projects:
            self._projects[name] = project_by_name(self.session, self.organisation_id, name)
        return self._projects[name]

    def category(self, code: str) -> Any:
        if code not in self._categories:
            self._categories[code] = category_by_code(self.session, self.organisation_id, code, "category")
        return self._categories[code]

    def line(self, org: Organisation, project: str, category: str, description: str | None) -> BudgetLine | None:
        key = (project, category, (description or "").strip().casefold())
        if key not in self._lines:
            self._lines[key] = _line_for(self.session, org, project, category, description)
        return self._lines[key]

    def grant(self, reference: str, field: str) -> Grant:
        if reference not in self._grants:
            self._grants[reference] = grant_by_reference(self.session, Scope(self.organisation_id), reference, field)
        return self._grants[reference]

    def allocated_grants(self, line_id: int, day: date) -> list[Grant]:
        if line_id not in self._allocations:
            query = (
                select(Allocation.grant_id, Allocation.period_start, Allocation.period_end)
                .where(Allocation.line_id == line_id)
                .group_by(Allocation.grant_id, Allocation.period_start, Allocation.period_end)
                .having(func.sum(Allocation.amount) > 0)
            )
            self._allocations[line_id] = [(g, s, e) for g, s, e in self.session.execute(query)]
        ids = sorted({g for g, start, end in self._allocations[line_id] if start <= day <= end})
        missing = [i for i in ids if i not in self._by_id]
        if missing:
            self._by_id.update((g.id, g) for g in self.session.scalars(select(Grant).where(Grant.id.in_(missing))))
        return [self._by_id[i] for i in ids]

    def funds(self, grants: Iterable[Grant]) -> list[GrantFunds]:
        grants = list(grants)
        new = [g for g in grants if g.id not in self._terms]
        for funds in grant_funds(self.session, new, self.charged):
            self._terms[funds.grant_id] = replace(funds, remaining=funds.remaining + self.charged[funds.grant_id])
        return [replace(self._terms[g.id], remaining=self._terms[g.id].remaining - self.charged[g.id]) for g in grants]

    def note(self, expense: Expense) -> None:
        """Count an expense's charges in what remains of its grants."""
        for c in expense.charges:
            if c.grant_id in self.charged:
                self.charged[c.grant_id] += c.amount


def record_expense(
    session: Session, org: Organisation, data: dict[str, Any], batch: ExpenseBatch | None = None
) -> Expense:
    """Record an expense and charge it.

    ``data`` (as :class:`~fundtrack.schemas.budgets.ExpenseSchema` loads it): date, payee,
    description, project, category, line (optional), pre_tax, gst / qst (optional
    overrides), payment_method, receipt_reference, attachment; and how it is paid:
    ``charges`` [{grant, amount}] with ``own_funds``, or ``charge`` "auto" (default)
    or "own". ``batch`` keeps the lookups when many expenses are recorded in one
    transaction. Raises :class:`RuleViolation` naming the rule and the grant.
    """
    batch = batch or ExpenseBatch(session, org.id)
    project = batch.project(data["project"])
    category = batch.category(data["category"])
    line = batch.line(org, project.name, data["category"], data.get("line"))
    pre_tax: Decimal = data["pre_tax"]
    if pre_tax <= 0:
        raise InputError(M_NOT_POSITIVE, field="pre_tax", value=pre_tax)
    taxes = compute_taxes(pre_tax, rebate_rates(org), gst=data.get("gst"), qst=data.get("qst"))
    day: date = data["date"]
    target = ExpenseToCharge(day, category.code, taxes.net_cost)
    plan = _plan(batch, target, line, data)
    expense = Expense(
        organisation_id=org.id,
        project_id=project.id,
        category_id=category.id,
        line_id=line.id if line else None,
        expense_date=day,
        payee=data["payee"],
        description=data["description"],
        pre_tax=taxes.pre_tax,
        gst=taxes.gst,
        qst=taxes.qst,
        gst_rebate=taxes.gst_rebate,
        qst_rebate=taxes.qst_rebate,
        net_cost=taxes.net_cost,
        payment_method=PaymentMethod(data["payment_method"]) if data.get("payment_method") else None,
        receipt_reference=data.get("receipt_reference"),
        attachment=data.get("attachment"),
        charges=[ExpenseCharge(grant_id=c.grant_id, amount=c.amount) for c in plan.charges],
    )
    session.add(expense)
    session.flush()
    record_change(session, org.id, "create", "expense", expense.id, expense.payee, None, expense_data(expense))
    batch.note(expense)
    return expense


def _line_for(
    session: Session, org: Organisation, project: str, category: str, description: str | None
) -> BudgetLine | None:
    """The line of the project's current version; None if the project has no budget or,
    with no description given, no line of that category (an unbudgeted expense)."""
    proj = project_by_name(session, org.id, project)
    try:
        budget = budget_of(session, org.id, proj)
    except NotFound:
        if description:
            raise
        return None
    version = current_version(budget)
    if version is None:
        return None
    if not description and not any(ln.category.code == category for ln in version.lines):
        return None
    return find_line(session, version, category, description)


def _plan(batch: ExpenseBatch, target: ExpenseToCharge, line: BudgetLine | None, data: dict[str, Any]) -> ChargePlan:
    explicit = data.get("charges") or []
    if explicit:
        grants = [batch.grant(c["grant"], f"charges[{i}].grant") for i, c in enumerate(explicit)]
        split = [Charge(g.id, c["amount"]) for g, c in zip(grants, explicit, strict=True)]
        return validate_split(target, split, batch.funds(grants), data.get("own_funds") or ZERO)
    if data.get("charge", AUTO) == OWN or line is None:
        return ChargePlan((), target.net_cost)
    return auto_split(target, batch.funds(batch.allocated_grants(line.id, target.day)))


def expense_by_id(session: Session, org: Organisation, expense_id: int) -> Expense:
    expense = session.get(Expense, expense_id)
    if expense is None or expense.organisation_id != org.id:
        raise NotFound(M_UNKNOWN_EXPENSE, field="expense", id=expense_id)
    return expense


def reverse_expense(session: Session, org: Organisation, expense_id: int, day: date | None = None) -> Expense:
    """Cancel an expense by a reversing entry (every amount and charge negated) linked to it."""
    original = expense_by_id(session, org, expense_id)
    if original.reverses_id is not None:
        raise RuleViolation(M_REVERSAL_OF_REVERSAL, field="expense", id=expense_id)
    if session.scalar(select(Expense.id).where(Expense.reverses_id == original.id)) is not None:
        raise RuleViolation(M_ALREADY_REVERSED, field="expense", id=expense_id)
    reversal = Expense(
        organisation_id=org.id,
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
        reverses_id=original.id,
        charges=[ExpenseCharge(grant_id=c.grant_id, amount=-c.amount) for c in original.charges],
    )
    session.add(reversal)
    session.flush()
    record_change(
        session,
        org.id,
        "reverse",
        "expense",
        reversal.id,
        original.payee,
        expense_data(original),
        expense_data(reversal),
    )
    return reversal


def correct_expense(session: Session, org: Organisation, expense_id: int, data: dict[str, Any]) -> Expense:
    """Replace an expense: a reversal of the original, then a new expense from ``data``."""
    reverse_expense(session, org, expense_id)
    return record_expense(session, org, data)


def expense_data(e: Expense) -> dict[str, Any]:
    return {
        "date": e.expense_date,
        "payee": e.payee,
        "project_id": e.project_id,
        "category_id": e.category_id,
        "line_id": e.line_id,
        "pre_tax": e.pre_tax,
        "gst": e.gst,
        "qst": e.qst,
        "gst_rebate": e.gst_rebate,
        "qst_rebate": e.qst_rebate,
        "net_cost": e.net_cost,
        "charges": [{"grant_id": c.grant_id, "amount": c.amount} for c in e.charges],
        "reverses_id": e.reverses_id,
    }


def own_funds_part(expense: Expense) -> Decimal:
    return expense.net_cost - sum((c.amount for c in expense.charges), ZERO)


# --- CSV import ----------------------------------------------------------------------

# canonical field → headers it is recognised by (compared without accents, case or punctuation)
HEADERS: dict[str, tuple[str, ...]] = {
    "date": ("date", "date de la depense", "expense date"),
    "payee": ("fournisseur", "beneficiaire", "payee", "vendor", "supplier"),
    "description": ("description", "libelle", "objet"),
    "project": ("projet", "project"),
    "category": ("categorie", "category", "poste"),
    "line": ("ligne", "ligne budgetaire", "line", "budget line"),
    "pre_tax": ("montant avant taxes", "avant taxes", "montant", "pre tax", "pretax", "amount before tax", "amount"),
    "gst": ("tps", "gst"),
    "qst": ("tvq", "qst"),
    "payment_method": ("mode de paiement", "paiement", "payment method", "payment"),
    "receipt_reference": ("piece", "no de piece", "numero de piece", "recu", "receipt", "receipt reference"),
    "grant": ("subvention", "entente", "grant", "imputation", "charge to"),
}
REQUIRED = ("date", "payee", "project", "category", "pre_tax")

METHODS: dict[str, str] = {
    "cheque": "cheque",
    "virement": "transfer",
    "transfer": "transfer",
    "carte": "card",
    "carte de credit": "card",
    "card": "card",
    "credit card": "card",
    "debit": "debit",
    "prelevement": "debit",
    "comptant": "cash",
    "cash": "cash",
    "autre": "other",
    "other": "other",
}
OWN_WORDS = {"fonds propres", "own funds", "own", "aucune", "none"}


def _norm(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return re.sub(r"[^a-z0-9]+", " ", plain).strip()


@dataclass(frozen=True)
class SkippedRow:
    row: int
    day: date
    payee: str
    amount: Decimal


@dataclass
class ImportReport:
    """The expenses created (ids), their total net cost, and the likely duplicates skipped."""

    created: list[int] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    net_cost: Decimal = ZERO


def column_map(headers: Sequence[str], mapping: dict[str, str] | None = None) -> dict[str, int]:
    """Which column holds each field: ``mapping`` (field → header) first, then known headers."""
    normed = [_norm(h) for h in headers]
    out: dict[str, int] = {}
    for fld, header in (mapping or {}).items():
        if _norm(header) in normed:
            out[fld] = normed.index(_norm(header))
    for fld, names in HEADERS.items():
        if fld in out:
            continue
        for name in names:
            if name in normed and normed.index(name) not in out.values():
                out[fld] = normed.index(name)
                break
    missing = [f for f in REQUIRED if f not in out]
    if missing:
        raise ValidationFailed(
            [FieldError(f, M_MISSING_COLUMN, (("field", f), ("headers", ", ".join(headers)))) for f in missing]
        )
    return out


def parse_csv_date(text: str, field: str) -> date:
    value = text.strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value) or None
    try:
        if m:
            return check_date(date(int(m.group(1)), int(m.group(2)), int(m.group(3))), field)
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
        if m:
            return check_date(date(int(m.group(3)), int(m.group(2)), int(m.group(1))), field)
    except ValueError:
        pass
    raise InputError(M_BAD_CSV_DATE, field=field, value=text)


def _row_data(cells: dict[str, str], row_label: str) -> dict[str, Any]:
    errors: list[InputError] = []
    data: dict[str, Any] = {}

    def take(fld: str, fn: Any) -> None:
        raw = cells.get(fld, "").strip()
        if not raw:
            if fld in REQUIRED:
                errors.append(InputError(M_REQUIRED, field=fld))
            return
        try:
            data[fld] = fn(raw, fld)
        except InputError as exc:
            errors.append(exc)

    take("date", parse_csv_date)
    take("payee", lambda v, f: v)
    take("description", lambda v, f: v)
    take("project", lambda v, f: v)
    take("category", lambda v, f: v)
    take("line", lambda v, f: v)
    take("pre_tax", lambda v, f: parse_money(v, "fr", f))
    take("gst", lambda v, f: parse_money(v, "fr", f))
    take("qst", lambda v, f: parse_money(v, "fr", f))
    take("payment_method", _method)
    take("receipt_reference", lambda v, f: v)
    take("grant", lambda v, f: v)
    if errors:
        raise ValidationFailed.from_errors(errors, row_label)
    data.setdefault("description", data.get("payee", ""))
    grant = data.pop("grant", None)
    if grant is None or _norm(grant) == AUTO:
        data["charge"] = AUTO
    elif _norm(grant) in OWN_WORDS:
        data["charge"] = OWN
    else:
        data["charges"] = [{"grant": grant, "amount": None}]
    return data


def _method(value: str, fld: str) -> str:
    method = METHODS.get(_norm(value))
    if method is None:
        raise InputError(M_BAD_METHOD, field=fld, value=value, choices=", ".join(sorted(set(METHODS))))
    return method


def import_csv(
    session: Session,
    org: Organisation,
    text: str,
    mapping: dict[str, str] | None = None,
    force: bool = False,
) -> ImportReport:
    """Import expenses from CSV text: all or nothing.

    The delimiter (comma, semicolon or tab) is detected; headers may be French or
    English, or mapped with ``mapping`` (field → header). Amounts are read as people
    write them (``1 234,56 $``, ``1,234.56``); dates as ``2026-04-15`` or
    ``15/04/2026``. A ``grant`` column charges the whole net cost to that grant;
    empty or ``auto`` splits automatically; ``fonds propres`` / ``own funds`` leaves it
    to own funds. Rows with the date, pre-tax amount and payee of an existing expense
    (or of an earlier row) are reported and skipped unless ``force``.

    Raises :class:`ValidationFailed` listing every bad row (``ligne 3.pre_tax: ...``);
    the caller's transaction must then be rolled back (every row is tried in a
    savepoint, so the list is complete).
    """
    rows = _read_rows(text)
    if not rows:
        raise ValidationFailed([FieldError("", M_EMPTY_FILE)])
    headers, body = rows[0], rows[1:]
    columns = column_map(headers, mapping)
    report = ImportReport()
    errors: list[FieldError] = []
    seen = _existing_keys(session, org) if not force else set()
    batch = ExpenseBatch(session, org.id)
    for number, cells in enumerate(body, start=2):
        if not any(c.strip() for c in cells):
            continue
        label = translate(M_ROW, row=number)
        values = {fld: cells[i] if i < len(cells) else "" for fld, i in columns.items()}
        try:
            data = _row_data(values, label)
            key = (data["date"], data["pre_tax"], _norm(data["payee"]))
            if not force and key in seen:
                report.skipped.append(SkippedRow(number, data["date"], data["payee"], data["pre_tax"]))
                continue
            seen.add(key)
            with session.begin_nested():
                expense = _record_row(session, org, data, batch)
            report.created.append(expense.id)
            report.net_cost += expense.net_cost
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        except InputError as exc:
            errors.extend(ValidationFailed.from_errors([exc], label).errors)
    if errors:
        raise ValidationFailed(errors)
    return report


def _record_row(session: Session, org: Organisation, data: dict[str, Any], batch: ExpenseBatch) -> Expense:
    if data.get("charges"):
        # one grant named: the whole net cost goes to it
        taxes = compute_taxes(data["pre_tax"], rebate_rates(org), gst=data.get("gst"), qst=data.get("qst"))
        data = {**data, "charges": [{"grant": data["charges"][0]["grant"], "amount": taxes.net_cost}]}
    return record_expense(session, org, data, batch)


def _read_rows(text: str) -> list[list[str]]:
    """The rows of the CSV text, within the limits of :func:`fundtrack.files.csv_rows`."""
    return files.csv_rows(text)


def _existing_keys(session: Session, org: Organisation) -> set[tuple[date, Decimal, str]]:
    """(date, pre-tax, payee) of the organisation's expenses that stand (not reversed)."""
    reversed_ids = select(Expense.reverses_id).where(
        Expense.organisation_id == org.id, Expense.reverses_id.is_not(None)
    )
    query = select(Expense.expense_date, Expense.pre_tax, Expense.payee).where(
        Expense.organisation_id == org.id,
        Expense.reverses_id.is_(None),
        Expense.id.not_in(reversed_ids),
    )
    return {(d, a, _norm(p)) for d, a, p in session.execute(query)}


def duplicate_message(skipped: SkippedRow, lang: Lang | None = None) -> InputError:
    """The warning for a likely duplicate skipped, its amount formatted in ``lang``."""
    return InputError(
        M_DUPLICATE,
        field=translate(M_ROW, lang, row=skipped.row),
        payee=skipped.payee,
        amount=format_money(skipped.amount, lang),
        day=skipped.day.isoformat(),
    )


def list_expenses(session: Session, scope: Scope, period: DateRange | None = None) -> list[Expense]:
    """Expenses in ``period``, oldest first; a funder's scope sees those charged to its grants."""
    query = (
        select(Expense)
        .where(Expense.organisation_id == scope.organisation_id)
        .order_by(Expense.expense_date, Expense.id)
    )
    if period is not None:
        query = query.where(Expense.expense_date >= period.start, Expense.expense_date <= period.end)
    if scope.funder_id is not None:
        charged = select(ExpenseCharge.expense_id).join(ExpenseCharge.grant).where(scope.grants_filter())
        query = query.where(Expense.id.in_(charged))
    return list(session.scalars(query))


ChargedExpenseRow = tuple[date, str, str, str, str, Decimal, Decimal, str | None, str]


def _charged_query(scope: Scope, period: DateRange | None, grant_ids: Sequence[int] | None) -> tuple[Any, list[Any]]:
    columns = [
        Expense.expense_date,
        Expense.payee,
        Expense.description,
        BudgetCategory.label_fr,
        BudgetCategory.label_en,
        Expense.net_cost,
        ExpenseCharge.amount,
        Expense.receipt_reference,
        Grant.reference,
    ]
    conditions = [scope.grants_filter(), Expense.organisation_id == scope.organisation_id]
    if period is not None:
        conditions += [Expense.expense_date >= period.start, Expense.expense_date <= period.end]
    if grant_ids is not None:
        conditions.append(ExpenseCharge.grant_id.in_(list(grant_ids)))
    query = (
        select(*columns)
        .select_from(ExpenseCharge)
        .join(ExpenseCharge.expense)
        .join(ExpenseCharge.grant)
        .join(BudgetCategory, BudgetCategory.id == Expense.category_id)
        .where(*conditions)
    )
    return query, conditions


def count_charged_expenses(
    session: Session, scope: Scope, period: DateRange | None = None, grant_ids: Sequence[int] | None = None
) -> int:
    """How many rows :func:`charged_expense_rows` yields for the same arguments (one query)."""
    _, conditions = _charged_query(scope, period, grant_ids)
    query = (
        select(func.count())
        .select_from(ExpenseCharge)
        .join(ExpenseCharge.expense)
        .join(ExpenseCharge.grant)
        .where(*conditions)
    )
    return int(session.execute(query).scalar_one())


def charged_expense_rows(
    session: Session,
    scope: Scope,
    period: DateRange | None = None,
    grant_ids: Sequence[int] | None = None,
    batch: int = 1000,
) -> Iterator[ChargedExpenseRow]:
    """The charges of expenses in ``period`` to the grants the scope sees (or to ``grant_ids``
    among them), oldest first: one plain row per expense and grant, streamed from the
    database ``batch`` rows at a time (no ORM objects, memory does not grow with the rows).

    Each row: date, payee, description, category label in French, in English, the
    expense's net cost, the amount charged to the grant, receipt reference, grant reference.
    """
    query, _ = _charged_query(scope, period, grant_ids)
    query = query.order_by(Expense.expense_date, Expense.id, Grant.reference).execution_options(yield_per=batch)
    result = session.execute(query)
    try:
        yield from result  # each Row is a tuple
    finally:
        result.close()


def charged_by_grant(
    session: Session, scope: Scope, start: date | None = None, end: date | None = None
) -> dict[str, Decimal]:
    """The net cost charged to each grant the scope sees (by reference), for expenses
    dated from ``start`` to ``end`` (either open), summed by the database."""
    query = (
        select(Grant.reference, func.sum(ExpenseCharge.amount))
        .select_from(ExpenseCharge)
        .join(ExpenseCharge.expense)
        .join(ExpenseCharge.grant)
        .where(scope.grants_filter(), Expense.organisation_id == scope.organisation_id)
        .group_by(Grant.reference)
    )
    if start is not None:
        query = query.where(Expense.expense_date >= start)
    if end is not None:
        query = query.where(Expense.expense_date <= end)
    return {reference: total for reference, total in session.execute(query)}
