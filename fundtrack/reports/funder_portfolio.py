"""A funder's report across the organisations it funds: one workbook for all of them.

A funder such as Centraide funds several organisations hosted on one database; each has
its own row for that funder. :func:`funder_portfolio` builds, for each organisation, the
funder's report there (:func:`fundtrack.reports.funder.funder_report`, in the funder's
fiscal year and one language for all), and :func:`write_funder_portfolio` writes them as
one workbook: a first summary sheet with a column per organisation (granted, received,
charged, remaining) and a total, then a sheet per organisation holding the summary of
its funder report (its grants, what was received, spent and is left, the report dates),
as ``fundtrack report funder`` writes it. The summary's figures are formulas pointing at
the organisations' sheets, with their stored values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fundtrack.errors import NotFound
from fundtrack.i18n import Lang, check_lang, msg, translate
from fundtrack.models import Funder, Organisation
from fundtrack.models.users import User, UserAccess
from fundtrack.money import ZERO
from fundtrack.periods import DateRange
from fundtrack.queries.scope import Scope
from fundtrack.reports.funder import FunderReport, funder_summaries
from fundtrack.reports.funder_xlsx import funder_names, write_summary_sheet
from fundtrack.reports.tables import Column, Table
from fundtrack.reports.xlsx import Cut, Formula, ReportWorkbook, range_name

M_UNKNOWN_FUNDER = msg("funder.unknown")
M_NO_FUNDER_LOGIN = msg("federation.no_funder_login")

# the summary's rows: (label, the funder report's defined name of the figure, the figure)
FIGURES = (
    ("federation.report.granted", "grants_amount"),
    ("federation.report.received", "grants_received"),
    ("federation.report.charged", "grants_spent"),
    ("federation.report.remaining", "grants_balance"),
)


@dataclass(frozen=True)
class PortfolioPart:
    """One organisation of the portfolio: what may be read there, and as which funder."""

    scope: Scope
    funder: str


@dataclass(frozen=True)
class FunderPortfolio:
    """The funder's report in each organisation, in one language."""

    funder: str
    lang: Lang
    as_of: date
    reports: tuple[FunderReport, ...]

    def figures(self, report: FunderReport) -> dict[str, Decimal]:
        """Granted, received, charged and remaining in one organisation (its report's totals)."""
        return {
            "grants_amount": report.total_amount,
            "grants_received": report.total_received,
            "grants_spent": sum((g.spent_to_date for g in report.grants), ZERO),
            "grants_balance": sum((g.balance for g in report.grants), ZERO),
        }

    def total(self, key: str) -> Decimal:
        return sum((self.figures(r)[key] for r in self.reports), ZERO)


def parts_named(session: Session, funder_name: str) -> list[PortfolioPart]:
    """Every organisation with a funder called ``funder_name``, by organisation name, read as
    each organisation's treasurer reads it. Raises :class:`NotFound` when there is none."""
    rows = session.execute(
        select(Funder.organisation_id)
        .join(Organisation, Organisation.id == Funder.organisation_id)
        .where(Funder.name == funder_name)
        .order_by(Organisation.name)
    )
    parts = [PortfolioPart(Scope(org_id, None), funder_name) for (org_id,) in rows]
    if not parts:
        raise NotFound(M_UNKNOWN_FUNDER, field="funder", name=funder_name)
    return parts


def parts_of_email(session: Session, email: str) -> list[PortfolioPart]:
    """The organisations the funder's login ``email`` reaches (:func:`parts_of_account`).
    Raises :class:`NotFound` when no funder's login has that email."""
    user_id = session.scalar(select(User.id).where(func.lower(User.email) == email.strip().lower()))
    parts = parts_of_account(session, user_id) if user_id is not None else []
    if not parts:
        raise NotFound(M_NO_FUNDER_LOGIN, field="funder", email=email)
    return parts


def parts_of_account(session: Session, user_id: int) -> list[PortfolioPart]:
    """The organisations a funder's login reaches, each narrowed to its funder there."""
    rows = session.execute(
        select(UserAccess.organisation_id, Funder.id, Funder.name)
        .join(Funder, Funder.id == UserAccess.funder_id)
        .join(Organisation, Organisation.id == UserAccess.organisation_id)
        .where(UserAccess.user_id == user_id, Funder.organisation_id == UserAccess.organisation_id)
        .order_by(Organisation.name)
    )
    return [PortfolioPart(Scope(org_id, funder_id), name) for org_id, funder_id, name in rows]


def funder_portfolio(
    session: Session,
    parts: Sequence[PortfolioPart],
    *,
    as_of: date,
    period: DateRange | None = None,
    lang: Lang | None = None,
) -> FunderPortfolio:
    """The funder's report in each of ``parts``: each in the funder's fiscal year holding
    ``as_of`` (or ``period``), all in ``lang`` (default: the funder's language in the first
    organisation); only what each organisation's summary sheet shows is read. Raises
    :class:`NotFound` for a funder outside a part's scope."""
    if not parts:
        raise NotFound(M_UNKNOWN_FUNDER, field="funder", name="")
    first = session.scalar(
        select(Funder).where(Funder.organisation_id == parts[0].scope.organisation_id, Funder.name == parts[0].funder)
    )
    if first is None:
        raise NotFound(M_UNKNOWN_FUNDER, field="funder", name=parts[0].funder)
    code = lang or check_lang(first.language.value)
    reports = tuple(
        funder_summaries(session, [(p.scope, p.funder) for p in parts], as_of=as_of, period=period, lang=code)
    )
    return FunderPortfolio(first.name, code, as_of, reports)


def _names(portfolio: FunderPortfolio, index: int) -> dict[str, str]:
    """The defined names of organisation ``index``'s totals (each organisation its own)."""
    return {key: f"{name}_{index + 1}" for key, name in funder_names(portfolio.lang).items()}


def write_funder_portfolio(portfolio: FunderPortfolio, target: str | Path | IO[bytes]) -> list[Cut]:
    """Write ``portfolio`` as one xlsx workbook to ``target`` (a path or a binary file);
    returns the values that had to be cut to fit a cell."""
    lang = portfolio.lang
    with ReportWorkbook(
        target,
        lang,
        title=f"{translate('federation.report.title', lang)} — {portfolio.funder}",
        author=portfolio.funder,
        dates="words",
    ) as book:
        summary = book.add_sheet("federation.report.sheet", footer=portfolio.funder)
        summary.title(book.t("federation.report.title"))
        summary.pair("term.funder", portfolio.funder)
        if portfolio.reports:
            summary.pair("report.funder.period", portfolio.reports[0].period_label)
        summary.pair("report.funder.as_of", portfolio.as_of, "date")
        summary.skip()
        columns = [Column("figure", "federation.report.figure", "wrap", 24)]
        columns += [Column(f"o{i}", "", "money", 16, heading=r.organisation) for i, r in enumerate(portfolio.reports)]
        columns.append(Column("total", "label.total", "money", 16))
        table = Table(summary, columns)
        names = [_names(portfolio, i) for i in range(len(portfolio.reports))]
        figures = [portfolio.figures(report) for report in portfolio.reports]
        for label, key in FIGURES:
            row: list[object] = [book.t(label)]
            for i in range(len(portfolio.reports)):
                row.append(Formula(range_name(names[i][key]), figures[i][key]))
            if portfolio.reports:
                span = f"{table.ref('o0')}:{table.ref(f'o{len(portfolio.reports) - 1}')}"
                row.append(Formula(f"SUM({span})", sum((f[key] for f in figures), ZERO)))
            else:
                row.append(ZERO)
            table.add(row)
        table.finish(total=False)
        for i, report in enumerate(portfolio.reports):
            sheet = book.add_sheet_named(report.organisation, footer=f"{report.organisation} — {report.funder}")
            write_summary_sheet(sheet, report, names[i])
    return book.cuts
