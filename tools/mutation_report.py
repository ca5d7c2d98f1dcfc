"""The mutation score of the money core, per module, from mutmut's results.

Reads ``mutmut results --all true`` (run from the project's root, after ``mutmut run``)
and the equivalent mutants listed in ``tests/mutation-equivalent.txt``, then prints,
per module: mutants, killed, survived, other outcomes, equivalent, and the score
killed / (mutants − equivalent) against the goal. A mutant that timed out counts as
killed (the test run would never finish); one not checked or without tests counts as
not killed. Exits 1 when a module misses the goal or the equivalents file is out of
date (a line without its reason, a mutant that no longer exists or that tests kill).

    python tools/mutation_report.py                          # the five modules
    python tools/mutation_report.py fundtrack/calc/payroll.py  # one module
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

MODULES = (
    "fundtrack/money.py",
    "fundtrack/periods.py",
    "fundtrack/calc/charging.py",
    "fundtrack/calc/taxes.py",
    "fundtrack/calc/payroll.py",
)
EQUIVALENTS = Path("tests/mutation-equivalent.txt")
GOAL = 0.95
CAUGHT = {"killed", "timeout", "caught by type check"}


@dataclass(frozen=True)
class Row:
    module: str
    total: int
    killed: int
    survived: int
    other: int
    equivalent: int

    @property
    def score(self) -> float:
        counted = self.total - self.equivalent
        return self.killed / counted if counted else 1.0


def module_prefix(path: str) -> str:
    """``fundtrack/calc/payroll.py`` → ``fundtrack.calc.payroll.``: how mutmut names its mutants."""
    return path.removesuffix(".py").replace("/", ".") + "."


def read_results(command: list[str]) -> dict[str, str]:
    """Every mutant mutmut knows, with its status."""
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    statuses: dict[str, str] = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name.startswith("fundtrack."):
            statuses[name] = status
    return statuses


def read_equivalents(path: Path) -> tuple[dict[str, str], list[str]]:
    """Mutant name → why it cannot change behaviour; and the problems found in the file."""
    reasons: dict[str, str] = {}
    problems: list[str] = []
    if not path.exists():
        return reasons, problems
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition(" ")
        if not reason.strip():
            problems.append(f"{path}:{number}: {name} gives no reason")
        reasons[name] = reason.strip()
    return reasons, problems


def tabulate(modules: list[str], statuses: dict[str, str], equivalents: dict[str, str]) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    problems: list[str] = []
    for module in modules:
        prefix = module_prefix(module)
        mine = {name: status for name, status in statuses.items() if name.startswith(prefix)}
        counts = Counter(mine.values())
        killed = sum(counts[s] for s in CAUGHT)
        equivalent = 0
        for name in (n for n in equivalents if n.startswith(prefix)):
            if name not in mine:
                problems.append(f"{name}: listed as equivalent, but mutmut has no such mutant (renumbered?)")
            elif mine[name] in CAUGHT:
                problems.append(f"{name}: listed as equivalent, but the tests kill it: remove the line")
            else:
                equivalent += 1
        survived = counts["survived"] - sum(1 for n in equivalents if mine.get(n) == "survived")
        other = len(mine) - killed - counts["survived"]
        rows.append(Row(module, len(mine), killed, survived, other, equivalent))
    return rows, problems


def render(rows: list[Row]) -> str:
    head = f"{'module':<28} {'mutants':>7} {'killed':>7} {'survived':>8} {'other':>6} {'equiv.':>6} {'score':>8}"
    lines = [head, "-" * len(head)]
    for r in rows:
        verdict = f"meets ≥ {GOAL:.0%}" if r.score >= GOAL else "misses"
        lines.append(
            f"{r.module:<28} {r.total:>7} {r.killed:>7} {r.survived:>8} {r.other:>6} {r.equivalent:>6}"
            f" {r.score:>7.1%}  {verdict}"
        )
    lines.append("score = killed (timeouts included) / (mutants − equivalent); survived excludes the equivalents;")
    lines.append("other = not checked, no tests, suspicious or segfault (not killed)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help="module paths (default: the five of the money core)")
    parser.add_argument("--equivalents", type=Path, default=EQUIVALENTS)
    parser.add_argument("--mutmut", default=str(Path(sys.executable).with_name("mutmut")))
    args = parser.parse_args(argv)
    modules = args.modules or list(MODULES)
    unknown = [m for m in modules if m not in MODULES]
    if unknown:
        parser.error(f"not a module of the money core: {', '.join(unknown)}")
    statuses = read_results([args.mutmut, "results", "--all", "true"])
    if not statuses:
        print("no mutmut results: run `mutmut run` first", file=sys.stderr)
        return 2
    equivalents, problems = read_equivalents(args.equivalents)
    rows, more = tabulate(modules, statuses, equivalents)
    print(render(rows))
    for problem in problems + more:
        print(f"equivalents: {problem}", file=sys.stderr)
    survivors = sorted(
        n
        for m in modules
        for n, s in statuses.items()
        if n.startswith(module_prefix(m)) and s not in CAUGHT and n not in equivalents
    )
    if survivors:
        print(f"\nnot killed ({len(survivors)}): `mutmut show NAME` shows the change", file=sys.stderr)
        for name in survivors:
            print(f"  {name}: {statuses[name]}", file=sys.stderr)
    return 1 if problems or more or any(r.score < GOAL for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
