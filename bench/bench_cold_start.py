"""Benchmark: a treasurer's listing commands as whole processes, against a bare script.

Each figure starts ``fundtrack --database URL funders`` (then ``grants``, ``ledger``) as
a new process and, in interleaved pairs, a bare Python script that opens the same
database with SQLAlchemy, reads the rows the command lists and prints the same table,
character for character: the two outputs are compared before timing. For ``ledger`` the
bare script works out the current fiscal year's funding itself (each grant's part of the
year by days over the fiscal years it touches, cents by largest remainder, from its
schedule or instalments where its basis says so; received and still to receive from the
instalments and their receipts), as plain Python over four plain statements. The labels (column headings, kinds and statuses in French)
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
from datetime import date, timedelta
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
    org_name, start_month = conn.execute(
        text("SELECT name, fiscal_start_month FROM organisations WHERE id = 1")
    ).one()
    grants = conn.execute(text(
        "SELECT g.id, g.reference, g.status, g.amount, g.start_date, g.end_date, g.schedule_basis, g.funder_id, f.name"
        " FROM grants g JOIN funders f ON f.id = g.funder_id"
        " WHERE g.organisation_id = 1 AND g.status IN ('confirmed', 'closed', 'requested')"
        " ORDER BY g.start_date, g.reference"
    )).all()
    schedules = conn.execute(text(
        "SELECT s.grant_id, s.period_start, s.period_end, s.amount FROM grant_schedule s"
        " JOIN grants g ON g.id = s.grant_id WHERE g.organisation_id = 1 ORDER BY s.grant_id, s.period_start"
    )).all()
    instalments = conn.execute(text(
        "SELECT i.id, i.grant_id, i.expected_date, i.expected_amount, i.received_amount FROM instalments i"
        " JOIN grants g ON g.id = i.grant_id WHERE g.organisation_id = 1 ORDER BY i.expected_date, i.id"
    )).all()
    receipts = conn.execute(text(
        "SELECT r.instalment_id, r.received_date, r.amount FROM instalment_receipts r"
        " JOIN instalments i ON i.id = r.instalment_id JOIN grants g ON g.id = i.grant_id"
        " WHERE g.organisation_id = 1"
    )).all()

ONE = timedelta(days=1)


def day(value):
    return value if isinstance(value, date) else date.fromisoformat(value)


def fiscal_year(of):
    first = of.year if of.month >= start_month else of.year - 1
    return date(first, start_month, 1), date(first + 1, start_month, 1) - ONE, first


def days(a, b):  # days two ranges share
    return max(0, (min(a[1], b[1]) - max(a[0], b[0])).days + 1)


def part_in(piece, amount, year):
    # the piece's amount split by days over the fiscal years it touches, cents by largest remainder
    years = [fiscal_year(piece[0])[:2]]
    while years[-1][1] < piece[1]:
        years.append(fiscal_year(years[-1][1] + ONE)[:2])
    weights = [days(piece, y) for y in years]
    total, magnitude = sum(weights), abs(amount)
    floors = [magnitude * w // total for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(magnitude * weights[i] % total), i))
    for i in order[: magnitude - sum(floors)]:
        floors[i] += 1
    return (1 if amount >= 0 else -1) * floors[years.index(year)]


start, end, first = fiscal_year(date.today())
year = (start, end)
label = str(first) if start_month == 1 else f"{first}-{first + 1}"
pieces_of = {}
for grant_id, s_start, s_end, amount in schedules:
    pieces_of.setdefault(grant_id, []).append(((day(s_start), day(s_end)), amount))
got = {}
for inst_id, when, amount in receipts:
    got.setdefault(inst_id, []).append((day(when), amount))
due = {}
for inst_id, grant_id, expected_date, expected, received in instalments:
    due.setdefault(grant_id, []).append((day(expected_date), expected, received, got.get(inst_id, [])))
rows = {}
for grant_id, ref, status, amount, g_start, g_end, basis, funder_id, funder in grants:
    period = (day(g_start), day(g_end))
    mine = due.get(grant_id, [])
    received_in = any(start <= d <= end for _, _, _, paid in mine for d, _ in paid)
    overlaps = days(period, year) > 0
    if not overlaps and not received_in:
        continue
    if basis == "years" and grant_id in pieces_of:
        pieces = [((max(r[0], period[0]), min(r[1], period[1])) if days(r, period) else r, a) for r, a in pieces_of[grant_id]]
    elif basis == "instalments" and mine:
        pieces = [((d, d), a) for d, a, _, _ in mine]
        rest = amount - sum(a for _, a, _, _ in mine)
        if rest > 0:
            pieces.append((period, rest))
    else:
        pieces = [(period, amount)]
    share = 0
    if overlaps:
        for piece, part in pieces:
            inside = days(piece, year)
            if inside == (piece[1] - piece[0]).days + 1:
                share += part
            elif inside:
                share += part_in(piece, part, year)
    row = rows.setdefault(funder_id, [funder, 0, 0, 0, 0])
    if status == "requested":
        row[2] += share
        continue
    row[1] += share
    if not mine:
        row[4] += share
    for expected_date, expected, received, paid in mine:
        row[3] += sum(a for d, a in paid if start <= d <= end)
        if start <= expected_date <= end:
            row[4] += max(expected - (received or 0), 0)
ordered = sorted(rows.values(), key=lambda r: (-r[1], r[0]))
ordered.append([TOTAL] + [sum(r[i] for r in ordered) for i in range(1, 5)])
sys.stdout.write(TITLE.format(year=label, org=org_name) + "\\n")
table(HEADERS, [[r[0]] + [money(v) for v in r[1:]] for r in ordered], [False, True, True, True, True])
"""


def bare_script(folder: Path, command: str) -> Path:
    """The bare script for ``command``, the French labels written into it as literals."""
    body = {"funders": BARE_FUNDERS, "grants": BARE_GRANTS, "ledger": BARE_LEDGER}[command]
    headers = {
        "funders": ["term.funder", "col.kind", "col.fiscal_start", "col.language", "col.fee_cap"],
        "grants": ["label.reference", "term.funder", "label.status", "label.amount", "col.received", "label.start",
                   "label.end"],
        "ledger": ["term.funder", "col.confirmed", "col.requested", "col.received", "col.to_receive"],
    }[command]  # fmt: skip
    literals = (
        f"HEADERS = {[translate(h, 'fr') for h in headers]!r}\n"
        f"KINDS = { ({k.value: translate(f'funder_kind.{k.value}', 'fr') for k in FunderKind})!r}\n"
        f"STATUSES = { ({s.value: translate(f'grant_status.{s.value}', 'fr') for s in GrantStatus})!r}\n"
        f"TOTAL = {translate('label.total', 'fr')!r}\n"
        f"TITLE = {translate('cli.ledger_title', 'fr', year='{year}', org='{org}')!r}\n"
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

            def product(command: str = command) -> str:
                return run([fundtrack, "--database", url, "--lang", "fr", command])

            def bare(script: str = script) -> str:
                return run([python, script, url])

            harness.compare(f"fundtrack {command} (whole process)", product, bare, goal=1.5)
    harness.finish()


if __name__ == "__main__":
    main()
