"""Benchmark: budget vs actual over one fiscal year, against bare SQL doing the same work.

A large organisation (10 fiscal years, 50 funders, 500 grants, 20 projects of 15 budget
lines each, 1,000 allocations, N expenses of which 3 in 5 are charged to a grant) is
generated once with Core bulk inserts and kept under ``bench/.cache/`` (keyed by the
size and the schema); PostgreSQL gets a copy of it in a database of its own, created and
dropped by the run.

Each figure compares :func:`fundtrack.queries.variance.budget_vs_actual` with one bare
SQL statement that does the same work and returns the same figures to the cent:

- by line: the current versions' lines with their amount for the year, the net cost of
  the year and the part dated up to the "as of" date per line, and the budget of the
  whole months still to come (an even split by largest remainder, summed in SQL);
- by grant: the allocations per grant (and their months to come), the charges per
  grant joined to their expenses of the year, and the own funds (the lines' budget
  less the allocations, the net cost less the charges). On PostgreSQL both sides read the
  charges by the organisation's grants (the bare side reads their ids first, in its timing).

The product reads the budget's structure once and keeps it under the organisation's budget
stamp (``fundtrack/models/stamps.py``): each of its timed calls reads the stamp, then the
actuals, as every call after the first does in use; the bare statement reads the budget
every time, since that is what one statement without a cache has to do.

Before timing, the two outputs are compared (the benchmark stops if they differ). On
PostgreSQL both sides run with ``max_parallel_workers_per_gather = 0``: the same kind of
plan on each side (a parallel plan is slower on this 2-core machine). Goal: ≤ 1.2×.

Sizes: 100,000 expenses; with ``FUNDTRACK_BENCH_FULL=1`` also 1,000,000 (its first
generation takes a few minutes). PostgreSQL at ``FUNDTRACK_BENCH_POSTGRES_URL``
(default ``postgresql://postgres@127.0.0.1:5432/postgres``), skipped when unreachable.

Run: .venv/bin/python bench/bench_variance.py [--expenses N ...] [--no-postgres]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, create_engine, event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.schema import CreateIndex, CreateTable

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

import fundtrack.models  # noqa: F401  (registers every table)
from fundtrack.db import database_url, make_engine, session_factory
from fundtrack.models import (
    Allocation,
    Budget,
    BudgetLine,
    BudgetLineAmount,
    BudgetVersion,
    Expense,
    ExpenseCharge,
    Funder,
    Grant,
    Project,
)
from fundtrack.models.base import Base
from fundtrack.periods import DateRange, FiscalCalendar
from fundtrack.queries.scope import Scope
from fundtrack.queries.variance import budget_vs_actual
from fundtrack.schemas.interchange import NewOrganisation
from fundtrack.services.organisation import create_organisation

CACHE = Path(__file__).resolve().parent / ".cache"
YEARS = list(range(2016, 2026))  # ten fiscal years, 2016-2017 to 2025-2026
CALENDAR = FiscalCalendar(4)
PROJECTS, LINES_PER_PROJECT, FUNDERS, GRANTS = 20, 15, 50, 500


def build(engine: Engine, expenses: int, seed: int = 7) -> int:
    rnd = random.Random(seed)
    factory = session_factory(engine)
    with factory() as s, s.begin():
        org_id = create_organisation(s, NewOrganisation("Grande organisation")).organisation_id
        categories = [
            c for (c,) in s.execute(text("SELECT id FROM budget_categories WHERE organisation_id = :o"), {"o": org_id})
        ]
    with engine.begin() as conn:
        conn.execute(
            insert(Funder),
            [
                {"organisation_id": org_id, "name": f"Bailleur {i:02d}", "kind": "foundation", "fiscal_start_month": 4}
                for i in range(FUNDERS)
            ],
        )
        funder_ids = [r[0] for r in conn.execute(text("SELECT id FROM funders ORDER BY id"))]
        conn.execute(insert(Project), [{"organisation_id": org_id, "name": f"Projet {i:02d}"} for i in range(PROJECTS)])
        project_ids = [r[0] for r in conn.execute(text("SELECT id FROM projects ORDER BY id"))]
        conn.execute(insert(Budget), [{"organisation_id": org_id, "project_id": p} for p in project_ids])
        budget_ids = [r[0] for r in conn.execute(text("SELECT id FROM budgets ORDER BY id"))]
        conn.execute(
            insert(BudgetVersion),
            [{"budget_id": b, "name": "Adopté", "kind": "adopted", "current": True} for b in budget_ids],
        )
        version_ids = [r[0] for r in conn.execute(text("SELECT id FROM budget_versions ORDER BY id"))]
        conn.execute(
            insert(BudgetLine),
            [
                {
                    "version_id": v,
                    "category_id": categories[i % len(categories)],
                    "description": f"Ligne {i}",
                    "position": i,
                }
                for v in version_ids
                for i in range(LINES_PER_PROJECT)
            ],
        )
        lines = [(r[0], r[1]) for r in conn.execute(text("SELECT id, version_id FROM budget_lines ORDER BY id"))]
        conn.execute(
            insert(BudgetLineAmount),
            [
                {
                    "line_id": ln,
                    "period_start": CALENDAR.starting(y).start,
                    "period_end": CALENDAR.starting(y).end,
                    "amount": Decimal(rnd.randrange(100_000, 5_000_000)) / 100,
                }
                for ln, _ in lines
                for y in YEARS
            ],
        )
        grants = []
        for i in range(GRANTS):
            y = YEARS[i % len(YEARS)]
            grants.append(
                {
                    "organisation_id": org_id,
                    "funder_id": funder_ids[i % FUNDERS],
                    "reference": f"G-{i:03d}",
                    "title": f"Entente {i}",
                    "status": "confirmed",
                    "amount": Decimal(rnd.randrange(5_000_000, 50_000_000)) / 100,
                    "start_date": CALENDAR.starting(y).start,
                    "end_date": CALENDAR.starting(y).end,
                    "restricted": False,
                    "schedule_basis": "days",
                    "no_combination": False,
                }
            )
        conn.execute(insert(Grant), grants)
        grant_ids = [r[0] for r in conn.execute(text("SELECT id FROM grants ORDER BY id"))]
        allocations = []
        for i, g in enumerate(grant_ids):
            y = YEARS[i % len(YEARS)]
            for ln, _ in rnd.sample(lines, 2):
                allocations.append(
                    {
                        "organisation_id": org_id,
                        "grant_id": g,
                        "line_id": ln,
                        "period_start": CALENDAR.starting(y).start,
                        "period_end": CALENDAR.starting(y).end,
                        "amount": Decimal(rnd.randrange(100_000, 1_000_000)) / 100,
                    }
                )
        conn.execute(insert(Allocation), allocations)
        project_of_version = dict(zip(version_ids, project_ids, strict=True))
        line_info = {
            ln: (project_of_version[v], cat)
            for (ln, v), cat in zip(
                lines,
                [categories[i % len(categories)] for _ in version_ids for i in range(LINES_PER_PROJECT)],
                strict=True,
            )
        }
        first_day = CALENDAR.starting(YEARS[0]).start
        span = (CALENDAR.starting(YEARS[-1]).end - first_day).days
        batch = 20_000
        for start in range(0, expenses, batch):
            rows = []
            for _ in range(min(batch, expenses - start)):
                ln, _v = lines[rnd.randrange(len(lines))]
                proj, cat = line_info[ln]
                cents = rnd.randrange(1_000, 500_000)
                pre = Decimal(cents) / 100
                rows.append(
                    {
                        "organisation_id": org_id,
                        "project_id": proj,
                        "category_id": cat,
                        "line_id": ln,
                        "expense_date": first_day + timedelta(days=rnd.randrange(span + 1)),
                        "payee": "Fournisseur",
                        "description": "Dépense",
                        "pre_tax": pre,
                        "gst": Decimal(0),
                        "qst": Decimal(0),
                        "gst_rebate": Decimal(0),
                        "qst_rebate": Decimal(0),
                        "net_cost": pre,
                    }
                )
            conn.execute(insert(Expense), rows)
        first_expense = conn.execute(text("SELECT MIN(id) FROM expenses")).scalar_one()
        charges = []
        for i in range(expenses):
            if i % 5 < 3:
                charges.append(
                    {
                        "expense_id": first_expense + i,
                        "grant_id": grant_ids[rnd.randrange(GRANTS)],
                        "amount": Decimal("10.00"),
                    }
                )
            if len(charges) >= batch:
                conn.execute(insert(ExpenseCharge), charges)
                charges = []
        if charges:
            conn.execute(insert(ExpenseCharge), charges)
    return org_id


# --- the generated database, cached ------------------------------------------------------


def schema_stamp() -> str:
    """A short hash of the tables' DDL: a cached file made for another schema is not reused."""
    dialect = create_engine("sqlite://").dialect
    ddl = [str(CreateTable(t).compile(dialect=dialect)) for t in Base.metadata.sorted_tables]
    ddl += [
        str(CreateIndex(i).compile(dialect=dialect))
        for t in Base.metadata.sorted_tables
        for i in sorted(t.indexes, key=lambda i: str(i.name))
    ]
    return hashlib.sha256("\n".join(ddl).encode()).hexdigest()[:10]


def cached_sqlite(expenses: int) -> Path:
    """The generated SQLite file for ``expenses`` expenses (made once, then kept)."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"variance-{expenses}-{schema_stamp()}.sqlite3"
    if path.exists():
        return path
    started = time.perf_counter()
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{partial}")
    Base.metadata.create_all(engine)
    build(engine, expenses)
    engine.dispose()
    conn = sqlite3.connect(partial)
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode=DELETE")  # one file, safe to rename
    conn.close()
    partial.rename(path)
    print(f"  generated {expenses:,} expenses in {time.perf_counter() - started:.1f} s ({path.name})", flush=True)
    return path


def copy_to_postgres(source: Path, engine: Engine) -> None:
    """Copy every table of the cached SQLite file into an empty PostgreSQL database (COPY)."""
    Base.metadata.create_all(engine)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with sqlite3.connect(source) as lite:
            for table in Base.metadata.sorted_tables:
                columns = [c.name for c in table.columns]
                names = ", ".join(f'"{c}"' for c in columns)
                rows = lite.execute(f'SELECT {names} FROM "{table.name}"')
                with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:  # type: ignore[attr-defined]
                    for row in rows:
                        copy.write_row(row)
                if "id" in columns:
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
                    )
        raw.commit()
    finally:
        raw.close()
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


# --- the two sides -------------------------------------------------------------------------


def to_come_sql(column: str, months_before: int, months: int = 12) -> str:
    """SQL for the budget of an even split of ``column`` (cents, ≥ 0) over ``months`` months,
    from month ``months_before`` on: the floor share each, and a cent each to the first
    ``column % months`` months (largest remainder, as :func:`fundtrack.money.split_evenly`)."""
    left = months - months_before
    return (
        f"({left} * ({column} / {months}) + "
        f"CASE WHEN {column} % {months} > {months_before} THEN {column} % {months} - {months_before} ELSE 0 END)"
    )


LINES_SQL = """
SELECT l.id AS line_id, a.amount AS budget, {to_come} AS to_come
FROM budget_lines l
JOIN budget_versions v ON v.id = l.version_id
JOIN budgets b ON b.id = v.budget_id
JOIN budget_line_amounts a ON a.line_id = l.id AND a.period_start <= :end AND a.period_end >= :start
WHERE b.organisation_id = :org AND v."current"
"""

ACTUAL_SQL = """
SELECT line_id, SUM(net_cost) AS total, SUM(CASE WHEN expense_date <= :as_of THEN net_cost ELSE 0 END) AS to_date
FROM expenses WHERE organisation_id = :org AND expense_date >= :start AND expense_date <= :end
GROUP BY line_id
"""


def bare_by_line(period: DateRange, as_of: date) -> Any:
    lines = LINES_SQL.format(to_come=to_come_sql("a.amount", months_elapsed(period, as_of)))
    return text(
        f"SELECT b.line_id, b.budget, b.to_come, e.total, e.to_date FROM ({lines}) b "
        f"LEFT JOIN ({ACTUAL_SQL}) e ON e.line_id = b.line_id"
    )


def bare_by_grant(period: DateRange, as_of: date, postgresql: bool) -> Any:
    """On PostgreSQL the charges are read by the organisation's grants, as the product reads them."""
    months = months_elapsed(period, as_of)
    by_grants = " AND c.grant_id IN :grants" if postgresql else ""
    statement = text(
        f"""
SELECT 'a' AS kind, g.reference, SUM(al.amount), SUM({to_come_sql("al.amount", months)})
FROM allocations al JOIN grants g ON g.id = al.grant_id
WHERE al.organisation_id = :org AND al.period_start <= :end AND al.period_end >= :start
GROUP BY g.reference
UNION ALL
SELECT 'c', g.reference, SUM(c.amount), SUM(CASE WHEN e.expense_date <= :as_of THEN c.amount ELSE 0 END)
FROM expense_charges c JOIN expenses e ON e.id = c.expense_id JOIN grants g ON g.id = c.grant_id
WHERE e.organisation_id = :org AND e.expense_date >= :start AND e.expense_date <= :end{by_grants}
GROUP BY g.reference
UNION ALL
SELECT 'l', NULL, SUM(budget), SUM(to_come) FROM ({LINES_SQL.format(to_come=to_come_sql("a.amount", months))}) b
UNION ALL
SELECT 'n', NULL, SUM(net_cost), SUM(CASE WHEN expense_date <= :as_of THEN net_cost ELSE 0 END)
FROM expenses WHERE organisation_id = :org AND expense_date >= :start AND expense_date <= :end
"""
    )
    return statement.bindparams(bindparam("grants", expanding=True)) if postgresql else statement


GRANT_IDS_SQL = text("SELECT id FROM grants WHERE organisation_id = :org")


def months_elapsed(period: DateRange, as_of: date) -> int:
    """Whole months of the period up to the end of the month of ``as_of`` (the bench's dates
    fall on a month's last day, so what is to come is whole months)."""
    assert (as_of + timedelta(days=1)).day == 1, "the bare side sums whole months to come"
    return (as_of.year - period.start.year) * 12 + as_of.month - period.start.month + 1


def cents(value: int | None) -> Decimal:
    return Decimal(value or 0).scaleb(-2)


Figures = dict[Any, tuple[Decimal, Decimal, Decimal]]  # budget, actual, forecast


def product_side(engine: Engine, org_id: int, period: DateRange, as_of: date, dimension: str) -> Callable[[], Figures]:
    factory = session_factory(engine)

    def run() -> Figures:
        with factory() as s:
            table = budget_vs_actual(s, Scope(org_id), period, dimension, as_of=as_of, lang="fr")  # type: ignore[arg-type]
        if dimension == "line":
            return {r.ident[2]: (r.budget, r.actual, r.forecast) for r in table.rows}  # type: ignore[index]
        return {r.ident: (r.budget, r.actual, r.forecast) for r in table.rows}

    return run


def bare_side(engine: Engine, org_id: int, period: DateRange, as_of: date, dimension: str) -> Callable[[], Figures]:
    factory = session_factory(engine)
    params = {"org": org_id, "start": period.start, "end": period.end, "as_of": as_of}
    if dimension == "line":
        query = bare_by_line(period, as_of)

        def by_line() -> Figures:
            with factory() as s:
                rows = s.connection().execute(query, params).all()
            return {
                line: (cents(budget), cents(total), cents((to_date or 0) + to_come))
                for line, budget, to_come, total, to_date in rows
            }

        return by_line
    postgresql = engine.dialect.name == "postgresql"
    query = bare_by_grant(period, as_of, postgresql)

    def by_grant() -> Figures:
        with factory() as s:
            conn = s.connection()
            if postgresql:  # the charges read by the organisation's grants, as the product reads them
                grants = conn.execute(GRANT_IDS_SQL, params).scalars().all()
                rows = conn.execute(query, {**params, "grants": grants}).all()
            else:
                rows = conn.execute(query, params).all()
        alloc: dict[str, tuple[int, int]] = {}
        charged: dict[str, tuple[int, int]] = {}
        lines = net = (0, 0)
        for kind, ref, total, part in rows:
            if kind == "a":
                alloc[ref] = (total, part)
            elif kind == "c":
                charged[ref] = (total, part)
            elif kind == "l":
                lines = (total or 0, part or 0)
            else:
                net = (total or 0, part or 0)
        out: Figures = {}
        for ref in alloc.keys() | charged.keys():
            (budget, to_come), (spent, to_date) = alloc.get(ref, (0, 0)), charged.get(ref, (0, 0))
            out[ref] = (cents(budget), cents(spent), cents(to_date + to_come))
        budget = lines[0] - sum(a for a, _ in alloc.values())
        to_come = lines[1] - sum(c for _, c in alloc.values())
        spent = net[0] - sum(c for c, _ in charged.values())
        to_date = net[1] - sum(d for _, d in charged.values())
        out[None] = (cents(budget), cents(spent), cents(to_date + to_come))
        return out

    return by_grant


def figures(engine: Engine, label: str, expenses: int, org_id: int = 1) -> None:
    period = CALENDAR.starting(2024)
    as_of = date(2024, 11, 30)
    for dimension in ("line", "grant"):
        harness.compare(
            f"budget vs actual by {dimension}, {label}, {expenses:,}",
            product_side(engine, org_id, period, as_of, dimension),
            bare_side(engine, org_id, period, as_of, dimension),
            goal=1.2,
        )


def on_sqlite(expenses: int) -> None:
    source = cached_sqlite(expenses)
    engine = make_engine(f"sqlite:///{source}")
    try:
        figures(engine, "SQLite", expenses)
    finally:
        engine.dispose()


def on_postgres(server: str, expenses: int) -> None:
    admin = create_engine(database_url(server), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except OperationalError:
        print(f"  PostgreSQL at {server} unreachable: skipped", flush=True)
        return
    source = cached_sqlite(expenses)
    name = f"fundtrack_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(database_url(server)).set(database=name).render_as_string(hide_password=False)
        engine = make_engine(url)

        @event.listens_for(engine, "connect")
        def _serial_plans(dbapi_connection: Any, _record: Any) -> None:
            # the same kind of plan on both sides: no parallel workers on a 2-core machine
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET max_parallel_workers_per_gather = 0")
            dbapi_connection.commit()

        started = time.perf_counter()
        copy_to_postgres(source, engine)
        print(f"  copied into PostgreSQL in {time.perf_counter() - started:.1f} s", flush=True)
        figures(engine, "PostgreSQL", expenses)
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--expenses", type=int, nargs="*", default=None)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    sizes = args.expenses or ([100_000, 1_000_000] if harness.FULL else [100_000])
    harness.header("budget vs actual")
    if not harness.FULL and not args.expenses:
        print("  (1,000,000 expenses with FUNDTRACK_BENCH_FULL=1)")
    for expenses in sizes:
        on_sqlite(expenses)
        if not args.no_postgres:
            on_postgres(harness.POSTGRES_URL, expenses)
    harness.finish()


_ = (shutil, random)

if __name__ == "__main__":
    main()
