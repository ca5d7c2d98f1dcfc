"""Budget vs actual in the browser: by line, category, project, grant or funder, over a
fiscal year or any dates, the forecast — the same table as `fundtrack variance`."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from fundtrack.calc.variance import VarianceTable
from fundtrack.money import format_percent
from fundtrack.periods import DateRange
from fundtrack.queries.lookups import funder_by_name
from fundtrack.queries.variance import budget_vs_actual
from fundtrack.roles import Role
from tests.web.conftest import Browser, statements
from tests.web.figures import figure, fr, library, refusal_beside, text


def library_table(
    app: Flask, period: DateRange, by: str = "line", as_of: date | None = None, funder: str | None = None
) -> VarianceTable:
    with library(app) as (session, acting):
        scope = acting.scope
        if funder:
            scope = acting.narrowed_to(funder_by_name(session, scope, funder)).scope
        return budget_vs_actual(session, scope, period, by, as_of or date.today(), None, "fr")  # type: ignore[arg-type]


def assert_shows(page: str, table: VarianceTable) -> None:
    total = table.total
    assert figure(page, "budget") == fr(total.budget)
    assert figure(page, "actual") == fr(total.actual)
    assert figure(page, "variance") == fr(total.variance)
    assert figure(page, "forecast") == fr(total.forecast)
    shown = text(page)
    for row in table.rows:
        assert row.key in shown
        assert fr(row.budget) in shown and fr(row.variance) in shown
        if row.variance_rate is not None:
            assert format_percent(row.variance_rate, "fr") in shown


def test_the_current_fiscal_year_by_line_is_the_librarys_table(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    page = browser.get("/variance/")
    assert page.status_code == 200
    with library(app) as (_, acting):
        year = acting.calendar.year_of(date.today())
    table = library_table(app, year)
    assert table.rows
    assert_shows(page.text, table)


@pytest.mark.parametrize("by", ["category", "project", "grant", "funder"])
def test_each_grouping_of_a_past_year_is_the_librarys(app: Flask, browser: Browser, by: str) -> None:
    browser.login(Role.BOARD)
    page = browser.get(f"/variance/?by={by}&year=2025-2026&as_of=2026-03-31")
    with library(app) as (_, acting):
        year = acting.calendar.parse("2025-2026")
    assert_shows(page.text, library_table(app, year, by, date(2026, 3, 31)))


def test_any_dates_and_the_as_of_date_move_the_forecast_as_the_library_does(app: Flask, browser: Browser) -> None:
    browser.login(Role.COORDINATOR)
    period = DateRange(date(2026, 4, 1), date(2026, 9, 30))
    first = browser.get("/variance/?start=2026-04-01&end=2026-09-30&as_of=2026-06-15").text
    later = browser.get("/variance/?start=2026-04-01&end=2026-09-30&as_of=2026-06-16").text
    assert_shows(first, library_table(app, period, as_of=date(2026, 6, 15)))
    assert_shows(later, library_table(app, period, as_of=date(2026, 6, 16)))
    assert figure(first, "forecast") != figure(later, "forecast")
    assert "Du 1 avr. 2026 au 30 sept. 2026" in text(first)


def test_as_a_funder_sees_it_in_its_own_fiscal_year(app: Flask, browser: Browser) -> None:
    with library(app) as (session, acting):
        city = funder_by_name(session, acting.scope, "Ville de Montréal")
        city_id, year = city.id, city.calendar.parse("2026")
    browser.login(Role.TREASURER)
    page = browser.get(f"/variance/?funder={city_id}&year=2026&by=grant&as_of=2026-12-01").text
    assert_shows(page, library_table(app, year, "grant", date(2026, 12, 1), "Ville de Montréal"))
    assert "PIC-2025-2028" not in text(page)


def test_half_a_period_or_dates_that_do_not_read_are_refused_beside_their_field(browser: Browser) -> None:
    browser.login(Role.TREASURER)
    half = browser.get("/variance/?start=2026-04-01")
    assert "donner la date de début et la date de fin" in refusal_beside(half.text, "end")
    backwards = browser.get("/variance/?start=2026-09-30&end=2026-04-01")
    assert refusal_beside(backwards.text, "end")
    year = browser.get("/variance/?year=2026-2028")
    assert "2026-2028" in refusal_beside(year.text, "year")
    day = browser.get("/variance/?as_of=2026-02-30")
    assert refusal_beside(day.text, "as_of")


def test_the_number_of_queries_does_not_grow_with_the_rows_shown(app: Flask, browser: Browser) -> None:
    browser.login(Role.BOARD)
    browser.get("/variance/")
    counts, rows = [], []
    for url in ("/variance/?year=2025-2026", "/variance/?year=2027-2028", "/variance/?year=2030-2031"):
        with statements(app) as seen:
            page = browser.get(url).text
        counts.append(len(seen))
        rows.append(page.count('<th scope="row">'))
    assert len(set(rows)) > 1  # years with more and fewer lines
    assert len(set(counts)) == 1


@pytest.mark.parametrize("role", [Role.TREASURER, Role.COORDINATOR, Role.BOARD])
def test_the_organisations_people_read_budget_vs_actual(browser: Browser, role: Role) -> None:
    browser.login(role)
    assert browser.get("/variance/").status_code == 200


def test_a_funders_login_has_no_budget_vs_actual_page(browser: Browser) -> None:
    browser.login(Role.FUNDER)
    assert browser.get("/variance/").status_code == 404
    assert browser.get("/variance/?by=funder").status_code == 404
