"""Benchmark: a federation's portfolio on PostgreSQL — 300 organisations, about 1,000,000 expenses.

The portfolio (:mod:`portfolio`: each organisation with its funders, three years of
grants, budgets, positions and a year of expenses with their charges) is written by COPY
into ``fundtrack_bench_portfolio_300``, and the same first ten organisations into
``fundtrack_bench_portfolio_10``; each database is kept and rebuilt only when its stamp
(generator version, size, schema hash) differs. The loading time is printed when a
database is built: rows per second, and the ratio to a bare COPY of the same rows into
tables with no key, constraint or index.

Each figure goes through :mod:`harness` (same output first, then interleaved pairs):

- budget vs actual of one organisation, by line and by grant
  (:func:`fundtrack.queries.variance.budget_vs_actual`) against the bare SQL of
  ``bench_variance.py``, goal ≤ 1.2;
- Centraide's report across its grants in every organisation it funds
  (:func:`fundtrack.reports.funder_portfolio.funder_portfolio` and its workbook, as the
  funder's login reaches them) against bare SQL and bare xlsxwriter writing the same
  workbook (:mod:`funder_book`: the summary with a column per organisation, and each
  organisation's summary sheet), laid out as the product lays it out: the same column
  widths fitted to the text and the figures, row heights of wrapped text, margins and
  footer, measured with the text widths of :mod:`fundtrack.reports.layout`. Both are read
  back and compared sheet by sheet before timing: cell by cell (values, formulas and their
  stored values, formats), then for the layout (each row's height, each cell's format with
  its alignment, the columns' widths, the pane, the page's orientation, paper, margins,
  header and footer), goal ≤ 1.2. What the bare side leaves to the product is the print
  plan: the scale (the summary of 270 organisations prints at a fixed scale with column A
  repeated), the repeated header rows and the page breaks;
- the admin's expense list of one organisation: the page the treasurer gets through the
  Flask test client (logged in; the library has no listing query of its own for expenses:
  the view's query is Flask-Admin's, scoped), against the bare SQL of the same page
  (its rows, their charges and the count) rendered by a minimal Jinja template. The
  page does much more than the bare side (menus, filters, forms, translations): its
  goal is ≤ 3, judged, not the bare work's 1.2;
- "nothing grows with the number of organisations but what the question reads": the
  single-organisation figures (budget vs actual, the dashboard of
  :func:`fundtrack.reports.dashboard.dashboard`, one organisation's funder report, the
  expense list page) on the 300-organisation database against the same organisation on
  the 10-organisation one, goal ≤ 1.2. (The dashboard has no bare side here: its figures
  are the ledger, the funding gap month by month and the receivables, a whole rule
  engine; only its growth is judged.)

``--explain`` runs each single-organisation figure's statements again under EXPLAIN ANALYZE
on the large database and names the sequential scans of more than 1,000 rows (those that
read other organisations' rows), with the line of code that sent each.

On PostgreSQL both sides run with ``max_parallel_workers_per_gather = 0`` (a parallel
plan is slower on this 2-core machine, and the same kind of plan runs on each side).

The first build of the 300 organisations takes a few minutes on this 2-core machine; it
is then reused. ``--organisations N`` changes the size of the large database.
PostgreSQL at ``FUNDTRACK_BENCH_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``); skipped when unreachable.

Run: .venv/bin/python bench/bench_portfolio.py [--organisations 300] [--figures variance dashboard funder list] [--explain]
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
import traceback
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.exc import OperationalError

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import portfolio
from bench_variance import bare_side, product_side
from funder_book import bare_portfolio, same_workbooks

from fundtrack.db import database_url, make_engine, session_factory
from fundtrack.models import Expense, User
from fundtrack.periods import FiscalCalendar
from fundtrack.queries.scope import Scope
from fundtrack.reports.dashboard import Dashboard, dashboard
from fundtrack.reports.funder_portfolio import (
    funder_portfolio,
    parts_named,
    parts_of_account,
    write_funder_portfolio,
)

SMALL = 10
ORG = 1  # the organisation read by the single-organisation figures (the same in both databases)
CALENDAR = FiscalCalendar(4)
YEAR = CALENDAR.starting(portfolio.CURRENT)
AS_OF = portfolio.AS_OF
FUNDER_YEAR = CALENDAR.year_of(AS_OF)  # Centraide's fiscal year starts in April too


def serial_plans(engine: Engine) -> Engine:
    """No parallel workers on either side (the same kind of plan; a 2-core machine)."""

    @event.listens_for(engine, "connect")
    def _serial(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
        dbapi_connection.commit()

    return engine


def open_portfolio(server: str, organisations: int) -> Engine:
    url, loaded = portfolio.ensure(server, organisations)
    name = url.rsplit("/", 1)[-1]
    if loaded is None:
        print(f"  {name}: reused (stamp unchanged)", flush=True)
    else:
        bare = loaded.bare
        ratio = f", {loaded.loaded / bare:.1f}× a bare COPY of the same rows ({bare:.1f} s)" if bare else ""
        print(
            f"  {name}: {loaded.rows:,} rows generated in {loaded.generated:.1f} s, loaded in {loaded.loaded:.1f} s "
            f"({loaded.rows_per_second:,.0f} rows/s{ratio})",
            flush=True,
        )
    return serial_plans(make_engine(url))


# --- budget vs actual ----------------------------------------------------------------------------


def variance_figures(engine: Engine, small: Engine, organisations: int) -> None:
    for dimension in ("line", "grant"):
        product = product_side(engine, ORG, YEAR, AS_OF, dimension)
        harness.compare(
            f"budget vs actual by {dimension}, 1 of {organisations} organisations",
            product,
            bare_side(engine, ORG, YEAR, AS_OF, dimension),
            goal=1.2,
        )
        harness.compare(
            f"  same, {organisations} organisations / {SMALL}",
            product,
            product_side(small, ORG, YEAR, AS_OF, dimension),
            goal=1.2,
        )


# --- a funder's report across organisations ----------------------------------------------------

FunderFigures = dict[str, tuple[Decimal, Decimal, Decimal, Decimal]]  # organisation: granted, received, charged, left
FunderOutput = tuple[FunderFigures, bytes]  # and the workbook


def cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


def funder_product(engine: Engine, user_id: int, *, one: bool = False) -> Callable[[], FunderOutput]:
    factory = session_factory(engine)

    def run() -> FunderOutput:
        target = io.BytesIO()
        with factory() as s:
            parts = parts_of_account(s, user_id)
            if one:
                parts = [p for p in parts if p.scope.organisation_id == ORG]
            book = funder_portfolio(s, parts, as_of=AS_OF)
            write_funder_portfolio(book, target)
        out: FunderFigures = {}
        for report in book.reports:
            f = book.figures(report)
            out[report.organisation] = (
                f["grants_amount"],
                f["grants_received"],
                f["grants_spent"],
                f["grants_balance"],
            )
        return out, target.getvalue()

    return run


def funder_bare(engine: Engine, user_id: int) -> Callable[[], FunderOutput]:
    def run() -> FunderOutput:
        figures, data = bare_portfolio(engine, user_id, portfolio.CENTRAIDE, FUNDER_YEAR, FUNDER_YEAR.label, AS_OF)
        return {org: tuple(cents(v) for v in f) for org, f in figures.items()}, data  # type: ignore[misc]

    return run


def same_funder_books(product: FunderOutput, bare: FunderOutput) -> None:
    """The same figures, and workbooks holding the same sheets, cells and names."""
    harness.same(product[0], bare[0], "funder's report, the figures")
    same_workbooks(product[1], bare[1], "funder's report, the workbook")


def same_figures(product: FunderOutput, other: FunderOutput) -> None:
    harness.same(product[0], other[0], "funder's report, the figures")


def funder_figures(engine: Engine, small: Engine, organisations: int) -> None:
    with session_factory(engine)() as s:
        user_id = s.scalar(select(User.id).where(User.email == portfolio.FUNDER_EMAIL))
        reached = len(parts_of_account(s, user_id)) if user_id is not None else 0
        assert reached == len(parts_named(s, portfolio.CENTRAIDE)), "the login reaches every Centraide organisation"
    assert user_id is not None
    harness.compare(
        f"funder's report, {reached} organisations of {organisations}",
        funder_product(engine, user_id),
        funder_bare(engine, user_id),
        goal=1.2,
        check=same_funder_books,
        rounds=harness.MIN_ROUNDS,
    )
    with session_factory(small)() as s:
        small_user = s.scalar(select(User.id).where(User.email == portfolio.FUNDER_EMAIL))
    assert small_user is not None
    harness.compare(
        f"  one organisation's part, {organisations} organisations / {SMALL}",
        funder_product(engine, user_id, one=True),
        funder_product(small, small_user, one=True),
        goal=1.2,
        check=same_figures,
    )


# --- the dashboard -------------------------------------------------------------------------------


def dashboard_of(engine: Engine) -> Callable[[], Dashboard]:
    factory = session_factory(engine)

    def run() -> Dashboard:
        with factory() as s:
            return dashboard(s, Scope(ORG), YEAR, AS_OF)

    return run


def dashboard_figures(engine: Engine, small: Engine, organisations: int) -> None:
    harness.compare(
        f"dashboard, {organisations} organisations / {SMALL}", dashboard_of(engine), dashboard_of(small), goal=1.2
    )


# --- the admin's expense list --------------------------------------------------------------------

PAGE_SIZE = 20
PAGE_SQL = text(
    """
SELECT e.id, e.expense_date, e.payee, e.description, c.label_fr, p.name, e.pre_tax, e.gst, e.qst, e.net_cost
FROM expenses e JOIN projects p ON p.id = e.project_id JOIN budget_categories c ON c.id = e.category_id
WHERE e.organisation_id = :org ORDER BY e.expense_date DESC LIMIT :size
"""
)
CHARGES_SQL = text(
    "SELECT c.expense_id, g.reference, c.amount FROM expense_charges c JOIN grants g ON g.id = c.grant_id "
    "WHERE c.expense_id = ANY(:ids) ORDER BY c.expense_id, c.id"
)
COUNT_SQL = text("SELECT count(*) FROM expenses WHERE organisation_id = :org")
PAGE = jinja2.Environment(autoescape=True).from_string(
    """<html><body><p>{{ count }}</p><table>
{% for r in rows %}<tr><td><a href="/expenses/details/?id={{ r[0] }}">{{ r[1] }}</a></td><td>{{ r[2] }}</td>
<td>{{ r[3] }}</td><td>{{ r[4] }}</td><td>{{ r[5] }}</td><td>{{ money(r[6]) }}</td>
<td>{{ money(r[7]) }} {{ money(r[8]) }}</td><td>{{ money(r[9]) }}</td>
<td>{% for ref, amount in charges.get(r[0], []) %}{{ ref }} ({{ money(amount) }}) {% endfor %}</td></tr>
{% endfor %}</table></body></html>"""
)
IDS = re.compile(r"/expenses/details/\?id=(\d+)")


def _money(value: int) -> str:
    return f"{cents(value):,.2f} $".replace(",", " ").replace(".", ",")


def page_bare(engine: Engine) -> Callable[[], list[int]]:
    def run() -> list[int]:
        with engine.connect() as conn:
            rows = conn.execute(PAGE_SQL, {"org": ORG, "size": PAGE_SIZE}).all()
            ids = [r[0] for r in rows]
            charges: dict[int, list[tuple[str, int]]] = {}
            for expense_id, ref, amount in conn.execute(CHARGES_SQL, {"ids": ids}):
                charges.setdefault(expense_id, []).append((ref, amount))
            count = conn.execute(COUNT_SQL, {"org": ORG}).scalar_one()
        html = PAGE.render(rows=rows, charges=charges, count=count, money=_money)
        return [int(i) for i in IDS.findall(html)]

    return run


class AdminPage:
    """The expense list as the treasurer of organisation 1 gets it from the admin."""

    def __init__(self, engine: Engine, data_dir: str) -> None:
        from admin_app import create_app

        url = engine.url.render_as_string(hide_password=False)
        self.app = create_app({"FUNDTRACK_DATABASE_URL": url, "SECRET_KEY": "bench", "FUNDTRACK_DATA_DIR": data_dir})
        self.app.config["WTF_CSRF_ENABLED"] = False
        app_engine = self.app.extensions["fundtrack.engine"]
        serial_plans(app_engine)
        app_engine.dispose()
        self.client = self.app.test_client()
        email = f"tresorerie-{ORG:03d}@federation.example"
        login = self.client.post("/login", data={"email": email, "password": portfolio.PASSWORD})
        assert login.status_code == 302, login.status_code

    def __call__(self) -> list[int]:
        response = self.client.get(f"/expenses/?page_size={PAGE_SIZE}")
        assert response.status_code == 200, response.status_code
        return [int(i) for i in dict.fromkeys(IDS.findall(response.text))]

    def close(self) -> None:
        self.app.extensions["fundtrack.engine"].dispose()


def page_dates(engine: Engine, ids: list[int]) -> list[Any]:
    """The dates of the expenses ``ids`` (in that order), after checking they are all of the
    organisation read."""
    with engine.connect() as conn:
        found = {i: (org, day) for i, org, day in conn.execute(
            select(Expense.id, Expense.organisation_id, Expense.expense_date).where(Expense.id.in_(ids))
        )}  # fmt: skip
    harness.same({found[i][0] for i in ids}, {ORG}, "expense list: the organisation's own expenses")
    return [found[i][1] for i in ids]


def same_page(engine: Engine, other: Engine | None = None) -> Callable[[list[int], list[int]], None]:
    """The two pages list a full page of expenses of the same dates, newest first (expenses of
    one day may come in any order on either side: the list sorts by date alone)."""

    def check(product: list[int], bare: list[int]) -> None:
        harness.same(len(product), PAGE_SIZE, "expense list: a full page")
        harness.same(page_dates(engine, product), page_dates(other or engine, bare), "expense list")

    return check


def list_figures(engine: Engine, small: Engine, organisations: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        large_page = AdminPage(engine, str(Path(tmp) / "large"))
        small_page = AdminPage(small, str(Path(tmp) / "small"))
        try:
            harness.compare(
                f"expense list page, 1 of {organisations} organisations",
                large_page,
                page_bare(engine),
                goal=3,
                check=same_page(engine),
            )
            harness.compare(
                f"  same, {organisations} organisations / {SMALL}",
                large_page,
                small_page,
                goal=1.2,
                check=same_page(engine, small),
            )
        finally:
            large_page.close()
            small_page.close()


# --- where a figure reads other organisations' rows ----------------------------------------------

SCANNED = 1000  # a sequential scan reading more rows than this is named


def _caller() -> str:
    """Where in fundtrack (or admin_app) a statement was sent from."""
    for frame in reversed(traceback.extract_stack()):
        path = frame.filename
        if ("/fundtrack/" in path or "/admin_app/" in path) and not any(
            part in path for part in ("/models/", "/db.py")
        ):
            return f"{path.rsplit('/fundtrack/', 1)[-1].rsplit('/admin_app/', 1)[-1]}:{frame.lineno}"
    return "?"


def _seq_scans(node: dict[str, Any], out: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    if node["Node Type"] == "Seq Scan":
        loops = node.get("Actual Loops", 1)
        kept = int(node["Actual Rows"] * loops)
        out.append((node["Relation Name"], kept + int(node.get("Rows Removed by Filter", 0) * loops), kept))
    for child in node.get("Plans", []):
        _seq_scans(child, out)
    return out


def explain(engine: Engine, organisations: int) -> None:
    """Each single-organisation figure's statements, run again under EXPLAIN ANALYZE: the
    sequential scans that read more than :data:`SCANNED` rows (those of other organisations
    among them), with the place in the code that sent the statement."""
    with tempfile.TemporaryDirectory() as tmp:
        page = AdminPage(engine, tmp)
        runs: dict[str, Callable[[], Any]] = {
            "budget vs actual by line": product_side(engine, ORG, YEAR, AS_OF, "line"),
            "budget vs actual by grant": product_side(engine, ORG, YEAR, AS_OF, "grant"),
            "dashboard": dashboard_of(engine),
            "expense list page": page,
        }
        with session_factory(engine)() as s:
            user_id = s.scalar(select(User.id).where(User.email == portfolio.FUNDER_EMAIL))
        if user_id is not None:
            runs["one organisation's funder report"] = funder_product(engine, user_id, one=True)
        engines = {engine, page.app.extensions["fundtrack.engine"]}
        print(f"  sequential scans of more than {SCANNED:,} rows, {organisations} organisations:", flush=True)
        for name, run in runs.items():
            sent: list[tuple[str, Any, str]] = []

            def note(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
                sent.append((statement, params, _caller()))  # noqa: B023  (read at once, below)

            for e in engines:
                event.listen(e, "before_cursor_execute", note)
            try:
                run()
            finally:
                for e in engines:
                    event.remove(e, "before_cursor_execute", note)
            found = []
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                cursor.execute("SET max_parallel_workers_per_gather = 0")
                for statement, params, where in sent:
                    if not statement.lstrip().upper().startswith("SELECT"):
                        continue
                    cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, params)
                    (explained,) = cursor.fetchone() or ([{"Plan": {"Node Type": "Result"}}],)
                    plan = explained[0]["Plan"]
                    found += [(where, *scan) for scan in _seq_scans(plan, []) if scan[1] > SCANNED]
                raw.rollback()
            finally:
                raw.close()
            print(f"    {name}: {len(sent)} statements, {len(found) or 'no'} such scan{'s' if len(found) != 1 else ''}")
            for where, table, read, kept in found:
                print(f"      {where}: {table}, {read:,} rows read, {kept:,} kept")
        page.close()


FIGURES: dict[str, Callable[[Engine, Engine, int], None]] = {
    "variance": variance_figures,
    "dashboard": dashboard_figures,
    "funder": funder_figures,
    "list": list_figures,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--organisations", type=int, default=portfolio.DEFAULT_ORGANISATIONS)
    parser.add_argument("--figures", nargs="*", choices=sorted(FIGURES), default=sorted(FIGURES))
    parser.add_argument("--explain", action="store_true", help="name the large sequential scans of each figure")
    args = parser.parse_args()
    harness.header(f"a federation's portfolio ({args.organisations} organisations)")
    server = harness.POSTGRES_URL
    probe = create_engine(database_url(server))
    try:
        with probe.connect():
            pass
    except OperationalError:
        print(f"  PostgreSQL at {server} unreachable: skipped", flush=True)
        return
    finally:
        probe.dispose()
    small = open_portfolio(server, SMALL)
    engine = open_portfolio(server, args.organisations)
    try:
        if args.explain:
            explain(engine, args.organisations)
            return
        for name, figures in FIGURES.items():
            if name in args.figures:
                figures(engine, small, args.organisations)
    finally:
        engine.dispose()
        small.dispose()
    harness.finish()


if __name__ == "__main__":
    main()
