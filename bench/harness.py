"""What every benchmark shares: the same output first, then interleaved pairs, judged against a goal.

A figure compares the product (A) with a bare baseline (B) that does the same work:

1. both are run once and their outputs compared (to the cent): a baseline that computes
   something else is no baseline, and the benchmark stops there;
2. then A and B run in turns (A B A B ...), at least 7 rounds after one warm-up round,
   and each round gives the ratio A / B of a pair measured a moment apart, so that a
   shared machine slowing down slows both sides of a pair alike;
3. a call shorter than :data:`SAMPLE_SECONDS` is repeated within each timed sample (the
   same number of times on both sides, chosen from the warm-up), so that a figure of a few
   milliseconds is not a ratio of two scheduler ticks;
4. the figure is the median of those ratios, printed with its spread (min–median–max)
   beside the goal, and "meets" or "misses".

``FUNDTRACK_BENCH_ROUNDS`` raises the number of rounds (never below 7). Every figure is
kept in :data:`RESULTS`; :func:`summary` prints them as a table at the end of a run and
returns how many missed.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

MIN_ROUNDS = 7
ROUNDS = max(MIN_ROUNDS, int(os.environ.get("FUNDTRACK_BENCH_ROUNDS", MIN_ROUNDS)))
FULL = os.environ.get("FUNDTRACK_BENCH_FULL") == "1"
SAMPLE_SECONDS = 0.2  # the shortest timed sample: shorter calls are repeated within it
MAX_REPEAT = 200
POSTGRES_URL = os.environ.get("FUNDTRACK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


class NotTheSame(AssertionError):
    """The baseline does not produce what the product produces: its timing would mean nothing."""


@dataclass(frozen=True)
class Figure:
    """One measured figure: a ratio's spread against its goal (lower is better)."""

    name: str
    goal: float
    ratios: tuple[float, ...]
    product: float  # median seconds of the product's runs
    bare: float  # median seconds of the baseline's runs
    unit: str = "x"
    repeat: int = 1  # calls in a row within each timed sample

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)

    @property
    def meets(self) -> bool:
        return self.median <= self.goal

    @property
    def verdict(self) -> str:
        return "meets" if self.meets else "misses"

    def line(self) -> str:
        spread = f"{min(self.ratios):.2f} – {self.median:.2f} – {max(self.ratios):.2f}"
        times = f"{_ms(self.product)} vs {_ms(self.bare)}" if self.bare else ""
        if self.repeat > 1:
            times += f" ({self.repeat} a sample)"
        return f"  {self.name:<52} goal ≤ {self.goal:<4g} ratio {spread}  {times:<24} {self.verdict}"


RESULTS: list[Figure] = []


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def same(product: Any, bare: Any, what: str) -> None:
    """Stop unless the two outputs are equal (Decimals compared exactly)."""
    if product != bare:
        detail = ""
        if isinstance(product, list | tuple) and isinstance(bare, list | tuple):
            if len(product) != len(bare):
                detail = f" ({len(product)} rows against {len(bare)})"
            else:
                for i, (a, b) in enumerate(zip(product, bare, strict=True)):
                    if a != b:
                        detail = f" (first difference at row {i}: {a!r} against {b!r})"
                        break
        elif isinstance(product, dict) and isinstance(bare, dict):
            keys = (
                sorted(set(product) ^ set(bare), key=repr)[:3] or [k for k in product if product[k] != bare.get(k)][:3]
            )
            detail = f" (keys {keys!r}: {[product.get(k) for k in keys]!r} against {[bare.get(k) for k in keys]!r})"
        raise NotTheSame(f"{what}: the baseline's output differs from the product's{detail}")


def _timed(fn: Callable[[], Any], repeat: int = 1) -> float:
    """Seconds one call of ``fn`` takes: the mean of ``repeat`` calls in a row."""
    gc.collect()
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - started) / repeat


def _repeat_for(*seconds: float) -> int:
    """How many calls in a row make a sample of at least :data:`SAMPLE_SECONDS` for the
    quicker side (both sides are repeated as many times: the pair stays one against one)."""
    quickest = max(min(seconds), 1e-6)
    return max(1, min(MAX_REPEAT, int(SAMPLE_SECONDS / quickest) + 1)) if quickest < SAMPLE_SECONDS else 1


def compare(
    name: str,
    product: Callable[[], Any],
    bare: Callable[[], Any],
    goal: float,
    *,
    check: Callable[[Any, Any], None] | None = None,
    rounds: int = ROUNDS,
) -> Figure:
    """Check that ``product`` and ``bare`` give the same output, then time them in pairs.

    ``check(product_output, bare_output)`` replaces the plain equality when the outputs
    need reading (two files, say); it raises :class:`NotTheSame` when they differ.
    """
    rounds = max(MIN_ROUNDS, rounds)
    a, b = product(), bare()  # the warm-up round, and the outputs compared
    if check is not None:
        check(a, b)
    else:
        same(a, b, name)
    del a, b
    repeat = _repeat_for(_timed(product), _timed(bare))
    ratios, product_times, bare_times = [], [], []
    for n in range(rounds):
        # alternate which side goes first, so that neither always runs on a warmer cache
        if n % 2 == 0:
            ta = _timed(product, repeat)
            tb = _timed(bare, repeat)
        else:
            tb = _timed(bare, repeat)
            ta = _timed(product, repeat)
        product_times.append(ta)
        bare_times.append(tb)
        ratios.append(ta / tb)
    figure = Figure(
        name, goal, tuple(ratios), statistics.median(product_times), statistics.median(bare_times), repeat=repeat
    )
    RESULTS.append(figure)
    print(figure.line(), flush=True)
    return figure


def peak_memory(fn: Callable[[], Any]) -> int:
    """Peak bytes Python allocated while ``fn`` ran (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def memory_flat(name: str, small: tuple[int, int], large: tuple[int, int], goal: float) -> Figure:
    """A figure for peak memory: the large run's peak over the small run's (rows, bytes each)."""
    ratio = large[1] / small[1]
    figure = Figure(name, goal, (ratio,), 0.0, 0.0)
    RESULTS.append(figure)
    print(
        f"  {name:<52} goal ≤ {goal:<4g} ratio {ratio:.2f}  "
        f"({small[0]:,} rows {small[1] / 1e6:.2f} MB, {large[0]:,} rows {large[1] / 1e6:.2f} MB)  {figure.verdict}",
        flush=True,
    )
    return figure


def header(title: str) -> None:
    print(f"{title} — {ROUNDS} interleaved rounds, load average {_load()}", flush=True)


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def summary() -> int:
    """Print every figure of the run; return how many miss their goal.

    With ``FUNDTRACK_BENCH_RESULTS`` naming a file (``make bench`` does), the figures are
    also appended to it, one JSON object a line, for ``bench/summary.py`` to print the
    whole run's table at its end.
    """
    print(f"\nsummary (load average now {_load()}):")
    for figure in RESULTS:
        print(figure.line())
    missed = sum(not f.meets for f in RESULTS)
    print(f"  {len(RESULTS) - missed} of {len(RESULTS)} figures meet their goal", flush=True)
    kept = os.environ.get("FUNDTRACK_BENCH_RESULTS")
    if kept:
        script = Path(sys.argv[0]).name
        with open(kept, "a", encoding="utf-8") as out:
            for f in RESULTS:
                record = {"script": script, **asdict(f), "median": f.median, "verdict": f.verdict}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return missed


def finish() -> None:
    """End a benchmark script: the summary, and exit status 0 (a miss is a figure, not a failure;
    ``FUNDTRACK_BENCH_STRICT=1`` makes a miss fail the run)."""
    missed = summary()
    if missed and os.environ.get("FUNDTRACK_BENCH_STRICT") == "1":
        sys.exit(1)
