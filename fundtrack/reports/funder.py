"""The funder report's data: plain dataclasses assembled from fundtrack's services.

:func:`funder_report` takes a Session and a :class:`~fundtrack.queries.scope.Scope`:
a funder's login (a scope narrowed to that funder) can only ever get its own grants,
and asking for another funder or another funder's grant is :class:`NotFound`, as if
it did not exist. Nothing here writes a cell; :mod:`fundtrack.reports.funder_xlsx`
renders it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.calc.package import FinancialPackage
from fundtrack.calc.schedule import amount_in
from fundtrack.calc.variance import VarianceItem, VarianceRow, variance
from fundtrack.errors import NotFound
from fundtrack.i18n import Lang, check_lang
from fundtrack.models import BudgetCategory, Grant, GrantStatus, Organisation
from fundtrack.money import ZERO
from fundtrack.periods import DateRange, FiscalYear
from fundtrack.queries.charges import charged_by_grant, charged_expense_rows, count_charged_expenses
from fundtrack.queries.listings import list_grants
from fundtrack.queries.lookups import M_UNKNOWN_GRANT, funder_by_name
from fundtrack.queries.scope import Scope
from fundtrack.queries.terms import grant_terms
from fundtrack.queries.variance import budget_actual_items
from fundtrack.services.allocations import grant_allocation_conditions
from fundtrack.services.package import project_package
from fundtrack.services.simulation import GrantPositionCost, grant_staffing

InstalmentState = Literal["received", "late", "due"]


@dataclass(frozen=True)
class GrantSummary:
    """One grant as the funder reads it, for the report's period.

    ``in_period`` is the part of the amount that falls in the period (its schedule, or
    its days); ``received`` the instalments received up to the period's end.
    """

    reference: str
    title: str
    status: GrantStatus
    start: date
    end: date
    amount: Decimal
    in_period: Decimal
    received: Decimal
    projects: tuple[str, ...]
    restricted: bool
    fee_cap: Decimal | None
    spent_in_period: Decimal = ZERO
    spent_to_date: Decimal = ZERO

    @property
    def to_receive(self) -> Decimal:
        return self.amount - self.received if self.status is not GrantStatus.REQUESTED else ZERO

    @property
    def balance(self) -> Decimal:
        """What is left of the grant once the net cost charged to it to date is taken off."""
        return self.amount - self.spent_to_date


@dataclass(frozen=True)
class InstalmentLine:
    reference: str
    expected_date: date
    expected_amount: Decimal
    received_date: date | None
    received_amount: Decimal | None
    note: str
    state: InstalmentState

    @property
    def state_label(self) -> str:
        return f"report.instalment.{self.state}"


@dataclass(frozen=True)
class ReportDueLine:
    reference: str
    title: str
    due_date: date
    submitted_on: date | None
    state: InstalmentState

    @property
    def state_label(self) -> str:
        return "report.due.submitted" if self.state == "received" else f"report.due.{self.state}"


class ExpenseLine(NamedTuple):
    """One expense charged to the funder's grants: its net cost and the part charged to them."""

    expense_date: date
    payee: str
    description: str
    category: str
    net_cost: Decimal
    charged: Decimal
    receipt: str
    grant: str = ""


@dataclass(frozen=True)
class LineVariance:
    """One budget line the funder pays for, over the report's period.

    ``row`` is budget vs actual for what the funder pays (its grants' allocations as
    budget, their charges as actual, the forecast to the period's end). The other
    figures are the line's whole budget and its other sources; they are None in a
    funder's login, which sees nothing of the other funders.
    """

    row: VarianceRow
    category: str
    project: str
    line_budget: Decimal | None = None
    other_confirmed: Decimal | None = None
    other_requested: Decimal | None = None

    @property
    def line(self) -> str:
        return self.row.key

    @property
    def own_funds(self) -> Decimal | None:
        """The part of the line no grant budgets (own funds, or not yet covered)."""
        if self.line_budget is None or self.other_confirmed is None or self.other_requested is None:
            return None
        return self.line_budget - self.row.budget - self.other_confirmed - self.other_requested


@dataclass(frozen=True)
class FeeCapLine:
    """A grant's administrative fees against the funder's cap (a fraction of the grant)."""

    grant: str
    cap: Decimal
    limit: Decimal
    allocated: Decimal
    charged: Decimal

    @property
    def room(self) -> Decimal:
        return self.limit - self.allocated


@dataclass(frozen=True)
class ExpenseStream:
    """The expense detail, read row by row when the sheet is written (never held in memory)."""

    count: int
    rows: Callable[[], Iterator[ExpenseLine]]


@dataclass(frozen=True)
class FunderReport:
    """Everything the funder report shows, in plain values."""

    organisation: str
    funder: str
    funder_kind: str
    lang: Lang
    period: DateRange
    period_label: str
    as_of: date
    grant_reference: str | None
    grants: tuple[GrantSummary, ...]
    instalments: tuple[InstalmentLine, ...]
    report_dues: tuple[ReportDueLine, ...]
    expenses: ExpenseStream | None = None
    notes: tuple[str, ...] = field(default=())
    lines: tuple[LineVariance, ...] = ()
    fee_caps: tuple[FeeCapLine, ...] = ()
    packages: tuple[FinancialPackage, ...] = ()
    staffing: tuple[GrantPositionCost, ...] = ()
    shows_others: bool = True

    @property
    def total_amount(self) -> Decimal:
        return sum((g.amount for g in self.grants), ZERO)

    @property
    def total_in_period(self) -> Decimal:
        return sum((g.in_period for g in self.grants), ZERO)

    @property
    def total_received(self) -> Decimal:
        return sum((g.received for g in self.grants), ZERO)


def _state(received: date | None, expected: date, as_of: date) -> InstalmentState:
    if received is not None:
        return "received"
    return "late" if expected < as_of else "due"


def _summary(grant: Grant, period: DateRange, spent: dict[str, Decimal], to_date: dict[str, Decimal]) -> GrantSummary:
    overlaps = grant.period.overlap(period) is not None
    received = sum(
        (
            i.received_amount
            for i in grant.instalments
            if i.received_amount is not None and i.received_date is not None and i.received_date <= period.end
        ),
        ZERO,
    )
    return GrantSummary(
        reference=grant.reference,
        title=grant.title,
        status=grant.status,
        start=grant.start_date,
        end=grant.end_date,
        amount=grant.amount,
        in_period=amount_in(grant_terms(grant), period) if overlaps else ZERO,
        received=received,
        projects=tuple(p.name for p in grant.projects),
        restricted=grant.restricted,
        fee_cap=grant.effective_fee_cap,
        spent_in_period=spent.get(grant.reference, ZERO),
        spent_to_date=to_date.get(grant.reference, ZERO),
    )


def funder_report(
    session: Session,
    scope: Scope,
    funder_name: str,
    *,
    as_of: date,
    grant_reference: str | None = None,
    period: DateRange | None = None,
    lang: Lang | None = None,
) -> FunderReport:
    """The report for funder ``funder_name`` (all its grants, or the one ``grant_reference``).

    ``period`` defaults to the funder's fiscal year that holds ``as_of``; ``lang`` to
    the funder's language. Grants that do not touch the period are left out unless
    asked for by reference. Raises :class:`NotFound` for a funder or grant outside
    ``scope``.
    """
    funder = funder_by_name(session, scope, funder_name)
    org = session.get_one(Organisation, scope.organisation_id)
    if period is None:
        year: DateRange = funder.calendar.year_of(as_of)
        label = year.label if isinstance(year, FiscalYear) else str(year)
    else:
        period_year = funder.calendar.year_of(period.start)
        whole_year = (period_year.start, period_year.end) == (period.start, period.end)
        label = period_year.label if whole_year else f"{period.start} – {period.end}"
        year = period
    grants = [g for g in list_grants(session, scope, funder_id=funder.id) if g.status is not GrantStatus.DECLINED]
    if grant_reference is not None:
        grants = [g for g in grants if g.reference == grant_reference]
        if not grants:
            raise NotFound(M_UNKNOWN_GRANT, field="grant", reference=grant_reference)
    else:
        grants = [g for g in grants if g.period.overlap(year) is not None]
    instalments = [
        InstalmentLine(
            g.reference,
            i.expected_date,
            i.expected_amount,
            i.received_date,
            i.received_amount,
            i.note or "",
            _state(i.received_date, i.expected_date, as_of),
        )
        for g in grants
        for i in g.instalments
    ]
    instalments.sort(key=lambda i: (i.expected_date, i.reference))
    dues = [
        ReportDueLine(g.reference, r.title, r.due_date, r.submitted_on, _state(r.submitted_on, r.due_date, as_of))
        for g in grants
        for r in g.report_dues
    ]
    dues.sort(key=lambda d: (d.due_date, d.reference))
    code = lang or check_lang(funder.language.value)
    funder_scope = Scope(scope.organisation_id, funder.id)
    spent = charged_by_grant(session, funder_scope, year.start, year.end)
    to_date = charged_by_grant(session, funder_scope, None, year.end)
    references = [g.reference for g in grants]
    shows_others = scope.funder_id is None
    lines = _line_variances(session, scope, set(references), year, as_of, code)
    return FunderReport(
        organisation=org.name,
        funder=funder.name,
        funder_kind=funder.kind.value,
        lang=code,
        period=year,
        period_label=label,
        as_of=as_of,
        grant_reference=grant_reference,
        grants=tuple(_summary(g, year, spent, to_date) for g in grants),
        instalments=tuple(instalments),
        report_dues=tuple(dues),
        expenses=_expenses(session, funder_scope, grants, year, code),
        lines=lines,
        fee_caps=_fee_caps(session, funder_scope, grants, year, code),
        packages=_packages(session, scope, grants, year),
        staffing=tuple(grant_staffing(session, funder_scope, year, references)),
        shows_others=shows_others,
    )


def _expenses(session: Session, scope: Scope, grants: list[Grant], period: DateRange, lang: Lang) -> ExpenseStream:
    """The expenses of ``period`` charged to ``grants``: one line per expense and grant.

    Only the count is read now; the rows are streamed from the database while the sheet
    is written (the session must still be open then), so memory does not grow with them.
    """
    ids = [g.id for g in grants]
    count = count_charged_expenses(session, scope, period, ids)
    english = lang == "en"

    def rows() -> Iterator[ExpenseLine]:
        for r in charged_expense_rows(session, scope, period, ids):
            yield ExpenseLine(r[0], r[1], r[2], r[4] if english else r[3], r[5], r[6], r[7] or "", r[8])

    return ExpenseStream(count, rows)


def _items(
    session: Session, scope: Scope, period: DateRange, as_of: date, lang: Lang
) -> tuple[list[VarianceItem], dict[str, GrantStatus]]:
    items = budget_actual_items(session, scope, period, lang=lang, as_of=as_of)
    statuses = {g.reference: g.status for g in list_grants(session, scope)}
    return items, statuses


def _line_variances(
    session: Session, scope: Scope, references: set[str], period: DateRange, as_of: date, lang: Lang
) -> tuple[LineVariance, ...]:
    """Budget vs actual by line for what ``references`` pay; the line's other sources
    beside them when the scope is the organisation's."""
    items, statuses = _items(session, scope, period, as_of, lang)
    mine = [i for i in items if i.grant in references]
    table = variance(mine, "line", period, as_of)
    about: dict[object, VarianceItem] = {i.key: i for i in mine}
    others = scope.funder_id is None

    def budgets(selected: list[VarianceItem]) -> dict[object, Decimal]:
        return {r.ident: r.budget for r in variance(selected, "line", period, as_of).rows}

    whole = budgets(items) if others else {}
    confirmed = budgets(
        [
            i
            for i in items
            if i.grant is not None
            and i.grant not in references
            and statuses.get(i.grant) in (GrantStatus.CONFIRMED, GrantStatus.CLOSED)
        ]
    )
    requested = budgets(
        [i for i in items if i.grant not in references and statuses.get(i.grant or "") is GrantStatus.REQUESTED]
    )
    return tuple(
        LineVariance(
            row,
            about[row.ident].category,
            about[row.ident].project,
            whole.get(row.ident, ZERO) if others else None,
            confirmed.get(row.ident, ZERO) if others else None,
            requested.get(row.ident, ZERO) if others else None,
        )
        for row in table.rows
    )


def _fee_caps(
    session: Session, scope: Scope, grants: list[Grant], period: DateRange, lang: Lang
) -> tuple[FeeCapLine, ...]:
    """Each capped grant's administrative fees: the cap, what is allocated, what was charged."""
    capped = [g for g in grants if g.effective_fee_cap is not None]
    if not capped:
        return ()
    admin = {
        c.label(lang)
        for c in session.scalars(
            select(BudgetCategory).where(
                BudgetCategory.organisation_id == scope.organisation_id, BudgetCategory.administrative
            )
        )
    }
    items = budget_actual_items(session, scope, period, lang=lang)
    out = []
    for grant in capped:
        cap = grant.effective_fee_cap
        assert cap is not None
        condition = next(c for c in grant_allocation_conditions(session, scope, grant.reference) if c.rule == "fee_cap")
        charged = sum((i.actual for i in items if i.grant == grant.reference and i.category in admin), ZERO)
        out.append(FeeCapLine(grant.reference, cap, condition.limit, condition.actual, charged))
    return tuple(out)


def _packages(session: Session, scope: Scope, grants: list[Grant], period: DateRange) -> tuple[FinancialPackage, ...]:
    """The package of each project the grants support, over the period, as ``scope`` sees it."""
    packages = []
    for name in dict.fromkeys(p.name for g in grants for p in g.projects):
        try:
            packages.append(project_package(session, scope, name, period))
        except NotFound:
            continue  # a project without a budget has no package yet
    return tuple(packages)
