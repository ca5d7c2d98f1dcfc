"""Each project's financial package per fiscal year, its conditions and whether each holds,
as `fundtrack package` gives it."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from fundtrack.calc.package import FinancialPackage
from fundtrack.money import format_percent
from fundtrack.queries.listings import list_projects
from fundtrack.roles import Role
from fundtrack.services.package import project_package
from tests.web.conftest import Browser, statements
from tests.web.figures import figure, fr, library, refusal_beside, text


def library_package(app: Flask, project: str, label: str) -> FinancialPackage:
    with library(app) as (session, acting):
        return project_package(session, acting.scope, project, acting.calendar.parse(label))


def project_names(app: Flask) -> list[str]:
    with library(app) as (session, acting):
        return [p.name for p in list_projects(session, acting.scope)]


def assert_shows(page: str, pkg: FinancialPackage) -> None:
    assert figure(page, "cost") == fr(pkg.total_cost)
    assert figure(page, "confirmed") == fr(pkg.confirmed_total)
    assert figure(page, "requested") == fr(pkg.requested_total)
    assert figure(page, "in_kind") == fr(pkg.in_kind_total)
    assert figure(page, "own_funds") == fr(pkg.own_funds)
    assert figure(page, "gap_confirmed") == fr(pkg.gap_confirmed)
    assert figure(page, "gap_if_granted") == fr(pkg.gap_if_granted)
    shown = text(page)
    for source in pkg.sources:
        assert source.label in shown and fr(source.amount) in shown
        if source.share is not None:
            assert format_percent(source.share, "fr") in shown
    for condition in pkg.conditions:
        assert condition.label("fr") in shown and condition.status("fr") in shown


@pytest.mark.parametrize("label", ["2026-2027", "2027-2028"])
def test_every_projects_package_is_the_librarys(app: Flask, browser: Browser, label: str) -> None:
    browser.login(Role.COORDINATOR)
    names = project_names(app)
    assert len(names) > 1
    for name in names:
        page = browser.get("/packages/", query_string={"project": name, "year": label})
        assert page.status_code == 200
        assert_shows(page.text, library_package(app, name, label))


def test_the_first_project_of_the_current_year_is_shown_by_default(app: Flask, browser: Browser) -> None:
    browser.login(Role.BOARD)
    page = browser.get("/packages/").text
    with library(app) as (_, acting):
        label = acting.calendar.year_of(date.today()).label
    first = project_names(app)[0]
    assert_shows(page, library_package(app, first, label))
    assert f"Montage financier de « {first} », exercice {label}" in text(page)


def test_a_condition_that_falls_short_says_by_how_much(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    failing = [
        (name, label, c)
        for label in ("2025-2026", "2026-2027", "2027-2028")
        for name in project_names(app)
        for c in library_package(app, name, label).conditions
        if not c.holds
    ]
    holding = [
        (name, label, c)
        for label in ("2025-2026", "2026-2027", "2027-2028")
        for name in project_names(app)
        for c in library_package(app, name, label).conditions
        if c.holds
    ]
    assert holding, "the example's packages have conditions"
    name, label, condition = holding[0]
    page = browser.get("/packages/", query_string={"project": name, "year": label}).text
    assert "respectée" in text(page)
    for name, label, condition in failing:
        page = browser.get("/packages/", query_string={"project": name, "year": label}).text
        assert condition.status("fr") in text(page) and "ft-fails" in page


def test_a_fiscal_year_that_does_not_read_is_refused_beside_the_chooser(browser: Browser) -> None:
    browser.login(Role.TREASURER)
    page = browser.get("/packages/?year=deux-mille")
    assert "deux-mille" in refusal_beside(page.text, "year")


def test_every_package_reads_as_many_queries_whatever_its_grants_and_rows(app: Flask, browser: Browser) -> None:
    # the grants' allocations are read together (two queries in all), and the lines beside
    # their amounts in one: a package with more grants or more lines costs no more statements
    browser.login(Role.BOARD)
    names = project_names(app)
    browser.get("/packages/")
    counts, sources = [], []
    for name in names:
        with statements(app) as seen:
            browser.get("/packages/", query_string={"project": name, "year": "2026-2027"})
        counts.append(len(seen))
        sources.append(len(library_package(app, name, "2026-2027").sources))
    assert len(set(sources)) > 1
    assert len(set(counts)) == 1, counts


@pytest.mark.parametrize("role", [Role.TREASURER, Role.COORDINATOR, Role.BOARD])
def test_the_organisations_people_read_the_packages(browser: Browser, role: Role) -> None:
    browser.login(role)
    assert browser.get("/packages/").status_code == 200


def test_a_funders_login_has_no_packages_page(browser: Browser) -> None:
    browser.login(Role.FUNDER)
    assert browser.get("/packages/").status_code == 404
