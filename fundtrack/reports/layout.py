"""How a report sheet prints on letter paper in landscape: text widths, scale and pages.

Every fundtrack sheet prints one page wide on letter landscape. Whether it is legible
depends on the width of its text in the font the reader really draws. The workbook asks
for Calibri; a reader without it (LibreOffice without the Carlito font) draws DejaVu
Sans, the widest of the usual substitutes, and sizes columns by DejaVu's digit. Widths
here are measured in DejaVu Sans: one column-width unit is the width of its digit at
11 points (7 points), so a column wide enough here is wide enough in Excel's Calibri,
and the scale computed here is the smallest any reader prints at.

:class:`PageModel` is a sheet as the printer sees it: column widths, row heights, the
text reaching past its column, charts, repeated rows and page breaks. It gives the
print scale (fit to the page's width) and the pages. :mod:`fundtrack.reports.xlsx`
builds one while writing to choose the repeated rows and the page breaks;
:func:`check_print` builds one from a written file to check it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date

from fundtrack.i18n import Lang
from fundtrack.money import format_money

# --- the page ---------------------------------------------------------------------------

PAGE_WIDTH_PT = 792.0  # letter, landscape
PAGE_HEIGHT_PT = 612.0
MARGIN_LEFT_IN = 0.4
MARGIN_RIGHT_IN = 0.4
MARGIN_TOP_IN = 0.6
MARGIN_BOTTOM_IN = 0.7  # the footer (organisation, page number) sits in it
BODY_WIDTH_PT = PAGE_WIDTH_PT - 72 * (MARGIN_LEFT_IN + MARGIN_RIGHT_IN)
BODY_HEIGHT_PT = PAGE_HEIGHT_PT - 72 * (MARGIN_TOP_IN + MARGIN_BOTTOM_IN)

BASE_FONT_PT = 11.0  # the workbook's body text
MIN_FONT_PT = 8.0  # the smallest printed text a report accepts
MIN_SCALE = MIN_FONT_PT / BASE_FONT_PT
UNIT_PT = 7.0  # one column-width unit: DejaVu Sans's digit at 11 points
DEFAULT_WIDTH = 8.43  # a column nobody sized
ROW_PT = 15.0  # a row of one line of 11-point text
LINE_PT = 15.0  # each line of a wrapped cell, as the writer sizes rows
LINE_NEED_PT = 13.0  # what a line of 11-point DejaVu Sans really takes (with its leading)
MAX_ROW_PT = 409.0  # the tallest row a workbook can hold
MIN_FILL = 0.25  # a page break never leaves a page filled less than this
LAST_PAGE_SHARE = 0.25  # a last page filled less than this is worth a slightly smaller print
TIGHT_FONT_PT = 8.4  # ...but never below this size of text
TIGHT_SHRINK = 0.85  # ...nor below this share of the scale that fits the width
READER_SLACK = 1.015  # how much more a reader may fit on a page than this model says
CHART_MIN_PT = 240.0  # a chart is not squeezed below this height (3⅓ in) to share a page
EMU_PER_PT = 12700
INDENT_UNITS = 1.5  # one step of a cell's indent

# --- text widths (DejaVu Sans advance widths, in thousandths of an em) -------------------

_REGULAR_ASCII = (
    318, 401, 460, 838, 637, 951, 780, 275, 391, 391, 500, 838, 318, 361, 318, 337,
    637, 637, 637, 637, 637, 637, 637, 637, 637, 637, 337, 337, 838, 838, 838, 531,
    1000, 685, 687, 699, 771, 632, 576, 775, 752, 295, 295, 656, 558, 863, 749, 788,
    604, 788, 695, 635, 611, 732, 685, 989, 686, 611, 686, 391, 337, 391, 838, 500,
    500, 613, 635, 550, 635, 616, 353, 635, 634, 278, 278, 580, 278, 975, 634, 612,
    635, 635, 412, 521, 393, 634, 592, 818, 592, 592, 525, 637, 337, 637, 838,
)  # fmt: skip
_BOLD_ASCII = (
    349, 457, 521, 838, 696, 1002, 873, 307, 458, 458, 523, 838, 380, 416, 380, 366,
    696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 581,
    1000, 774, 763, 734, 831, 684, 684, 821, 837, 373, 373, 775, 638, 996, 837, 851,
    733, 851, 771, 721, 683, 813, 774, 1104, 771, 725, 726, 458, 366, 458, 838, 500,
    500, 675, 716, 593, 716, 679, 436, 716, 712, 343, 343, 666, 343, 1042, 712, 688,
    716, 716, 494, 596, 479, 712, 652, 924, 646, 652, 583, 712, 366, 712, 838,
)  # fmt: skip
_REGULAR_OTHER = {
    "\u00a0": 318, "\u202f": 200, "«": 612, "»": 612, "’": 318, "‘": 318, "“": 519, "”": 519, "–": 500,
    "—": 1000, "…": 1000, "·": 318, "•": 590, "€": 637, "œ": 1023, "Œ": 1070, "æ": 982, "Æ": 975, "ß": 630,
}  # fmt: skip
_BOLD_OTHER = {
    "\u00a0": 349, "\u202f": 200, "«": 646, "»": 646, "’": 380, "‘": 380, "“": 658, "”": 658, "–": 500,
    "—": 1000, "…": 1000, "·": 380, "•": 640, "€": 696, "œ": 1095, "Œ": 1167, "æ": 1048, "Æ": 1085, "ß": 720,
}  # fmt: skip
_UNKNOWN_EM = 850  # a letter of another script: as wide as a wide capital
_WIDE_EM = 1000  # a CJK character
_DIGIT_EM = 636

# characters after which a reader may break a line, besides spaces
_BREAK_AFTER = "-–—/"


def _char_em(ch: str, bold: bool) -> int:
    code = ord(ch)
    if 32 <= code < 127:
        return (_BOLD_ASCII if bold else _REGULAR_ASCII)[code - 32]
    other = (_BOLD_OTHER if bold else _REGULAR_OTHER).get(ch)
    if other is not None:
        return other
    if unicodedata.combining(ch):
        return 0
    base = unicodedata.normalize("NFD", ch)[0]
    if base != ch:
        return _char_em(base, bold)
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return _WIDE_EM
    if ch in "\t\n\r":
        return 0
    return _UNKNOWN_EM


def _unit_table(bold: bool) -> dict[str, float]:
    # printable ASCII, Latin-1 and Latin Extended-A (every letter of French and its neighbours)
    codes = [*range(32, 127), *range(0xA0, 0x250)]
    chars = [chr(c) for c in codes] + list(_REGULAR_OTHER)
    return {ch: _char_em(ch, bold) / _DIGIT_EM for ch in chars}


_UNITS = {False: _unit_table(False), True: _unit_table(True)}
_CACHED = 64  # texts up to this length (words, names, labels) are measured once


@lru_cache(maxsize=16384)
def _short_units(text: str, bold: bool) -> float:
    return _units(text, bold)


def _units(text: str, bold: bool) -> float:
    table = _UNITS[bold]
    try:
        return sum(map(table.__getitem__, text))
    except KeyError:
        return sum(table.get(ch) or _char_em(ch, bold) / _DIGIT_EM for ch in text)


def text_width(text: str, *, bold: bool = False, size: float = BASE_FONT_PT) -> float:
    """The width of ``text`` on one line, in column-width units (DejaVu Sans, ``size`` points)."""
    if not text:
        return 0.0
    units = _short_units(text, bold) if len(text) <= _CACHED else _units(text, bold)
    return units if size == BASE_FONT_PT else units * size / BASE_FONT_PT


def text_width_uncached(text: str) -> float:
    """:func:`text_width` of regular text at the base size, measured without the shared cache
    of short texts: for a long run of texts mostly seen once (the descriptions of an expense
    detail), which would only churn it."""
    return _units(text, False) if text else 0.0


# a line may end after a dash or a slash; after a hyphen only before a letter (not "2025-2026")
_BREAKS = re.compile(r"(?<=[–—/])(?=.)|(?<=-)(?=[^\d\W])")


def _pieces(word: str) -> list[str]:
    """The parts of one word a reader may put on separate lines: after a hyphen or a slash."""
    if len(word) < 3 or not _BREAKS.search(word, 1):
        return [word]
    out = [p for p in _BREAKS.split(word) if p]
    # a hyphen that opens a word is no place to break it
    if len(out) > 1 and len(out[0]) == 1:
        out[:2] = [out[0] + out[1]]
    return out


def longest_word(text: str, *, bold: bool = False, size: float = BASE_FONT_PT) -> float:
    """The width of the widest piece of ``text`` that a reader cannot break (a word)."""
    if not text:
        return 0.0
    if len(text) > 20000:
        text = text[:20000]
    return max(
        (text_width(p, bold=bold, size=size) for word in text.split() for p in _pieces(word)),
        default=0.0,
    )


def wrap_lines(text: str, width: float, *, bold: bool = False, size: float = BASE_FONT_PT) -> int:
    """How many lines ``text`` takes wrapped in a column ``width`` units wide: words kept
    whole where they fit (a line may end after a hyphen), broken where a word alone is
    wider than the column."""
    if not text:
        return 1
    width = max(width, 1.0)
    if len(text) > 20000:  # a text this long fills the tallest row anyway
        return math.ceil(text_width(text, bold=bold, size=size) / width)
    space = text_width(" ", bold=bold, size=size)
    lines = 0
    for paragraph in text.split("\n"):
        count, used = 1, 0.0
        for word in paragraph.split(" "):
            whole = text_width(word, bold=bold, size=size)
            if (used + space + whole <= width) or (not used and whole <= width):  # the usual case: it fits
                used += (space if used else 0.0) + whole
                continue
            for k, part in enumerate(_pieces(word) if whole > width else [word]):
                w = text_width(part, bold=bold, size=size)
                gap = space if used and k == 0 else 0.0
                if used and used + gap + w > width:
                    count += 1
                    used, gap = 0.0, 0.0
                if w > width:  # broken inside the word
                    extra = math.ceil(w / width) - 1
                    count += extra
                    used = w - extra * width
                else:
                    used += gap + w
        lines += count
    return lines


def fits(text: str, width: float, *, bold: bool = False, size: float = BASE_FONT_PT) -> bool:
    """Whether ``text`` fits on one line in a column ``width`` units wide."""
    return text_width(text, bold=bold, size=size) <= width


# --- what a number looks like once formatted ------------------------------------------

PAD = "_-"  # number formats end with the width of a hyphen as blank: amounts never touch text
PAD_UNITS = _REGULAR_ASCII[ord("-") - 32] / _DIGIT_EM


def money_text(value: Decimal, lang: Lang) -> str:
    return format_money(value, lang)


def percent_text(value: Decimal, lang: Lang) -> str:
    number = f"{abs(value) * 100:,.2f}"
    if lang == "fr":
        number = number.replace(",", "\u00a0").replace(".", ",")
        return ("-" if value < 0 else "") + number + "\u00a0%"
    return ("-" if value < 0 else "") + number + "%"


def integer_text(value: Decimal | int, lang: Lang) -> str:
    number = f"{abs(int(value)):,}"
    if lang == "fr":
        number = number.replace(",", "\u00a0")
    return ("-" if value < 0 else "") + number


DATE_PATTERNS: dict[Lang, str] = {"fr": "d MMM y", "en": "MMM d, y"}
_LOCALES: dict[Lang, str] = {"fr": "fr_CA", "en": "en_CA"}


def date_text(day: date, lang: Lang, *, words: bool) -> str:
    if not words:
        return day.isoformat()
    return format_date(day, DATE_PATTERNS[lang], locale=_LOCALES[lang])


@lru_cache(maxsize=8)
def widest_date(lang: Lang, words: bool, bold: bool = False) -> float:
    """The widest date of any month, as shown (its day at two digits)."""
    return max(text_width(date_text(date(2026, m, 28), lang, words=words), bold=bold) for m in range(1, 13))


def number_width(largest: Decimal, negative: bool, kind: str, lang: Lang, *, bold: bool = False) -> float:
    """The width of the widest number of a column: ``largest`` is its largest absolute value."""
    value = -largest if negative else largest
    if kind == "money":
        shown = money_text(value, lang)
    elif kind == "percent":
        shown = percent_text(value, lang)
    elif kind == "integer":
        shown = integer_text(value, lang)
    else:
        shown = integer_text(value, lang) + ".00"
    return text_width(shown, bold=bold) + PAD_UNITS


# --- a sheet as the printer sees it ---------------------------------------------------


def stored_width(width: float) -> float:
    """The width a workbook stores for a column of ``width`` characters (xlsxwriter's rule)."""
    if width <= 0:
        return 0.0
    if width < 1:
        return int(width * 12 + 0.5) / 7
    return (int(width * 7 + 0.5) + 5) / 7


def usable_width(stored: float) -> float:
    """The room a cell of a column ``stored`` units wide has for its text (the cell's padding off)."""
    return max(stored - 0.71, 0.0)


@dataclass(frozen=True)
class Chart:
    """A chart: its top-left cell, its size in points."""

    row: int
    col: int
    width_pt: float
    height_pt: float


@dataclass
class PageModel:
    """Columns, rows and charts of one sheet, and how they fall on pages.

    ``widths`` are stored widths (as in the file); ``heights`` the rows given a height
    (points); ``reach`` the farthest right any text spills (units from column A);
    ``repeat`` the rows printed at the top of every page (first, last); ``breaks`` the
    rows that start a new page.
    """

    widths: dict[int, float] = field(default_factory=dict)
    heights: MutableMapping[int, float] = field(default_factory=dict)
    last_row: int = -1
    last_col: int = -1
    reach: float = 0.0
    charts: list[Chart] = field(default_factory=list)
    repeat: tuple[int, int] | None = None
    breaks: set[int] = field(default_factory=set)
    default_width: float = DEFAULT_WIDTH  # what a reader gives a column nobody sized
    default_height: float = ROW_PT
    fixed_scale: float | None = None  # a print scale set in the file instead of fitting the width

    def width(self, col: int) -> float:
        return self.widths.get(col, self.default_width)

    def left(self, col: int) -> float:
        """Units from the left edge of column A to the left edge of ``col``."""
        return sum(self.width(c) for c in range(col))

    def height(self, row: int) -> float:
        return self.heights.get(row) or self.default_height

    def used_width_pt(self) -> float:
        """The width the printer fits on the page: the columns used, spilled text, charts."""
        columns = self.left(self.last_col + 1) if self.last_col >= 0 else 0.0
        width = max(columns, self.reach) * UNIT_PT
        for chart in self.charts:
            width = max(width, self.left(chart.col) * UNIT_PT + chart.width_pt)
        return width

    def scale(self) -> float:
        """The print scale: ``fixed_scale`` if set, else the sheet fit to the page's width
        (never above 100 %)."""
        if self.fixed_scale is not None:
            return self.fixed_scale
        used = self.used_width_pt()
        if used <= BODY_WIDTH_PT:
            return 1.0
        return math.floor(BODY_WIDTH_PT / used * 100) / 100

    def font_pt(self) -> float:
        """The printed size of the body text."""
        return BASE_FONT_PT * self.scale()

    def chart_last_row(self, chart: Chart) -> int:
        """The row a chart's bottom edge falls in."""
        top, row = 0.0, chart.row
        while top + self.height(row) < chart.height_pt:
            top += self.height(row)
            row += 1
        return row

    def bottom_row(self) -> int:
        """The last row that prints something (a cell, or the bottom of a chart)."""
        return max([self.last_row, *(self.chart_last_row(c) for c in self.charts)])

    def capacity(self, scale: float | None = None) -> float:
        """The height of a page's body in the sheet's points."""
        return BODY_HEIGHT_PT / (scale or self.scale())

    def repeat_height(self) -> float:
        if self.repeat is None:
            return 0.0
        return sum(self.height(r) for r in range(self.repeat[0], self.repeat[1] + 1))

    def pages(self, slack: float = 1.0) -> list[tuple[int, int]]:
        """The rows of each page, (first, last), down to the last row that prints.

        ``slack`` above 1 lets a page hold a little more, as some readers do (LibreOffice
        fits about 1 % more rows on a scaled page than the scale alone gives).
        """
        capacity = self.capacity() * slack
        repeat_height = self.repeat_height()
        last = self.bottom_row()
        pages: list[tuple[int, int]] = []
        start, used = 0, 0.0
        room = capacity
        for row in range(last + 1):
            h = min(self.height(row), MAX_ROW_PT)
            if row > start and (row in self.breaks or used + h > room):
                pages.append((start, row - 1))
                start, used = row, 0.0
                repeated = self.repeat is not None and row > self.repeat[1]
                room = capacity - (repeat_height if repeated else 0.0)
            used += h
        if last >= 0:
            pages.append((start, last))
        return pages

    def page_of(self, row: int, pages: Sequence[tuple[int, int]] | None = None) -> int:
        for i, (first, last) in enumerate(pages if pages is not None else self.pages()):
            if first <= row <= last:
                return i
        return len(pages or ()) - 1

    def rows_height(self, first: int, last: int) -> float:
        return sum(min(self.height(r), MAX_ROW_PT) for r in range(first, last + 1))


def _excel_pixels(width: float | None) -> int:
    """A column's width in Excel's pixels, as xlsxwriter positions objects over it."""
    if width is None:
        return 64
    if width < 1:
        return int(width * 12 + 0.5)
    return int(width * 7 + 0.5) + 5


def chart_width_pt(width_of: Callable[[int], float | None], col: int, width_px: int) -> float:
    """The printed width of a chart ``width_px`` pixels wide placed at column ``col``.

    A workbook anchors a chart to the cells it covers, counted in Excel's pixels; a
    reader that draws the columns wider (LibreOffice with DejaVu Sans) stretches the
    chart with them.
    """
    left, c, total = width_px, col, 0.0
    while left >= _excel_pixels(width_of(c)) > 0:
        left -= _excel_pixels(width_of(c))
        w = width_of(c)
        total += (stored_width(w) if w is not None else DEFAULT_WIDTH) * UNIT_PT
        c += 1
    return total + left * 0.75


@dataclass(frozen=True)
class TableSpan:
    """Where a table lies: its header rows and its last row (the total row, if any)."""

    header_first: int
    header_last: int
    last: int
    repeat: bool = True


@dataclass
class PrintPlan:
    """What the writer decides at the end: the repeated rows, the page breaks, chart heights."""

    repeat: tuple[int, int] | None
    breaks: set[int]
    chart_heights: dict[int, float]


def plan_pages(model: PageModel, tables: Sequence[TableSpan], blocks: Iterable[tuple[int, int]]) -> PrintPlan:
    """Choose the repeated header, the page breaks and the chart heights of a sheet.

    - A block (a package, a table's title with its header and first rows, a chart) is
      not split over two pages when it fits on one: a break goes before it.
    - A table's header repeats at the top of each page only if the table continues on
      another page (the first such table of the sheet; a sheet has one set of rows).
    - A page that would begin after the repeated table has ended would start with an
      orphan header: the table's last rows go to that page with it; a chart that still
      does not fit beside them is made shorter (down to :data:`CHART_MIN_PT`).
    """
    model.repeat = None
    model.breaks = set()
    heights: dict[int, float] = {}
    all_blocks = sorted(set(blocks))
    _keep_blocks_whole(model, all_blocks)
    pages = model.pages(READER_SLACK)  # a table continues only if it does even with a little more room
    repeated = next(
        (
            t
            for t in tables
            if t.repeat and model.page_of(t.header_last + 1, pages) != model.page_of(max(t.last, t.header_last), pages)
        ),
        None,
    )
    if repeated is not None:
        model.repeat = (repeated.header_first, repeated.header_last)
        _keep_blocks_whole(model, all_blocks)
        _avoid_orphan_header(model, repeated, all_blocks, heights)
    return PrintPlan(model.repeat, set(model.breaks), heights)


def _split(model: PageModel, pages: Sequence[tuple[int, int]], first: int, last: int) -> bool:
    """Whether rows ``first`` to ``last`` fall on two pages, and a break before ``first``
    would not leave its page almost empty (a title alone is worse than a split table)."""
    page = model.page_of(first, pages)
    if page == model.page_of(last, pages) or pages[page][0] == first:
        return False
    before = model.rows_height(pages[page][0], first - 1)
    return before >= MIN_FILL * model.capacity()


def _keep_blocks_whole(model: PageModel, blocks: Sequence[tuple[int, int]]) -> None:
    """A break before each block that would be split over two pages (by this model, or by a
    reader that fits a little more on a page) and fits on one page."""
    for _ in range(200):
        pages, roomier = model.pages(), model.pages(READER_SLACK)
        room = model.capacity() - model.repeat_height()
        # a chart (with the blank row above it) is a block too, as tall as it is now
        charts = [(max(c.row - 1, 0), model.chart_last_row(c)) for c in model.charts]
        split = next(
            (
                (first, last)
                for first, last in sorted({*blocks, *charts})
                if first > 0
                and first not in model.breaks
                and (_split(model, pages, first, last) or _split(model, roomier, first, last))
                and model.rows_height(first, last) <= room
            ),
            None,
        )
        if split is None:
            return
        # the block now starts a page and fits on it: breaks chosen inside it no longer hold
        model.breaks = {b for b in model.breaks if not split[0] < b <= split[1]}
        model.breaks.add(split[0])


def _avoid_orphan_header(
    model: PageModel, table: TableSpan, blocks: Sequence[tuple[int, int]], heights: dict[int, float]
) -> None:
    data_rows = table.last - table.header_last
    if data_rows < 2:
        return  # nothing of the table to carry over

    def orphaned() -> bool:
        return any(first > table.last for first, _ in model.pages()[1:])

    if not orphaned():
        return
    # first, a shorter chart may fit below the table's end on the page where it ends
    kept = set(model.breaks)
    charts = list(model.charts)
    model.breaks = {b for b in model.breaks if b <= table.last}
    _shrink_charts_to_fit(model, heights)
    _keep_blocks_whole(model, blocks)
    if not orphaned():
        return
    model.breaks, model.charts = kept, charts
    heights.clear()
    for _ in range(20):
        if not orphaned():
            return
        start = table.last - (1 if data_rows == 2 else 2) + 1
        if start in model.breaks:
            return
        # the breaks chosen below the table no longer hold once its last rows move down
        model.breaks = {b for b in model.breaks if b < start}
        model.breaks.add(start)
        _shrink_charts_to_fit(model, heights)
        _keep_blocks_whole(model, blocks)


def _shrink_charts_to_fit(model: PageModel, heights: dict[int, float]) -> None:
    pages = model.pages()
    capacity = model.capacity()
    for i, chart in enumerate(model.charts):
        first = pages[model.page_of(max(chart.row - 1, 0), pages)][0]
        above = model.rows_height(first, chart.row - 1)
        repeated = model.repeat is not None and first > model.repeat[1]
        # the chart's bottom falls inside a row, which the page must hold whole
        room = capacity - (model.repeat_height() if repeated else 0.0) - above - model.default_height
        if CHART_MIN_PT <= room < chart.height_pt:
            model.charts[i] = Chart(chart.row, chart.col, chart.width_pt, room)
            heights[i] = room


def tighter_scale(
    model: PageModel, tables: Sequence[TableSpan], blocks: Iterable[tuple[int, int]], plan: PrintPlan
) -> tuple[float, PrintPlan] | None:
    """A slightly smaller print scale that saves an almost empty last page, if there is one.

    Only for a sheet without charts, whose last page holds less
    than :data:`LAST_PAGE_SHARE` of a page, and never below :data:`TIGHT_FONT_PT` nor by
    more than :data:`TIGHT_SHRINK` of the scale that fits the width. Returns the scale
    and the plan at that scale, or None (the model is left as it was).
    """
    pages = model.pages()
    if len(pages) < 2 or model.charts:
        return None
    first, last = pages[-1]
    if model.rows_height(first, last) >= LAST_PAGE_SHARE * (model.capacity() - model.repeat_height()):
        return None
    start = model.scale()
    lowest = max(TIGHT_FONT_PT / BASE_FONT_PT, start * TIGHT_SHRINK)
    blocks = list(blocks)
    for percent in range(round(start * 100) - 1, math.ceil(lowest * 100) - 1, -1):
        model.fixed_scale = percent / 100
        candidate = plan_pages(model, tables, blocks)
        if len(model.pages()) < len(pages):
            return percent / 100, candidate
    model.fixed_scale = None
    plan_pages(model, tables, blocks)
    return None
