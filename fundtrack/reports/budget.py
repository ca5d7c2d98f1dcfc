"""The organisation's budget workbook data: the multi-year budget, the packages, the gap.

Assembled from the budget and package services (plain values, nothing rendered):
each line of every project's current budget version by fiscal year; the financial
package of each project in each year; and per fiscal year the cost, the part
confirmed money covers, the part requested money would cover and both gaps, as
:func:`fundtrack.services.package.funding_gap` computes them (line by line, month by
month, restricted grants first).

Two figures answer "what is not covered", and they differ: a package's *left to cover*
counts every source of the project over the year (grants by what is allocated to it,
in-kind contributions, own funds); the *funding gap* counts grants only, each on the
lines it is allocated to and only in the months of its own period. Each package carries
both (:attr:`BudgetReport.package_gaps`), so that the packages' funding gaps add up to
the gap sheet's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fundtrack.calc.budgets import amount_in
from fundtrack.calc.coverage import GapReport
from fundtrack.calc.package import FinancialPackage
from fundtrack.i18n import Lang, check_lang, using_lang
from fundtrack.models import BudgetLine, BudgetLineAmount, Organisation
from fundtrack.money import ZERO
from fundtrack.periods import DateRange, FiscalCalendar, FiscalYear
from fundtrack.queries.budget_lines import line_amounts, lines_of_versions
from fundtrack.queries.scope import Scope
from fundtrack.queries.versions import current_version_ids
from fundtrack.services.package import GapLine, funding_gap, package_candidates, project_package


@dataclass(frozen=True)
class BudgetRow:
    """One budget line: its amount in each of the workbook's fiscal years, in order."""

    project: str
    category: str
    description: str
    amounts: tuple[Decimal, ...]


@dataclass(frozen=True)
class YearFunding:
    """One fiscal year: the cost, what confirmed and requested money cover, both gaps."""

    year: FiscalYear
    cost: Decimal
    gap_confirmed: Decimal
    gap_if_granted: Decimal

    @property
    def confirmed(self) -> Decimal:
        return self.cost - self.gap_confirmed

    @property
    def requested(self) -> Decimal:
        return self.gap_confirmed - self.gap_if_granted


@dataclass(frozen=True)
class BudgetReport:
    """The workbook's data. ``package_gaps`` holds, for each package (same order), the
    project's funding gap in that year: (if only confirmed money comes, if every request
    is granted), as the gap sheet counts it."""

    organisation: str
    lang: Lang
    as_of: date
    years: tuple[FiscalYear, ...]
    rows: tuple[BudgetRow, ...]
    projects: tuple[str, ...]
    packages: tuple[FinancialPackage, ...]
    funding: tuple[YearFunding, ...]
    package_gaps: tuple[tuple[Decimal, Decimal], ...] = ()

    def project_total(self, project: str, index: int) -> Decimal:
        return sum((r.amounts[index] for r in self.rows if r.project == project), ZERO)

    def year_total(self, index: int) -> Decimal:
        return sum((r.amounts[index] for r in self.rows), ZERO)


def budget_years(session: Session, scope: Scope, as_of: date, count: int = 3) -> tuple[FiscalYear, ...]:
    """The organisation's fiscal years with a budget, else ``count`` years from ``as_of``'s."""
    org = session.get_one(Organisation, scope.organisation_id)
    calendar = org.calendar
    versions = current_version_ids(session, org.id)
    first: date | None = None
    last: date | None = None
    if versions:  # the first and last day of the current versions' amounts, read by the database
        spread = (
            select(func.min(BudgetLineAmount.period_start), func.max(BudgetLineAmount.period_end))
            .join(BudgetLine, BudgetLine.id == BudgetLineAmount.line_id)
            .where(BudgetLine.version_id.in_(versions))
        )
        first, last = session.execute(spread).one()
    if first is not None and last is not None:
        return tuple(calendar.years(DateRange(first, last)))
    current = calendar.year_of(as_of)
    return tuple(calendar.starting(current.start.year + i) for i in range(count))


def budget_report(
    session: Session,
    scope: Scope,
    *,
    as_of: date,
    years: tuple[FiscalYear, ...] | None = None,
    lang: Lang | None = None,
) -> BudgetReport:
    """The budget workbook's data over ``years`` (default: every year with a budget)."""
    org = session.get_one(Organisation, scope.organisation_id)
    chosen = years or budget_years(session, scope, as_of)
    whole = DateRange(chosen[0].start, chosen[-1].end)
    code = check_lang(lang or org.language.value)
    lines = lines_of_versions(session, current_version_ids(session, org.id), whole)
    rows = []
    for ln in lines:
        months = line_amounts(ln, whole).months()
        rows.append(
            BudgetRow(
                project=ln.version.budget.project.name,
                category=ln.category.label(code),
                description=ln.description,
                amounts=tuple(amount_in(months, year) for year in chosen),
            )
        )
    rows.sort(key=lambda r: (r.project.casefold(), r.category.casefold(), r.description.casefold()))
    projects = tuple(dict.fromkeys(r.project for r in rows))
    with using_lang(code):  # the package names own funds in the workbook's language
        candidates = package_candidates(session, scope)  # read once for every package of the workbook
        packages = tuple(
            project_package(session, scope, project, year, candidates) for project in projects for year in chosen
        )
    report, _, gap_lines = funding_gap(session, scope, whole)
    package_gaps = _project_gaps(report, gap_lines, projects, chosen, org.calendar)
    by_year = {y.period: y for y in report.years(org.calendar)}
    funding = tuple(
        YearFunding(year, *((by_year[year].cost, by_year[year].gap_confirmed, by_year[year].gap_if_granted)))
        if year in by_year
        else YearFunding(year, ZERO, ZERO, ZERO)
        for year in chosen
    )
    return BudgetReport(org.name, code, as_of, tuple(chosen), tuple(rows), projects, packages, funding, package_gaps)


def _project_gaps(
    report: GapReport,
    lines: dict[int, GapLine],
    projects: Sequence[str],
    years: Sequence[FiscalYear],
    calendar: FiscalCalendar,
) -> tuple[tuple[Decimal, Decimal], ...]:
    """Each project's funding gap in each year, both ways (confirmed only, every request
    granted), project by project then year by year. Coverage is worked out line by line,
    each line's pools drawn from their start whatever the period shown: a project's gap in
    a year is the sum of its lines' months in that year of the whole span's report."""
    sums: dict[tuple[str, FiscalYear], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for index, coverage in enumerate((report.confirmed, report.if_granted)):
        for m in coverage.months:
            sums[(lines[m.line_id].project, calendar.year_of(m.month.start))][index] += m.gap
    out = []
    for project in projects:
        for year in years:
            confirmed, if_granted = sums.get((project, year), (ZERO, ZERO))
            out.append((confirmed, if_granted))
    return tuple(out)
