"""The funder report's data: plain dataclasses assembled from fundtrack's services.

:func:`funder_report` takes a Session and a :class:`~fundtrack.services.scope.Scope`:
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
from typing import Literal

from sqlalchemy.orm import Session

from fundtrack.calc.schedule import amount_in
from fundtrack.errors import NotFound
from fundtrack.i18n import Lang, check_lang, define
from fundtrack.models import Grant, GrantStatus, Organisation
from fundtrack.money import ZERO
from fundtrack.periods import DateRange, FiscalYear
from fundtrack.services.expenses import list_expenses
from fundtrack.services.grants import M_UNKNOWN_GRANT, funder_by_name, grant_terms, list_grants
from fundtrack.services.scope import Scope

InstalmentState = Literal["received", "late", "due"]

for _code, _fr, _en in [
    ("report.instalment.received", "reçu", "received"),
    ("report.instalment.late", "en retard", "late"),
    ("report.instalment.due", "à venir", "to come"),
    ("report.due.submitted", "remis", "submitted"),
    ("report.due.late", "en retard", "late"),
    ("report.due.due", "à venir", "to come"),
]:
    define(_code, _fr, _en)


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

    @property
    def to_receive(self) -> Decimal:
        return self.amount - self.received if self.status is not GrantStatus.REQUESTED else ZERO


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


@dataclass(frozen=True)
class ExpenseLine:
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


def _summary(grant: Grant, period: DateRange) -> GrantSummary:
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
    return FunderReport(
        organisation=org.name,
        funder=funder.name,
        funder_kind=funder.kind.value,
        lang=code,
        period=year,
        period_label=label,
        as_of=as_of,
        grant_reference=grant_reference,
        grants=tuple(_summary(g, year) for g in grants),
        instalments=tuple(instalments),
        report_dues=tuple(dues),
        expenses=_expenses(session, Scope(scope.organisation_id, funder.id), grants, year, code),
    )


def _expenses(session: Session, scope: Scope, grants: list[Grant], period: DateRange, lang: Lang) -> ExpenseStream:
    """The expenses of ``period`` charged to ``grants``: one line per expense and grant.

    The expenses service hands back a list, so these lines are built up front; the sheet
    itself is still written row by row.
    """
    references = {g.id: g.reference for g in grants}
    lines = [
        ExpenseLine(
            e.expense_date,
            e.payee,
            e.description,
            e.category.label(lang),
            e.net_cost,
            charge.amount,
            e.receipt_reference or "",
            references[charge.grant_id],
        )
        for e in list_expenses(session, scope, period)
        for charge in e.charges
        if charge.grant_id in references
    ]
    return ExpenseStream(len(lines), lambda: iter(lines))
