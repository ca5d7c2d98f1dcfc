"""The reports page: the funder workbook and the budget workbook, the same files as
`fundtrack report funder` and `fundtrack report budget`, with a correct name and type."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.test import TestResponse

from fundtrack.models import Grant
from fundtrack.periods import DateRange
from fundtrack.queries.lookups import funder_by_name, grant_by_reference
from fundtrack.reports.budget import budget_report
from fundtrack.reports.budget_xlsx import write_budget_report
from fundtrack.reports.funder import funder_report
from fundtrack.reports.funder_xlsx import write_funder_report
from fundtrack.roles import Role
from tests.web.conftest import Browser, statements
from tests.web.figures import library, refusal_beside

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cells(content: bytes) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(BytesIO(content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def library_funder_workbook(app: Flask, funder: str, **kwargs: Any) -> bytes:
    with library(app) as (session, acting):
        data = funder_report(session, acting.scope, funder, as_of=date.today(), **kwargs)
        out = BytesIO()
        write_funder_report(data, out)
    return out.getvalue()


def ids(app: Flask, funder: str, grant: str | None = None) -> tuple[int, int | None]:
    with library(app) as (session, acting):
        f = funder_by_name(session, acting.scope, funder)
        g = grant_by_reference(session, acting.scope, grant) if grant else None
        return f.id, g.id if g else None


def downloaded(response: TestResponse, name: str) -> bytes:
    assert response.status_code == 200, response.text[:500]
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
    return response.data


def test_the_treasurer_downloads_centraides_report_in_its_fiscal_year_as_the_cli_writes_it(
    app: Flask, browser: Browser
) -> None:
    browser.login(Role.TREASURER)
    assert browser.get("/reports/").status_code == 200
    funder_id, _ = ids(app, "Centraide du Grand Montréal")
    with library(app) as (_, acting):
        label = acting.calendar.year_of(date.today()).label  # Centraide's year starts in April too
    content = downloaded(
        browser.get(f"/reports/funder.xlsx?funder={funder_id}"), f"rapport-centraide-du-grand-montreal-{label}.xlsx"
    )
    assert cells(content) == cells(library_funder_workbook(app, "Centraide du Grand Montréal"))


def test_one_grant_over_chosen_dates_in_english(app: Flask, browser: Browser) -> None:
    browser.login(Role.BOARD)
    funder_id, grant_id = ids(app, "Ville de Montréal", "VDM-2026")
    response = browser.get(
        f"/reports/funder.xlsx?funder={funder_id}&grant={grant_id}&start=2026-01-01&end=2026-06-30&lang=en"
    )
    expected = library_funder_workbook(
        app,
        "Ville de Montréal",
        grant_reference="VDM-2026",
        period=DateRange(date(2026, 1, 1), date(2026, 6, 30)),
        lang="en",
    )
    content = response.data
    assert response.headers["Content-Disposition"].startswith("attachment; filename=report-ville-de-montreal-vdm-2026-")
    assert cells(content) == cells(expected)
    assert "Instalments" in load_workbook(BytesIO(content)).sheetnames


def test_the_citys_report_defaults_to_the_citys_calendar_year(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    funder_id, _ = ids(app, "Ville de Montréal")
    year = date.today().year
    response = browser.get(f"/reports/funder.xlsx?funder={funder_id}&year={year}")
    content = downloaded(response, f"rapport-ville-de-montreal-{year}.xlsx")
    with library(app) as (session, acting):
        calendar = funder_by_name(session, acting.scope, "Ville de Montréal").calendar
    expected = library_funder_workbook(app, "Ville de Montréal", period=calendar.parse(str(year)))
    assert cells(content) == cells(expected)


def test_a_grant_of_another_funder_or_a_period_that_does_not_read_is_refused_beside_its_field(
    app: Flask, browser: Browser
) -> None:
    browser.login(Role.TREASURER)
    funder_id, _ = ids(app, "Centraide du Grand Montréal")
    _, city_grant = ids(app, "Ville de Montréal", "VDM-2026")
    mixed = browser.get(f"/reports/funder.xlsx?funder={funder_id}&grant={city_grant}")
    assert mixed.status_code == 400 and mixed.mimetype == "text/html"
    assert "l'entente « VDM-2026 » n'est pas de « Centraide du Grand Montréal »" in refusal_beside(mixed.text, "grant")
    year = browser.get(f"/reports/funder.xlsx?funder={funder_id}&year=2026")
    assert "2026" in refusal_beside(year.text, "year")  # Centraide's years run April to March
    nobody = browser.get("/reports/funder.xlsx")
    assert refusal_beside(nobody.text, "funder") == "choisir un bailleur de fonds ou une de ses ententes"
    assert browser.get("/reports/funder.xlsx?funder=99999").status_code == 404


def test_the_budget_workbook_over_chosen_years_as_the_cli_writes_it(app: Flask, browser: Browser) -> None:
    browser.login(Role.COORDINATOR)
    response = browser.get("/reports/budget.xlsx?first=2026-2027&last=2027-2028&lang=en")
    content = downloaded(response, "budget-table-de-quartier-de-parc-extension-2026-2027-2027-2028.xlsx")
    with library(app) as (session, acting):
        years = (acting.calendar.parse("2026-2027"), acting.calendar.parse("2027-2028"))
        data = budget_report(session, acting.scope, as_of=date.today(), years=years, lang="en")
    expected = BytesIO()
    write_budget_report(data, expected)
    assert cells(content) == cells(expected.getvalue())


def test_every_budgeted_year_by_default_and_years_out_of_order_refused(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    content = downloaded(
        browser.get("/reports/budget.xlsx"), "budget-table-de-quartier-de-parc-extension-2025-2026-2027-2028.xlsx"
    )
    with library(app) as (session, acting):
        data = budget_report(session, acting.scope, as_of=date.today())
    expected = BytesIO()
    write_budget_report(data, expected)
    assert cells(content) == cells(expected.getvalue())
    backwards = browser.get("/reports/budget.xlsx?first=2027-2028&last=2025-2026")
    assert backwards.status_code == 400
    assert refusal_beside(backwards.text, "last") == "la dernière année doit suivre la première"


@pytest.mark.parametrize("url", ["/reports/", "/reports/funder.xlsx?funder=1", "/reports/budget.xlsx"])
def test_a_funders_login_has_no_reports_page_its_portal_has_its_own(browser: Browser, url: str) -> None:
    browser.login(Role.FUNDER)
    assert browser.get(url).status_code == 404


def test_the_reports_page_runs_as_many_queries_with_more_grants_to_choose_from(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    browser.get("/reports/")
    with statements(app) as before:
        browser.get("/reports/")
    with library(app) as (session, _):
        grant = session.scalars(select(Grant).where(Grant.reference == "FGM-2026-2027")).one()
        for n in range(5):
            session.add(
                Grant(
                    organisation_id=grant.organisation_id,
                    funder_id=grant.funder_id,
                    reference=f"FGM-EXTRA-{n}",
                    title="Entente de plus",
                    amount=Decimal("1000.00"),
                    start_date=grant.start_date,
                    end_date=grant.end_date,
                    status=grant.status,
                )
            )
        session.commit()
    with statements(app) as after:
        page = browser.get("/reports/")
    assert "FGM-EXTRA-4" in page.text
    assert len(after) == len(before)


def test_a_grant_alone_names_its_funder(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    _, grant_id = ids(app, "Centraide du Grand Montréal", "PIC-2025-2028")
    response = browser.get(f"/reports/funder.xlsx?grant={grant_id}&year=2025-2026")
    content = downloaded(response, "rapport-centraide-du-grand-montreal-pic-2025-2028-2025-2026.xlsx")
    with library(app) as (_, acting):
        year = acting.calendar.parse("2025-2026")
    expected = library_funder_workbook(app, "Centraide du Grand Montréal", grant_reference="PIC-2025-2028", period=year)
    assert cells(content) == cells(expected)
