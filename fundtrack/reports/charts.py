"""Native charts (drawn by Excel and LibreOffice alike) from ranges already on a sheet.

Two pictures the reports need:

- :func:`money_by_year_chart`: cost against confirmed and requested money per fiscal
  year, with the gap as a line (the budget workbook);
- :func:`stacked_by_funder_chart`: each month's cost stacked by the funder who pays it,
  the uncovered part in its own colour (the simulation workbook).

Series names point at the header cells of the table they chart, so a funder's name is
never parsed as a formula; a literal title starting with ``=`` is written as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fundtrack.i18n import Lang, msg
from fundtrack.reports.xlsx import CellRange, CellRef, ReportSheet, ReportWorkbook

M_AXIS_YEAR = msg("term.fiscal_year")
M_AXIS_MONTH = msg("label.month")
M_AXIS_AMOUNT = msg("report.chart.amount")

COLOURS = {
    "cost": "#44546A",
    "confirmed": "#2E7D32",
    "requested": "#F4B400",
    "gap": "#C62828",
    "gap_if_granted": "#EF6C00",
    "uncovered": "#C62828",
}
# Funders' colours in a stacked chart, in order; red stays for the uncovered part.
FUNDER_PALETTE = (
    "#1F77B4",
    "#2CA02C",
    "#9467BD",
    "#8C564B",
    "#17BECF",
    "#BCBD22",
    "#E377C2",
    "#7F7F7F",
    "#FF7F0E",
    "#393B79",
)

AXIS_MONEY_FORMATS: dict[Lang, str] = {
    "fr": '[$-C0C]#,##0 "$"',  # French separators in LibreOffice too (see xlsx.MONEY_FORMATS)
    "en": "[$$-1009]#,##0",
}


@dataclass(frozen=True)
class Series:
    """One series: its name (a header cell, or a translated label), its values and colour."""

    name: CellRef | str
    values: CellRange
    colour: str
    hatched: bool = False
    dashed: bool = False


def chart_text(value: str) -> str:
    """A literal chart string: xlsxwriter reads a leading ``=`` as a cell reference."""
    return "\u200b" + value if value.startswith("=") else value


def _name(name: CellRef | str) -> Any:
    if isinstance(name, CellRef):
        return [name.sheet, name.row, name.col]
    return chart_text(name)


def _series_options(series: Series, categories: CellRange, *, line: bool = False) -> dict[str, Any]:
    options: dict[str, Any] = {
        "name": _name(series.name),
        "categories": categories.as_list(),
        "values": series.values.as_list(),
    }
    if line:
        options["line"] = {"color": series.colour, "width": 2.25}
        if series.dashed:
            options["line"]["dash_type"] = "dash"
        options["marker"] = {"type": "circle", "size": 6, "fill": {"color": series.colour}}
    elif series.hatched:
        options["pattern"] = {
            "pattern": "wide_upward_diagonal",
            "fg_color": series.colour,
            "bg_color": "#FFFFFF",
        }
        options["border"] = {"color": series.colour}
    else:
        options["fill"] = {"color": series.colour}
        options["border"] = {"color": series.colour}
    return options


def _axes(chart: Any, book: ReportWorkbook, x_title: str) -> None:
    chart.set_x_axis({"name": chart_text(book.t(x_title))})
    chart.set_y_axis(
        {
            "name": chart_text(book.t(M_AXIS_AMOUNT)),
            "num_format": AXIS_MONEY_FORMATS[book.lang],
            "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
        }
    )
    chart.set_legend({"position": "bottom"})


def column_chart(
    book: ReportWorkbook,
    *,
    title: str,
    categories: CellRange,
    columns: Sequence[Series],
    lines: Sequence[Series] = (),
    stacked: bool = False,
    x_title: str = M_AXIS_YEAR,
) -> Any:
    """A column chart (clustered or stacked) with optional line series over it.

    ``title`` is text already in the workbook's language; ``x_title`` an i18n code.
    """
    options: dict[str, Any] = {"type": "column"}
    if stacked:
        options["subtype"] = "stacked"
    chart = book.book.add_chart(options)
    for series in columns:
        chart.add_series(_series_options(series, categories))
    if lines:
        overlay = book.book.add_chart({"type": "line"})
        for series in lines:
            overlay.add_series(_series_options(series, categories, line=True))
        chart.combine(overlay)
    chart.set_title({"name": chart_text(title), "name_font": {"size": 12, "bold": True}})
    _axes(chart, book, x_title)
    return chart


def money_by_year_chart(
    book: ReportWorkbook,
    *,
    title: str,
    years: CellRange,
    cost: Series,
    confirmed: Series,
    requested: Series,
    gap: Series | None = None,
    gap_if_granted: Series | None = None,
) -> Any:
    """Cost, confirmed and requested money side by side per fiscal year; the gaps as lines.

    ``gap`` is the gap if only confirmed money comes, ``gap_if_granted`` the gap if every
    request is granted (best drawn dashed).
    """
    return column_chart(
        book,
        title=title,
        categories=years,
        columns=[cost, confirmed, requested],
        lines=[s for s in (gap, gap_if_granted) if s is not None],
    )


def stacked_by_funder_chart(
    book: ReportWorkbook,
    *,
    title: str,
    periods: CellRange,
    funders: Sequence[Series],
    uncovered: Series,
    x_title: str = M_AXIS_MONTH,
) -> Any:
    """Each period's cost stacked by the funder who pays it, the uncovered part on top, hatched red."""
    return column_chart(
        book,
        title=title,
        categories=periods,
        columns=[*funders, uncovered],
        stacked=True,
        x_title=x_title,
    )


def funder_colour(index: int) -> str:
    return FUNDER_PALETTE[index % len(FUNDER_PALETTE)]


def insert_chart(sheet: ReportSheet, row: int, col: int, chart: Any, *, width: int = 720, height: int = 360) -> None:
    """Place ``chart`` (``width`` x ``height`` pixels) with its top-left corner at (``row``, ``col``).

    The chart is never split over two pages: it goes to the next page when it does not
    fit below what precedes it, and it is made shorter (never below 3⅓ inches) rather
    than printed alone under a table header repeated from the page before. It is never
    wider than the page or the sheet's columns.
    """
    sheet.add_chart(row, col, chart, width=width, height=height)
