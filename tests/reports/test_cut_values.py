"""A workbook never cuts a value silently (issue point 22).

A cell holds at most 32,767 characters. A longer value (a grant title of 1 MB) is cut
visibly: the cell ends with a note of the value's length, the workbook lists the cut,
and the command says so on stderr. A footer too long for a page is shortened with an
ellipsis and listed the same way.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select, update

from fundtrack.cli import main
from fundtrack.db import make_engine, session_factory
from fundtrack.models import Grant
from fundtrack.reports.tables import Column, Table
from fundtrack.reports.xlsx import MAX_STRING, Cut, ReportWorkbook, collect_cuts
from tests.reports.conftest import load

MEGABYTE_TITLE = "Projet impact collectif — Parc-Extension " * 26_000  # about 1 MB


def test_a_value_longer_than_a_cell_holds_is_cut_visibly_and_listed(tmp_path: Path) -> None:
    path = tmp_path / "long.xlsx"
    long = "x" * 1_048_576
    with collect_cuts() as cuts, ReportWorkbook(path, "fr", constant_memory=True) as book:
        sheet = book.add_sheet_named("Sommaire")
        sheet.title(long, "text")
        table = Table(sheet, [Column("title", "label.title", "wrap", 30)])
        table.add([long])
        table.finish(total=False)
    ws = load(path).worksheets[0]
    for cell in (ws["A1"], ws["A3"]):
        assert len(cell.value) == MAX_STRING
        assert cell.value.endswith(
            " … [texte coupé : 1\u00a0048\u00a0576 caractères en tout, une cellule en contient au plus 32\u00a0767]"
        )
    assert book.cuts == cuts == [Cut("Sommaire", "A1", 1_048_576), Cut("Sommaire", "A3", 1_048_576)]


def test_a_value_that_fits_is_never_touched(tmp_path: Path) -> None:
    path = tmp_path / "fits.xlsx"
    exact = "y" * MAX_STRING
    with ReportWorkbook(path, "en") as book:
        book.add_sheet_named("A").title(exact, "text")
    assert load(path).worksheets[0]["A1"].value == exact and not book.cuts


def test_a_footer_too_long_for_the_page_is_shortened_visibly(tmp_path: Path) -> None:
    with ReportWorkbook(tmp_path / "footer.xlsx", "en") as book:
        book.add_sheet_named("A", footer="Table de quartier & " * 30)
    assert [(c.sheet, c.cell, c.length) for c in book.cuts] == [("A", "footer", 600)]
    footer = load(tmp_path / "footer.xlsx").worksheets[0].oddFooter.left.text
    assert footer.endswith("…") and len(footer) < 255


def test_the_command_says_on_stderr_that_a_1_mb_title_was_cut(tmp_path: Path, parc_extension_db: Path) -> None:
    """The title is stored whole (SQLite keeps it; input length limits come elsewhere)."""
    db = tmp_path / "long-title.sqlite3"
    shutil.copy(parc_extension_db, db)
    engine = make_engine(f"sqlite:///{db}")
    with session_factory(engine)() as session, session.begin():
        session.execute(update(Grant).where(Grant.reference == "PIC-2025-2028").values(title=MEGABYTE_TITLE))
    with session_factory(engine)() as session:
        assert session.scalar(select(Grant.title).where(Grant.reference == "PIC-2025-2028")) == MEGABYTE_TITLE
    engine.dispose()
    out = tmp_path / "centraide.xlsx"
    result = CliRunner().invoke(
        main,
        ["--database", f"sqlite:///{db}", "report", "funder", "Centraide du Grand Montréal",
         "--as-of", "2026-11-25", "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Attention : la valeur de Sommaire!B" in result.stderr
    assert f"({len(MEGABYTE_TITLE):,} caractères)".replace(",", "\u00a0") in result.stderr
    title = next(
        c.value for row in load(out)["Sommaire"].iter_rows() for c in row if str(c.value).startswith("Projet impact")
    )
    assert len(title) == MAX_STRING and "texte coupé" in title[-120:]
