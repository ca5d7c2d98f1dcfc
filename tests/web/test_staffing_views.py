"""The staffing views: positions with their funding, scenarios with their changes, payroll parameters."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from admin_app.extensions import db
from fundtrack.models.staffing import PayrollRateTable, Position, PositionFunding, Scenario
from fundtrack.roles import Role
from tests.web.conftest import Browser, statements

STALE = "a été modifié par"


def _count(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _id(app: Flask, model: Any, **where: Any) -> int:
    with app.app_context():
        query = select(model.id).filter_by(**where)
        found = db.session.scalar(query)
        assert found is not None
        return int(found)


def position(**changes: str) -> dict[str, str]:
    data = {
        "key": "mobilisation",
        "title_fr": "Agent·e de mobilisation",
        "title_en": "Mobilisation agent",
        "status": "planned",
        "hourly_rate": "26,00 $",
        "weekly_hours": "32",
        "start_date": "2027-01-05",
        "vacation_rate": "4",
        "benefits_rate": "4",
        "f1_grant": "FGM-2026-2027",
        "f1_fiscal_year": "2026-2027",
        "f1_amount": "12 000,00",
        "f2_grant": "PIC-2025-2028",
        "f2_fiscal_year": "2027-2028",
        "f2_amount": "20 000,00",
    }
    data.update(changes)
    return data


def test_the_coordinator_lists_the_positions_with_their_pay_and_funding(browser: Browser) -> None:
    browser.login(Role.COORDINATOR)
    page = browser.get("/positions/")
    assert page.status_code == 200
    assert "Coordonnatrice" in page.text and "Agente de liaison" in page.text
    assert "31,50\u00a0$/h" in page.text
    assert "PIC-2025-2028" in page.text and "52\u00a0000,00\u00a0$" in page.text


def test_the_coordinator_adds_a_position_with_its_funding_through_the_service(app: Flask, browser: Browser) -> None:
    browser.login(Role.COORDINATOR)
    response = browser.post_form("/positions/new/", position())
    assert response.status_code == 302, response.text
    with app.app_context():
        found = db.session.scalar(select(Position).where(Position.key == "mobilisation"))
        assert found is not None and found.hourly_rate == Decimal("26.00") and found.vacation_rate == Decimal("0.04")
        amounts = sorted((f.grant.reference, str(a.amount)) for f in found.funding for a in f.amounts)
    assert amounts == [("FGM-2026-2027", "12000.00"), ("PIC-2025-2028", "20000.00")]
    details = browser.get(f"/positions/details/?id={_id(app, Position, key='mobilisation')}")
    assert details.status_code == 200 and "FGM-2026-2027" in details.text and "12\u00a0000,00\u00a0$" in details.text


def _beside(text: str, name: str, message: str) -> None:
    start = text.index(f'name="{name}"')
    after = text[start : start + 1200]
    assert message in after, after


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"weekly_hours": "abc"}, "weekly_hours", "heures par semaine invalides (abc)"),
        ({"hourly_rate": "26,125"}, "hourly_rate", "26,125"),
        ({"f2_grant": "ARR-VSP-2026", "f2_fiscal_year": "2026-2027"}, "f2_grant", "ARR-VSP-2026"),
        ({"key": "coordination"}, "key", "coordination"),
        ({"start_date": ""}, "start_date", "obligatoire"),
    ],
)
def test_a_refused_position_is_shown_beside_its_field_and_nothing_is_written(
    app: Flask, browser: Browser, changes: dict[str, str], field: str, message: str
) -> None:
    browser.login(Role.COORDINATOR)
    before = (_count(app, Position), _count(app, PositionFunding))
    page = browser.post_form("/positions/new/", position(**changes))
    assert page.status_code == 200
    _beside(page.text, field, message)
    assert (_count(app, Position), _count(app, PositionFunding)) == before


def test_funding_beyond_a_grants_amount_is_refused_and_nothing_is_written(app: Flask, browser: Browser) -> None:
    browser.login(Role.COORDINATOR)
    before = (_count(app, Position), _count(app, PositionFunding))
    page = browser.post_form("/positions/new/", position(f1_amount="600 000,00"))
    assert page.status_code == 200
    assert "FGM-2026-2027" in page.text and "60\u00a0000,00\u00a0$" in page.text and "alert" in page.text
    assert (_count(app, Position), _count(app, PositionFunding)) == before


def test_the_coordinator_deletes_a_position_and_a_stale_read_is_refused(app: Flask, browser: Browser) -> None:
    browser.login(Role.COORDINATOR)
    browser.post_form("/positions/new/", position())
    ident = _id(app, Position, key="mobilisation")
    response = browser.post_form("/positions/", {"id": str(ident), "url": "/positions/"}, url="/positions/delete/")
    assert response.status_code == 302
    assert _count(app, Position) == 2
    from fundtrack.services.context import acting_for
    from fundtrack.services.staffing import delete_position

    with app.app_context():
        session = db.session
        from fundtrack.errors import StaleRecord

        with pytest.raises(StaleRecord):
            delete_position(session, acting_for(session), "coordination", revision=999)


def test_the_positions_list_runs_the_same_number_of_queries_whatever_the_page_size(
    app: Flask, browser: Browser
) -> None:
    browser.login(Role.COORDINATOR)
    browser.get("/positions/?page_size=1")
    with statements(app) as small:
        assert browser.get("/positions/?page_size=1").status_code == 200
    with statements(app) as large:
        assert browser.get("/positions/?page_size=50").status_code == 200
    assert len(small) == len(large)


def test_the_scenarios_list_shows_each_change_with_its_funding_in_constant_queries(
    app: Flask, browser: Browser
) -> None:
    browser.login(Role.BOARD)
    browser.get("/scenarios/?page_size=1")
    with statements(app) as small:
        one = browser.get("/scenarios/?page_size=1")
    with statements(app) as large:
        page = browser.get("/scenarios/?page_size=50")
    assert len(small) == len(large)
    assert one.status_code == 200 and page.status_code == 200
    assert (
        "Agent·e de communication" in page.text
        and "FGM-2027-2028" in page.text
        and "45\u00a0000,00\u00a0$" in page.text
    )


def scenario(**changes: str) -> dict[str, str]:
    data = {
        "name": "mobilisation plus tôt",
        "description": "En octobre",
        "c1_kind": "add",
        "c1_position": "mobilisation",
        "c1_title": "Agent·e de mobilisation",
        "c1_hourly_rate": "26,00",
        "c1_weekly_hours": "30",
        "c1_start_date": "2026-10-01",
        "c1_vacation_rate": "4",
        "c1_f1_grant": "FGM-2026-2027",
        "c1_f1_fiscal_year": "2026-2027",
        "c1_f1_amount": "20 000",
        "c2_kind": "change_pay",
        "c2_position": "liaison",
        "c2_weekly_hours": "35",
    }
    data.update(changes)
    return data


def test_the_coordinator_records_a_scenario_with_its_changes(app: Flask, browser: Browser) -> None:
    browser.login(Role.COORDINATOR)
    response = browser.post_form("/scenarios/new/", scenario())
    assert response.status_code == 302, response.text
    with app.app_context():
        found = db.session.scalar(select(Scenario).where(Scenario.name == "mobilisation plus tôt"))
        assert found is not None
        assert [(c.kind.value, c.position_key) for c in found.changes] == [
            ("add", "mobilisation"),
            ("change_pay", "liaison"),
        ]
        assert str(found.changes[1].weekly_hours) == "35.00"
    simulated = browser.get("/simulator/?scenario=mobilisation+plus+t%C3%B4t&first_year=2026-2027")
    assert simulated.status_code == 200 and "Agent·e de mobilisation" in simulated.text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "both"}, "name", "both"),
        ({"c2_position": "personne"}, "c2_position", "personne"),
        ({"c1_f1_grant": "ARR-VSP-2026", "c1_f1_fiscal_year": "2026-2027"}, "c1_f1_grant", "ARR-VSP-2026"),
        ({"c1_weekly_hours": "abc"}, "c1_weekly_hours", "abc"),
    ],
)
def test_a_refused_scenario_is_shown_beside_its_field_and_nothing_is_written(
    app: Flask, browser: Browser, changes: dict[str, str], field: str, message: str
) -> None:
    browser.login(Role.COORDINATOR)
    before = _count(app, Scenario)
    page = browser.post_form("/scenarios/new/", scenario(**changes))
    assert page.status_code == 200
    _beside(page.text, field, message)
    assert _count(app, Scenario) == before


def test_the_coordinator_deletes_a_scenario(app: Flask, browser: Browser) -> None:
    browser.login(Role.COORDINATOR)
    ident = _id(app, Scenario, name="both")
    response = browser.post_form("/scenarios/", {"id": str(ident), "url": "/scenarios/"}, url="/scenarios/delete/")
    assert response.status_code == 302
    assert "both" not in [s for s in _names(app)]


def _names(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Scenario.name)))


def test_everyone_but_a_funder_reads_the_payroll_parameters_with_their_sources(browser: Browser) -> None:
    browser.login(Role.BOARD)
    page = browser.get("/payroll-rates/")
    assert page.status_code == 200
    assert "2025" in page.text and "2026" in page.text
    assert "0,602\u00a0%" in page.text  # the QPIP rate with all its digits
    assert "Revenu Québec" in page.text
    assert "/payroll-rates/edit/" not in page.text
    assert browser.get("/payroll-rates/edit/?year=2026").status_code == 403


def test_the_treasurer_sets_the_organisations_cnesst_rate_for_a_year(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    form = browser.get("/payroll-rates/edit/?year=2026")
    assert form.status_code == 200 and 'value="1,54"' in form.text
    data = {"cnesst_rate": "1,12", "source": "Avis de classification 2026"}
    response = browser.post_form("/payroll-rates/edit/?year=2026", data)
    assert response.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(PayrollRateTable).where(PayrollRateTable.year == 2026))
        assert row is not None and row.cnesst_rate == Decimal("0.0112") and not row.cnesst_placeholder
        assert row.sources["cnesst_rate"] == "Avis de classification 2026"
    page = browser.get("/payroll-rates/")
    assert "1,12\u00a0%" in page.text and "Avis de classification 2026" in page.text


def test_a_stale_or_bad_payroll_edit_is_refused_and_nothing_changes(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    assert browser.post_form("/payroll-rates/edit/?year=2026", {"cnesst_rate": "1,12"}).status_code == 302
    stale = browser.post_form("/payroll-rates/edit/?year=2026", {"cnesst_rate": "1,30", "revision": "0"})
    assert stale.status_code == 200 and STALE in stale.text
    bad = browser.post_form("/payroll-rates/edit/?year=2026", {"rrq_exemption": "90 000,00"})
    assert bad.status_code == 200 and "plafonds incohérents" in bad.text
    new_year = browser.post_form("/payroll-rates/edit/?year=2031", {"rrq_rate": "6,3"})
    assert new_year.status_code == 200 and "aucun tableau livré pour 2031" in new_year.text
    _beside(new_year.text, "rrq_exemption", "aucun tableau livré pour 2031")
    three = browser.post_form("/payroll-rates/edit/?year=2026", {"ei_max": "68 900,005"})
    _beside(three.text, "ei_max", "68 900,005")
    with app.app_context():
        rows = {r.year: r for r in db.session.scalars(select(PayrollRateTable))}
    assert rows[2026].cnesst_rate == Decimal("0.0112") and rows[2026].rrq_exemption == Decimal("3500.00")
    assert 2031 not in rows


@pytest.mark.parametrize("role", [Role.BOARD])
def test_a_board_member_reads_the_staffing_views_but_writes_nothing(app: Flask, browser: Browser, role: Role) -> None:
    browser.login(role)
    pid, sid = _id(app, Position, key="coordination"), _id(app, Scenario, name="both")
    for url in ("/positions/", f"/positions/details/?id={pid}", "/scenarios/", f"/scenarios/details/?id={sid}"):
        assert browser.get(url).status_code == 200, url
    for url in ("/positions/new/", "/scenarios/new/", f"/positions/edit/?id={pid}"):
        assert browser.get(url).status_code == 403, url
    deleted = browser.post_form("/positions/", {"id": str(pid), "url": "/positions/"}, url="/positions/delete/")
    assert deleted.status_code == 403
    assert _count(app, Position) == 2


@pytest.mark.parametrize("role", [Role.FUNDER])
def test_a_funders_login_finds_no_staffing_view(app: Flask, browser: Browser, role: Role) -> None:
    browser.login(role)
    pid, sid = _id(app, Position, key="coordination"), _id(app, Scenario, name="both")
    for url in (
        "/positions/",
        f"/positions/details/?id={pid}",
        "/positions/new/",
        f"/positions/edit/?id={pid}",
        "/scenarios/",
        f"/scenarios/details/?id={sid}",
        "/scenarios/new/",
        f"/scenarios/edit/?id={sid}",
        "/payroll-rates/",
        "/payroll-rates/edit/?year=2026",
    ):
        assert browser.get(url).status_code == 404, url
    assert browser.client.post("/positions/delete/", data={"id": str(pid)}).status_code in (400, 404)
    assert _count(app, Position) == 2


def _edit_data(html: str) -> dict[str, str]:
    """The values an edit form shows (inputs and selected options), as a browser would post them back."""
    import re

    data = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        data[name] = value
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, flags=re.S):
        chosen = re.search(r'<option[^>]*selected[^>]*value="([^"]*)"|<option[^>]*value="([^"]*)"[^>]*selected', body)
        data[name] = next((g for g in chosen.groups() if g is not None), "") if chosen else ""
    data.pop("csrf_token", None)
    return {k: v for k, v in data.items() if not k.startswith("_")}


def test_the_coordinator_changes_a_positions_hours_and_keeps_its_funding(app: Flask, browser: Browser) -> None:
    browser.login(Role.COORDINATOR)
    pid = _id(app, Position, key="liaison")
    url = f"/positions/edit/?id={pid}"
    form = browser.get(url)
    assert form.status_code == 200
    data = _edit_data(form.text)
    assert data["f1_grant"] == "PIC-2025-2028" and data["f1_fiscal_year"] == "2025-2026"
    assert data["weekly_hours"] == "32" and data["raise_on"] == "04-01"
    data["weekly_hours"] = "30"
    response = browser.post_form(url, data)
    assert response.status_code == 302, response.text
    with app.app_context():
        found = db.session.get(Position, pid)
        assert found is not None and found.weekly_hours == Decimal(30)
        amounts = sorted((f.grant.reference, a.period_start.year, a.amount) for f in found.funding for a in f.amounts)
    assert len(amounts) == 6 and amounts[0] == ("IMSDSL-2025-2028", 2025, Decimal("14000.00"))
    stale = browser.post_form(url, {**data, "weekly_hours": "28"})
    assert stale.status_code == 200 and STALE in stale.text
    with app.app_context():
        found = db.session.get(Position, pid)
        assert found is not None and found.weekly_hours == Decimal(30)


def test_an_edit_that_gives_a_grant_more_than_its_amount_is_refused_and_nothing_changes(
    app: Flask, browser: Browser
) -> None:
    browser.login(Role.COORDINATOR)
    pid = _id(app, Position, key="liaison")
    url = f"/positions/edit/?id={pid}"
    data = _edit_data(browser.get(url).text)
    data["f2_amount"] = "400 000,00"
    page = browser.post_form(url, data)
    assert page.status_code == 200 and "PIC-2025-2028" in page.text
    with app.app_context():
        found = db.session.get(Position, pid)
        assert found is not None
        assert sorted(a.amount for f in found.funding for a in f.amounts)[-1] == Decimal("40000.00")


def test_the_coordinator_edits_a_scenarios_changes_and_a_stale_edit_is_refused(app: Flask, browser: Browser) -> None:
    browser.login(Role.COORDINATOR)
    sid = _id(app, Scenario, name="both")
    url = f"/scenarios/edit/?id={sid}"
    form = browser.get(url)
    assert form.status_code == 200
    data = _edit_data(form.text)
    assert data["c1_kind"] == "add" and data["c1_position"] == "mobilisation"
    assert data["c1_f1_grant"] == "FGM-2026-2027" and data["c1_f1_fiscal_year"] == "2027-01-01:2027-06-30"
    assert data["c1_f2_grant"] == "PIC-2025-2028" and data["c1_f2_fiscal_year"] == "2027-2028"
    data["c2_weekly_hours"] = "21"
    response = browser.post_form(url, data)
    assert response.status_code == 302, response.text
    with app.app_context():
        found = db.session.get(Scenario, sid)
        assert found is not None and found.changes[1].weekly_hours == Decimal(21)
        assert sorted((f.grant.reference, a.amount) for f in found.changes[0].funding for a in f.amounts) == [
            ("FGM-2026-2027", Decimal("24000.00")),
            ("PIC-2025-2028", Decimal("20000.00")),
        ]
    stale = browser.post_form(url, {**data, "c2_weekly_hours": "14"})
    assert stale.status_code == 200 and STALE in stale.text
    refused = browser.post_form(url, {**_edit_data(browser.get(url).text), "c2_title": ""})
    assert refused.status_code == 200
    _beside(refused.text, "c2_title", "title_fr")
    with app.app_context():
        found = db.session.get(Scenario, sid)
        assert found is not None and found.changes[1].weekly_hours == Decimal(21)


def test_a_scenario_longer_than_the_form_is_not_opened_for_editing(app: Flask, browser: Browser) -> None:
    from fundtrack.schemas.common import load_or_raise
    from fundtrack.schemas.staffing import ScenarioSchema
    from fundtrack.services.context import acting_for
    from fundtrack.services.staffing import create_scenario

    changes = [{"kind": "change_pay", "position": "liaison", "weekly_hours": str(h)} for h in (30, 31, 32, 33)]
    with app.app_context():
        create_scenario(
            db.session, acting_for(db.session), load_or_raise(ScenarioSchema(), {"name": "long", "changes": changes})
        )
        db.session.commit()
    browser.login(Role.COORDINATOR)
    sid = _id(app, Scenario, name="long")
    response = browser.get(f"/scenarios/edit/?id={sid}")
    assert response.status_code == 302 and "/scenarios/details/" in response.headers["Location"]
    assert "modifiez-le par le fichier" in browser.get(response.headers["Location"]).text


def test_the_positions_are_searched_and_filtered_by_status(browser: Browser) -> None:
    browser.login(Role.BOARD)
    found = browser.get("/positions/?search=liaison")
    assert found.status_code == 200 and "Agente de liaison" in found.text and "Coordonnatrice" not in found.text
    planned = browser.get("/positions/?flt0_0=planned")
    assert planned.status_code == 200 and "Agente de liaison" not in planned.text
    filled = browser.get("/positions/?flt0_0=filled")
    assert "Agente de liaison" in filled.text and "Coordonnatrice" in filled.text
