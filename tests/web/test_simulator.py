"""The hiring simulator: the coordinator's page, its figures the library's, its refusals beside their fields."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from flask import Flask

from admin_app.extensions import db
from fundtrack.models.staffing import Scenario
from fundtrack.money import format_money
from fundtrack.periods import DateRange
from fundtrack.queries.scope import Scope
from fundtrack.roles import Role
from fundtrack.services.simulation import month_totals, run_answers, simulate_scenario, year_totals
from tests.web.conftest import Browser

FIRST_YEAR = "2026-2027"
PAGE = "/simulator/"


def _library(app: Flask, name: str | None, extra: Any = ()) -> Any:
    from datetime import date

    with app.app_context():
        session = db.session
        scope = Scope(1)
        rng = DateRange(date(2026, 4, 1), date(2029, 3, 31))
        run = simulate_scenario(session, scope, name, rng=rng)
        return year_totals(run), month_totals(run), run_answers(session, scope, run, rng.end)


def hire(**changes: str) -> dict[str, str]:
    data = {
        "action": "simulate",
        "scenario": "",
        "first_year": FIRST_YEAR,
        "years": "3",
        "title": "Agent·e de communication",
        "hourly_rate": "28,00",
        "weekly_hours": "28",
        "start_date": "2027-07-01",
        "vacation_rate": "4",
        "benefits_rate": "4",
        "funding-0-grant": "FGM-2027-2028",
        "funding-0-fiscal_year": "2027-2028",
        "funding-0-amount": "45 000,00 $",
    }
    data.update(changes)
    return data


def _year_row(html: str, year: str) -> str:
    """The row of fiscal year ``year`` in the page's cost-per-year table."""
    start = html.index('id="sim-years-table"')
    table = html[start : html.index("</table>", start)]
    row = table[table.index(f'data-year="{year}"') :]
    return row[: row.index("</tr>")]


def fr(amount: Decimal) -> str:
    return format_money(amount, "fr")


def test_the_coordinator_sees_the_both_scenario_with_the_librarys_figures(app: Flask, browser: Browser) -> None:
    browser.login(Role.COORDINATOR)
    page = browser.get(f"{PAGE}?scenario=both&first_year={FIRST_YEAR}&years=3")
    assert page.status_code == 200, page.text
    years, months, answers = _library(app, "both")
    assert months and all(m.cost == m.confirmed + m.requested + m.gap_requested for m in months)
    text = page.text
    for y in years:
        row = _year_row(text, y.year.label)
        for value in (y.pay, y.contributions, y.benefits, y.cost, y.confirmed, y.requested, y.gap_confirmed):
            assert fr(value) in row
    assert "<svg" in text and "ft-chart" in text
    assert {a.position for a in answers} == {"mobilisation", "communications"}
    for a in answers:
        for y in a.years:
            assert fr(y.needed_confirmed) in text
    assert "Agent·e de mobilisation" in text


def test_a_hire_typed_in_the_form_costs_what_the_library_says(app: Flask, browser: Browser) -> None:
    browser.login(Role.COORDINATOR)
    page = browser.post_form(PAGE, hire())
    assert page.status_code == 200
    assert "is-invalid" not in page.text
    from datetime import date

    from fundtrack.schemas.common import load_or_raise
    from fundtrack.schemas.staffing import ChangeSchema
    from fundtrack.services.simulation import hire_change

    with app.app_context():
        cmd = load_or_raise(
            ChangeSchema(),
            {
                "kind": "add",
                "position": "agente-de-communication",
                "title_fr": "Agent·e de communication",
                "title_en": "Agent·e de communication",
                "hourly_rate": "28.00",
                "weekly_hours": "28",
                "start_date": "2027-07-01",
                "vacation_rate": "0.04",
                "benefits_rate": "0.04",
                "funding": [
                    {"grant": "FGM-2027-2028", "amounts": [{"fiscal_year": "2027-2028", "amount": "45000.00"}]}
                ],
            },
        )
        scope = Scope(1)
        rng = DateRange(date(2026, 4, 1), date(2029, 3, 31))
        change = hire_change(db.session, scope, cmd)
        run = simulate_scenario(db.session, scope, None, rng=rng, extra=[change])
        years = year_totals(run)
        answers = run_answers(db.session, scope, run, rng.end)
    for y in years:
        for value in (y.cost, y.contributions, y.requested, y.gap_confirmed, y.gap_requested):
            assert fr(value) in page.text
    assert [a.position for a in answers] == ["agente-de-communication"]
    for y in answers[0].years:
        assert fr(y.needed_confirmed) in page.text and fr(y.needed_requested) in page.text
        if y.most_hours is not None:
            assert format(y.most_hours.normalize(), "f").replace(".", ",") in page.text


def _error_beside(text: str, field_id: str, message: str) -> None:
    """``message`` is shown in the invalid-feedback right after the field ``field_id``."""
    start = text.index(f'id="{field_id}"')
    after = text[start : start + 1500]
    assert "invalid-feedback" in after and message in after, after


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"weekly_hours": "abc"}, "weekly_hours", "heures par semaine invalides (abc)"),
        ({"hourly_rate": "28,005"}, "hourly_rate", "ambigu"),
        ({"funding-0-amount": "45 000,125 $"}, "funding-0-amount", "45 000,125"),
        (
            {"funding-1-grant": "ARR-VSP-2026", "funding-1-fiscal_year": "2026-2027", "funding-1-amount": "100"},
            "funding-1-grant",
            "ARR-VSP-2026",
        ),
        ({"funding-0-fiscal_year": "2031-2032"}, "funding-0-fiscal_year", "FGM-2027-2028"),
        ({"first_year": "l'an prochain"}, "first_year", "écrire 2025-2026"),
    ],
)
def test_bad_input_is_refused_beside_its_field_in_the_librarys_words(
    browser: Browser, changes: dict[str, str], field_id: str, message: str
) -> None:
    browser.login(Role.COORDINATOR)
    page = browser.post_form(PAGE, hire(**changes))
    assert page.status_code == 200
    _error_beside(page.text, field_id, message)
    assert 'id="sim-years"' not in page.text  # nothing simulated


def _scenario_names(app: Flask) -> list[str]:
    from sqlalchemy import select

    with app.app_context():
        return list(db.session.scalars(select(Scenario.name).order_by(Scenario.name)))


def test_the_coordinator_saves_the_hire_as_a_scenario_then_compares_it_with_both(app: Flask, browser: Browser) -> None:
    browser.login(Role.COORDINATOR)
    page = browser.post_form(PAGE, hire(action="save", save_name="communications seule"))
    assert page.status_code == 200
    assert "Scénario « communications seule » enregistré." in page.text
    assert "communications seule" in _scenario_names(app)
    compared = browser.get(
        f"{PAGE}compare/?scenario=&scenario=both&scenario=communications+seule&first_year={FIRST_YEAR}"
    )
    assert compared.status_code == 200
    both, _, _ = _library(app, "both")
    mine, _, _ = _library(app, "communications seule")
    plan, _, _ = _library(app, None)
    for years in (both, mine, plan):
        for y in years:
            assert fr(y.cost) in compared.text and fr(y.gap_requested) in compared.text
    assert "Plan actuel" in compared.text or "plan" in compared.text.lower()


def test_a_taken_scenario_name_is_refused_beside_the_name_and_nothing_is_written(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    before = _scenario_names(app)
    page = browser.post_form(PAGE, hire(action="save", save_name="both"))
    assert page.status_code == 200
    _error_beside(page.text, "save_name", "both")
    assert _scenario_names(app) == before


def test_the_simulation_workbook_downloads_with_its_sheets(browser: Browser) -> None:
    browser.login(Role.COORDINATOR)
    response = browser.get(f"{PAGE}workbook/?scenario=both&first_year={FIRST_YEAR}&years=3")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Scénarios", "Qui paie chaque mois", "Par poste"]
    values = [c for row in book["Scénarios"].iter_rows(values_only=True) for c in row if c is not None]
    assert "both" in values


def test_the_compare_form_leads_to_the_comparison_and_the_workbook(browser: Browser) -> None:
    browser.login(Role.COORDINATOR)
    compare = browser.post_form(
        PAGE,
        {"compare": ["", "both"], "action": "compare", "first_year": FIRST_YEAR, "years": "3"},
        url=f"{PAGE}compare-form/",
    )
    assert compare.status_code == 302 and "/simulator/compare/" in compare.headers["Location"]
    assert browser.get(compare.headers["Location"]).status_code == 200
    workbook = browser.post_form(PAGE, {"compare": ["both"], "action": "workbook"}, url=f"{PAGE}compare-form/")
    assert "/simulator/workbook/" in workbook.headers["Location"]


def test_an_unknown_scenario_answers_404(browser: Browser) -> None:
    browser.login(Role.COORDINATOR)
    assert browser.get(f"{PAGE}compare/?scenario=nope").status_code == 404
    assert browser.get(f"{PAGE}workbook/?scenario=nope").status_code == 404
    page = browser.get(f"{PAGE}?scenario=nope")
    assert page.status_code == 200 and 'id="sim-years"' not in page.text
    _error_beside(page.text, "scenario", "nope")
    bad_year = browser.get(f"{PAGE}?scenario=both&first_year=demain")
    assert bad_year.status_code == 200
    _error_beside(bad_year.text, "first_year", "demain")


def test_a_board_member_simulates_but_may_not_save(app: Flask, browser: Browser) -> None:
    browser.login(Role.BOARD)
    page = browser.post_form(PAGE, hire())
    assert page.status_code == 200 and 'id="sim-years"' in page.text
    assert 'value="save"' not in page.text
    before = _scenario_names(app)
    assert browser.post_form(PAGE, hire(action="save", save_name="x")).status_code == 403
    assert _scenario_names(app) == before
    assert browser.get(f"{PAGE}workbook/?scenario=both").status_code == 200


def test_a_funders_login_finds_no_simulator(browser: Browser) -> None:
    browser.login(Role.FUNDER)
    for url in (PAGE, f"{PAGE}?scenario=both", f"{PAGE}compare/?scenario=both", f"{PAGE}workbook/?scenario=both"):
        assert browser.get(url).status_code == 404, url
    home = browser.get("/")
    assert "/simulator/" not in home.text


def test_the_communications_hire_typed_with_its_grants_dates_costs_what_its_saved_scenario_costs(
    app: Flask, browser: Browser
) -> None:
    browser.login(Role.COORDINATOR)
    page = browser.post_form(PAGE, hire(**{"funding-0-fiscal_year": "2027-07-01:2028-06-30"}))
    assert page.status_code == 200 and "is-invalid" not in page.text
    years, _, _ = _library(app, "communications agent")
    table = page.text[
        page.text.index('id="sim-years-table"') : page.text.index("</table>", page.text.index('id="sim-years-table"'))
    ]
    for y in years:
        row = table[table.index(f'data-year="{y.year.label}"') :]
        row = row[: row.index("</tr>")]
        for value in (
            y.pay,
            y.contributions,
            y.benefits,
            y.cost,
            y.confirmed,
            y.requested,
            y.gap_confirmed,
            y.gap_requested,
        ):
            assert fr(value) in row, (y.year.label, value)


def test_in_english_the_simulator_writes_amounts_and_words_as_english_does(app: Flask, browser: Browser) -> None:
    browser.login(Role.COORDINATOR)
    browser.post_form(PAGE, {"next": PAGE}, url="/language/en")
    page = browser.get(f"{PAGE}?scenario=both&first_year={FIRST_YEAR}&years=3")
    assert page.status_code == 200 and '<html lang="en">' in page.text
    years, _, _ = _library(app, "both")
    row = _year_row(page.text, years[1].year.label)
    assert format_money(years[1].cost, "en") in row and "$" in format_money(years[1].cost, "en")
    assert "Who pays each month" in page.text and "Mobilisation agent" in page.text
