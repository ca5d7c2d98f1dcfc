"""The funder report's data: plain dataclasses assembled from fundtrack's services.

:func:`funder_report` takes a Session and a :class:`~fundtrack.queries.scope.Scope`:
a funder's login (a scope narrowed to that funder) can only ever get its own grants,
and asking for another funder or another funder's grant is :class:`NotFound`, as if
it did not exist. Nothing here writes a cell; :mod:`fundtrack.reports.funder_xlsx`
renders it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Literal

from babel.dates import format_date
from sqlalchemy import case, func, select, tuple_
from sqlalchemy.orm import Session

from fundtrack.calc.package import FinancialPackage
from fundtrack.calc.schedule import amount_in
from fundtrack.calc.variance import VarianceItem, VarianceRow, variance
from fundtrack.errors import NotFound
from fundtrack.i18n import Lang, check_lang, msg, translate
from fundtrack.models import (
    BudgetCategory,
    BudgetLine,
    Expense,
    ExpenseCharge,
    Funder,
    Grant,
    GrantStatus,
    Organisation,
)
from fundtrack.models.staffing import Position
from fundtrack.money import ZERO
from fundtrack.periods import DateRange, FiscalCalendar, FiscalYear, Month
from fundtrack.queries.charges import ChargedExpenseRow, charged_expense_rows, count_charged_expenses
from fundtrack.queries.listings import SUMMARY_LOADS, list_grants, list_grants_of_funders
from fundtrack.queries.lookups import M_UNKNOWN_FUNDER, M_UNKNOWN_GRANT, funder_by_name
from fundtrack.queries.scope import Scope
from fundtrack.queries.terms import grant_terms
from fundtrack.queries.variance import budget_actual_items
from fundtrack.services.allocations import grant_allocation_conditions
from fundtrack.services.package import project_package
from fundtrack.services.simulation import GrantPositionCost, grant_staffing

InstalmentState = Literal["received", "late", "due"]

M_PERIOD_RANGE = msg("report.period.range")
M_MONTH_RANGE = msg("report.month.range")

# the budget categories of a position's cost, in the order the staffing sheet shows them
STAFF_CATEGORIES = ("salaries", "employer_contributions", "benefits")
_LOCALES = {"fr": "fr_CA", "en": "en_CA"}


def date_in_words(day: date, lang: Lang) -> str:
    """``1er avril 2026`` / ``April 1, 2026``."""
    if lang == "fr":
        words = format_date(day, "d MMMM y", locale="fr_CA")
        return "1er" + words[1:] if day.day == 1 else words
    return format_date(day, "MMMM d, y", locale="en_CA")


def month_in_words(month: date, lang: Lang) -> str:
    """``juillet 2026`` / ``July 2026``."""
    return format_date(month, "LLLL y", locale=_LOCALES[lang])


def period_in_words(period: DateRange, lang: Lang) -> str:
    """``du 1er janvier 2026 au 30 juin 2026`` / ``January 1, 2026 to June 30, 2026``."""
    return translate(M_PERIOD_RANGE, lang, start=date_in_words(period.start, lang), end=date_in_words(period.end, lang))


def months_in_words(first: date, last: date, lang: Lang) -> str:
    """``de décembre 2026 à mars 2027`` / ``December 2026 to March 2027`` (one month: its name)."""
    if (first.year, first.month) == (last.year, last.month):
        return month_in_words(first, lang)
    return translate(M_MONTH_RANGE, lang, start=month_in_words(first, lang), end=month_in_words(last, lang))


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


# One expense charged to one of the funder's grants, in the order of the expense sheet's
# columns: its date, the grant, payee, description, category, its net cost and the part
# charged to the grant (integer cents, as stored), its receipt reference.
ExpenseLine = ChargedExpenseRow


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
class StaffPaid:
    """What a grant paid for one position in the period: the payroll expenses charged to it.

    ``position`` is the budget line the expenses were charged to (a position's title), or
    empty for payroll expenses charged without a line.
    """

    grant: str
    position: str
    salaries: Decimal
    contributions: Decimal
    benefits: Decimal

    @property
    def total(self) -> Decimal:
        return self.salaries + self.contributions + self.benefits


@dataclass(frozen=True)
class ExpenseStream:
    """The expense detail, read row by row when the sheet is written (never held in memory):
    :data:`ExpenseLine` rows, money in integer cents."""

    count: int
    rows: Callable[[], Iterator[ExpenseLine]]


@dataclass(frozen=True)
class FunderReport:
    """Everything the funder report shows, in plain values.

    ``staffing_paid`` is what the grants actually paid for staff in the period (the
    payroll expenses charged to them, as in the expense detail); ``staffing`` what the
    staffing plan expects them to pay in the months of ``planned`` (the months of the
    period after the report's date, None when none are left).
    """

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
    staffing_paid: tuple[StaffPaid, ...] = ()
    planned: DateRange | None = None

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
    received = sum((i.received_by(period.end) for i in grant.instalments), ZERO)
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
    ``scope``. (:func:`funder_summaries` reads only what the summary sheet shows, for
    several organisations at once.)
    """
    funder = funder_by_name(session, scope, funder_name)
    org = session.get_one(Organisation, scope.organisation_id)
    code, year, label = _report_period(funder, as_of, period, lang)
    grants = _report_grants(list_grants(session, scope, funder_id=funder.id), year, grant_reference)
    funder_scope = Scope(scope.organisation_id, funder.id)
    report = _summary_report(
        org, funder, grants, code, year, label, as_of, grant_reference, _charged(session, [funder.id], year)
    )
    report = replace(report, shows_others=scope.funder_id is None)
    references = [g.reference for g in grants]
    lines = _line_variances(session, scope, set(references), year, as_of, code)
    planned = _months_to_come(year, as_of)
    staffing = grant_staffing(session, funder_scope, planned, references) if planned is not None else []
    return replace(
        report,
        expenses=_expenses(session, funder_scope, grants, year, code),
        lines=lines,
        fee_caps=_fee_caps(session, funder_scope, grants, year, code),
        packages=_packages(session, scope, grants, year, org.calendar),
        staffing=tuple(staffing),
        staffing_paid=_staff_paid(session, funder_scope, grants, year, code),
        planned=planned,
    )


def funder_summaries(
    session: Session,
    parts: Sequence[tuple[Scope, str]],
    *,
    as_of: date,
    period: DateRange | None = None,
    lang: Lang | None = None,
) -> list[FunderReport]:
    """``funder_report(..., summary_only=True)`` of each (scope, funder name) of ``parts``,
    in their order, read together: the funders, organisations, grants (with what the
    summary shows of them) and charged totals of all the parts in a fixed number of
    statements, whatever their number (a federation's funder follows hundreds).
    Raises :class:`NotFound` for a funder outside its part's scope."""
    if not parts:
        return []
    wanted = {(scope.organisation_id, name) for scope, name in parts}
    found = session.scalars(select(Funder).where(tuple_(Funder.organisation_id, Funder.name).in_(sorted(wanted))))
    funders = {(f.organisation_id, f.name): f for f in found}
    for scope, name in parts:
        funder = funders.get((scope.organisation_id, name))
        if funder is None or (scope.funder_id is not None and funder.id != scope.funder_id):
            raise NotFound(M_UNKNOWN_FUNDER, field="funder", name=name)
    orgs = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_([o for o, _ in wanted])))}
    chosen = [
        (
            scope,
            funders[(scope.organisation_id, name)],
            _report_period(funders[(scope.organisation_id, name)], as_of, period, lang),
        )
        for scope, name in parts
    ]
    years: dict[DateRange, list[int]] = {}
    for _, f, (_, year, _) in chosen:
        years.setdefault(year, []).append(f.id)
    by_funder: dict[int, list[Grant]] = {}
    for g in list_grants_of_funders(session, [f.id for _, f, _ in chosen], touching=years, loads=SUMMARY_LOADS):
        by_funder.setdefault(g.funder_id, []).append(g)
    shown = {f.id: _report_grants(by_funder.get(f.id, []), year, None) for _, f, (_, year, _) in chosen}
    totals = {year: _charged(session, of_year, year) for year, of_year in years.items()}
    reports = []
    for scope, funder, (code, year, label) in chosen:
        org = orgs[scope.organisation_id]
        report = _summary_report(org, funder, shown[funder.id], code, year, label, as_of, None, totals[year])
        reports.append(replace(report, shows_others=scope.funder_id is None))
    return reports


def _report_period(
    funder: Funder, as_of: date, period: DateRange | None, lang: Lang | None
) -> tuple[Lang, DateRange, str]:
    """The report's language, period and the period's label: the funder's fiscal year
    holding ``as_of`` unless ``period`` is given (labelled as a year when it is one)."""
    code = lang or check_lang(funder.language.value)
    if period is None:
        year: DateRange = funder.calendar.year_of(as_of)
        return code, year, year.label if isinstance(year, FiscalYear) else period_in_words(year, code)
    period_year = funder.calendar.year_of(period.start)
    whole_year = (period_year.start, period_year.end) == (period.start, period.end)
    return code, period, period_year.label if whole_year else period_in_words(period, code)


def _report_grants(grants: Sequence[Grant], year: DateRange, reference: str | None) -> list[Grant]:
    """The grants a report shows: the one asked for by reference, else those not declined
    that touch the period."""
    kept = [g for g in grants if g.status is not GrantStatus.DECLINED]
    if reference is not None:
        kept = [g for g in kept if g.reference == reference]
        if not kept:
            raise NotFound(M_UNKNOWN_GRANT, field="grant", reference=reference)
        return kept
    return [g for g in kept if g.period.overlap(year) is not None]


def _summary_report(
    org: Organisation,
    funder: Funder,
    grants: Sequence[Grant],
    code: Lang,
    year: DateRange,
    label: str,
    as_of: date,
    grant_reference: str | None,
    charged: Charged,
) -> FunderReport:
    """What the summary sheet shows: the grants, what was received and spent of each, the
    instalments of the period (expected or received in it) and the reports due."""
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
        if i.expected_date in year or i.any_received_in(year)
    ]
    instalments.sort(key=lambda i: (i.expected_date, i.reference))
    dues = [
        ReportDueLine(g.reference, r.title, r.due_date, r.submitted_on, _state(r.submitted_on, r.due_date, as_of))
        for g in grants
        for r in g.report_dues
    ]
    dues.sort(key=lambda d: (d.due_date, d.reference))
    spent = {g.reference: charged.get(g.id, (ZERO, ZERO))[0] for g in grants}
    to_date = {g.reference: charged.get(g.id, (ZERO, ZERO))[1] for g in grants}
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
    )


Charged = dict[int, tuple[Decimal, Decimal]]  # by grant id: charged in the period, and up to its end


def _charged(session: Session, funder_ids: Sequence[int], period: DateRange) -> Charged:
    """The net cost charged to each grant of the funders ``funder_ids`` (each in its own
    organisation), by grant id: in ``period``, and from the start up to its end, both
    summed by the database in one pass over the charges."""
    in_period = func.sum(case((Expense.expense_date >= period.start, ExpenseCharge.amount), else_=0))
    query = (
        select(ExpenseCharge.grant_id, in_period, func.sum(ExpenseCharge.amount))
        .join(ExpenseCharge.expense)
        .join(ExpenseCharge.grant)
        .where(
            Grant.funder_id.in_(list(funder_ids)),
            Expense.organisation_id == Grant.organisation_id,
            Expense.expense_date <= period.end,
        )
        .group_by(ExpenseCharge.grant_id)
    )
    return {grant_id: (part or ZERO, total) for grant_id, part, total in session.execute(query)}


def _months_to_come(period: DateRange, as_of: date) -> DateRange | None:
    """The whole months of ``period`` after the month of ``as_of`` (None when none are left)."""
    start = Month.of(as_of).next().start if as_of >= period.start else period.start
    if start > period.end:
        return None
    return DateRange(start, period.end)


def _staff_paid(
    session: Session, scope: Scope, grants: list[Grant], period: DateRange, lang: Lang
) -> tuple[StaffPaid, ...]:
    """The payroll expenses of ``period`` charged to ``grants``: by grant and budget line
    (a position), split into salaries, employer contributions and benefits, summed by the
    database. These are the expense detail's payroll rows, so the two sheets agree."""
    ids = [g.id for g in grants]
    if not ids:
        return ()
    # the payroll categories' ids, so that the other expenses of the period are passed over
    # as they are read (before their charges are looked up and grouped)
    staff = select(BudgetCategory.id).where(BudgetCategory.code.in_(STAFF_CATEGORIES))
    query = (
        select(Grant.reference, BudgetLine.description, BudgetCategory.code, func.sum(ExpenseCharge.amount))
        .select_from(ExpenseCharge)
        .join(ExpenseCharge.expense)
        .join(ExpenseCharge.grant)
        .join(BudgetCategory, BudgetCategory.id == Expense.category_id)
        .outerjoin(BudgetLine, BudgetLine.id == Expense.line_id)
        .where(
            scope.grants_filter(),
            Expense.organisation_id == scope.organisation_id,
            ExpenseCharge.grant_id.in_(ids),
            Expense.expense_date >= period.start,
            Expense.expense_date <= period.end,
            Expense.category_id.in_(staff),
            BudgetCategory.code.in_(STAFF_CATEGORIES),
        )
        .group_by(Grant.reference, BudgetLine.description, BudgetCategory.code)
    )
    titles = {
        p.title_fr: (p.title_en if lang == "en" else p.title_fr)
        for p in session.scalars(select(Position).where(Position.organisation_id == scope.organisation_id))
    }
    sums: dict[tuple[str, str], dict[str, Decimal]] = {}
    for reference, line, category, amount in session.execute(query):
        position = titles.get(line or "", line or "")
        parts = sums.setdefault((reference, position), dict.fromkeys(STAFF_CATEGORIES, ZERO))
        parts[category] += amount
    return tuple(
        StaffPaid(grant, position, *(parts[c] for c in STAFF_CATEGORIES))
        for (grant, position), parts in sorted(sums.items())
    )


def _expenses(session: Session, scope: Scope, grants: list[Grant], period: DateRange, lang: Lang) -> ExpenseStream:
    """The expenses of ``period`` charged to ``grants``: one line per expense and grant.

    Only the count is read now; the rows are streamed from the database while the sheet
    is written (the session must still be open then), so memory does not grow with them.
    """
    ids = [g.id for g in grants]
    count = count_charged_expenses(session, scope, period, ids)

    def rows() -> Iterator[ExpenseLine]:
        return charged_expense_rows(session, scope, period, ids, lang=lang)

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


def _packages(
    session: Session, scope: Scope, grants: list[Grant], period: DateRange, calendar: FiscalCalendar
) -> tuple[FinancialPackage, ...]:
    """The package of each project the grants support, over the period, as ``scope`` sees it.

    Every source's amount is there (as in any financial package), but only the
    conditions of this funder's own agreements, and of the report's period: a period
    rule names one of the organisation's fiscal years, kept when it overlaps the period.
    """
    mine = {g.reference for g in grants}
    years = {y.label for y in calendar.years(period)}
    packages = []
    for name in dict.fromkeys(p.name for g in grants for p in g.projects):
        try:
            package = project_package(session, scope, name, period)
        except NotFound:
            continue  # a project without a budget has no package yet
        conditions = tuple(
            c for c in package.conditions if c.grant in mine and (c.rule != "period" or c.detail in years)
        )
        packages.append(replace(package, conditions=conditions))
    return tuple(packages)
