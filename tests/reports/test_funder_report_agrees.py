"""A funder's report agrees with itself and shows only what is the funder's (issue point 8).

Centraide's report for 2026-2027 from the Parc-Extension example with this year's
expenses imported, on SQLite and on PostgreSQL: what its grants paid for staff is what
its expense sheet shows (the first quarter's salaries included), the staffing plan's
share for the months to come is apart and labelled as planned; its packages show every
source's amount but only Centraide's own conditions, and only those of 2026-2027; its
instalments are those of 2026-2027; periods and dates read in words.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fundtrack.i18n import Lang
from fundtrack.periods import DateRange
from fundtrack.reports.funder import funder_report
from fundtrack.reports.funder_xlsx import write_funder_report
from tests.conftest import the_scope
from tests.reports.conftest import TODAY, load
from tests.reports.test_funder_report import BOROUGH, CENTRAIDE, FOUNDATION, dec, tables

ISO_DATE = re.compile(r"\b\d{4}-\d\d-\d\d\b")


def write(
    factory: sessionmaker[Session],
    path: Path,
    funder: str = CENTRAIDE,
    *,
    lang: Lang | None = None,
    period: DateRange | None = None,
) -> Any:
    with factory() as session:
        report = funder_report(session, the_scope(session), funder, as_of=TODAY, lang=lang, period=period)
        write_funder_report(report, path)
    return load(path, values=True)


def texts(book: Any) -> list[str]:
    return [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_what_the_grants_paid_for_staff_is_what_the_expense_sheet_shows(
    tmp_path: Path, parc_extension: sessionmaker[Session]
) -> None:
    book = write(parc_extension, tmp_path / "centraide.xlsx")
    paid, planned = tables(book["Personnel financé"], "Référence")
    (detail,) = tables(book["Dépenses"], "Date")
    *expenses, _ = detail
    payroll = ("Salaires", "Charges sociales de l'employeur", "Avantages sociaux")
    charged = {c: sum((dec(r[6]) for r in expenses if r[4] == c), Decimal(0)) for c in payroll}
    # the first and second quarters' salaries, charged to Centraide's PIC on 30 June and 30 September
    assert charged["Salaires"] == Decimal("53755.78")
    *positions, paid_total = paid
    assert {p[1] for p in positions} == {"Coordonnatrice", "Agente de liaison"}
    assert [dec(v) for v in paid_total[2:6]] == [
        charged["Salaires"],
        charged["Charges sociales de l'employeur"],
        charged["Avantages sociaux"],
        sum(charged.values(), Decimal(0)),
    ]
    # what the plan expects for the months still to come is apart, labelled as planned
    *plan, _ = planned
    assert plan and {p[2] for p in plan} == {"de décembre 2026 à mars 2027"}
    labels = texts(book)
    assert "Prévu au plan de dotation pour les mois à venir, de décembre 2026 à mars 2027" in labels
    assert "Payé par les ententes dans la période : dépenses de personnel imputées" in labels
    assert "2026-07" not in labels  # the plan's "from 2026-07" no longer stands for what was paid


def test_packages_show_every_source_but_only_this_funders_conditions_of_the_period(
    tmp_path: Path, parc_extension: sessionmaker[Session]
) -> None:
    book = write(parc_extension, tmp_path / "centraide.xlsx")
    ws = book["Montages financiers"]
    sources = [r for t in tables(ws, "Source") for r in t]
    conditions = [r for t in tables(ws, "Référence") for r in t]
    # the other sources' amounts are there, as in any financial package
    assert ["IMSDSL-2025-2028", "Initiative montréalaise de soutien au développement social local"] in [
        r[:2] for r in sources
    ]
    assert conditions
    assert {r[0] for r in conditions} == {"PIC-2025-2028"}  # not the borough's, the City's, the Foundation's caps
    rules = [r[1] for r in conditions]
    assert not [r for r in rules if "(2025-2026)" in r or "(2027-2028)" in r]
    assert "Pas plus que la part de l'entente dans la période (2026-2027)" in rules


def test_the_instalments_are_those_of_the_period(tmp_path: Path, parc_extension: sessionmaker[Session]) -> None:
    book = write(parc_extension, tmp_path / "centraide.xlsx")
    (rows,) = tables(book["Versements"], "Référence")
    *instalments, total = rows
    assert [r[1].date() for r in instalments] == [
        date(2026, 4, 15),
        date(2026, 7, 15),
        date(2026, 10, 15),
        date(2027, 1, 15),
    ]
    assert dec(total[2]) == Decimal("150000.00")  # not the 450,000 $ of 2025 to 2028


def test_periods_and_dates_read_in_words(tmp_path: Path, parc_extension: sessionmaker[Session]) -> None:
    half_year = DateRange(date(2026, 1, 1), date(2026, 6, 30))
    borough = write(parc_extension, tmp_path / "borough.xlsx", BOROUGH, period=half_year)
    assert borough["Sommaire"]["B4"].value == "du 1er janvier 2026 au 30 juin 2026"
    english = write(parc_extension, tmp_path / "borough-en.xlsx", BOROUGH, lang="en", period=half_year)
    assert english["Summary"]["B4"].value == "January 1, 2026 to June 30, 2026"
    # the Foundation's year is the calendar year: its package is titled with it, not with a range of dates
    foundation = write(
        parc_extension, tmp_path / "fgm.xlsx", FOUNDATION, period=DateRange(date(2026, 1, 1), date(2026, 12, 31))
    )
    assert "Planification stratégique de quartier (PSQ) — 2026" in texts(foundation)
    for book in (borough, english, foundation):
        assert not [t for t in texts(book) if ISO_DATE.search(t) or "2026-01-01:" in t]
        dates = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if getattr(c, "is_date", False)]
        assert dates and all("mmm" in c.number_format for c in dates)
