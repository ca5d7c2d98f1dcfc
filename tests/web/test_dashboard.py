"""The board's dashboard: the fiscal year's money as `fundtrack ledger`, `gap` and
`receivables` give it, a chart by month, instalments due and overdue, reports due soon."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import select

from fundtrack.models import Grant, Instalment, ReportDue
from fundtrack.queries.ledger import ledger_for_year, receivables
from fundtrack.roles import Role
from fundtrack.services.package import funding_gap
from tests.web.conftest import Browser, statements
from tests.web.figures import figure, fr, library, refusal_beside, text


def library_figures(app: Flask, label: str) -> dict[str, str]:
    """The year's figures as the CLI's commands compute them, in French."""
    with library(app) as (session, acting):
        ledger = ledger_for_year(session, acting.scope, label)
        year = acting.calendar.parse(label)
        report, _, _ = funding_gap(session, acting.scope, year)
        (gap,) = [y for y in report.years(acting.calendar) if y.period == year]
    t = ledger.total
    return {
        "cost": fr(gap.cost),
        "confirmed": fr(t.confirmed),
        "requested": fr(t.requested),
        "received": fr(t.received),
        "to_receive": fr(t.to_receive),
        "gap_confirmed": fr(gap.gap_confirmed),
        "gap_if_granted": fr(gap.gap_if_granted),
    }


def test_the_board_reads_the_current_fiscal_year_as_the_ledger_and_the_gap_give_it(
    app: Flask, browser: Browser
) -> None:
    browser.login(Role.BOARD)
    page = browser.get("/")
    assert page.status_code == 200
    with library(app) as (_, acting):
        label = acting.calendar.year_of(date.today()).label
    expected = library_figures(app, label)
    for name, value in expected.items():
        assert figure(page.text, name) == value, name
    assert f'<option value="{label}" selected>' in page.text
    assert "\u00a0$" in figure(page.text, "cost")  # French: 1 234,56 $


def test_another_fiscal_year_is_one_choice_away_and_its_figures_are_its_own(app: Flask, browser: Browser) -> None:
    browser.login(Role.BOARD)
    page = browser.get("/?year=2027-2028")
    expected = library_figures(app, "2027-2028")
    assert {name: figure(page.text, name) for name in expected} == expected
    earlier = browser.get("/?year=2025-2026").text
    assert figure(earlier, "cost") == library_figures(app, "2025-2026")["cost"] != expected["cost"]


def test_a_fiscal_year_that_does_not_read_is_refused_beside_the_chooser(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    page = browser.get("/?year=2027-2029")
    assert page.status_code == 200
    assert "2027-2029" in refusal_beside(page.text, "year")
    with library(app) as (_, acting):
        label = acting.calendar.year_of(date.today()).label
    assert figure(page.text, "cost") == library_figures(app, label)["cost"]


def test_the_chart_by_month_is_drawn_on_the_server_with_the_months_in_a_table_beside_it(browser: Browser) -> None:
    browser.login(Role.BOARD)
    page = browser.get("/?year=2026-2027").text
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="ft-chart"' in page
    assert 'role="img"' in page and "Coût et financement par mois, exercice 2026-2027" in page
    assert "<script>" not in page  # nothing inline without the nonce
    shown = text(page)
    assert "avr. 2026" in shown and "mars 2027" in shown


def test_instalments_still_due_are_listed_the_overdue_ones_marked(app: Flask, browser: Browser) -> None:
    browser.login(Role.BOARD)
    page = browser.get("/")
    today = date.today()
    with library(app) as (session, acting):
        due = receivables(session, acting.scope, today)
    shown = text(page.text)
    assert due, "the example has instalments to receive"
    for r in due:
        assert r.reference in shown and fr(r.amount) in shown
    late = [r for r in due if r.overdue]
    for r in late:
        assert f"en retard de {r.overdue_days} j" in shown
    assert f"En retard : {fr(sum((r.amount for r in late), Decimal(0)))}" in shown


def test_reports_due_in_the_next_90_days_are_listed_and_later_ones_are_not(app: Flask, browser: Browser) -> None:
    today = date.today()
    with library(app) as (session, _):
        grant = session.scalars(select(Grant).where(Grant.reference == "PIC-2025-2028")).one()
        session.add_all(
            [
                ReportDue(grant=grant, due_date=today + timedelta(days=30), title="Bilan de mi-parcours"),
                ReportDue(grant=grant, due_date=today + timedelta(days=91), title="Bilan annuel lointain"),
                ReportDue(grant=grant, due_date=today + timedelta(days=10), title="Bilan remis", submitted_on=today),
            ]
        )
        session.commit()
    browser.login(Role.BOARD)
    shown = text(browser.get("/").text)
    assert "Redditions de comptes dans les 90 prochains jours" in shown
    assert "Bilan de mi-parcours" in shown and "dans 30 j" in shown
    assert "Bilan annuel lointain" not in shown
    assert "Bilan remis" not in shown


def test_the_dashboard_runs_as_many_queries_with_more_instalments_and_reports(app: Flask, browser: Browser) -> None:
    browser.login(Role.BOARD)
    browser.get("/")
    with statements(app) as before:
        browser.get("/")
    today = date.today()
    with library(app) as (session, _):
        grant = session.scalars(select(Grant).where(Grant.reference == "FGM-2026-2027")).one()
        for n in range(12):
            session.add(
                Instalment(grant=grant, expected_date=today + timedelta(days=n + 1), expected_amount=Decimal("1.00"))
            )
            session.add(ReportDue(grant=grant, due_date=today + timedelta(days=n + 1), title=f"Rapport {n}"))
        session.commit()
    with statements(app) as after:
        page = browser.get("/")
    assert "Rapport 11" in page.text
    assert len(after) == len(before)
    # the account with its access, the organisation, the ledger's grants (4), the gap (5), the
    # receivables, the years with a budget (2), the reports due, and the transaction's BEGIN
    assert len(before) <= 16, before


@pytest.mark.parametrize("role", [Role.TREASURER, Role.COORDINATOR, Role.BOARD])
def test_the_organisations_people_read_the_dashboard(browser: Browser, role: Role) -> None:
    browser.login(role)
    page = browser.get("/")
    assert page.status_code == 200 and 'data-figure="cost"' in page.text


def test_a_funders_login_gets_its_portal_instead_of_the_dashboard(browser: Browser) -> None:
    browser.login(Role.FUNDER)
    home = browser.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/portal/")


def test_english_is_one_click_away_and_remembered_for_the_next_visit(browser: Browser) -> None:
    browser.login(Role.BOARD)
    assert '<html lang="fr">' in browser.get("/").text
    switched = browser.post_form("/", {"next": "/"}, url="/language/en")
    assert switched.status_code == 302
    page = browser.get("/").text
    assert '<html lang="en">' in page and "Fiscal year" in page
    assert figure(page, "cost").startswith("$")
    browser.post_form("/", {}, url="/logout")
    browser.login(Role.BOARD)
    again = browser.get("/").text
    assert '<html lang="en">' in again and figure(again, "cost").startswith("$")
    assert ">Français</button>" in again  # and French one click away
