"""LibreOffice recalculates every formula and agrees with the values stored with it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from fundtrack.i18n import Lang
from fundtrack.reports import recalc
from fundtrack.reports.recalc import check_workbook, same_value
from fundtrack.reports.tables import Column, Table
from fundtrack.reports.xlsx import Formula, ReportWorkbook
from tests.reports import conftest
from tests.reports.test_charts import write_charts
from tests.reports.test_xlsx_toolkit import write_expenses

pytestmark = pytest.mark.libreoffice


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("constant_memory", [False, True])
def test_libreoffice_agrees_with_every_stored_total(
    tmp_path: Path, soffice: str, lang: Lang, constant_memory: bool
) -> None:
    path = tmp_path / "in" / "expenses.xlsx"
    path.parent.mkdir()
    write_expenses(path, lang, constant_memory=constant_memory)
    result = check_workbook(path, tmp_path / "out", soffice=soffice)
    assert result.formulas == 7
    assert result.ok, [str(m) for m in result.mismatches]


def test_libreoffice_agrees_with_the_charted_tables(tmp_path: Path, soffice: str) -> None:
    path = tmp_path / "charts.xlsx"
    write_charts(path, "fr")
    result = check_workbook(path, soffice=soffice)
    assert result.formulas == 10
    assert result.ok, [str(m) for m in result.mismatches]


def test_a_wrong_stored_value_is_caught(tmp_path: Path, soffice: str) -> None:
    """The check is real: LibreOffice recalculates instead of echoing the stored value."""
    path = tmp_path / "wrong.xlsx"
    with ReportWorkbook(path, "fr") as book:
        table = Table(book.add_sheet_named("A"), [Column("amount", "label.total", "money", total="sum")])
        table.add([Decimal("0.10")])
        table.add([Decimal("0.20")])
        table.add([Formula(f"{table.ref('amount', 1)}+{table.ref('amount', 2)}", Decimal("0.31"))])
        table.finish()
    result = check_workbook(path, soffice=soffice)
    assert [(m.cell, m.stored, m.recalculated) for m in result.mismatches] == [
        ("A4", 0.31, pytest.approx(0.30)),
        ("A5", 0.61, pytest.approx(0.60)),
    ]


def test_float_noise_passes_but_a_cent_does_not() -> None:
    assert same_value(0.3, 0.1 + 0.2)
    assert same_value(123456789.01, 123456789.01 + 1e-8)
    assert not same_value(1074.87, 1074.86)
    assert same_value("", None)
    assert not same_value("1", 1)


def test_without_libreoffice_the_tests_say_so_and_ci_fails_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "find_soffice", lambda: None)
    monkeypatch.delenv(conftest.REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="LibreOffice \\(soffice\\) is not installed"):
        conftest.libreoffice_or_skip()
    monkeypatch.setenv(conftest.REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="FUNDTRACK_REQUIRE_LIBREOFFICE=1"):
        conftest.libreoffice_or_skip()


def test_missing_soffice_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recalc, "find_soffice", lambda: None)
    with pytest.raises(recalc.RecalcError):
        recalc.recalculate(tmp_path / "x.xlsx", tmp_path / "out")
