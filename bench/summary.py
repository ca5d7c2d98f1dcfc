"""The table of a whole ``make bench`` run: every figure of every benchmark, and the misses.

Each benchmark appends its figures to the file ``FUNDTRACK_BENCH_RESULTS`` names (see
``harness.summary``); this prints them as one table (the goal, the median ratio of the
interleaved pairs with its spread, the median times of both sides, meets or misses), then
how many figures meet their goal. ``FUNDTRACK_BENCH_STRICT=1`` makes a miss fail the run.

Run: .venv/bin/python bench/summary.py RESULTS_FILE
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def main() -> None:
    path = Path(sys.argv[1])
    figures = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(f"\n== the whole run: {len(figures)} figures")
    print("| benchmark | figure | goal | median ratio (min – max) | product vs bare | |")
    print("|---|---|---|---|---|---|")
    for f in figures:
        ratios = f["ratios"]
        spread = f"{f['median']:.2f} ({min(ratios):.2f} – {max(ratios):.2f})"
        times = f"{_ms(f['product'])} vs {_ms(f['bare'])}" if f["bare"] else ""
        print(f"| {f['script']} | {f['name']} | ≤ {f['goal']:g} | {spread} | {times} | {f['verdict']} |")
    missed = sum(f["verdict"] != "meets" for f in figures)
    print(f"\n{len(figures) - missed} of {len(figures)} figures meet their goal")
    if missed and os.environ.get("FUNDTRACK_BENCH_STRICT") == "1":
        sys.exit(1)


if __name__ == "__main__":
    main()
