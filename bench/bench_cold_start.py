"""Benchmark: a treasurer's listing commands as whole processes, against a bare script.

Each figure starts ``fundtrack --database URL funders`` (then ``grants``, ``ledger``) as
a new process and, in interleaved pairs, a bare Python script that opens the same
database with SQLAlchemy, reads the rows the command lists and prints them. For
``funders`` and ``grants`` the bare script prints the same table, character for
character, and the two outputs are compared before timing; for ``ledger`` (the
year's confirmed and requested amounts need the schedule rules) the bare script reads
the same rows (grants, funders, schedules, instalments) and prints them plainly, and
its output is not compared. The labels (column headings, kinds and statuses in French)
are read from the catalogue when the bench starts and written into the bare script as
literals: the bare side pays for no translation machinery. Goal: ≤ 1.5×.

The database is the Parc-Extension example, loaded once by ``fundtrack load``.

Run: .venv/bin/python bench/bench_cold_start.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

from fundtrack.i18n import translate
from fundtrack.models import FunderKind, GrantStatus

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXAMPLE = ROOT / "examples" / "parc-extension.yaml"

BARE_COMMON = """
import sys
from decimal import Decimal
from sqlalchemy import create_engine, text

SPACE = "\\u00a0"


def money(cents):
    units, rest = divmod(abs(cents), 100)
    digits = f"{units:,}".replace(",", SPACE)
    return ("-" if cents < 0 else "") + f"{digits},{rest:02d}"


def percent(rate):
    return f"{Decimal(str(rate)) * 100:.2f}".replace(".", ",") + SPACE + "%"


def table(headers, rows, numeric):
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def fmt(values):
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric)).rstrip()

    out = [fmt(headers), "  ".join("-" * w for w in widths)]
    out += [fmt(r) for r in rows]
    sys.stdout.write("\\n".join(out) + "\\n")


engine = create_engine(sys.argv[1])
with engine.connect() as conn:
"""

BARE_FUNDERS = """
    rows = conn.execute(text(
        "SELECT name, kind, fiscal_start_month, language, fee_cap FROM funders"
        " WHERE organisation_id = 1 ORDER BY name"
    )).all()
table(
    HEADERS,
    [[n, KINDS[k], str(m), lang, percent(cap) if cap is not None else ""]
     for n, k, m, lang, cap in rows],
    [False, False, True, False, False],
)
"""

BARE_GRANTS = """
    rows = conn.execute(text(
        "SELECT g.reference, f.name, g.status, g.amount,"
        " (SELECT COALESCE(SUM(i.received_amount), 0) FROM instalments i WHERE i.grant_id = g.id),"
        " g.start_date, g.end_date"
        " FROM grants g JOIN funders f ON f.id = g.funder_id"
        " WHERE g.organisation_id = 1 ORDER BY g.start_date, g.reference"
    )).all()
table(
    HEADERS,
    [[ref, funder, STATUSES[s], money(amount), money(received), str(start), str(end)]
     for ref, funder, s, amount, received, start, end in rows],
    [False, False, False, True, True, False, False],
)
"""

BARE_LEDGER = """
    grants = conn.execute(text(
        "SELECT g.id, g.reference, f.name, g.status, g.amount, g.start_date, g.end_date"
        " FROM grants g JOIN funders f ON f.id = g.funder_id WHERE g.organisation_id = 1"
        " ORDER BY f.name, g.reference"
    )).all()
    schedules = conn.execute(text("SELECT grant_id, period_start, period_end, amount FROM grant_schedule")).all()
    instalments = conn.execute(text(
        "SELECT grant_id, expected_date, expected_amount, received_amount FROM instalments"
    )).all()
for g in grants:
    print(g[1], g[2], g[3], money(g[4]), g[5], g[6])
print(len(schedules), len(instalments))
"""


def bare_script(folder: Path, command: str) -> Path:
    """The bare script for ``command``, the French labels written into it as literals."""
    body = {"funders": BARE_FUNDERS, "grants": BARE_GRANTS, "ledger": BARE_LEDGER}[command]
    headers = {
        "funders": ["term.funder", "col.kind", "col.fiscal_start", "col.language", "col.fee_cap"],
        "grants": ["label.reference", "term.funder", "label.status", "label.amount", "col.received", "label.start",
                   "label.end"],
        "ledger": [],
    }[command]  # fmt: skip
    literals = (
        f"HEADERS = {[translate(h, 'fr') for h in headers]!r}\n"
        f"KINDS = { ({k.value: translate(f'funder_kind.{k.value}', 'fr') for k in FunderKind})!r}\n"
        f"STATUSES = { ({s.value: translate(f'grant_status.{s.value}', 'fr') for s in GrantStatus})!r}\n"
    )
    path = folder / f"bare_{command}.py"
    path.write_text(literals + BARE_COMMON + body, encoding="utf-8")
    return path


def run(args: list[str]) -> str:
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return done.stdout


def main() -> None:
    harness.header("cold start of the listing commands")
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'example.sqlite3'}"
        fundtrack = str(BIN / "fundtrack")
        run([fundtrack, "--database", url, "init"])
        run([fundtrack, "--database", url, "load", str(EXAMPLE)])
        python = str(BIN / "python")
        for command in ("funders", "grants", "ledger"):
            script = str(bare_script(folder, command))
            compared = command != "ledger"

            def product(command: str = command) -> str:
                return run([fundtrack, "--database", url, "--lang", "fr", command])

            def bare(script: str = script) -> str:
                return run([python, script, url])

            harness.compare(
                f"fundtrack {command} (whole process){'' if compared else ', output not compared'}",
                product,
                bare,
                goal=1.5,
                check=None if compared else (lambda a, b: None),
            )
    harness.finish()


if __name__ == "__main__":
    main()
