"""The funder's portal: a funder's login sees its own grants, instalments, report dates,
the projects they fund and its report, and nothing of another funder's (404)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from fundtrack.models import Grant, Instalment, ReportDue
from fundtrack.reports.funder import FunderReport, funder_report
from fundtrack.reports.funder_xlsx import write_funder_report
from fundtrack.roles import Role
from tests.web.conftest import OTHER_FUNDER, Browser, statements
from tests.web.figures import figure, fr, library, refusal_beside, text
from tests.web.test_reports_page import XLSX, cells

CENTRAIDE = "Centraide du Grand Montréal"
CITY = "Ville de Montréal"


def funders_report(app: Flask, funder: str, **kwargs: object) -> FunderReport:
    with library(app, funder=funder) as (session, acting):
        return funder_report(session, acting.scope, funder, as_of=date.today(), lang="fr", **kwargs)  # type: ignore[arg-type]


def login_city(browser: Browser) -> None:
    browser.login(OTHER_FUNDER[0])


def test_a_funders_login_lands_on_its_own_grants_instalments_and_report_dates(app: Flask, browser: Browser) -> None:
    browser.login(Role.FUNDER)
    page = browser.get("/", follow_redirects=True)
    assert page.status_code == 200 and '<h1 class="h4 mb-4">Centraide du Grand Montréal</h1>' in page.text
    shown = text(page.text)
    report = funders_report(app, CENTRAIDE)
    assert report.grants and report.instalments
    for g in report.grants:
        assert g.reference in shown and fr(g.amount) in shown and fr(g.in_period) in shown
    for i in report.instalments:
        assert fr(i.expected_amount) in shown
    for d in report.report_dues:
        assert d.title in shown
    for other in ("VDM-2026", "IMSDSL-2025-2028", "FGM-2026-2027", "Ville de Montréal"):
        assert other not in shown


def test_the_projects_it_funds_are_shown_as_its_report_shows_them(app: Flask, browser: Browser) -> None:
    browser.login(Role.FUNDER)
    page = browser.get("/portal/").text
    report = funders_report(app, CENTRAIDE)
    assert report.packages
    shown = text(page)
    for n, pkg in enumerate(report.packages):
        assert pkg.project in shown
        assert figure(page, "cost", n) == fr(pkg.total_cost)
        assert figure(page, "gap_confirmed", n) == fr(pkg.gap_confirmed)
        for source in pkg.sources:
            assert fr(source.amount) in shown


def test_the_funder_downloads_its_report_as_the_cli_writes_it_for_its_scope(app: Flask, browser: Browser) -> None:
    browser.login(Role.FUNDER)
    response = browser.get("/portal/report.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX
    label = funders_report(app, CENTRAIDE).period_label
    assert (
        response.headers["Content-Disposition"]
        == f"attachment; filename=rapport-centraide-du-grand-montreal-{label}.xlsx"
    )
    with library(app, funder=CENTRAIDE) as (session, acting):
        data = funder_report(session, acting.scope, CENTRAIDE, as_of=date.today())
        expected = BytesIO()
        write_funder_report(data, expected)
    assert cells(response.data) == cells(expected.getvalue())
    english = browser.get("/portal/report.xlsx?grant=PIC-2025-2028&year=2025-2026&lang=en")
    assert english.headers["Content-Disposition"] == (
        "attachment; filename=report-centraide-du-grand-montreal-pic-2025-2028-2025-2026.xlsx"
    )
    assert "Instalments" in load_workbook(BytesIO(english.data)).sheetnames


@pytest.mark.parametrize(
    "url",
    [
        "/portal/report.xlsx?grant=VDM-2026",
        "/portal/?grant=VDM-2026",
        "/portal/report.xlsx?grant=IMSDSL-2025-2028&lang=en",
        "/portal/report.xlsx?grant=NO-SUCH-GRANT",
        "/reports/funder.xlsx?funder=1",
        "/reports/",
        "/variance/",
        "/packages/",
        "/funders/",
        "/projects/",
    ],
)
def test_anything_of_another_funder_or_beyond_the_portal_answers_404(browser: Browser, url: str) -> None:
    browser.login(Role.FUNDER)
    assert browser.get(url).status_code == 404


def test_the_citys_login_sees_the_citys_grants_and_not_centraides(app: Flask, browser: Browser) -> None:
    login_city(browser)
    shown = text(browser.get("/portal/?year=2026").text)
    assert "VDM-2026" in shown and "PIC-2025-2028" not in shown
    assert browser.get("/portal/report.xlsx?grant=PIC-2025-2028").status_code == 404
    assert browser.get("/portal/report.xlsx?grant=VDM-2026").status_code == 200


def test_the_menu_of_a_funders_login_offers_its_portal_and_nothing_else(browser: Browser) -> None:
    browser.login(Role.FUNDER)
    page = browser.get("/portal/").text
    assert "Mon portail" in page
    for other in ("Tableau de bord", "Rapports", "Budget et réel", "Bailleurs de fonds</a>"):
        assert other not in page


def test_a_period_that_does_not_read_is_refused_beside_its_field(browser: Browser) -> None:
    browser.login(Role.FUNDER)
    page = browser.get("/portal/?year=2026")
    assert "2026" in refusal_beside(page.text, "year")
    half = browser.get("/portal/report.xlsx?start=2026-04-01")
    assert half.mimetype == "text/html" and refusal_beside(half.text, "end")


def test_the_portal_runs_as_many_queries_with_more_instalments_and_reports(app: Flask, browser: Browser) -> None:
    browser.login(Role.FUNDER)
    browser.get("/portal/")
    with statements(app) as before:
        browser.get("/portal/")
    today = date.today()
    with library(app) as (session, _):
        grant = session.scalars(select(Grant).where(Grant.reference == "PIC-2025-2028")).one()
        for n in range(10):
            day = today + timedelta(days=n + 1)
            session.add(Instalment(grant=grant, expected_date=day, expected_amount=Decimal("1.00")))
            session.add(ReportDue(grant=grant, due_date=day, title=f"Bilan {n}"))
        session.commit()
    with statements(app) as after:
        page = browser.get("/portal/")
    assert "Bilan 9" in page.text
    assert len(after) == len(before)


@pytest.mark.parametrize("role", [Role.TREASURER, Role.COORDINATOR, Role.BOARD])
def test_the_portal_is_a_funders_page_only(browser: Browser, role: Role) -> None:
    browser.login(role)
    assert browser.get("/portal/").status_code == 404
    assert browser.get("/portal/report.xlsx").status_code == 404
