"""Charts drawn on the server as SVG, for the web pages (no script, nothing from outside).

:func:`bar_chart` draws bars per category (a month, a fiscal year), stacked or side by
side, with optional lines over them (a gap, a balance). Every text is escaped; the chart
is an image with a title and a description for screen readers, each bar carries its own
tooltip (``<title>``), and the page shows the same figures in a table beside it.

Positions are computed in whole cents and whole pixels (integer arithmetic): a chart
never rounds an amount, it only places it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from babel.numbers import format_currency

from fundtrack.i18n import Lang
from fundtrack.money import cents, format_money

# Colours of the Okabe-Ito palette (told apart with every common colour blindness)
COLOURS = {
    "cost": "#444444",
    "confirmed": "#009E73",
    "requested": "#E69F00",
    "received": "#0072B2",
    "uncovered": "#D55E00",
    "gap": "#D55E00",
    "gap_if_granted": "#CC79A7",
}
PALETTE = ("#0072B2", "#009E73", "#E69F00", "#56B4E9", "#CC79A7", "#F0E442", "#000000", "#999999")

_WHOLE = {"fr": "#,##0\u00a0¤", "en": "¤#,##0"}
_LOCALES = {"fr": "fr_CA", "en": "en_CA"}
CHAR_PX = 7  # a character's width at 12 px, for the legend's layout
MAX_LABELS = 12  # category labels shown under the axis at most


@dataclass(frozen=True)
class Bars:
    """A series drawn as bars: its legend, one value per category, its colour."""

    label: str
    values: Sequence[Decimal]
    colour: str
    hatched: bool = False  # money not yet granted (requested), say


@dataclass(frozen=True)
class Line:
    """A series drawn as a line over the bars."""

    label: str
    values: Sequence[Decimal]
    colour: str
    dashed: bool = False


def whole_amount(value_cents: int, lang: Lang) -> str:
    """An axis tick: ``12 000 $`` / ``$12,000`` (ticks fall on whole dollars)."""
    return str(
        format_currency(
            Decimal(value_cents) / 100, "CAD", format=_WHOLE[lang], locale=_LOCALES[lang], currency_digits=False
        )
    )


def nice_step(span_cents: int, ticks: int = 5) -> int:
    """The tick step (in cents): 1, 2 or 5 times a power of ten dollars, giving at most
    ``ticks`` steps over ``span_cents``."""
    step = 100
    while True:
        for factor in (1, 2, 5):
            if step * factor * ticks >= span_cents:
                return step * factor
        step *= 10


@dataclass(frozen=True)
class _Frame:
    left: int
    top: int
    width: int
    height: int
    low: int  # cents at the bottom of the plot
    high: int  # cents at its top

    def y(self, value_cents: int) -> int:
        return self.top + self.height - (value_cents - self.low) * self.height // (self.high - self.low)


def bar_chart(
    *,
    ident: str,
    title: str,
    description: str,
    categories: Sequence[str],
    bars: Sequence[Bars],
    lines: Sequence[Line] = (),
    stacked: bool = True,
    lang: Lang,
    width: int = 760,
    height: int = 300,
) -> str:
    """An SVG bar chart (see the module's text); ``ident`` makes its ids unique on a page."""
    count = len(categories)
    every: list[Bars | Line] = [*bars, *lines]
    for series in every:
        if len(series.values) != count:
            raise ValueError(f"series {series.label!r} has {len(series.values)} values for {count} categories")
    low, high = _range(bars, lines, stacked, count)
    step = nice_step(high - low)
    low, high = (low // step) * step, -((-high) // step) * step
    if high == low:
        high = low + step
    legend_rows = _legend_rows([*bars, *lines], width - 20)
    top = 14 + 20 * len(legend_rows)
    frame = _Frame(left=92, top=top, width=width - 92 - 12, height=height - top - 34, low=low, high=high)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ft-chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
        _defs(ident, bars),
        *_legend(ident, legend_rows),
        *_axis(frame, step, lang),
        *_bars(ident, frame, categories, bars, stacked, lang),
        *_lines(frame, categories, lines, lang),
        *_labels(frame, categories),
        "</svg>",
    ]
    return "".join(parts)


def _range(bars: Sequence[Bars], lines: Sequence[Line], stacked: bool, count: int) -> tuple[int, int]:
    low = high = 0
    for i in range(count):
        values = [cents(b.values[i]) for b in bars]
        if stacked:
            high = max(high, sum(v for v in values if v > 0))
            low = min(low, sum(v for v in values if v < 0))
        else:
            high = max(high, *values, 0)
            low = min(low, *values, 0)
        for line in lines:
            value = cents(line.values[i])
            high, low = max(high, value), min(low, value)
    return low, high


def _defs(ident: str, bars: Sequence[Bars]) -> str:
    patterns = [
        f'<pattern id="{ident}-hatch-{i}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<rect width="3" height="6" fill={quoteattr(b.colour)}/></pattern>'
        for i, b in enumerate(bars)
        if b.hatched
    ]
    return f"<defs>{''.join(patterns)}</defs>" if patterns else ""


def _fill(ident: str, index: int, series: Bars) -> str:
    return f"url(#{ident}-hatch-{index})" if series.hatched else series.colour


def _legend_rows(series: Sequence[Bars | Line], room: int) -> list[list[tuple[int, Bars | Line]]]:
    rows: list[list[tuple[int, Bars | Line]]] = [[]]
    used = 0
    for index, item in enumerate(series):
        size = 24 + CHAR_PX * len(item.label) + 16
        if rows[-1] and used + size > room:
            rows.append([])
            used = 0
        rows[-1].append((index, item))
        used += size
    return rows if rows[0] else []


def _legend(ident: str, rows: list[list[tuple[int, Bars | Line]]]) -> list[str]:
    out = ['<g class="ft-legend" font-size="12">']
    for r, row in enumerate(rows):
        x, y = 10, 8 + 20 * r
        for index, item in row:
            if isinstance(item, Bars):
                out.append(
                    f'<rect x="{x}" y="{y}" width="16" height="12" fill={quoteattr(_fill(ident, index, item))} '
                    f"stroke={quoteattr(item.colour)}/>"
                )
            else:
                dash = ' stroke-dasharray="5 3"' if item.dashed else ""
                out.append(
                    f'<line x1="{x}" y1="{y + 6}" x2="{x + 16}" y2="{y + 6}" stroke={quoteattr(item.colour)} '
                    f'stroke-width="3"{dash}/>'
                )
            out.append(f'<text x="{x + 22}" y="{y + 11}">{escape(item.label)}</text>')
            x += 24 + CHAR_PX * len(item.label) + 16
    out.append("</g>")
    return out


def _axis(frame: _Frame, step: int, lang: Lang) -> list[str]:
    out = ['<g class="ft-axis" font-size="11">']
    value = frame.low
    while value <= frame.high:
        y = frame.y(value)
        stroke = "#555555" if value == 0 else "#dddddd"
        out.append(
            f'<line x1="{frame.left}" y1="{y}" x2="{frame.left + frame.width}" y2="{y}" stroke="{stroke}"/>'
            f'<text x="{frame.left - 6}" y="{y + 4}" text-anchor="end">{escape(whole_amount(value, lang))}</text>'
        )
        value += step
    out.append("</g>")
    return out


def _slot(frame: _Frame, count: int, index: int) -> tuple[int, int]:
    """The left edge and width of category ``index``'s slot."""
    left = frame.left + frame.width * index // count
    return left, frame.left + frame.width * (index + 1) // count - left


def _bars(
    ident: str, frame: _Frame, categories: Sequence[str], bars: Sequence[Bars], stacked: bool, lang: Lang
) -> list[str]:
    out = ['<g class="ft-bars">']
    count = len(categories)
    for i, category in enumerate(categories):
        left, slot = _slot(frame, count, i)
        gap = max(1, slot // 6)
        up = down = 0
        for s, series in enumerate(bars):
            value = cents(series.values[i])
            if value == 0:
                continue
            if stacked:
                x, w = left + gap, slot - 2 * gap
                if value > 0:
                    y0, y1 = frame.y(up + value), frame.y(up)
                    up += value
                else:
                    y0, y1 = frame.y(down), frame.y(down + value)
                    down += value
            else:
                inner = (slot - 2 * gap) // max(1, len(bars))
                x, w = left + gap + s * inner, inner
                y0, y1 = (frame.y(value), frame.y(0)) if value > 0 else (frame.y(0), frame.y(value))
            tip = f"{series.label} — {category} : " if lang == "fr" else f"{series.label} — {category}: "
            out.append(
                f'<rect x="{x}" y="{y0}" width="{max(1, w)}" height="{max(1, y1 - y0)}" '
                f'fill={quoteattr(_fill(ident, s, series))} stroke={quoteattr(series.colour)} stroke-width="0.5">'
                f"<title>{escape(tip + format_money(series.values[i], lang))}</title></rect>"
            )
    out.append("</g>")
    return out


def _lines(frame: _Frame, categories: Sequence[str], lines: Sequence[Line], lang: Lang) -> list[str]:
    out: list[str] = []
    count = len(categories)
    for line in lines:
        points = []
        dots = []
        for i, category in enumerate(categories):
            left, slot = _slot(frame, count, i)
            x, y = left + slot // 2, frame.y(cents(line.values[i]))
            points.append(f"{x},{y}")
            tip = f"{line.label} — {category} : " if lang == "fr" else f"{line.label} — {category}: "
            dots.append(
                f'<circle cx="{x}" cy="{y}" r="3" fill={quoteattr(line.colour)}>'
                f"<title>{escape(tip + format_money(line.values[i], lang))}</title></circle>"
            )
        dash = ' stroke-dasharray="6 4"' if line.dashed else ""
        out.append(
            f'<g class="ft-line"><polyline points="{" ".join(points)}" fill="none" '
            f'stroke={quoteattr(line.colour)} stroke-width="2.5"{dash}/>{"".join(dots)}</g>'
        )
    return out


def _labels(frame: _Frame, categories: Sequence[str]) -> list[str]:
    count = len(categories)
    every = -(-count // MAX_LABELS) if count else 1
    out = ['<g class="ft-categories" font-size="11">']
    bottom = frame.top + frame.height
    for i, category in enumerate(categories):
        if i % every:
            continue
        left, slot = _slot(frame, count, i)
        out.append(f'<text x="{left + slot // 2}" y="{bottom + 16}" text-anchor="middle">{escape(category)}</text>')
    out.append("</g>")
    return out


__all__ = ["COLOURS", "PALETTE", "Bars", "Line", "bar_chart", "nice_step", "whole_amount"]
