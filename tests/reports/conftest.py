"""Fixtures for the report tests: LibreOffice when present (required in CI), workbook readers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from fundtrack.reports.recalc import find_soffice

REQUIRE_ENV = "FUNDTRACK_REQUIRE_LIBREOFFICE"
SKIP_MESSAGE = (
    "LibreOffice (soffice) is not installed: formulas were not recalculated "
    "(apt-get install libreoffice-calc-nogui; CI sets FUNDTRACK_REQUIRE_LIBREOFFICE=1)"
)


def libreoffice_or_skip() -> str:
    """soffice's path; skip the test without it, or fail it when CI requires LibreOffice."""
    exe = find_soffice()
    if exe is None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but LibreOffice (soffice) is not on PATH")
        pytest.skip(SKIP_MESSAGE)
    return exe


@pytest.fixture(scope="session")
def soffice() -> str:
    return libreoffice_or_skip()


def load(path: Path, *, values: bool = False) -> Any:
    """The workbook read back by openpyxl: formulas, or (``values=True``) stored values."""
    from openpyxl import load_workbook

    return load_workbook(path, data_only=values)
