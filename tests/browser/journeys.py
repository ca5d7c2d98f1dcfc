"""What the journeys share beside the fixtures of ``conftest.py``: a small PDF, the page's
text as a reader sees it, and a download read back as a workbook."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

# The journeys that only read run on SQLite alone, to keep the browser suite short; the
# treasurer's, which writes, runs on PostgreSQL too when it is configured.
SQLITE_ONLY = pytest.mark.parametrize("database", ["sqlite"], indirect=True)

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def shown_text(page: Any) -> str:
    """The page's visible text, its spaces (narrow and non-breaking too) made plain and single."""
    text = page.locator("body").inner_text().replace("\u202f", " ").replace("\u00a0", " ")
    return " ".join(text.split())


def workbook_of(download: Any) -> Workbook:
    """A Playwright download opened with openpyxl."""
    path = download.path()
    with open(path, "rb") as file:
        return load_workbook(io.BytesIO(file.read()), read_only=False)
