"""Check how a written workbook prints: every sheet legible on letter paper in landscape.

:func:`check_print` reads a workbook back (with openpyxl, a development dependency, as
:mod:`fundtrack.reports.recalc` does), builds each sheet's
:class:`~fundtrack.reports.layout.PageModel` from the file itself (column widths, row
heights, cells and their formats, charts, repeated rows, page breaks) and lists what
would print badly, sheet by sheet:

- ``page``: not letter, not landscape, or not fit to one page wide;
- ``scale``: the body text would print under 8 points;
- ``cut``: a text wider than its column with something in the next cell (the reader
  cuts it there);
- ``word``: a wrapped text holding a word wider than its column (broken inside it);
- ``height``: a wrapped text with more lines than its row is tall;
- ``number``: a number wider than its column (the reader shows ``###``);
- ``touch``: a right-aligned value against left-aligned text in the next column, with
  no blank between them (an amount's format padded with ``_-``, or the text indented);
- ``header``: rows repeated on every page although their table does not go on to a
  second page, or a page that begins after that table has ended (an orphan header);
- ``chart``: a chart split over two pages;
- ``empty``: a page after the first that holds almost nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import IO, Any

from fundtrack.i18n import Lang
from fundtrack.reports import layout

EMPTY_PAGE_SHARE = 0.10  # a page holding less than this share of its height is "almost empty"


@dataclass(frozen=True)
class PrintProblem:
    sheet: str
    rule: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.sheet}!{self.where} [{self.rule}] {self.detail}"


@dataclass(frozen=True)
class _Cell:
    row: int
    col: int
    shown: str
    numeric: bool
    bold: bool
    size: float
    wrap: bool
    align: str  # "left" or "right"
    indent: int
    padded: bool
    merged_to: int  # last column of a merged cell (its own column otherwise)


@dataclass(frozen=True)
class SheetReport:
    """How one sheet prints: its scale, its text size, its pages and what is wrong."""

    name: str
    scale: float
    font_pt: float
    pages: list[tuple[int, int]]
    repeat: tuple[int, int] | None
    problems: list[PrintProblem]


def check_print(path: str | Path | IO[bytes]) -> list[SheetReport]:
    """Every sheet of the workbook at ``path``: its print scale, pages and problems."""
    from openpyxl import load_workbook

    book = load_workbook(path, data_only=True)
    try:
        return [_check_sheet(ws) for ws in book.worksheets]
    finally:
        book.close()


def problems(path: str | Path | IO[bytes]) -> list[PrintProblem]:
    """Every problem of every sheet (empty when the workbook prints well)."""
    return [p for sheet in check_print(path) for p in sheet.problems]


# --- reading a sheet ------------------------------------------------------------------


def _lang(number_format: str) -> Lang:
    return "fr" if "[$-C0C]" in number_format or "C0C]" in number_format else "en"


def _shown_number(value: Any, number_format: str, is_date: bool) -> tuple[str, bool]:
    """How a number cell reads (near enough to measure it), and whether its format is padded."""
    padded = layout.PAD in number_format.split(";")[0]
    lang = _lang(number_format)
    if is_date or isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        return layout.date_text(day, lang, words="mmm" in number_format), False
    number = Decimal(str(value))
    if "$" in number_format.replace("[$-C0C]", "").replace("[$-1009]", ""):
        return layout.money_text(number.quantize(Decimal("0.01")), lang), padded
    if "%" in number_format:
        return layout.percent_text(number, lang), padded
    if "0.00" in number_format:
        return layout.integer_text(number, lang) + ".00", padded
    if "0" in number_format:
        return layout.integer_text(number, lang), padded
    return str(value), padded


def _cells(ws: Any) -> Iterator[_Cell]:
    merged = {(r.min_row - 1, r.min_col - 1): r.max_col - 1 for r in ws.merged_cells.ranges}
    for row in ws.iter_rows():
        for cell in row:
            value = cell.value
            if value is None or value == "" or not hasattr(cell, "font"):
                continue
            numeric = isinstance(value, int | float | datetime | date) and not isinstance(value, bool)
            if numeric:
                shown, padded = _shown_number(value, cell.number_format or "General", bool(cell.is_date))
            else:
                shown, padded = str(value), False
            horizontal = cell.alignment.horizontal
            if horizontal in ("right", "center"):
                align = "right"
            elif horizontal == "left":
                align = "left"
            else:
                align = "right" if numeric and not cell.is_date else "left"
            r, c = cell.row - 1, cell.column - 1
            yield _Cell(
                row=r,
                col=c,
                shown=shown,
                numeric=numeric,
                bold=bool(cell.font.b),
                size=float(cell.font.sz or layout.BASE_FONT_PT),
                wrap=bool(cell.alignment.wrap_text),
                align=align,
                indent=int(cell.alignment.indent or 0),
                padded=padded,
                merged_to=merged.get((r, c), c),
            )


def _model(ws: Any, cells: list[_Cell]) -> layout.PageModel:
    default_width = ws.sheet_format.defaultColWidth
    model = layout.PageModel(
        default_width=float(default_width) if default_width else layout.DEFAULT_WIDTH,
        default_height=float(ws.sheet_format.defaultRowHeight or layout.ROW_PT),
    )
    for dim in ws.column_dimensions.values():
        if dim.width and dim.customWidth:
            for col in range(dim.min - 1, dim.max):
                model.widths[col] = float(dim.width)
    for index, dim in ws.row_dimensions.items():
        if dim.ht is not None and dim.customHeight:
            model.heights[index - 1] = float(dim.ht)
    tallest: dict[int, float] = {}
    for c in cells:
        model.last_row = max(model.last_row, c.row)
        model.last_col = max(model.last_col, c.merged_to)
        if c.size > layout.BASE_FONT_PT:
            tallest[c.row] = max(tallest.get(c.row, 0.0), c.size)
    for row, size in tallest.items():  # a reader grows a row of large text it was given no height for
        if row not in model.heights:
            model.heights[row] = max(model.default_height, size * 1.3 + 2)
    for chart in ws._charts:
        model.charts.append(_chart(model, chart))
    titles = ws.print_title_rows
    if titles:
        first, last = (int(n) - 1 for n in re.findall(r"\$?(\d+)", titles)[:2])
        model.repeat = (first, last)
    model.breaks = {int(b.id) for b in ws.row_breaks.brk}
    return model


def _chart(model: layout.PageModel, chart: Any) -> layout.Chart:
    anchor = chart.anchor
    start, end = anchor._from, anchor.to
    emu = layout.EMU_PER_PT
    width = (model.left(end.col) - model.left(start.col)) * layout.UNIT_PT + (end.colOff - start.colOff) / emu
    height = model.rows_height(start.row, end.row - 1) + (end.rowOff - start.rowOff) / emu
    return layout.Chart(start.row, start.col, width, height)


# --- the rules ----------------------------------------------------------------------


def _check_sheet(ws: Any) -> SheetReport:
    cells = list(_cells(ws))
    model = _model(ws, cells)
    name = ws.title
    found: list[PrintProblem] = []
    setup = ws.page_setup
    fit = bool(ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage)
    if setup.orientation != "landscape" or str(setup.paperSize) != "1":
        found.append(PrintProblem(name, "page", "-", f"paper {setup.paperSize}, {setup.orientation}"))
    by_cell = {(c.row, c.col): c for c in cells}
    reach = _spills(model, cells, by_cell, name, found)
    model.reach = reach
    if fit:
        if setup.fitToWidth not in (None, 1) or setup.fitToHeight not in (0, None):
            found.append(PrintProblem(name, "page", "-", f"fit to {setup.fitToWidth} x {setup.fitToHeight} pages"))
        scale = model.scale()
    else:
        scale = (setup.scale or 100) / 100
        across = model.used_width_pt() * scale / layout.BODY_WIDTH_PT
        if across > 1.0001:
            found.append(PrintProblem(name, "page", "-", f"prints {across:.1f} pages wide"))
    font = layout.BASE_FONT_PT * scale
    if font < layout.MIN_FONT_PT - 1e-9:
        found.append(PrintProblem(name, "scale", "-", f"body text prints at {font:.1f} pt (scale {scale:.0%})"))
    for c in cells:
        _check_cell(model, c, by_cell, name, found)
    pages = model.pages() if fit else _pages_at(model, scale)
    _check_pages(model, pages, cells, name, found)
    return SheetReport(name, scale, font, pages, model.repeat, found)


def _pages_at(model: layout.PageModel, scale: float) -> list[tuple[int, int]]:
    saved = model.scale
    model.scale = lambda: scale  # type: ignore[method-assign]
    try:
        return model.pages()
    finally:
        model.scale = saved  # type: ignore[method-assign]


def _where(row: int, col: int) -> str:
    from xlsxwriter.utility import xl_rowcol_to_cell

    return str(xl_rowcol_to_cell(row, col))


def _spills(
    model: layout.PageModel,
    cells: list[_Cell],
    by_cell: dict[tuple[int, int], _Cell],
    sheet: str,
    found: list[PrintProblem],
) -> float:
    """Texts wider than their column: cut by a neighbour (a problem), or spilling right."""
    reach = 0.0
    for c in cells:
        if c.numeric or c.wrap or c.align != "left":
            continue
        width = layout.text_width(c.shown[:5000], bold=c.bold, size=c.size)
        room = layout.usable_width(sum(model.width(k) for k in range(c.col, c.merged_to + 1)))
        room -= c.indent * layout.INDENT_UNITS
        if width <= room:
            continue
        col = c.merged_to + 1
        while width > room and (c.row, col) not in by_cell and col <= c.merged_to + 200:
            room += model.width(col)
            col += 1
        if width > room:
            found.append(PrintProblem(sheet, "cut", _where(c.row, c.col), f"{c.shown[:40]!r} is cut"))
        else:
            reach = max(reach, model.left(c.col) + width + 0.71)
    return reach


def _check_cell(
    model: layout.PageModel, c: _Cell, by_cell: dict[tuple[int, int], _Cell], sheet: str, found: list[PrintProblem]
) -> None:
    where = _where(c.row, c.col)
    room = layout.usable_width(sum(model.width(k) for k in range(c.col, c.merged_to + 1)))
    room -= c.indent * layout.INDENT_UNITS
    if c.numeric:
        width = layout.text_width(c.shown, bold=c.bold, size=c.size) + (layout.PAD_UNITS if c.padded else 0.0)
        if width > room + 1e-9:
            found.append(PrintProblem(sheet, "number", where, f"{c.shown!r} needs {width:.1f}, has {room:.1f}"))
    elif c.wrap:
        word = layout.longest_word(c.shown, bold=c.bold, size=c.size)
        if word > room + 1e-9:
            found.append(PrintProblem(sheet, "word", where, f"a word of {c.shown[:40]!r} is wider than {room:.1f}"))
        lines = layout.wrap_lines(c.shown, room, bold=c.bold, size=c.size)
        needed = min(lines * layout.LINE_NEED_PT * c.size / layout.BASE_FONT_PT, layout.MAX_ROW_PT)
        if needed > model.height(c.row) + 0.5 and model.height(c.row) < layout.MAX_ROW_PT:
            found.append(
                PrintProblem(sheet, "height", where, f"{c.shown[:40]!r}: {lines} lines in {model.height(c.row)} pt")
            )
    if c.align == "right":
        after = by_cell.get((c.row, c.merged_to + 1))
        if after is not None and after.align == "left" and not after.indent and not c.padded and not c.indent:
            found.append(PrintProblem(sheet, "touch", where, f"{c.shown!r} touches {after.shown[:20]!r}"))


def _check_pages(
    model: layout.PageModel, pages: list[tuple[int, int]], cells: list[_Cell], sheet: str, found: list[PrintProblem]
) -> None:
    rows_used = {c.row for c in cells}
    if model.repeat is not None:
        end = model.repeat[1]
        while end + 1 in rows_used:
            end += 1
        if model.page_of(model.repeat[1] + 1, pages) == model.page_of(end, pages):
            found.append(PrintProblem(sheet, "header", _where(model.repeat[0], 0), "repeated, but its table fits"))
        for first, _ in pages[1:]:
            if first > end:
                found.append(PrintProblem(sheet, "header", _where(first, 0), "page starts with an orphan header"))
    for chart in model.charts:
        top, bottom = max(chart.row - 1, 0), model.chart_last_row(chart)
        if model.page_of(chart.row, pages) != model.page_of(bottom, pages) and model.rows_height(
            top, bottom
        ) <= model.capacity(model.scale()):
            found.append(PrintProblem(sheet, "chart", _where(chart.row, chart.col), "split over two pages"))
    capacity = layout.BODY_HEIGHT_PT / max(model.scale(), 0.01)
    for number, (first, last) in enumerate(pages[1:], start=2):
        used = [r for r in range(first, last + 1) if r in rows_used]
        charted = any(first <= c.row <= last for c in model.charts)
        height = model.rows_height(first, max(used)) if used else 0.0
        if not charted and height < EMPTY_PAGE_SHARE * capacity:
            found.append(PrintProblem(sheet, "empty", f"page {number}", f"{height:.0f} pt of {capacity:.0f}"))


# --- the pages as a reader prints them (LibreOffice to PDF) ---------------------------

WORD_BOX_PER_PT = 1.3  # a word's box in a PDF is 1.3 times the size of its font (DejaVu Sans)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
_PAGE = re.compile(r"<page ")
# an amount run into the text after it: "0,00 $respectée", "37 500,00 $2025-04-22",
# "$37,500.002025-04-22", "37,500.00holds"; or a number its column cannot show: "###"
_GLUED = re.compile(r"\d[.,]\d\d(?:[A-Za-zÀ-ÿ]|\d{4})|#{3,}")
_DOLLAR_AFTER = re.compile(r"\$[^\s)]")  # French amounts end with their sign
_ENGLISH_AMOUNT = re.compile(r"\(?-?\$\d{1,3}(,\d{3})*(\.\d\d)?\)?[.,;:]?")


def glued(word: str) -> bool:
    """Whether a printed word holds an amount run into the text after it."""
    if _GLUED.search(word):
        return True
    return bool(_DOLLAR_AFTER.search(word)) and not _ENGLISH_AMOUNT.fullmatch(word)


@dataclass(frozen=True)
class PdfWord:
    page: int
    text: str
    size_pt: float  # the size of its font, from the height of its box
    left: float = 0.0
    right: float = 0.0
    top: float = 0.0


@dataclass(frozen=True)
class PdfReport:
    """A printed workbook: its pages, the smallest text on them, words that look wrong."""

    pages: int
    smallest_pt: float
    glued: list[PdfWord]
    small: list[PdfWord]


def find_pdftotext() -> str | None:
    import shutil

    return shutil.which("pdftotext")


def to_pdf(source: Path, outdir: Path, *, soffice: str | None = None, timeout: float = 300) -> Path:
    """Have LibreOffice print ``source`` to a PDF in ``outdir`` (its own throwaway profile)."""
    return to_pdfs([source], outdir, soffice=soffice, timeout=timeout)[0]


def to_pdfs(sources: Sequence[Path], outdir: Path, *, soffice: str | None = None, timeout: float = 600) -> list[Path]:
    """:func:`to_pdf` for several workbooks at once (one LibreOffice start); their names must differ."""
    import subprocess
    import tempfile

    from fundtrack.reports.recalc import M_FAILED, M_NO_SOFFICE, RecalcError, find_soffice

    exe = soffice or find_soffice()
    if exe is None:
        raise RecalcError(M_NO_SOFFICE)
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fundtrack-lo-pdf-") as profile:
        command = [
            exe,
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            *(str(s) for s in sources),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    results = [outdir / (s.stem + ".pdf") for s in sources]
    missing = [r for r in results if not r.exists()]
    if done.returncode != 0 or missing:
        raise RecalcError(
            M_FAILED, path=missing[0] if missing else sources[0], detail=(done.stderr or done.stdout).strip()
        )
    return results


def pdf_words(path: Path, *, pdftotext: str | None = None) -> tuple[int, list[PdfWord]]:
    """The number of pages of a PDF and every word on them, with its font size."""
    import subprocess

    exe = pdftotext or find_pdftotext() or "pdftotext"
    out = subprocess.run([exe, "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    words: list[PdfWord] = []
    page = 0
    for line in out.splitlines():
        if _PAGE.search(line):
            page += 1
            continue
        m = _WORD.search(line)
        if m:
            height = float(m.group(4)) - float(m.group(2))
            words.append(
                PdfWord(
                    page, m.group(5), height / WORD_BOX_PER_PT, float(m.group(1)), float(m.group(3)), float(m.group(2))
                )
            )
    return page, words


_ENDS_AMOUNT = re.compile(r"(\$|%|\d[.,]\d\d)$")
TOUCH_EM = 0.25  # a gap narrower than a quarter of the font's size after an amount is no gap


def _touching(words: Sequence[PdfWord]) -> list[PdfWord]:
    """Words printed right after an amount, on the same line, with (almost) no blank between."""
    lines: dict[tuple[int, float], list[PdfWord]] = {}
    for w in words:
        lines.setdefault((w.page, round(w.top, 1)), []).append(w)
    out = []
    for line in lines.values():
        line.sort(key=lambda w: w.left)
        for before, after in pairwise(line):
            gap = after.left - before.right
            if _ENDS_AMOUNT.search(before.text) and 0 <= gap < TOUCH_EM * before.size_pt:
                out.append(PdfWord(after.page, f"{before.text}{after.text}", after.size_pt, before.left, after.right))
    return out


def pdf_text(path: Path, *, pdftotext: str | None = None) -> str:
    """The text of a PDF's pages, as a reader sees it (non-breaking spaces as spaces)."""
    import subprocess

    exe = pdftotext or find_pdftotext() or "pdftotext"
    return subprocess.run([exe, str(path), "-"], capture_output=True, text=True, check=True).stdout


def check_pdf(path: Path, *, pdftotext: str | None = None) -> PdfReport:
    """The printed pages: the smallest text, words under 8 points, amounts run into text."""
    pages, words = pdf_words(path, pdftotext=pdftotext)
    small = [w for w in words if w.size_pt < layout.MIN_FONT_PT - 0.05]
    run_in = [w for w in words if glued(w.text)] + _touching(words)
    smallest = min((w.size_pt for w in words), default=0.0)
    return PdfReport(pages, smallest, run_in, small)
