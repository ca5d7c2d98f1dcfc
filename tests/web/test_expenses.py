"""The expenses in the admin: the list and its filters at a constant query count, the details
with the split and the receipt, recording one with the library's proposed split, refusals
beside their field with nothing written, corrections by reversal only."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from fundtrack.models import Attachment, Expense
from fundtrack.roles import Role
from tests.web.conftest import Browser, csrf_token, statements
from tests.web.test_files import PDF, multipart

GATHERINGS = "Grands rendez-vous et assemblées"


def count(app: Flask, model: Any = Expense) -> int:
    with Session(app.extensions["fundtrack.engine"]) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def last_expense(app: Flask) -> Expense:
    with Session(app.extensions["fundtrack.engine"], expire_on_commit=False) as session:
        found = session.scalars(select(Expense).order_by(Expense.id.desc()).limit(1)).one()
        _ = [(c.grant.reference, c.amount) for c in found.charges]
        return found


def text(page: Any) -> str:
    """What a reader sees of the page: its words, without tags, scripts or odd spaces."""
    body = re.sub(r"<script.*?</script>", " ", page.text, flags=re.S)
    words = html.unescape(re.sub(r"<[^>]+>", " ", body)).replace("\u202f", " ").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", words)


def interpreters(**changes: Any) -> dict[str, Any]:
    data = {
        "date": "2026-05-10",
        "payee": "Interprètes Montréal",
        "description": "Interprétation, assemblée de mai",
        "project": GATHERINGS,
        "category": "translation",
        "pre_tax": "1 000,00 $",
        "payment_method": "cheque",
        "charge": "auto",
    }
    return {**data, **changes}


def test_the_treasurer_reads_the_list_with_amounts_taxes_and_charged_grants_in_french(browser: Browser) -> None:
    browser.login(Role.TREASURER)
    page = browser.get("/expenses/")
    assert page.status_code == 200
    shown = text(page)
    assert "Paie — coordonnatrice" in shown and "15 192,45 $" in shown
    assert "PIC-2025-2028 (13 000,00 $), IMSDSL-2025-2028 (2 192,45 $)" in shown
    assert "TPS 17,50 $ · TVQ 34,91 $" in shown  # the caterer's 350,00 $
    assert "31 mars 2026" in shown


def test_each_row_of_the_list_links_to_its_own_details(browser: Browser) -> None:
    browser.login(Role.TREASURER)
    page = browser.get("/expenses/?page_size=20")
    links = re.findall(
        r'<a class="icon" href="(/expenses/details/\?id=(\d+)&amp;url=[^"]+)" title="([^"]+)"', page.text
    )
    assert len(links) == len({expense_id for _, expense_id, _ in links}) == 20
    assert {html.unescape(title) for _, _, title in links} == {"Afficher L'enregistrement"}
    for url, expense_id, _ in links:
        details = browser.get(html.unescape(url))
        assert details.status_code == 200 and f"id={expense_id}" in details.request.url


def test_the_list_reads_as_many_statements_for_100_rows_as_for_5(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    counts = []
    for size in (5, 100):
        with statements(app) as seen:
            assert browser.get(f"/expenses/?page_size={size}").status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 11, counts


def test_the_filters_and_the_search_narrow_the_list(browser: Browser) -> None:
    browser.login(Role.TREASURER)
    everything = browser.get("/expenses/?page_size=100")
    assert "Loyer et services, T1" in everything.text
    year = text(browser.get("/expenses/?flt0_0=2026-2027&page_size=100"))
    assert "Salaire et vacances, T4 2025-2026" not in year
    earlier = text(browser.get("/expenses/?flt0_0=2025-2026&page_size=100"))
    assert "Salaire et vacances, T4 2025-2026" in earlier
    search = text(browser.get("/expenses/?search=Papeterie"))
    assert "Fournitures de la rentrée" in search and "Paie — coordonnatrice" not in search
    page = browser.get("/expenses/")
    grant_option = re.search(r'\["(\d+)", "DESJ-2026"\]', page.text)
    assert grant_option, "the grant filter lists the organisation's grants"
    desjardins = text(browser.get(f"/expenses/?flt0_3={grant_option.group(1)}&page_size=100"))
    assert "DESJ-2026" in desjardins and "Paie — coordonnatrice" not in desjardins
    unknown = text(browser.get("/expenses/?flt0_3=999999&page_size=100"))
    assert "Paie — coordonnatrice" in unknown  # a value not among the options filters nothing


def test_a_project_added_is_offered_by_the_project_filter_at_once(app: Flask, browser: Browser) -> None:
    """The filter options are kept between requests (under the budget stamp): a project the
    treasurer adds is offered by the next list, and filters it."""
    browser.login(Role.TREASURER)
    before = browser.get("/expenses/")
    assert "Jardin communautaire" not in before.text
    assert browser.post_form("/projects/new/", {"name": "Jardin communautaire"}).status_code == 302
    after = browser.get("/expenses/")
    option = re.search(r'\["(\d+)", "Jardin communautaire"\]', after.text)
    assert option, "the project filter offers the new project"
    filtered = text(browser.get(f"/expenses/?flt0_1={option.group(1)}&page_size=100"))
    assert "Paie — coordonnatrice" not in filtered  # the new project has no expense yet
    with statements(app) as seen:
        assert browser.get("/expenses/?page_size=5").status_code == 200
    assert len(seen) <= 8, seen


def test_the_list_sorts_by_date_supplier_project_and_amount(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    for column in range(10):
        for desc in ("0", "1"):
            assert browser.get(f"/expenses/?sort={column}&desc={desc}").status_code == 200
    with Session(app.extensions["fundtrack.engine"]) as session:
        cheapest = session.scalars(select(Expense).order_by(Expense.pre_tax, Expense.id).limit(1)).one()
        dearest = session.scalars(select(Expense).order_by(Expense.pre_tax.desc(), Expense.id).limit(1)).one()
        names = (cheapest.description, dearest.description)
    assert names[0] != names[1]
    ascending = text(browser.get("/expenses/?sort=5&page_size=100"))
    descending = text(browser.get("/expenses/?sort=5&desc=1&page_size=100"))
    assert ascending.index(names[0]) < ascending.index(names[1])
    assert descending.index(names[1]) < descending.index(names[0])


@pytest.mark.parametrize("role", [Role.BOARD, Role.COORDINATOR])
def test_the_board_and_the_coordinator_read_expenses_but_cannot_record_or_reverse(
    app: Flask, browser: Browser, role: Role
) -> None:
    browser.login(role)
    assert browser.get("/expenses/").status_code == 200
    details = browser.get("/expenses/details/?id=1")
    assert details.status_code == 200 and "Annuler par une écriture inverse" not in details.text
    assert browser.get("/expenses/new/").status_code == 403
    token = csrf_token(browser.get("/", follow_redirects=True).text)
    before = count(app)
    assert browser.client.post("/expenses/reverse/", data={"csrf_token": token, "id": "1"}).status_code == 403
    assert browser.get("/expenses/edit/?id=1").status_code == 403
    assert browser.client.post("/expenses/delete/", data={"csrf_token": token, "id": "1"}).status_code == 403
    assert count(app) == before


def test_a_funders_login_does_not_reach_the_expenses_view(browser: Browser) -> None:
    browser.login(Role.FUNDER)
    for url in ("/expenses/", "/expenses/details/?id=1", "/expenses/new/"):
        assert browser.get(url).status_code == 404


def test_an_unknown_or_malformed_id_answers_404(browser: Browser) -> None:
    browser.login(Role.TREASURER)
    for url in ("/expenses/details/?id=999999", "/expenses/details/?id=1,2", "/expenses/details/?id=abc"):
        assert browser.get(url).status_code == 404


def test_the_library_proposes_the_split_restricted_grant_first_and_the_treasurer_changes_it(
    app: Flask, browser: Browser
) -> None:
    browser.login(Role.TREASURER)
    before = count(app)
    half_typed = {"charge": "split", "charges-0-grant": "PIC-2025-2028"}  # rows half filled: not read
    proposed = browser.post_form("/expenses/new/", {**interpreters(**half_typed), "propose": "1"})
    assert proposed.status_code == 200
    assert count(app) == before  # a proposal writes nothing
    shown = text(proposed)
    assert "Répartition proposée pour un coût net de 1 074,87 $" in shown
    # the borough's restricted grant comes first, and takes the whole net cost
    assert re.search(r'<option selected value="ARR-VSP-2026">', proposed.text)
    assert 'name="charges-0-amount" type="text" value="1 074,87"' in html.unescape(proposed.text).replace(
        "\u202f", " "
    ).replace("\u00a0", " ")
    # the treasurer moves 74,87 $ to Centraide's PIC before saving
    form = {
        **interpreters(charge="split"),
        "charges-0-grant": "ARR-VSP-2026",
        "charges-0-amount": "1 000,00",
        "charges-1-grant": "PIC-2025-2028",
        "charges-1-amount": "74,87",
    }
    saved = browser.post_form("/expenses/new/", form)
    assert saved.status_code == 302
    expense = last_expense(app)
    assert sorted((c.grant.reference, str(c.amount)) for c in expense.charges) == [
        ("ARR-VSP-2026", "1000.00"),
        ("PIC-2025-2028", "74.87"),
    ]
    details = text(browser.get(saved.headers["Location"]))
    assert "ARR-VSP-2026 1 000,00 $" in details and "1 074,87 $" in details


def test_an_automatic_charge_is_the_librarys_own(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    saved = browser.post_form("/expenses/new/", interpreters())
    assert saved.status_code == 302
    assert [(c.grant.reference, str(c.amount)) for c in last_expense(app).charges] == [("ARR-VSP-2026", "1074.87")]


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        ({"pre_tax": "1 000,005"}, "1 000,005"),
        ({"pre_tax": "1,000"}, "ambigu"),
        (
            {"charge": "split", "charges-0-grant": "ARR-VSP-2027", "charges-0-amount": "1 074,87"},
            "ARR-VSP-2027",
        ),
        (
            {"charge": "split", "charges-0-grant": "ARR-VSP-2026", "charges-0-amount": "10,00"},
            "1 074,87",
        ),
    ],
)
def test_each_refusal_is_shown_beside_its_field_and_nothing_is_written(
    app: Flask, browser: Browser, changes: dict[str, str], shown: str
) -> None:
    browser.login(Role.TREASURER)
    before = count(app)
    refused = browser.post_form("/expenses/new/", interpreters(**changes))
    assert refused.status_code == 200
    page = text(refused)
    assert shown in page
    assert "invalid-feedback" in refused.text or "is-invalid-split" in refused.text or "alert-danger" in refused.text
    assert count(app) == before


def test_the_receipt_is_uploaded_with_the_expense_and_a_hostile_one_refuses_the_whole(
    app: Flask, browser: Browser
) -> None:
    browser.login(Role.TREASURER)
    before = count(app)
    page = browser.get("/expenses/new/")
    exe = {
        **interpreters(),
        "csrf_token": csrf_token(page.text),
        "receipt": FileStorage(io.BytesIO(b"MZ\x90"), "r.pdf"),
    }
    refused = browser.client.post("/expenses/new/", **multipart(exe))
    assert refused.status_code == 200 and "ni un PDF" in text(refused)
    assert (count(app), count(app, Attachment)) == (before, 0)
    good = {**exe, "receipt": FileStorage(io.BytesIO(PDF), "facture interprètes.pdf")}
    saved = browser.client.post("/expenses/new/", **multipart(good))
    assert saved.status_code == 302
    details = browser.get(saved.headers["Location"])
    assert "facture interprètes.pdf" in html.unescape(details.text)
    expense_id = last_expense(app).id
    assert browser.get(f"/files/expenses/{expense_id}/receipt").data == PDF
    listed = browser.get("/expenses/")
    assert f"/files/expenses/{expense_id}/receipt" in listed.text  # the receipt icon


def test_an_expense_is_corrected_by_reversal_and_reversed_only_once(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    saved = browser.post_form("/expenses/new/", interpreters())
    original = last_expense(app).id
    details_url = saved.headers["Location"]
    reversed_ = browser.post_form(details_url, {"id": str(original)}, url="/expenses/reverse/")
    assert reversed_.status_code == 302
    reversal = last_expense(app)
    assert reversal.reverses_id == original and str(reversal.net_cost) == "-1074.87"
    before = count(app)
    again = browser.post_form(f"/expenses/details/?id={original}", {"id": str(original)}, url="/expenses/reverse/")
    assert again.status_code == 302
    shown = text(browser.get(again.headers["Location"]))
    assert "Cette dépense est annulée." in shown and "déjà" in shown
    assert count(app) == before  # no second reversal
    assert last_expense(app).id == reversal.id


def test_a_correction_reverses_the_original_and_records_the_new_one(app: Flask, browser: Browser) -> None:
    browser.login(Role.TREASURER)
    browser.post_form("/expenses/new/", interpreters())
    original = last_expense(app).id
    before = count(app)
    prefilled = browser.get(f"/expenses/new/?corrects={original}")
    assert prefilled.status_code == 200
    assert f'value="{original}"' in prefilled.text and "Interprètes Montréal" in html.unescape(prefilled.text)
    corrected = browser.post_form(
        f"/expenses/new/?corrects={original}",
        {**interpreters(pre_tax="900,00"), "corrects": str(original)},
    )
    assert corrected.status_code == 302
    assert count(app) == before + 2  # the reversal and the new expense
    assert str(last_expense(app).pre_tax) == "900.00"
    assert browser.get("/expenses/new/?corrects=999999").status_code == 404
