"""Every workbook in the language asked for, with that language's typography (points 10, 11).

The global ``--lang`` and ``FUNDTRACK_LANG`` reach every workbook, the budget workbook
included; without them a funder's report follows the funder and the others the
organisation. French reads ``10,00 %`` and puts a space before a colon; English reads
``10.00%`` and puts none; an English workbook holds no French label (user data aside).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fundtrack.cli import main
from fundtrack.i18n import Lang, texts
from fundtrack.reports.layout import percent_text
from fundtrack.reports.xlsx import PERCENT_FORMATS
from tests.reports.conftest import load

CENTRAIDE = "Centraide du Grand Montréal"
FOUNDATION = "Foundation of Greater Montréal"
COMMANDS = {
    "funder": ["report", "funder", CENTRAIDE],
    "foundation": ["report", "funder", FOUNDATION],
    "budget": ["report", "budget"],
    "simulation": ["report", "simulation", "mobilisation agent", "communications agent", "both"],
}
FIRST_SHEET: dict[str, dict[Lang, str]] = {
    "funder": {"fr": "Sommaire", "en": "Summary"},
    "foundation": {"fr": "Sommaire", "en": "Summary"},
    "budget": {"fr": "Budget pluriannuel", "en": "Multi-year budget"},
    "simulation": {"fr": "Scénarios", "en": "Scenarios"},
}
# user data of the example that stays as typed, whatever the language (names, descriptions)
FRENCH_ONLY = {
    text
    for code, text in texts("fr").items()
    if isinstance(code, str) and isinstance(text, str) and len(text) > 3 and text not in set(texts("en").values())
}


def run(db: Path, out: Path, args: list[str], *, env: dict[str, str] | None = None) -> Any:
    result = CliRunner().invoke(
        main, ["--database", f"sqlite:///{db}", *args, "--as-of", "2026-11-25", "-o", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    return load(out)


def cell_texts(book: Any) -> list[str]:
    return [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if c.data_type == "s"]


def chart_texts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        charts = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/charts/chart")]
    return [t for xml in charts for t in re.findall(r"<a:t>([^<]*)</a:t>", xml)]


@pytest.mark.parametrize("kind", list(COMMANDS))
def test_the_global_language_reaches_every_workbook(tmp_path: Path, parc_extension_db: Path, kind: str) -> None:
    global_option = run(parc_extension_db, tmp_path / "a.xlsx", ["--lang", "en", *COMMANDS[kind]])
    assert global_option.worksheets[0].title == FIRST_SHEET[kind]["en"]
    environment = run(parc_extension_db, tmp_path / "b.xlsx", COMMANDS[kind], env={"FUNDTRACK_LANG": "en"})
    assert environment.worksheets[0].title == FIRST_SHEET[kind]["en"]
    french = run(parc_extension_db, tmp_path / "c.xlsx", ["--lang", "fr", *COMMANDS[kind]])
    assert french.worksheets[0].title == FIRST_SHEET[kind]["fr"]


def test_without_a_language_asked_for_each_workbook_follows_its_reader(tmp_path: Path, parc_extension_db: Path) -> None:
    assert run(parc_extension_db, tmp_path / "a.xlsx", COMMANDS["foundation"]).worksheets[0].title == "Summary"
    assert run(parc_extension_db, tmp_path / "b.xlsx", COMMANDS["funder"]).worksheets[0].title == "Sommaire"
    assert run(parc_extension_db, tmp_path / "c.xlsx", COMMANDS["budget"]).worksheets[0].title == "Budget pluriannuel"


@pytest.mark.parametrize("kind", list(COMMANDS))
def test_an_english_workbook_holds_no_french_label_and_english_typography(
    tmp_path: Path, parc_extension_db: Path, kind: str
) -> None:
    path = tmp_path / f"{kind}-en.xlsx"
    book = run(parc_extension_db, path, ["--lang", "en", *COMMANDS[kind]])
    shown = cell_texts(book) + chart_texts(path) + [ws.title for ws in book.worksheets]
    assert not [t for t in shown if t in FRENCH_ONLY]
    assert "Fonds propres de l'organisme" not in shown  # the own funds' name was French in English reports
    assert not [t for t in shown if re.search(r"\s[:;]", t)]
    percents = {
        c.number_format for ws in book.worksheets for row in ws.iter_rows() for c in row if "%" in str(c.number_format)
    }
    assert percents <= {PERCENT_FORMATS["en"]}


@pytest.mark.parametrize("kind", list(COMMANDS))
def test_a_french_workbook_has_french_typography(tmp_path: Path, parc_extension_db: Path, kind: str) -> None:
    path = tmp_path / f"{kind}-fr.xlsx"
    book = run(parc_extension_db, path, ["--lang", "fr", *COMMANDS[kind]])
    shown = cell_texts(book) + chart_texts(path)
    assert not [t for t in shown if re.search(r"[^\s\u00a0\u202f][:;!?](\s|$)", t)]  # a space before : ; ! ?
    percents = {
        c.number_format for ws in book.worksheets for row in ws.iter_rows() for c in row if "%" in str(c.number_format)
    }
    assert percents <= {PERCENT_FORMATS["fr"]}


def test_percentages_read_with_two_places_in_each_language() -> None:
    from decimal import Decimal

    assert percent_text(Decimal("0.1"), "fr") == "10,00\u00a0%"
    assert percent_text(Decimal("0.1"), "en") == "10.00%"
    assert PERCENT_FORMATS["fr"].startswith('[$-C0C]0.00"\u00a0"%') and PERCENT_FORMATS["en"].startswith("0.00%")
