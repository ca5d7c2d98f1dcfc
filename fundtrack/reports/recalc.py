"""Check a workbook's stored formula values by recalculating it with LibreOffice.

A reader that does not recalculate (a preview, LibreOffice by default, a script)
shows the values stored with each formula. :func:`recalculate` has LibreOffice
(headless, with a throwaway profile told to recalculate every xlsx on load) convert
the workbook to a fresh copy; :func:`compare_formulas` then reads both with openpyxl
and lists every formula cell whose stored value differs from LibreOffice's result.

openpyxl is needed for the comparison only (a development dependency).
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fundtrack.errors import FundtrackError
from fundtrack.i18n import msg

M_NO_SOFFICE = msg("report.recalc.no_soffice")
M_FAILED = msg("report.recalc.failed")

# OOXMLRecalcMode 0 = always recalculate on load (1 = never, 2 = ask); same for ODF.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

TOLERANCE = 1e-6  # a ten-thousandth of a cent: only float noise passes


class RecalcError(FundtrackError):
    """LibreOffice is missing or did not produce the recalculated copy."""


def find_soffice() -> str | None:
    """The LibreOffice executable on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def recalculate(source: Path, outdir: Path, *, soffice: str | None = None, timeout: float = 300) -> Path:
    """Have LibreOffice open ``source``, recalculate every formula and save a copy in ``outdir``.

    ``outdir`` must not be ``source``'s own folder (the copy has the same name).
    Returns the copy's path; raises :class:`RecalcError` if LibreOffice is missing or fails.
    """
    exe = soffice or find_soffice()
    if exe is None:
        raise RecalcError(M_NO_SOFFICE)
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fundtrack-lo-profile-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS, encoding="utf-8")
        command = [
            exe,
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(outdir),
            str(source),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RecalcError(M_FAILED, path=source, detail=str(exc)) from exc
    result = outdir / (source.stem + ".xlsx")
    if done.returncode != 0 or not result.exists():
        detail = (done.stderr or done.stdout or f"exit {done.returncode}").strip()
        raise RecalcError(M_FAILED, path=source, detail=detail)
    return result


@dataclass(frozen=True)
class Mismatch:
    """A formula cell whose stored value is not what LibreOffice computes."""

    sheet: str
    cell: str
    formula: str
    stored: Any
    recalculated: Any

    def __str__(self) -> str:
        return f"{self.sheet}!{self.cell} {self.formula}: stored {self.stored!r}, LibreOffice {self.recalculated!r}"


@dataclass(frozen=True)
class Comparison:
    formulas: int
    mismatches: list[Mismatch]

    @property
    def ok(self) -> bool:
        return not self.mismatches


def same_value(stored: Any, recalculated: Any) -> bool:
    """Equal as figures (to float noise), or equal as text; blank and ``""`` are the same."""
    if stored in (None, "") and recalculated in (None, ""):
        return True
    numbers = (int, float)
    if isinstance(stored, numbers) and isinstance(recalculated, numbers):
        if isinstance(stored, bool) or isinstance(recalculated, bool):
            return stored == recalculated
        return math.isclose(float(stored), float(recalculated), rel_tol=1e-12, abs_tol=TOLERANCE)
    return bool(stored == recalculated)


def _formula_cells(path: Path) -> Iterator[tuple[str, str, str]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=False)
    try:
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    value = cell.value
                    if isinstance(value, str) and cell.data_type == "f":
                        yield ws.title, cell.coordinate, value
    finally:
        book.close()


def _values(path: Path, wanted: dict[str, set[str]]) -> dict[tuple[str, str], Any]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    found: dict[tuple[str, str], Any] = {}
    try:
        for title, coords in wanted.items():
            ws = book[title]
            for row in ws.iter_rows():
                for cell in row:
                    coordinate = getattr(cell, "coordinate", None)
                    if coordinate in coords:
                        found[(title, coordinate)] = cell.value
    finally:
        book.close()
    return found


def compare_formulas(original: Path, recalculated: Path) -> Comparison:
    """Every formula cell of ``original``: its stored value against ``recalculated``'s value."""
    formulas = list(_formula_cells(original))
    wanted: dict[str, set[str]] = {}
    for sheet, coordinate, _ in formulas:
        wanted.setdefault(sheet, set()).add(coordinate)
    stored = _values(original, wanted)
    computed = _values(recalculated, wanted)
    mismatches = [
        Mismatch(sheet, coordinate, formula, stored.get((sheet, coordinate)), computed.get((sheet, coordinate)))
        for sheet, coordinate, formula in formulas
        if not same_value(stored.get((sheet, coordinate)), computed.get((sheet, coordinate)))
    ]
    return Comparison(len(formulas), mismatches)


def check_workbook(path: Path, workdir: Path | None = None, *, soffice: str | None = None) -> Comparison:
    """Recalculate ``path`` with LibreOffice and compare every stored formula value."""
    with tempfile.TemporaryDirectory(prefix="fundtrack-recalc-") as tmp:
        outdir = workdir or Path(tmp)
        copy = recalculate(path, outdir, soffice=soffice)
        return compare_formulas(path, copy)
