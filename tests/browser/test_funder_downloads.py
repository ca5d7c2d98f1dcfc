"""A funder's downloads in Chromium: Centraide's login lands on its portal, downloads its
report (all its grants, then one) and reads it with openpyxl; every other page of the
admin (its own grants aside), and the City's grant by its address, answer 404."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from fundtrack.db import make_engine, session_factory
from fundtrack.models import Grant
from fundtrack.roles import Role
from tests.browser.conftest import Served, assert_accessible, log_in, off_the_loop
from tests.browser.journeys import SQLITE_ONLY, shown_text, workbook_of

CITYS_GRANT = "VDM-2026"


def _grant_id(url: str, reference: str) -> int:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            return session.execute(select(Grant.id).where(Grant.reference == reference)).scalar_one()
    finally:
        engine.dispose()


def _cells(book: Any) -> set[Any]:
    return {c for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c is not None}


@SQLITE_ONLY
def test_a_funder_downloads_its_report_from_its_portal_and_reaches_nothing_else(page: Any, served: Served) -> None:
    city = off_the_loop(_grant_id, served.database, CITYS_GRANT)
    log_in(page, Role.FUNDER)
    assert page.url == f"{served.base_url}/portal/"
    shown = shown_text(page)
    assert "PIC-2025-2028" in shown and CITYS_GRANT not in shown
    assert_accessible(page)

    # the report of all its grants, in French
    with page.expect_download() as every:
        page.get_by_role("button", name="Télécharger", exact=True).click()
    assert every.value.suggested_filename.startswith("rapport-centraide-du-grand-montreal-")
    book = workbook_of(every.value)
    assert len(book.sheetnames) >= 2 and "Versements" in book.sheetnames, book.sheetnames
    cells = _cells(book)
    assert "PIC-2025-2028" in cells and CITYS_GRANT not in cells

    # one grant's report
    page.get_by_label("Entente", exact=True).select_option(value="PIC-2025-2028")
    with page.expect_download() as one:
        page.get_by_role("button", name="Télécharger", exact=True).click()
    assert "pic-2025-2028" in one.value.suggested_filename
    assert "PIC-2025-2028" in _cells(workbook_of(one.value))

    # nothing else answers it: the other views, the City's grant and its report
    page.goto("/")
    assert page.url == f"{served.base_url}/portal/"  # its home is its portal
    page.goto("/grants/")  # its own grants only
    assert "PIC-2025-2028" in shown_text(page) and CITYS_GRANT not in shown_text(page)
    for url in (
        "/funders/",
        "/projects/",
        f"/grants/details/?id={city}",
        f"/grants/edit/?id={city}",
        "/expenses/",
        "/simulator/",
        "/reports/",
        "/variance/",
        f"/portal/report.xlsx?grant={CITYS_GRANT}",
        f"/portal/?grant={CITYS_GRANT}",
    ):
        response = page.goto(url)
        assert response is not None and response.status == 404, (url, response and response.status)
    page.goto("/portal/")  # the journey ends on its portal, as the screenshot shows it
    assert_accessible(page)
