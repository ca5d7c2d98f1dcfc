"""How a workbook's sheets are laid out, read back from the file, for the checks of the
benchmarks whose bare side writes the same printable sheets as the product.

:func:`sheet_layouts` reads, for each sheet asked for, from the sheet's XML: each row's
height (``ht``, ``customHeight``) and each cell's format (font, fill, border, number format,
alignment: openpyxl's reading of the workbook's styles), the columns' widths (``cols``), the
frozen pane, the autofilter, the page's orientation and paper (``pageSetup``), its margins
(``pageMargins``) and its header and footer (``headerFooter``). The print scale, the
repeated rows and the page breaks are not read: they are the product's print plan.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.styles.numbers import BUILTIN_FORMATS

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PAGE = ("orientation", "paperSize")

Source = Path | bytes


def _open(source: Source) -> Any:
    return source if isinstance(source, Path) else io.BytesIO(source)


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """The path of each sheet's XML inside the workbook, by sheet name, in the sheets' order."""
    sheets = ElementTree.fromstring(archive.read("xl/workbook.xml")).iter(f"{_MAIN}sheet")
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): str(r.get("Target")) for r in rels}
    return {str(s.get("name")): "xl/" + targets[s.get(_REL)].removeprefix("/xl/") for s in sheets}


class _Styles:
    """Each cell format of a workbook as comparable text, read once for each index."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.seen: dict[int, tuple[str, ...]] = {}

    def __call__(self, index: int) -> tuple[str, ...]:
        if index not in self.seen:
            book = self.book
            s = book._cell_styles[index]
            number = BUILTIN_FORMATS.get(s.numFmtId) if s.numFmtId < 164 else book._number_formats[s.numFmtId - 164]
            parts = (book._fonts[s.fontId], book._fills[s.fillId], book._borders[s.borderId])
            self.seen[index] = (*map(repr, parts), str(number), repr(book._alignments[s.alignmentId]))
        return self.seen[index]


def _sheet_layout(xml: Any, style: _Styles) -> dict[str, Any]:
    rows: list[tuple[Any, ...]] = []
    out: dict[str, Any] = {"rows": rows}
    for _, element in ElementTree.iterparse(xml):
        tag = element.tag.removeprefix(_MAIN)
        if tag == "row":
            cells = tuple((c.get("r"), style(int(c.get("s") or 0))) for c in element)
            rows.append((element.get("r"), element.get("ht"), element.get("customHeight"), cells))
            element.clear()
        elif tag == "col":
            out.setdefault("cols", []).append(dict(element.attrib))
        elif tag in ("pane", "autoFilter", "pageMargins", "headerFooter"):
            out[tag] = (dict(element.attrib), [(e.tag, e.text) for e in element])
        elif tag == "pageSetup":
            out[tag] = {k: element.get(k) for k in _PAGE}
    return out


def sheet_layouts(source: Source, names: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """The layout of the sheets ``names`` (default: every sheet, in order) of the workbook at
    ``source`` (a path or its bytes): ``rows`` (each row's number, height, whether the height
    is set, its cells' references and formats), ``cols``, ``pane``, ``autoFilter``,
    ``pageSetup``, ``pageMargins`` and ``headerFooter`` (those the sheet has)."""
    book = load_workbook(_open(source), read_only=True)
    try:
        style = _Styles(book)
        with zipfile.ZipFile(_open(source)) as archive:
            parts = sheet_parts(archive)
            out = {}
            for name in parts if names is None else names:
                with archive.open(parts[name]) as xml:
                    out[name] = _sheet_layout(xml, style)
            return out
    finally:
        book.close()
