"""The web pages' SVG charts: well-formed, every figure in its tooltip, nothing drawn outside the plot."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from fundtrack.reports.svg import Bars, Line, bar_chart, nice_step, whole_amount

NS = {"s": "http://www.w3.org/2000/svg"}
MONTHS = ["avr.", "mai", "juin"]


def chart(bars: list[Bars], lines: list[Line] | None = None, stacked: bool = True) -> ET.Element:
    text = bar_chart(
        ident="c1",
        title="Qui paie chaque mois",
        description="Salaires par mois et par bailleur",
        categories=MONTHS,
        bars=bars,
        lines=lines or [],
        stacked=stacked,
        lang="fr",
    )
    return ET.fromstring(text)


def test_each_bar_says_its_series_its_month_and_its_amount_in_french() -> None:
    root = chart([Bars("Centraide", [Decimal("1234.56"), Decimal("0"), Decimal("10")], "#0072B2")])
    tips = [t.text for t in root.iterfind(".//s:rect/s:title", NS)]
    assert tips == ["Centraide — avr. : 1\u00a0234,56\u00a0$", "Centraide — juin : 10,00\u00a0$"]
    assert root.attrib["role"] == "img"
    assert root.find("s:title", NS).text == "Qui paie chaque mois"  # type: ignore[union-attr]


def test_a_funder_name_that_looks_like_markup_is_text() -> None:
    root = chart([Bars('<script>alert("x")</script>', [Decimal(1)] * 3, "#0072B2")])
    legend = [t.text for t in root.iterfind(".//s:g[@class='ft-legend']/s:text", NS)]
    assert legend == ['<script>alert("x")</script>']
    assert root.find(".//s:script", NS) is None


def test_stacked_bars_are_as_tall_together_as_their_total() -> None:
    root = chart(
        [
            Bars("A", [Decimal("300"), Decimal("0"), Decimal("0")], "#0072B2"),
            Bars("B", [Decimal("100"), Decimal("0"), Decimal("400")], "#009E73", hatched=True),
        ]
    )
    heights = [int(r.attrib["height"]) for r in root.iterfind(".//s:g[@class='ft-bars']/s:rect", NS)]
    a, b, alone = heights
    assert abs((a + b) - alone) <= 2  # 300 + 100 drawn as tall as 400 (to a pixel of each)
    assert abs(a - 3 * b) <= 3
    assert root.find(".//s:pattern", NS) is not None  # requested money is hatched


@given(
    st.lists(
        st.lists(st.decimals(min_value=-50_000, max_value=500_000, places=2), min_size=3, max_size=3),
        min_size=1,
        max_size=4,
    ),
    st.booleans(),
)
def test_nothing_is_drawn_outside_the_plot(values: list[list[Decimal]], stacked: bool) -> None:
    bars = [Bars(f"S{i}", v, "#0072B2") for i, v in enumerate(values)]
    line = Line("Manque", [sum((v[i] for v in values), Decimal(0)) for i in range(3)], "#D55E00")
    root = chart(bars, [line], stacked)
    height = int(root.attrib["viewBox"].split()[3])
    for rect in root.iterfind(".//s:g[@class='ft-bars']/s:rect", NS):
        top, tall = int(rect.attrib["y"]), int(rect.attrib["height"])
        assert top >= 0 and top + tall <= height
    for dot in root.iterfind(".//s:circle", NS):
        assert 0 <= int(dot.attrib["cy"]) <= height


@given(st.integers(min_value=1, max_value=10**15))
def test_the_axis_step_is_round_and_covers_the_span_in_five_steps(span: int) -> None:
    step = nice_step(span)
    assert step * 5 >= span
    digits = str(step // 100).rstrip("0")
    assert digits in {"1", "2", "5"}


def test_axis_ticks_are_whole_dollars_as_each_language_writes_them() -> None:
    assert whole_amount(1_200_000, "fr") == "12\u00a0000\u00a0$"
    assert whole_amount(1_200_000, "en") == "$12,000"
