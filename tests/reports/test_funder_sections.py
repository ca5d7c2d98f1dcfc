"""The funder report's budget vs actual, packages, staffing, spent and expense detail,
read back and compared with the services' own numbers, in French and in English."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from fundtrack.db import make_engine, session_factory
from fundtrack.i18n import Lang
from fundtrack.models.base import Base
from fundtrack.periods import DateRange, FiscalCalendar
from fundtrack.queries.charges import list_expenses
from fundtrack.queries.lookups import funder_by_name
from fundtrack.queries.scope import Scope
from fundtrack.queries.variance import budget_vs_actual
from fundtrack.reports.funder import funder_report
from fundtrack.reports.funder_xlsx import write_funder_report
from fundtrack.reports.recalc import check_workbook
from fundtrack.services.package import project_package
from fundtrack.services.simulation import grant_staffing
from tests.integration.budget_factories import OPS
from tests.reports.conftest import TODAY, load
from tests.reports.funded_table import HOSTILE_DESCRIPTION, HOSTILE_PAYEE, funded_table
from tests.reports.test_funder_report import CENTRAIDE, dec, tables

AS_OF = date(2025, 11, 25)
YEAR = FiscalCalendar(4).starting(2025)
OTHERS = ["Arrondissement", "ARR-2025", "Fondation du quartier", "FDQ-2025"]
SHEETS = {
    "fr": ("Sommaire", "Budget et réel", "Montages financiers", "Personnel financé", "Versements", "Dépenses"),
    "en": ("Summary", "Budget vs actual", "Financial packages", "Staffing funded", "Instalments", "Expenses"),
}


@pytest.fixture(scope="module")
def table_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    path = tmp_path_factory.mktemp("funded") / "table.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with session_factory(engine)() as session, session.begin():
        funded_table(session)
    with session_factory(engine)() as session:
        yield session
    engine.dispose()


def scopes(session: Session) -> tuple[Scope, Scope]:
    org = Scope(1)
    return org, Scope(1, funder_by_name(session, org, "Centraide").id)


def body(ws: Any, header: str) -> list[list[Any]]:
    (rows,) = tables(ws, header)
    return rows


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_budget_vs_actual_by_line_is_the_services_own(tmp_path: Path, table_session: Session, lang: Lang) -> None:
    org, centraide = scopes(table_session)
    report = funder_report(table_session, org, "Centraide", as_of=AS_OF, lang=lang)
    assert report.period == YEAR
    path = tmp_path / "centraide.xlsx"
    write_funder_report(report, path)
    book = load(path, values=True)
    assert tuple(book.sheetnames) == SHEETS[lang]

    mine = budget_vs_actual(table_session, centraide, YEAR, "line", AS_OF, lang=lang)
    whole = {r.key: r.budget for r in budget_vs_actual(table_session, org, YEAR, "line", AS_OF, lang=lang).rows}
    # budget vs actual by line, then each line's sources in a table of its own below it
    by_line, sources = tables(book[SHEETS[lang][1]], "Ligne budgétaire" if lang == "fr" else "Budget line")
    *rows, total = by_line
    assert [r[0] for r in rows] == [r.key for r in mine.rows]
    for got, want in zip(rows, mine.rows, strict=True):
        assert [dec(v) for v in got[2:5]] == [want.budget, want.actual, want.variance]
        assert Decimal(str(got[5])).quantize(Decimal("0.0001")) == want.variance_rate
        assert dec(got[6]) == want.forecast
    assert [dec(v) for v in total[2:5]] == [mine.total.budget, mine.total.actual, mine.total.variance]
    assert dec(total[6]) == mine.total.forecast
    *line_sources, _ = sources
    assert [r[0] for r in line_sources] == [r.key for r in mine.rows]
    for got, want in zip(line_sources, mine.rows, strict=True):
        assert dec(got[1]) == whole[want.key]
        assert dec(got[2]) == want.budget
    # translation: 4,000 $ from Centraide, 6,000 $ from the borough, 2,000 $ left to own funds
    translation = next(r for r in line_sources if "Interprètes" in r[0])
    assert [dec(v) for v in translation[4:7]] == [Decimal("6000.00"), Decimal("0.00"), Decimal("2000.00")]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_spent_balance_packages_and_expense_detail(tmp_path: Path, table_session: Session, lang: Lang) -> None:
    org, centraide = scopes(table_session)
    report = funder_report(table_session, org, "Centraide", as_of=AS_OF, lang=lang)
    path = tmp_path / "centraide.xlsx"
    write_funder_report(report, path)
    book = load(path, values=True)
    names = SHEETS[lang]
    reference = "Référence" if lang == "fr" else "Reference"

    expenses = list_expenses(table_session, centraide, YEAR)
    charged = [(e, c) for e in expenses for c in e.charges if c.grant.reference == "PIC"]
    spent = sum((c.amount for _, c in charged), Decimal(0))
    pic, total = tables(book[names[0]], reference)[1]  # received and spent, below the grants
    assert pic[0] == "PIC"
    assert [dec(v) for v in pic[3:6]] == [spent, spent, Decimal("100000.00") - spent]
    assert dec(total[5]) == Decimal("100000.00") - spent

    package = project_package(table_session, org, OPS, YEAR)
    ws = book[names[2]]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert (
        dec(next(ws.cell(c.row, 2).value for c in cells if c.column == 1 and c.value in ("Coût total", "Total cost")))
        == package.total_cost
    )
    rows = body(ws, "Source")
    *sources, total = rows[: [r[0] for r in rows].index("Total") + 1]
    assert [(r[0], dec(r[3])) for r in sources] == [(s.label, s.amount) for s in package.sources]
    assert dec(total[3]) == sum((s.amount for s in package.sources), Decimal(0))

    *detail, detail_total = body(book[names[5]], "Date")
    assert [(r[0].date(), r[1], r[2], r[3], dec(r[5]), dec(r[6]), r[7]) for r in detail] == [
        (e.expense_date, "PIC", e.payee, e.description, e.net_cost, c.amount, e.receipt_reference or "")
        for e, c in charged
    ]
    assert dec(detail_total[6]) == spent
    assert HOSTILE_PAYEE in [r[2] for r in detail] and HOSTILE_DESCRIPTION in [r[3] for r in detail]
    formulas = load(path)
    texts = [
        c for ws in formulas.worksheets for row in ws.iter_rows() for c in row if c.value in (HOSTILE_PAYEE, "@R-1")
    ]
    assert len(texts) == 2 and all(c.data_type == "s" for c in texts)


def test_fees_against_the_cap_for_the_borough(tmp_path: Path, table_session: Session) -> None:
    org, _ = scopes(table_session)
    report = funder_report(table_session, org, "Arrondissement", as_of=AS_OF, lang="fr")
    (fees,) = report.fee_caps
    assert (fees.grant, fees.cap, fees.limit, fees.allocated) == (
        "ARR-2025",
        Decimal("0.10"),
        Decimal("1000.00"),
        Decimal("800.00"),
    )
    path = tmp_path / "borough.xlsx"
    write_funder_report(report, path)
    ws = load(path, values=True)["Budget et réel"]
    row = next(r for r in ws.iter_rows(values_only=True) if r[0] == "ARR-2025")
    assert [dec(v) for v in row[2:6]] == [Decimal("1000.00"), Decimal("800.00"), Decimal("0.00"), Decimal("200.00")]


def test_a_funders_login_report_shows_nothing_of_the_other_funders(tmp_path: Path, table_session: Session) -> None:
    _, centraide = scopes(table_session)
    report = funder_report(table_session, centraide, "Centraide", as_of=AS_OF)
    assert not report.shows_others
    path = tmp_path / "login.xlsx"
    write_funder_report(report, path)
    book = load(path)
    text = "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert "PIC" in text
    for other in OTHERS:
        assert other not in text
    assert str(book.properties.title).endswith("Centraide")


def test_the_staffing_the_grant_is_planned_to_pay_in_the_months_to_come(
    tmp_path: Path, example: Session, org_scope: Scope
) -> None:
    report = funder_report(example, org_scope, CENTRAIDE, as_of=TODAY, lang="en")
    # the plan's share is shown for the months after the report's date only, as planned
    to_come = DateRange(date(2026, 12, 1), report.period.end)
    assert report.planned == to_come
    want = grant_staffing(example, org_scope, to_come, ["PIC-2025-2028"])
    assert want and list(report.staffing) == want
    path = tmp_path / "staffing.xlsx"
    write_funder_report(report, path)
    ws = load(path, values=True)["Staffing funded"]
    paid, planned = tables(ws, "Reference")
    (paid_total,) = paid  # in the example, no payroll is charged to it in 2026-2027 yet
    assert paid_total[0] == "Total" and [dec(v) for v in paid_total[2:6]] == [Decimal("0.00")] * 4
    *rows, total = planned
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (s.grant, s.title_en, "December 2026 to March 2027", s.months) for s in want
    ]
    for got, s in zip(rows, want, strict=True):
        assert [dec(v) for v in got[4:8]] == [s.earnings, s.contributions, s.benefits, s.total]
    assert dec(total[7]) == sum((s.total for s in want), Decimal(0))
    labels = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Planned in the staffing plan for the months to come, December 2026 to March 2027" in labels


@pytest.mark.libreoffice
@pytest.mark.parametrize(
    ("funder", "lang", "login"),
    [("Centraide", "fr", False), ("Centraide", "en", True), ("Arrondissement", "en", False)],
)
def test_libreoffice_agrees_with_every_stored_value_of_the_sections(
    tmp_path: Path, soffice: str, table_session: Session, funder: str, lang: Lang, login: bool
) -> None:
    org, centraide = scopes(table_session)
    report = funder_report(table_session, centraide if login else org, funder, as_of=AS_OF, lang=lang)
    path = tmp_path / "report.xlsx"
    write_funder_report(report, path)
    result = check_workbook(path, tmp_path / "recalculated", soffice=soffice)
    assert result.formulas > 20
    assert result.ok, [str(m) for m in result.mismatches]
