"""Benchmark: budget vs actual over one fiscal year, against one hand-written SQL GROUP BY.

Generates a large organisation with bulk inserts (10 fiscal years, 50 funders, 500 grants,
20 projects of 15 budget lines each, 1,000 allocations and 100,000 expenses, most charged
to a grant), then times in the same run:

- the baseline: ``SELECT line_id, SUM(net_cost) FROM expenses WHERE ... GROUP BY line_id``;
- :func:`fundtrack.queries.variance.budget_vs_actual` by line, and by grant;

and prints each time and its ratio to the baseline (aim: at most 1.5 for the view by line).

Run: .venv/bin/python bench/bench_variance.py [--expenses 100000] [--repeat 5]
     .venv/bin/python bench/bench_variance.py --postgres [URL] --expenses 1000000
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session

import fundtrack.models  # noqa: F401  (registers every table)
from fundtrack.db import make_engine, session_factory
from fundtrack.models import (
    Allocation,
    Budget,
    BudgetCategory,
    BudgetLine,
    BudgetLineAmount,
    BudgetVersion,
    Expense,
    ExpenseCharge,
    Funder,
    Grant,
    Organisation,
    Project,
)
from fundtrack.models.base import Base
from fundtrack.periods import FiscalCalendar
from fundtrack.queries.scope import Scope
from fundtrack.queries.variance import budget_vs_actual
from fundtrack.schemas.interchange import NewOrganisation
from fundtrack.services.organisation import create_organisation

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
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return org_id


def timed(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm the caches once
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(engine: Engine, expenses: int, repeat: int) -> None:
    t0 = time.perf_counter()
    org_id = build(engine, expenses)
    print(f"{engine.dialect.name}: {expenses:,} expenses generated in {time.perf_counter() - t0:.1f} s")
    year = CALENDAR.starting(2024)
    factory = session_factory(engine)
    sql = text(
        "SELECT line_id, SUM(net_cost) FROM expenses "
        "WHERE organisation_id = :org AND expense_date BETWEEN :start AND :end GROUP BY line_id"
    )

    def baseline() -> None:
        with factory() as s:
            list(s.execute(sql, {"org": org_id, "start": year.start, "end": year.end}))

    def by(dimension: str) -> Callable[[], None]:
        def go() -> None:
            with factory() as s:
                budget_vs_actual(s, Scope(org_id), year, dimension, as_of=date(2024, 11, 30), lang="fr")  # type: ignore[arg-type]

        return go

    base = timed(baseline, repeat)
    print(f"  hand-written GROUP BY over {year.label}: {base * 1000:8.1f} ms")
    for dimension in ("line", "grant"):
        t = timed(by(dimension), repeat)
        print(f"  budget vs actual by {dimension:<5}: {t * 1000:8.1f} ms  ratio {t / base:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--expenses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--postgres",
        nargs="?",
        const="postgresql://postgres@127.0.0.1:5432/postgres",
        help="Run on a throwaway PostgreSQL database on this server (default 1,000,000 expenses)",
    )
    args = parser.parse_args()
    if args.postgres:
        run_postgres(args.postgres, args.expenses if args.expenses != 100_000 else 1_000_000, args.repeat)
        return
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        Base.metadata.create_all(engine)
        run(engine, args.expenses, args.repeat)
        engine.dispose()


def run_postgres(server: str, expenses: int, repeat: int) -> None:
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from fundtrack.db import database_url

    name = f"fundtrack_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(database_url(server)).set(database=name).render_as_string(hide_password=False)
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        run(engine, expenses, repeat)
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


_ = (Organisation, BudgetCategory, Session)

if __name__ == "__main__":
    main()
